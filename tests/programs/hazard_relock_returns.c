/* Re-locks that do not hang: the program goes on and prints what each call
 * returned (the driver checks the numbers: 35 = EDEADLK, 16 = EBUSY, 110 = ETIMEDOUT).
 *   errorcheck  an error-checking mutex locked twice: EDEADLK, reported as
 *               `self-deadlock:` (not timed)
 *   trylock     trylock of a held mutex, spinlock and (write side of a read-held)
 *               rwlock: EBUSY each, and no finding at all
 *   timed       pthread_mutex_timedlock of a held normal mutex (300 ms): ETIMEDOUT,
 *               reported as `self-deadlock: ... [timed]`
 * Every mode ends with "relock: finished", exit 0. */
#include "hazard_util.h"

static void errorcheck(void)
{
    pthread_mutexattr_t a;
    pthread_mutex_t m;
    hz_ok(pthread_mutexattr_init(&a), "mutexattr_init");
    hz_ok(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), "settype");
    hz_ok(pthread_mutex_init(&m, &a), "mutex_init");
    hz_ok(pthread_mutex_lock(&m), "first lock");
    printf("relock: errorcheck relock returned %d\n", pthread_mutex_lock(&m));
    hz_ok(pthread_mutex_unlock(&m), "unlock"); /* held once: one unlock */
    pthread_mutex_destroy(&m);
    pthread_mutexattr_destroy(&a);
}

static void trylocks(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_spinlock_t s;
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    hz_ok(pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE), "spin_init");

    hz_ok(pthread_mutex_lock(&m), "mutex lock");
    printf("relock: mutex trylock on held returned %d\n", pthread_mutex_trylock(&m));
    hz_ok(pthread_mutex_unlock(&m), "mutex unlock");

    hz_ok(pthread_spin_lock(&s), "spin lock");
    printf("relock: spin trylock on held returned %d\n", pthread_spin_trylock(&s));
    hz_ok(pthread_spin_unlock(&s), "spin unlock");

    hz_ok(pthread_rwlock_rdlock(&rw), "rdlock");
    printf("relock: rwlock trywrlock on read-held returned %d\n", pthread_rwlock_trywrlock(&rw));
    hz_ok(pthread_rwlock_unlock(&rw), "rwlock unlock");

    hz_ok(pthread_mutex_destroy(&m), "mutex destroy");
    hz_ok(pthread_spin_destroy(&s), "spin destroy");
    hz_ok(pthread_rwlock_destroy(&rw), "rwlock destroy");
}

static void timed(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    hz_ok(pthread_mutex_lock(&m), "lock");
    struct timespec at = hz_deadline_ms(300);
    printf("relock: timed relock returned %d\n", pthread_mutex_timedlock(&m, &at));
    hz_ok(pthread_mutex_unlock(&m), "unlock");
    hz_ok(pthread_mutex_destroy(&m), "destroy");
}

static void *run_mode(void *arg)
{
    const char *mode = arg;
    if (!strcmp(mode, "errorcheck"))
        errorcheck();
    else if (!strcmp(mode, "trylock"))
        trylocks();
    else
        timed();
    return NULL;
}

int main(int argc, char **argv)
{
    hz_init();
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "errorcheck") && strcmp(mode, "trylock") && strcmp(mode, "timed")) {
        fprintf(stderr, "usage: %s errorcheck|trylock|timed\n", argv[0]);
        return 2;
    }
    pthread_join(hz_spawn(run_mode, (void *)mode), NULL);
    printf("relock: finished\n");
    return 0;
}
