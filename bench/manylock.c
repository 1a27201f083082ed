/* (h) many locks: 1000 mutexes, 4 threads; each iteration takes 2-4 of them nested in
 * increasing index order from a random start (random steps of 1-8), and every
 * WALK_EVERY iterations a thread walks hand over hand down the whole hierarchy.
 * Acyclic by construction.  The shape of a program with per-object locks: the
 * number of distinct lock chains follows the data (about 1000 * 8^3 four-lock
 * chains), not the code.  Prints wall and CPU time of the whole run (the process
 * CPU time includes what a tool's own threads spend).
 *
 *   manylock [ITERATIONS_PER_THREAD]   (default 20000)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#define NLOCKS 1000
#define NTHREADS 4
#define WALK_EVERY 200

static pthread_mutex_t locks[NLOCKS];
static long iterations = 20000;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *worker(void *arg)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 1), ops = 0;
    int held[4];
    volatile uint64_t sink = 0; /* keeps the critical sections */
    for (long it = 0; it < iterations; it++) {
        int k = 2 + (int)(next_rand(&rng) % 3), n = 0;
        int at = (int)(next_rand(&rng) % (NLOCKS - 1));
        while (n < k && at < NLOCKS) {
            pthread_mutex_lock(&locks[at]);
            held[n++] = at;
            at += 1 + (int)(next_rand(&rng) % 8);
        }
        sink += (uint64_t)n;
        while (n > 0)
            pthread_mutex_unlock(&locks[held[--n]]);
        ops += (uint64_t)k;
        if (it % WALK_EVERY == WALK_EVERY - 1) {
            pthread_mutex_lock(&locks[0]);
            for (int i = 1; i < NLOCKS; i++) {
                pthread_mutex_lock(&locks[i]);
                pthread_mutex_unlock(&locks[i - 1]);
            }
            pthread_mutex_unlock(&locks[NLOCKS - 1]);
            ops += NLOCKS;
        }
    }
    return (void *)(uintptr_t)(ops + (sink & 0)); /* sink read: the work stays */
}

int main(int argc, char **argv)
{
    if (argc > 1)
        iterations = atol(argv[1]);
    for (int i = 0; i < NLOCKS; i++)
        pthread_mutex_init(&locks[i], NULL);
    double w0 = bench_secs(CLOCK_MONOTONIC), c0 = bench_secs(CLOCK_PROCESS_CPUTIME_ID);
    pthread_t th[NTHREADS];
    for (uintptr_t i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
            return 1;
    uint64_t ops = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        ops += (uint64_t)(uintptr_t)r;
    }
    double w1 = bench_secs(CLOCK_MONOTONIC), c1 = bench_secs(CLOCK_PROCESS_CPUTIME_ID);
    printf("bench=h wall_s=%.4f cpu_s=%.4f ops=%llu threads=%d locks=%d\n", w1 - w0, c1 - c0,
           (unsigned long long)ops, NTHREADS, NLOCKS);
    return 0;
}
