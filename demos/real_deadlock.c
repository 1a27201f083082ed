/* real_deadlock: two threads that really deadlock.
 *
 * lock_a_then_b() takes A then B while lock_b_then_a() takes B then A.  A barrier
 * between the two lock calls makes the bad interleaving certain: both threads hold
 * their first lock before either asks for its second, so each waits forever for
 * the other's.
 *
 * Run alone, this program hangs.  Under lockgraph, once both threads have been
 * blocked in the cycle for --deadlock-ms (default 1000 ms), the shim prints a
 * "deadlock" report with both threads' stacks and, with the default
 * --on-deadlock exit policy, ends the process with status 86 so that a test suite
 * or CI job fails fast instead of timing out.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one; /* both threads hold their first lock */

static void *lock_a_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_a);
    pthread_barrier_wait(&both_hold_one);
    pthread_mutex_lock(&lock_b); /* blocks forever: the other thread holds B */
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *lock_b_then_a(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_b);
    pthread_barrier_wait(&both_hold_one);
    pthread_mutex_lock(&lock_a); /* blocks forever: the other thread holds A */
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_barrier_init(&both_hold_one, NULL, 2);
    pthread_create(&t1, NULL, lock_a_then_b, NULL);
    pthread_create(&t2, NULL, lock_b_then_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("not reached: the threads deadlock\n");
    return 0;
}
