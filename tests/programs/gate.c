/* gate: A -> B in one thread and B -> A in another, but both while holding G.
 * Two threads can never be inside G together, so the A/B cycle cannot deadlock:
 * lockgraph must report nothing. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *gated_ab(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&gate_lock);
    pthread_mutex_lock(&lock_a);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&gate_lock);
    return NULL;
}

static void *gated_ba(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&gate_lock);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_lock(&lock_a);
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&gate_lock);
    return NULL;
}

int main(void)
{
    run_in_thread(gated_ab, NULL);
    run_in_thread(gated_ba, NULL);
    printf("gate done\n");
    return 0;
}
