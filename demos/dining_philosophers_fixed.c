/* dining_philosophers_fixed: the twin of dining_philosophers.c without the cycle.
 *
 * Every philosopher picks up the lower-numbered of the two forks first.  Philosopher
 * 4 therefore takes fork 0 before fork 4, which breaks the ring: all orders now go
 * from a lower to a higher fork number and lockgraph reports nothing.
 */
#include <pthread.h>
#include <stdio.h>

#define N 5

static pthread_mutex_t forks[N];
static int meals[N];

/* FIX: a global order on the forks (lower number first). */
static void take_forks(int i)
{
    int left = i, right = (i + 1) % N;
    int first = left < right ? left : right;
    int second = left < right ? right : left;
    pthread_mutex_lock(&forks[first]);
    pthread_mutex_lock(&forks[second]);
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

    for (int i = 0; i < N; i++) {
        pthread_t t;
        pthread_create(&t, NULL, philosopher, (void *)(long)i);
        pthread_join(t, NULL);
    }
    for (int i = 0; i < N; i++)
        printf("philosopher %d ate %d time(s)\n", i, meals[i]);
    return 0;
}
