/* Stress: thousands of rwlocks, 4 threads, random lock / trylock / unlock / destroy
 * (and re-initialise) in one global order (a thread only ever takes a lock of a
 * higher index than those it holds), so the program is acyclic and every destroy
 * makes a new lock instance.  The shape of compiler-rt's deadlock detector stress
 * test, written for this benchmark.  A lock is destroyed only when no thread holds
 * or waits for it: each has a use count that a destroyer swings from 0 to -1.
 *
 *   rwstress [OPS_PER_THREAD [LOCKS]]   (defaults 100000, 4096)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#define NTHREADS 4
#define MAXHELD 4

static pthread_rwlock_t *locks;
static _Atomic int *uses;
static long nlocks = 4096, nops = 100000;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int use(long i)
{
    int u = atomic_load(&uses[i]);
    while (u >= 0)
        if (atomic_compare_exchange_weak(&uses[i], &u, u + 1))
            return 1;
    return 0;
}

static void unuse(long i) { atomic_fetch_sub(&uses[i], 1); }

static void *worker(void *arg)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 7);
    long held[MAXHELD];
    int n = 0;
    for (long op = 0; op < nops; op++) {
        unsigned r = (unsigned)(next_rand(&rng) % 16);
        long top = n ? held[n - 1] : -1;
        if (r < 8 && n < MAXHELD && top < nlocks - 1) {
            /* lock or trylock one above what is held */
            long span = nlocks - 1 - top, i = top + 1 + (long)(next_rand(&rng) % (uint64_t)span);
            if (!use(i))
                continue;
            int rd = (int)(next_rand(&rng) & 1), ok;
            if (r < 6)
                ok = (rd ? pthread_rwlock_rdlock(&locks[i]) : pthread_rwlock_wrlock(&locks[i])) == 0;
            else
                ok = (rd ? pthread_rwlock_tryrdlock(&locks[i]) : pthread_rwlock_trywrlock(&locks[i])) == 0;
            if (ok)
                held[n++] = i;
            else
                unuse(i);
        } else if (r < 14 && n > 0) {
            int k = (int)(next_rand(&rng) % (uint64_t)n);
            pthread_rwlock_unlock(&locks[held[k]]);
            unuse(held[k]);
            for (int j = k; j + 1 < n; j++)
                held[j] = held[j + 1];
            n--;
        } else {
            long i = (long)(next_rand(&rng) % (uint64_t)nlocks);
            int zero = 0;
            if (atomic_compare_exchange_strong(&uses[i], &zero, -1)) {
                pthread_rwlock_destroy(&locks[i]);
                pthread_rwlock_init(&locks[i], NULL);
                atomic_store(&uses[i], 0);
            }
        }
    }
    while (n > 0) {
        pthread_rwlock_unlock(&locks[held[--n]]);
        unuse(held[n]);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        nops = atol(argv[1]);
    if (argc > 2)
        nlocks = atol(argv[2]);
    if (nops < 1 || nlocks < 2)
        return 2;
    locks = calloc((size_t)nlocks, sizeof *locks);
    uses = calloc((size_t)nlocks, sizeof *uses);
    if (!locks || !uses)
        return 1;
    for (long i = 0; i < nlocks; i++)
        pthread_rwlock_init(&locks[i], NULL);
    double w0 = bench_secs(CLOCK_MONOTONIC), c0 = bench_secs(CLOCK_PROCESS_CPUTIME_ID);
    pthread_t th[NTHREADS];
    for (uintptr_t i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
            return 1;
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    double w1 = bench_secs(CLOCK_MONOTONIC), c1 = bench_secs(CLOCK_PROCESS_CPUTIME_ID);
    printf("bench=stress wall_s=%.4f cpu_s=%.4f ops=%ld threads=%d locks=%ld\n", w1 - w0,
           c1 - c0, nops * NTHREADS, NTHREADS, nlocks);
    return 0;
}
