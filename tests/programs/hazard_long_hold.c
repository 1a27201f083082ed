/* A lock held for 1.5 s by a worker thread.  Right after the unlock the worker
 * prints "hazard: released" to stderr (the stream lockgraph reports on), so the
 * driver can tell a report made while the lock was held (before the marker) from
 * one made at release.  Run with LOCKGRAPH_HOLD_THRESHOLD_MS=500: expected
 * `long-hold: still held: ... [still_held]` before the marker and
 * `long-hold: released after a long hold: ...`, exit 0. */
#include "hazard_util.h"

#include <unistd.h>

static pthread_mutex_t slow_lock = PTHREAD_MUTEX_INITIALIZER;

static void *hold_for_a_while(void *arg)
{
    (void)arg;
    hz_ok(pthread_mutex_lock(&slow_lock), "lock");
    hz_sleep_ms(1500);
    hz_ok(pthread_mutex_unlock(&slow_lock), "unlock");
    static const char marker[] = "hazard: released\n";
    if (write(2, marker, sizeof marker - 1) < 0)
        return NULL;
    return NULL;
}

int main(void)
{
    hz_init();
    pthread_join(hz_spawn(hold_for_a_while, NULL), NULL);
    printf("long hold: finished\n");
    return 0;
}
