/* many_held: one thread holds 1000 locks at once (taken in increasing order,
 * released in reverse), twice.  A consistent order: no finding, no crash, exit 0. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

#define NLOCKS 1000

static pthread_mutex_t locks[NLOCKS];

static void hold_all(void)
{
    for (int i = 0; i < NLOCKS; i++)
        check(pthread_mutex_lock(&locks[i]), "lock");
    for (int i = NLOCKS - 1; i >= 0; i--)
        check(pthread_mutex_unlock(&locks[i]), "unlock");
}

static void *hold_all_thread(void *arg)
{
    (void)arg;
    hold_all();
    return NULL;
}

int main(void)
{
    for (int i = 0; i < NLOCKS; i++)
        pthread_mutex_init(&locks[i], NULL);
    hold_all();
    run_in_thread(hold_all_thread, NULL);
    printf("held %d locks at once\n", NLOCKS);
    return 0;
}
