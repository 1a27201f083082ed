#define _DEFAULT_SOURCE
/* idle: N locks used once, then an idle process (a daemon between requests).
 *
 *   idle N SECONDS
 *
 * Takes N mutexes once each (and starts a thread, so that the shim's watchdog runs
 * and writes periodic statistics), sleeps SECONDS, takes mutex 0 once more, sleeps
 * SECONDS again and exits.  tests/soak/server_cases.py runs it with a short
 * LOCKGRAPH_SNAPSHOT_INTERVAL_MS and checks that each lock's statistics are written
 * once, and mutex 0's twice (it moved once). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    pthread_mutex_t *m = calloc((size_t)n, sizeof *m);
    if (!m || n < 1)
        return 2;
    for (int i = 0; i < n; i++) {
        pthread_mutex_init(&m[i], NULL);
        pthread_mutex_lock(&m[i]);
        pthread_mutex_unlock(&m[i]);
    }
    pthread_t t;
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
    usleep((useconds_t)(secs * 1e6));
    pthread_mutex_lock(&m[0]);
    pthread_mutex_unlock(&m[0]);
    usleep((useconds_t)(secs * 1e6));
    printf("idle locks=%d\n", n);
    return 0; /* the locks stay alive: their statistics are the point */
}
