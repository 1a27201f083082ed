/* ring N: a lock-order cycle through N locks (N = 3 or 5 in the tests).
 * Thread i runs ring_edge_worker(i): it locks L[i] then L[(i+1) % N].  Each edge is
 * taken by a different thread, one thread after the other, so nothing hangs; the
 * only cycle is the whole ring, so lockgraph must report exactly one inversion whose
 * cycle has N locks. */
#define _POSIX_C_SOURCE 200809L
#include "tp_util.h"

#define MAXN 16

static pthread_mutex_t ring_locks[MAXN];
static int n;

static void *ring_edge_worker(void *arg)
{
    int i = (int)(long)arg;
    check(pthread_mutex_lock(&ring_locks[i]), "lock first");
    check(pthread_mutex_lock(&ring_locks[(i + 1) % n]), "lock second");
    pthread_mutex_unlock(&ring_locks[(i + 1) % n]);
    pthread_mutex_unlock(&ring_locks[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atoi(argv[1]) : 3;
    if (n < 2 || n > MAXN) {
        fprintf(stderr, "usage: ring N (2..%d)\n", MAXN);
        return 2;
    }
    for (int i = 0; i < n; i++)
        pthread_mutex_init(&ring_locks[i], NULL);
    for (int i = 0; i < n; i++)
        run_in_thread(ring_edge_worker, (void *)(long)i);
    printf("ring of %d done\n", n);
    return 0;
}
