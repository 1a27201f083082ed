/* churn: thread churn, the memory a thread-per-request server pays.
 *
 *   churn N [nested]
 *
 * Starts N threads one after another (each is joined before the next starts); each
 * takes one mutex (with "nested", two, in a fixed order, so that every thread
 * appears in the order graph).  Prints the peak RSS of the process:
 *   churn threads=N peak_rss_kb=K
 * bench/server.sh runs it natively and under lockgraph (docs/performance.md); the
 * soak test tests/soak/soak.py asserts the difference. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static int nested;
static unsigned long counter;

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    if (nested)
        pthread_mutex_lock(&b);
    counter++;
    if (nested)
        pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: churn N [nested]\n");
        return 2;
    }
    long n = atol(argv[1]);
    nested = argc > 2 && strcmp(argv[2], "nested") == 0;
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
        pthread_join(t, NULL);
    }
    /* VmHWM, not getrusage's ru_maxrss: the latter keeps the peak of the image
     * before exec (the shell or Python that started us) */
    long hwm = -1;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            hwm = atol(line + 6);
    if (f)
        fclose(f);
    printf("churn threads=%ld peak_rss_kb=%ld counter=%lu\n", n, hwm, counter);
    return counter == (unsigned long)n ? 0 : 1;
}
