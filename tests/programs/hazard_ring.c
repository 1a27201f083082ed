/* A real deadlock of three threads in a ring: thread i holds lock i and wants lock
 * i+1 (mod 3).  A barrier makes every thread hold its first lock before it asks for
 * the next.  Expected: `deadlock: 3 threads are blocked forever`, exit 86. */
#include "hazard_util.h"

#define N 3

static pthread_mutex_t locks[N];
static pthread_barrier_t all_hold;

static void *ring_member(void *arg)
{
    int i = (int)(long)arg;
    hz_ok(pthread_mutex_lock(&locks[i]), "lock own");
    pthread_barrier_wait(&all_hold);
    hz_ok(pthread_mutex_lock(&locks[(i + 1) % N]), "lock next");
    pthread_mutex_unlock(&locks[(i + 1) % N]);
    pthread_mutex_unlock(&locks[i]);
    return NULL;
}

int main(void)
{
    hz_init();
    for (int i = 0; i < N; i++)
        hz_ok(pthread_mutex_init(&locks[i], NULL), "mutex init");
    hz_ok(pthread_barrier_init(&all_hold, NULL, N), "barrier init");
    printf("ring: starting\n");
    pthread_t t[N];
    for (int i = 0; i < N; i++)
        t[i] = hz_spawn(ring_member, (void *)(long)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    printf("ring: finished\n");
    return 0;
}
