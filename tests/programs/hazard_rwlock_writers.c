/* A real deadlock of two rwlock writers: thread 1 write-locks X then wants Y for
 * writing, thread 2 write-locks Y then wants X.  Expected: `deadlock: 2 threads are
 * blocked forever`, exit 86. */
#include "hazard_util.h"

static pthread_rwlock_t rw_x = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_y = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t both_hold;

static void *write_x_then_y(void *arg)
{
    (void)arg;
    hz_ok(pthread_rwlock_wrlock(&rw_x), "wrlock X");
    pthread_barrier_wait(&both_hold);
    hz_ok(pthread_rwlock_wrlock(&rw_y), "wrlock Y");
    pthread_rwlock_unlock(&rw_y);
    pthread_rwlock_unlock(&rw_x);
    return NULL;
}

static void *write_y_then_x(void *arg)
{
    (void)arg;
    hz_ok(pthread_rwlock_wrlock(&rw_y), "wrlock Y");
    pthread_barrier_wait(&both_hold);
    hz_ok(pthread_rwlock_wrlock(&rw_x), "wrlock X");
    pthread_rwlock_unlock(&rw_x);
    pthread_rwlock_unlock(&rw_y);
    return NULL;
}

int main(void)
{
    hz_init();
    hz_ok(pthread_barrier_init(&both_hold, NULL, 2), "barrier init");
    printf("rwlock writers: starting\n");
    pthread_t t1 = hz_spawn(write_x_then_y, NULL);
    pthread_t t2 = hz_spawn(write_y_then_x, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("rwlock writers: finished\n");
    return 0;
}
