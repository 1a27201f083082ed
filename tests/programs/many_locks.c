/* many_locks: 100000 distinct heap mutexes.  Each is locked alone, then again while
 * an outer lock is held (100000 outer -> inner orders, all consistent), then
 * destroyed and freed.  No finding, no crash, exit 0. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

#define NLOCKS 100000

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    pthread_mutex_t *locks = malloc(NLOCKS * sizeof *locks);
    if (!locks)
        return 3;
    for (int i = 0; i < NLOCKS; i++)
        check(pthread_mutex_init(&locks[i], NULL), "init");

    for (int i = 0; i < NLOCKS; i++) {
        check(pthread_mutex_lock(&locks[i]), "lock");
        pthread_mutex_unlock(&locks[i]);
    }
    pthread_mutex_lock(&outer);
    for (int i = 0; i < NLOCKS; i++) {
        check(pthread_mutex_lock(&locks[i]), "lock");
        pthread_mutex_unlock(&locks[i]);
    }
    pthread_mutex_unlock(&outer);

    for (int i = 0; i < NLOCKS; i++)
        pthread_mutex_destroy(&locks[i]);
    free(locks);
    printf("used %d mutexes\n", NLOCKS);
    return 0;
}
