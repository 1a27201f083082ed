/* A real deadlock through pthread_join: main holds L and joins a thread that is
 * blocked waiting for L.  Expected: `deadlock: 2 threads are blocked forever ...
 * [join]`, exit 86. */
#include "hazard_util.h"

static pthread_mutex_t lock_l = PTHREAD_MUTEX_INITIALIZER;
static volatile int about_to_lock;

static void *needs_l(void *arg)
{
    (void)arg;
    hz_set_flag(&about_to_lock);
    hz_ok(pthread_mutex_lock(&lock_l), "lock L");
    pthread_mutex_unlock(&lock_l);
    return NULL;
}

int main(void)
{
    hz_init();
    hz_ok(pthread_mutex_lock(&lock_l), "lock L");
    printf("join: main holds L\n");
    pthread_t t = hz_spawn(needs_l, NULL);
    hz_wait_flag(&about_to_lock);
    pthread_join(t, NULL);
    pthread_mutex_unlock(&lock_l);
    printf("join: finished\n");
    return 0;
}
