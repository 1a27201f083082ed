/* Helpers shared by the integration test programs.
 *
 * Most programs demonstrate a lock-order cycle WITHOUT hanging: every "edge" of the
 * cycle runs in its own thread, and each thread is joined before the next one starts
 * (run_in_thread).  lockgraph must predict the deadlock from such a run. */
#ifndef TP_UTIL_H
#define TP_UTIL_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Runs fn(arg) in a new thread and waits for it to finish. */
static inline void run_in_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0) {
        perror("pthread_create");
        exit(3);
    }
    pthread_join(t, NULL);
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Exits with status 3 if a pthread call unexpectedly failed (the harness then sees
 * a wrong exit status instead of silently testing nothing). */
static inline void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s failed: %d\n", what, rc);
        exit(3);
    }
}

#endif
