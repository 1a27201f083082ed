/* A real deadlock that closes through the mutex re-acquire at the end of a condvar
 * wait (inside glibc, where no hook runs):
 *   waiter:   lock B; lock M; waiting = 1; cond_wait(C, M)   (M released, B kept)
 *   signaler: lock M (only once the waiter sleeps in the wait); go = 1;
 *             cond_signal(C); lock B  -> blocks: the waiter holds B
 *   waiter:   woken, re-acquires M    -> blocks: the signaler holds M
 * Expected: `deadlock: 2 threads are blocked forever`, exit 86. */
#include "hazard_util.h"

static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int waiting, go; /* both under lock_m */

static void *waiter(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&lock_b), "lock B");
    hz_ok(pthread_mutex_lock(&lock_m), "lock M");
    waiting = 1;
    while (!go)
        hz_ok(pthread_cond_wait(&cond, &lock_m), "cond_wait");
    pthread_mutex_unlock(&lock_m);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

static void *signaler(void *arg)
{
    (void)arg;
    for (;;) { /* take M once the waiter has released it inside cond_wait */
        hz_ok(pthread_mutex_lock(&lock_m), "lock M");
        if (waiting)
            break;
        pthread_mutex_unlock(&lock_m);
        hz_sleep_ms(1);
    }
    go = 1;
    hz_ok(pthread_cond_signal(&cond), "cond_signal");
    hz_ok(pthread_mutex_lock(&lock_b), "lock B");
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_m);
    return NULL;
}

int main(void)
{
    hz_init();
    printf("cond reacquire: starting\n");
    pthread_t w = hz_spawn(waiter, NULL);
    pthread_t s = hz_spawn(signaler, NULL);
    pthread_join(w, NULL);
    pthread_join(s, NULL);
    printf("cond reacquire: finished\n");
    return 0;
}
