/* dining_philosophers: a lock-order cycle through five locks.
 *
 * Five philosophers sit around a table with one fork (a mutex) between each pair.
 * Philosopher i picks up fork i (left) and then fork (i+1)%5 (right).  The orders
 * 0->1, 1->2, 2->3, 3->4 and 4->0 form a cycle: if all five picked up their left
 * fork at once, nobody could ever get a right fork.
 *
 * To keep this demo from hanging, the philosophers eat one at a time: each thread is
 * joined before the next one starts.  No lock is held around the fork acquisitions
 * (such a "gate" lock would make the deadlock impossible and lockgraph would rightly
 * stay quiet).  lockgraph reports one lock-order inversion with five locks.
 * The fix is in dining_philosophers_fixed.c.
 */
#include <pthread.h>
#include <stdio.h>

#define N 5

static pthread_mutex_t forks[N];
static int meals[N];

/* BUG: every philosopher takes left then right, which closes a ring. */
static void take_forks(int i)
{
    int left = i, right = (i + 1) % N;
    pthread_mutex_lock(&forks[left]);
    pthread_mutex_lock(&forks[right]);
}

static void put_forks(int i)
{
    pthread_mutex_unlock(&forks[(i + 1) % N]);
    pthread_mutex_unlock(&forks[i]);
}

static void *philosopher(void *arg)
{
    int i = (int)(long)arg;
    take_forks(i);
    meals[i]++; /* eat */
    put_forks(i);
    return NULL;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        pthread_mutex_init(&forks[i], NULL);

    /* One philosopher at a time: the cycle exists, the hang never happens. */
    for (int i = 0; i < N; i++) {
        pthread_t t;
        pthread_create(&t, NULL, philosopher, (void *)(long)i);
        pthread_join(t, NULL);
    }
    for (int i = 0; i < N; i++)
        printf("philosopher %d ate %d time(s)\n", i, meals[i]);
    return 0;
}
