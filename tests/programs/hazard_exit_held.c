/* Threads that end while holding locks (exit-held-lock), and ends that are not
 * reported.  Each mode prints its lines and "exit held: finished", exit 0 (except
 * where said).
 *   return    a thread returns from its start routine holding a mutex: one
 *             `exit-held-lock:` finding ("returned from its start routine")
 *   exit      a thread calls pthread_exit holding a mutex and a read lock: two
 *             findings ("pthread_exit or cancellation")
 *   cancel    a thread is cancelled in nanosleep holding a mutex, no cleanup
 *             handler: one finding ("pthread_exit or cancellation")
 *   cleanup   the same, but a cleanup handler unlocks it: no finding
 *   released  a thread locks a mutex and returns after main unlocked it for it
 *             (glibc lets a normal mutex go): bad-unlock [not_owner] only
 *   process   main returns while a worker holds a lock (blocked for good): no
 *             finding
 *   thread-exit  a worker holding a lock calls exit(3): no finding, exit 3
 * After a reported end, main's trylock of the lock says 16 (EBUSY): it stays held. */
#include "hazard_util.h"

#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile int holding, released;

static void *returns_holding(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    return NULL; /* the bug: m is never unlocked */
}

static void *exits_holding(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    hz_ok(pthread_rwlock_rdlock(&rw), "rdlock rw");
    pthread_exit(NULL); /* the bug: both stay held */
}

static void unlock_m(void *arg)
{
    (void)arg;
    pthread_mutex_unlock(&m);
}

static void *cancelled_holding(void *arg)
{
    int cleanup = arg != NULL;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    pthread_cleanup_push(unlock_m, NULL);
    hz_set_flag(&holding);
    for (;;) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL); /* a cancellation point */
    }
    pthread_cleanup_pop(cleanup);
    return NULL;
}

/* without its cleanup handler: the push above would always unlock */
static void *cancelled_holding_bare(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    hz_set_flag(&holding);
    for (;;) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void *released_for_it(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    hz_set_flag(&holding);
    hz_wait_flag(&released); /* main has unlocked m for us */
    return NULL;
}

static void *holds_and_blocks(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    hz_set_flag(&holding);
    pthread_mutex_lock(&gate); /* main holds it: blocked until the process ends */
    return NULL;
}

static void *holds_and_exits(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&m), "lock m");
    printf("exit held: worker calls exit(3)\n");
    exit(3);
}

static void still_held(void)
{
    printf("exit held: trylock after the end returned %d\n", pthread_mutex_trylock(&m));
}

int main(int argc, char **argv)
{
    hz_init();
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "return")) {
        pthread_join(hz_spawn(returns_holding, NULL), NULL);
        still_held();
    } else if (!strcmp(mode, "exit")) {
        pthread_join(hz_spawn(exits_holding, NULL), NULL);
        still_held();
        printf("exit held: trywrlock after the end returned %d\n", pthread_rwlock_trywrlock(&rw));
    } else if (!strcmp(mode, "cancel") || !strcmp(mode, "cleanup")) {
        int cleanup = !strcmp(mode, "cleanup");
        pthread_t t = hz_spawn(cleanup ? cancelled_holding : cancelled_holding_bare,
                               cleanup ? (void *)1 : NULL);
        hz_wait_flag(&holding);
        hz_ok(pthread_cancel(t), "cancel");
        void *ret;
        pthread_join(t, &ret);
        printf("exit held: cancelled %d\n", ret == PTHREAD_CANCELED);
        if (cleanup) {
            printf("exit held: trylock after the end returned %d\n", pthread_mutex_trylock(&m));
            pthread_mutex_unlock(&m);
        } else {
            still_held();
        }
    } else if (!strcmp(mode, "released")) {
        pthread_t t = hz_spawn(released_for_it, NULL);
        hz_wait_flag(&holding);
        printf("exit held: main unlock returned %d\n", pthread_mutex_unlock(&m));
        hz_set_flag(&released);
        pthread_join(t, NULL);
        printf("exit held: trylock after the end returned %d\n", pthread_mutex_trylock(&m));
        pthread_mutex_unlock(&m);
    } else if (!strcmp(mode, "process")) {
        hz_ok(pthread_mutex_lock(&gate), "lock gate");
        hz_spawn(holds_and_blocks, NULL);
        hz_wait_flag(&holding);
        printf("exit held: main returns\n");
    } else if (!strcmp(mode, "thread-exit")) {
        hz_spawn(holds_and_exits, NULL);
        for (;;)
            hz_sleep_ms(1000);
    } else {
        fprintf(stderr, "usage: %s return|exit|cancel|cleanup|released|process|thread-exit\n",
                argv[0]);
        return 2;
    }
    printf("exit held: finished\n");
    return 0;
}
