/* recursive: a recursive mutex R relocked by its owner.
 * The main thread takes R, then M, then R again (allowed: R is recursive and
 * already held, so the relock cannot wait), and a second thread takes R then M.
 * The relock is not an M -> R order; lockgraph must report nothing (in particular
 * no self-deadlock and no inversion). */
#define _POSIX_C_SOURCE 200809L
#define _GNU_SOURCE
#include "tp_util.h"

static pthread_mutex_t rec;
static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;

static void relock_recursive(void)
{
    check(pthread_mutex_lock(&rec), "lock R");
    check(pthread_mutex_lock(&plain), "lock M");
    check(pthread_mutex_lock(&rec), "relock R");  /* depth 2 */
    check(pthread_mutex_lock(&rec), "relock R");  /* depth 3 */
    pthread_mutex_unlock(&rec);
    pthread_mutex_unlock(&rec);
    pthread_mutex_unlock(&plain);
    pthread_mutex_unlock(&rec);
}

static void *r_then_m(void *arg)
{
    (void)arg;
    check(pthread_mutex_lock(&rec), "lock R");
    check(pthread_mutex_lock(&plain), "lock M");
    pthread_mutex_unlock(&plain);
    pthread_mutex_unlock(&rec);
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rec, &attr);
    pthread_mutexattr_destroy(&attr);

    relock_recursive();
    run_in_thread(r_then_m, NULL);
    printf("recursive done\n");
    return 0;
}
