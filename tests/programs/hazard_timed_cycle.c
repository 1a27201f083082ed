/* An ABBA cycle in which one side waits with pthread_mutex_timedlock: the cycle is
 * real (both threads are blocked) but ends by itself when the timed wait times out.
 * Expected: `deadlock: ... [timed]` reported once, the program goes on and prints
 * "timed cycle: timedlock returned 110" (ETIMEDOUT), "timed cycle: lock returned 0"
 * and "timed cycle: finished", exit 0. */
#include "hazard_util.h"

#define TIMEOUT_MS 4000 /* well past the deadlock threshold (1000 ms by default) */

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;
static int timed_rc = -1, plain_rc = -1;

static void *hold_a_timed_b(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&lock_a), "lock A");
    pthread_barrier_wait(&both_hold);
    struct timespec at = hz_deadline_ms(TIMEOUT_MS);
    timed_rc = pthread_mutex_timedlock(&lock_b, &at);
    if (timed_rc == 0)
        pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a); /* backs off: lets the other thread finish */
    return NULL;
}

static void *hold_b_want_a(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&lock_b), "lock B");
    pthread_barrier_wait(&both_hold);
    plain_rc = pthread_mutex_lock(&lock_a);
    if (plain_rc == 0)
        pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(void)
{
    hz_init();
    hz_ok(pthread_barrier_init(&both_hold, NULL, 2), "barrier init");
    pthread_t t1 = hz_spawn(hold_a_timed_b, NULL);
    pthread_t t2 = hz_spawn(hold_b_want_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("timed cycle: timedlock returned %d\n", timed_rc);
    printf("timed cycle: lock returned %d\n", plain_rc);
    printf("timed cycle: finished\n");
    return 0;
}
