/* A lock orphaned by an exited thread: a thread locks L and returns without
 * unlocking it; main joins it, then locks L and waits forever.  Expected:
 * `deadlock: 1 thread is blocked forever ... [orphaned]`, exit 86. */
#include "hazard_util.h"

static pthread_mutex_t lock_l = PTHREAD_MUTEX_INITIALIZER;

static void *lock_and_leave(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&lock_l), "lock L");
    return NULL; /* the bug: L is never unlocked */
}

int main(void)
{
    hz_init();
    pthread_t t = hz_spawn(lock_and_leave, NULL);
    pthread_join(t, NULL);
    printf("orphan: the owner of L has exited\n");
    hz_ok(pthread_mutex_lock(&lock_l), "lock L");
    printf("orphan: finished\n");
    return 0;
}
