/* abba: two locks taken in opposite orders.
 *   abba          worker_ab (A then B) in one thread, then worker_ba (B then A) in
 *                 another: one lock-order inversion, two locks, two threads.
 *   abba single   both orders in the main thread: still an inversion (a later
 *                 caller on another thread could deadlock), flagged single_thread.
 *   abba ab | ba  only one of the two orders (in a thread).  Two runs, one of each,
 *                 make an inversion only when their logs are analyzed together
 *                 (flagged cross_run); each log alone has none.
 */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"
#include <string.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *worker_ab(void *arg)
{
    (void)arg;
    check(pthread_mutex_lock(&lock_a), "lock A");
    check(pthread_mutex_lock(&lock_b), "lock B");
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *worker_ba(void *arg)
{
    (void)arg;
    check(pthread_mutex_lock(&lock_b), "lock B");
    check(pthread_mutex_lock(&lock_a), "lock A");
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "single") == 0) {
        worker_ab(NULL);
        worker_ba(NULL);
    } else if (argc > 1 && strcmp(argv[1], "ab") == 0) {
        run_in_thread(worker_ab, NULL);
    } else if (argc > 1 && strcmp(argv[1], "ba") == 0) {
        run_in_thread(worker_ba, NULL);
    } else {
        run_in_thread(worker_ab, NULL);
        run_in_thread(worker_ba, NULL);
    }
    printf("abba done\n");
    return 0;
}
