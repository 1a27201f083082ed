/* spin_abba: ABBA with pthread spinlocks.  spin_worker_ab() takes spin A then B,
 * spin_worker_ba() B then A, one thread after the other: one lock-order inversion on
 * two spinlocks (two threads spinning on each other's lock never finish either). */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

static pthread_spinlock_t spin_a, spin_b;

static void *spin_worker_ab(void *arg)
{
    (void)arg;
    pthread_spin_lock(&spin_a);
    pthread_spin_lock(&spin_b);
    pthread_spin_unlock(&spin_b);
    pthread_spin_unlock(&spin_a);
    return NULL;
}

static void *spin_worker_ba(void *arg)
{
    (void)arg;
    pthread_spin_lock(&spin_b);
    pthread_spin_lock(&spin_a);
    pthread_spin_unlock(&spin_a);
    pthread_spin_unlock(&spin_b);
    return NULL;
}

int main(void)
{
    check(pthread_spin_init(&spin_a, PTHREAD_PROCESS_PRIVATE), "spin_init");
    check(pthread_spin_init(&spin_b, PTHREAD_PROCESS_PRIVATE), "spin_init");
    run_in_thread(spin_worker_ab, NULL);
    run_in_thread(spin_worker_ba, NULL);
    pthread_spin_destroy(&spin_a);
    pthread_spin_destroy(&spin_b);
    printf("spin done\n");
    return 0;
}
