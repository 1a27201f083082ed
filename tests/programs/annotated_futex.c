/* annotated_futex: a futex mutex of the program's own (Drepper's three-state
 * mutex: 0 free, 1 taken, 2 taken with waiters), described to lockgraph with
 * <lockgraph/annotate.h>.  Without the annotations lockgraph sees none of it.
 *
 *   abba       fx_worker_ab takes futex A then B, fx_worker_ba B then A, one thread
 *              after the other: one lock-order inversion over fx_a and fx_b, reported
 *              at this file's lines (nothing hangs).
 *   ordered    both workers take A then B: silent.
 *   trylock    fx_worker_ab takes A then B; fx_try_ba holds B and only tries A
 *              (backs off when it fails): the cycle goes through a try, silent.
 *   deadlock   the two workers take their first lock, meet at a barrier, then
 *              block on each other's: a real deadlock the shim ends (status 86).
 *   long-hold  fx_hold_a holds fx_a for 800 ms: a long hold with a 500 ms threshold;
 *              three waiters queue behind it (contended acquisitions in the
 *              statistics).
 *   recursive  a recursive annotated lock (created WRITE_REENTRANT) taken twice by
 *              its holder, then fx_b under it: silent (no self-deadlock).
 */
#define _GNU_SOURCE
#include "tp_util.h"

#include <lockgraph/annotate.h>

#include <linux/futex.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct fx_mutex {
    atomic_int word;
};

static void futex_wait(atomic_int *w, int v)
{
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_wake(atomic_int *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void fx_lock(struct fx_mutex *m)
{
    lockgraph_before_lock(m, 0);
    int c = 0;
    if (!atomic_compare_exchange_strong(&m->word, &c, 1)) {
        if (c != 2)
            c = atomic_exchange(&m->word, 2);
        while (c != 0) {
            futex_wait(&m->word, 2);
            c = atomic_exchange(&m->word, 2);
        }
    }
    lockgraph_after_lock(m, 0, 1);
}

static int fx_trylock(struct fx_mutex *m)
{
    lockgraph_before_lock(m, LOCKGRAPH_TRY);
    int c = 0;
    int ok = atomic_compare_exchange_strong(&m->word, &c, 1);
    lockgraph_after_lock(m, LOCKGRAPH_TRY | (ok ? 0 : LOCKGRAPH_FAILED), 1);
    return ok;
}

static void fx_unlock(struct fx_mutex *m)
{
    lockgraph_before_unlock(m, 0);
    if (atomic_exchange(&m->word, 0) == 2)
        futex_wake(&m->word);
    lockgraph_after_unlock(m, 0);
}

/* a recursive lock on top: owner + depth, the inner futex mutex taken once */
struct fx_rec {
    struct fx_mutex m;
    _Atomic pid_t owner;
    int depth;
};

static void rec_lock(struct fx_rec *r)
{
    pid_t me = gettid();
    lockgraph_before_lock(r, 0);
    if (atomic_load(&r->owner) == me) {
        r->depth++;
    } else {
        int c = 0;
        while (!atomic_compare_exchange_strong(&r->m.word, &c, 1)) {
            c = 0;
            sched_yield();
        }
        atomic_store(&r->owner, me);
        r->depth = 1;
    }
    lockgraph_after_lock(r, 0, 1);
}

static void rec_unlock(struct fx_rec *r)
{
    lockgraph_before_unlock(r, 0);
    if (--r->depth == 0) {
        atomic_store(&r->owner, 0);
        atomic_store(&r->m.word, 0);
    }
    lockgraph_after_unlock(r, 0);
}

static struct fx_mutex fx_a, fx_b;
static struct fx_rec fx_rec_lock;
static pthread_barrier_t both_hold_first;
static int meet; /* deadlock mode: meet at the barrier holding the first lock */

static void *fx_worker_ab(void *arg)
{
    (void)arg;
    fx_lock(&fx_a);
    if (meet)
        pthread_barrier_wait(&both_hold_first);
    fx_lock(&fx_b);
    fx_unlock(&fx_b);
    fx_unlock(&fx_a);
    return NULL;
}

static void *fx_worker_ba(void *arg)
{
    (void)arg;
    fx_lock(&fx_b);
    if (meet)
        pthread_barrier_wait(&both_hold_first);
    fx_lock(&fx_a);
    fx_unlock(&fx_a);
    fx_unlock(&fx_b);
    return NULL;
}

static void *fx_try_ba(void *arg)
{
    (void)arg;
    for (;;) {
        fx_lock(&fx_b);
        if (fx_trylock(&fx_a))
            break;
        fx_unlock(&fx_b); /* back off: never waits for A while holding B */
        sched_yield();
    }
    fx_unlock(&fx_a);
    fx_unlock(&fx_b);
    return NULL;
}

static void *fx_hold_a(void *arg)
{
    (void)arg;
    fx_lock(&fx_a);
    sleep_ms(800);
    fx_unlock(&fx_a);
    return NULL;
}

static void *fx_wait_a(void *arg)
{
    (void)arg;
    fx_lock(&fx_a);
    fx_unlock(&fx_a);
    return NULL;
}

static void *fx_recursive(void *arg)
{
    (void)arg;
    rec_lock(&fx_rec_lock);
    rec_lock(&fx_rec_lock);
    fx_lock(&fx_b);
    fx_unlock(&fx_b);
    rec_unlock(&fx_rec_lock);
    rec_unlock(&fx_rec_lock);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "abba";
    lockgraph_create(&fx_a, 0);
    lockgraph_create(&fx_b, 0);
    lockgraph_create(&fx_rec_lock, LOCKGRAPH_WRITE_REENTRANT);
    if (strcmp(mode, "abba") == 0) {
        run_in_thread(fx_worker_ab, NULL);
        run_in_thread(fx_worker_ba, NULL);
    } else if (strcmp(mode, "ordered") == 0) {
        run_in_thread(fx_worker_ab, NULL);
        run_in_thread(fx_worker_ab, NULL);
    } else if (strcmp(mode, "trylock") == 0) {
        run_in_thread(fx_worker_ab, NULL);
        run_in_thread(fx_try_ba, NULL);
    } else if (strcmp(mode, "deadlock") == 0) {
        meet = 1;
        check(pthread_barrier_init(&both_hold_first, NULL, 2), "barrier_init");
        pthread_t t1, t2;
        check(pthread_create(&t1, NULL, fx_worker_ab, NULL), "pthread_create");
        check(pthread_create(&t2, NULL, fx_worker_ba, NULL), "pthread_create");
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        printf("not reached: the deadlock ends the process\n");
        return 4;
    } else if (strcmp(mode, "long-hold") == 0) {
        pthread_t h, w[3];
        check(pthread_create(&h, NULL, fx_hold_a, NULL), "pthread_create");
        sleep_ms(100);
        for (int i = 0; i < 3; i++)
            check(pthread_create(&w[i], NULL, fx_wait_a, NULL), "pthread_create");
        pthread_join(h, NULL);
        for (int i = 0; i < 3; i++)
            pthread_join(w[i], NULL);
    } else if (strcmp(mode, "recursive") == 0) {
        run_in_thread(fx_recursive, NULL);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    lockgraph_destroy(&fx_a, 0);
    lockgraph_destroy(&fx_b, 0);
    lockgraph_destroy(&fx_rec_lock, 0);
    printf("annotated %s done\n", mode);
    return 0;
}
