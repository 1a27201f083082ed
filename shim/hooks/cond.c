/* Condition-variable waits (pthread_cond_* and C11 cnd_*).
 *
 * glibc releases the mutex inside the wait and re-acquires it internally, where no
 * hook sees it.  So the wait is modelled as: release M, wait (published as "in
 * cond wait (C, M)" for the watchdog), acquire M again with whatever else the
 * thread still holds, which is what adds the edges held -> M a re-acquire creates.
 * A cancelled wait re-acquires M and unwinds: the cleanup handler clears the
 * published wait (the cleanup that unlocks M then finds M untracked but owned by
 * this thread in glibc's state, which is no misuse).
 */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>
#include <threads.h>

struct cwait {
    struct lg_thread *t;
};

static void clear_wait(void *arg)
{
    struct cwait *w = arg;
    atomic_store(&w->t->wait.cond_mutex, NULL);
}

static int begin(struct lg_thread *t, uintptr_t m, uint8_t kind)
{
    int saved = errno;
    t->busy = 1;
    struct lg_lockrec *l = lg_lock_of(t, m, kind, lg_mutex_subkind);
    int had = lg_released(t, m);
    atomic_fetch_add(&t->wait.seq, 1); /* a new wait, as far as the watchdog can tell */
    atomic_store(&t->wait.cond_mutex, l);
    t->busy = 0;
    errno = saved;
    return had;
}

static void end(struct lg_thread *t, uintptr_t m, uint8_t kind, int had, int reacquired,
                uintptr_t pc)
{
    struct cwait w = {t};
    clear_wait(&w);
    if (had && reacquired)
        lg_acquired(t, m, kind, lg_mutex_subkind, LG_MODE_EXCL, 0, pc);
}

enum wait_fn { W_COND, W_TIMED, W_CLOCK, W_CND, W_CND_TIMED };

struct call {
    enum wait_fn fn;
    void *c, *m;
    clockid_t clk;
    const struct timespec *at;
};

static int call_real(const struct call *k)
{
    switch (k->fn) {
    case W_COND: return REAL(pthread_cond_wait)(k->c, k->m);
    case W_TIMED: return REAL(pthread_cond_timedwait)(k->c, k->m, k->at);
    case W_CLOCK: return REAL(pthread_cond_clockwait)(k->c, k->m, k->clk, k->at);
    case W_CND: return REAL(cnd_wait)(k->c, k->m);
    case W_CND_TIMED: return REAL(cnd_timedwait)(k->c, k->m, k->at);
    }
    return EINVAL;
}

/* Kept out of line: pthread_cleanup_push is setjmp-based. */
static __attribute__((noinline)) int call_guarded(struct lg_thread *t, const struct call *k)
{
    struct cwait w = {t};
    int r;
    pthread_cleanup_push(clear_wait, &w);
    r = call_real(k);
    pthread_cleanup_pop(0);
    return r;
}

static int wait(const struct call *k, uintptr_t pc)
{
    struct lg_thread *t = lg_hook_enter();
    if (!t)
        return call_real(k);
    int c11 = k->fn == W_CND || k->fn == W_CND_TIMED;
    uint8_t kind = c11 ? LG_KIND_MTX : LG_KIND_MUTEX;
    int had = begin(t, (uintptr_t)k->m, kind);
    int r = call_guarded(t, k);
    /* the mutex is held again after success, a timeout, or (robust) EOWNERDEAD */
    int relocked = c11 ? (r == thrd_success || r == thrd_timedout)
                       : (r == 0 || r == ETIMEDOUT || r == EOWNERDEAD);
    end(t, (uintptr_t)k->m, kind, had, relocked, pc);
    return r;
}

LG_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    struct call k = {W_COND, c, m, 0, NULL};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                     const struct timespec *at)
{
    struct call k = {W_TIMED, c, m, 0, at};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
                                     const struct timespec *at)
{
    struct call k = {W_CLOCK, c, m, clk, at};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
    struct call k = {W_CND, c, m, 0, NULL};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict at)
{
    struct call k = {W_CND_TIMED, c, m, 0, at};
    return wait(&k, LG_CALLER_PC());
}
