/* trylock_backoff: A then trylock(B) with back-off in one thread, B then A in
 * another.  The A -> B order is only ever taken by trylock, which never waits, so
 * the cycle cannot deadlock: lockgraph must report nothing.  (The trylock succeeds
 * here: the threads run one after the other.) */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static int got_b;

static void *a_then_try_b(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock_a);
        if (pthread_mutex_trylock(&lock_b) == 0)
            break;
        pthread_mutex_unlock(&lock_a); /* back off and retry */
        sleep_ms(1);
    }
    got_b = 1;
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *b_then_a(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_b);
    pthread_mutex_lock(&lock_a);
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(void)
{
    run_in_thread(a_then_try_b, NULL);
    run_in_thread(b_then_a, NULL);
    printf("trylock done, got_b=%d\n", got_b);
    return got_b ? 0 : 3;
}
