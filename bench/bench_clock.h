/* Clocks of the benchmarks: one copy for every program in bench/.  Header-only
 * (static inline), so each benchmark stays a single file to build and read. */
#ifndef LOCKGRAPH_BENCH_CLOCK_H
#define LOCKGRAPH_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Clock c (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...) in seconds. */
static inline double bench_secs(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
