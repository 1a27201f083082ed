/* handoverhand: a hand-over-hand walk over N heap mutexes (m[i] held while m[i+1] is
 * taken), then one thread takes m[N-1] -> m[0]: one lock-order cycle of N locks.  The
 * log it leaves under `lockgraph run` is the input of the report-time benchmark
 * (bench/run.sh "report time"); it never hangs (the two orders run one after the
 * other).  Usage: handoverhand N */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t *m;
static long n;

static void *walk(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m[0]);
    for (long i = 1; i < n; i++) {
        pthread_mutex_lock(&m[i]);
        pthread_mutex_unlock(&m[i - 1]);
    }
    pthread_mutex_unlock(&m[n - 1]);
    return NULL;
}

static void *close_cycle(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m[n - 1]);
    pthread_mutex_lock(&m[0]);
    pthread_mutex_unlock(&m[0]);
    pthread_mutex_unlock(&m[n - 1]);
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc == 2 ? atol(argv[1]) : 0;
    if (n < 2) {
        fprintf(stderr, "usage: handoverhand N (N >= 2)\n");
        return 2;
    }
    m = calloc((size_t)n, sizeof *m);
    if (!m)
        return 1;
    for (long i = 0; i < n; i++)
        pthread_mutex_init(&m[i], NULL);
    pthread_t t;
    pthread_create(&t, NULL, walk, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, close_cycle, NULL);
    pthread_join(t, NULL);
    for (long i = 0; i < n; i++)
        pthread_mutex_destroy(&m[i]);
    free(m);
    return 0;
}
