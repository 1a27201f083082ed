/* Helpers for the hazard_*.c programs (tests/integration/it_hazards.py runs them).
 *
 * Unlike most tp_* programs, the deadlock programs here really hang: lockgraph's
 * watchdog must notice and end them.  Markers go to stdout, unbuffered, so that the
 * driver sees how far a program got even when the shim ends it with _exit. */
#ifndef HAZARD_UTIL_H
#define HAZARD_UTIL_H

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline void hz_init(void) { setvbuf(stdout, NULL, _IONBF, 0); }

/* Exits with status 3 if a call that must succeed failed: the driver then sees a
 * wrong exit status instead of a program that silently tested nothing. */
static inline void hz_ok(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "hazard: %s failed: %d (%s)\n", what, rc, strerror(rc));
        exit(3);
    }
}

static inline void hz_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static inline pthread_t hz_spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    hz_ok(pthread_create(&t, NULL, fn, arg), "pthread_create");
    return t;
}

/* An absolute CLOCK_REALTIME deadline ms from now (for the *timed* calls). */
static inline struct timespec hz_deadline_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Spins (sleeping) until *flag is nonzero: a handshake that takes no lock. */
static inline void hz_wait_flag(const volatile int *flag)
{
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        hz_sleep_ms(1);
}

static inline void hz_set_flag(volatile int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELEASE); }

#endif
