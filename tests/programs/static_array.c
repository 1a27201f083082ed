/* static_array: an inversion between two elements of one static array,
 * `pthread_mutex_t m[4]`: worker_13 takes m[1] then m[3] in one thread, then
 * worker_31 takes m[3] then m[1] in another.  One lock-order inversion, two locks,
 * two threads; the report names the locks `mutex m[1]` and `mutex m[3]` (from the
 * DWARF of this -g build; the live report, without DWARF, says m+0x28 and m+0x78).
 */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

static pthread_mutex_t m[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                               PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};

static void *worker_13(void *arg)
{
    (void)arg;
    check(pthread_mutex_lock(&m[1]), "lock m[1]");
    check(pthread_mutex_lock(&m[3]), "lock m[3]");
    pthread_mutex_unlock(&m[3]);
    pthread_mutex_unlock(&m[1]);
    return NULL;
}

static void *worker_31(void *arg)
{
    (void)arg;
    check(pthread_mutex_lock(&m[3]), "lock m[3]");
    check(pthread_mutex_lock(&m[1]), "lock m[1]");
    pthread_mutex_unlock(&m[1]);
    pthread_mutex_unlock(&m[3]);
    return NULL;
}

int main(void)
{
    run_in_thread(worker_13, NULL);
    run_in_thread(worker_31, NULL);
    printf("static_array done\n");
    return 0;
}
