/* A real ABBA deadlock: thread 1 holds A and wants B, thread 2 holds B and wants A;
 * a barrier makes sure both hold their first lock before asking for the second, so
 * the program hangs on every run.  Expected: `deadlock: 2 threads are blocked
 * forever`, then the deadlock policy (exit 86 by default; LOCKGRAPH_ON_DEADLOCK and
 * LOCKGRAPH_DEADLOCK_EXITCODE change it).  "abba: finished" is never printed. */
#include "hazard_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;

static void *hold_a_want_b(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&lock_a), "lock A");
    pthread_barrier_wait(&both_hold);
    hz_ok(pthread_mutex_lock(&lock_b), "lock B");
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *hold_b_want_a(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&lock_b), "lock B");
    pthread_barrier_wait(&both_hold);
    hz_ok(pthread_mutex_lock(&lock_a), "lock A");
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(void)
{
    hz_init();
    hz_ok(pthread_barrier_init(&both_hold, NULL, 2), "barrier init");
    printf("abba: starting\n");
    pthread_t t1 = hz_spawn(hold_a_want_b, NULL);
    pthread_t t2 = hz_spawn(hold_b_want_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("abba: finished\n");
    return 0;
}
