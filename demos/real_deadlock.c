/* real_deadlock: two threads that really deadlock.
 *
 * Both threads meet at a barrier, then lock_a_then_b() takes A and B while
 * lock_b_then_a() takes B and A.  The barrier makes the bad interleaving almost
 * certain, and a short sleep between the two lock calls makes it certain: each
 * thread holds its first lock and waits forever for the other's.
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
#include <time.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;

static void pause_briefly(void)
{
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
}

static void *lock_a_then_b(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    pthread_mutex_lock(&lock_a);
    pause_briefly(); /* let the other thread take B */
    pthread_mutex_lock(&lock_b); /* blocks forever */
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *lock_b_then_a(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    pthread_mutex_lock(&lock_b);
    pause_briefly(); /* let the other thread take A */
    pthread_mutex_lock(&lock_a); /* blocks forever */
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_barrier_init(&start, NULL, 2);
    pthread_create(&t1, NULL, lock_a_then_b, NULL);
    pthread_create(&t2, NULL, lock_b_then_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("not reached: the threads deadlock\n");
    return 0;
}
