/* lockbench: microbenchmarks of pthread lock operations, run natively, under the
 * pass-through floor shim and under lockgraph (bench/run.sh alternates them).
 *
 * Every benchmark prints exactly one machine-readable line
 *   bench=<name> ns_per_op=<float> ops=<n> threads=<n> [rss_per_lock_b=<float> ...]
 * and nothing else on stdout, so run.sh can reject any run whose output does not
 * parse (a crash under a shim must not silently become a number).
 *
 * Usage: lockbench [--quick] [--scale F] BENCH...   (BENCH: a b c d e e2 e3 f g all)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_clock.h"

/* Iteration counts at scale 1.  Chosen so one native run of each benchmark takes
 * roughly 0.05-0.3 s on a 2-core VM: long enough to swamp timer and startup noise,
 * short enough that 5 repetitions x 3 variants stay a few minutes. */
#define N_A 20000000L
#define N_B 10000000L
#define N_C 2000000L
#define N_D 2000000L      /* per thread */
#define N_E 1000000L      /* distinct mutexes */
#define N_F 500000L       /* per thread: 100k finishes inside one timeslice (see f) */
#define F_THREADS 64
#define N_G 10000000L

static double g_scale = 1.0;

static long scaled(long n)
{
    double v = (double)n * g_scale;
    return v < 1.0 ? 1 : (long)v;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "lockbench: %s: %s\n", what, strerror(err));
    exit(2);
}

/* Lock calls are checked: under a shim a failing call is a bug we want to see as a
 * crash, not as a suspiciously fast benchmark. */
#define CK(call)                                                                      \
    do {                                                                              \
        int rc_ = (call);                                                             \
        if (rc_ != 0)                                                                 \
            die(#call, rc_);                                                          \
    } while (0)

static void report(const char *name, uint64_t elapsed_ns, long ops, int threads,
                   const char *extra)
{
    printf("bench=%s ns_per_op=%.3f ops=%ld threads=%d elapsed_ms=%.1f%s%s\n", name,
           (double)elapsed_ns / (double)ops, ops, threads, (double)elapsed_ns / 1e6,
           extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

/* Current anonymous RSS (kB) from /proc/self/status, or -1.  ru_maxrss also counts
 * file-backed pages, e.g. a tool's log if it writes it through a shared mapping; the
 * anonymous part is the tool's own heap.  Nothing is freed during (e)/(e2), so the
 * current value at the end is also the peak. */
static long rss_anon_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "RssAnon: %ld kB", &v) == 1)
            break;
    fclose(f);
    return v;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Steady-state benchmarks run a short untimed warm-up first: the first use of a lock
 * or edge is the (one-off) registration cost, measured separately by (e)/(e2). */
static long warmup_of(long n)
{
    long w = n / 20;
    return w > 100000 ? 100000 : (w < 1 ? 1 : w);
}

/* (a) uncontended lock+unlock of one mutex. */
static void bench_a(void)
{
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    long n = scaled(N_A);
    for (long i = 0; i < warmup_of(n); i++) {
        CK(pthread_mutex_lock(&m));
        CK(pthread_mutex_unlock(&m));
    }
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        CK(pthread_mutex_lock(&m));
        CK(pthread_mutex_unlock(&m));
    }
    report("a", bench_now_ns() - t0, n, 1, NULL);
}

/* (b) nested pair A -> B: op = lock A, lock B, unlock B, unlock A. */
static void bench_b(void)
{
    static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
    long n = scaled(N_B);
    for (long i = 0; i < warmup_of(n); i++) {
        CK(pthread_mutex_lock(&a));
        CK(pthread_mutex_lock(&b));
        CK(pthread_mutex_unlock(&b));
        CK(pthread_mutex_unlock(&a));
    }
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        CK(pthread_mutex_lock(&a));
        CK(pthread_mutex_lock(&b));
        CK(pthread_mutex_unlock(&b));
        CK(pthread_mutex_unlock(&a));
    }
    report("b", bench_now_ns() - t0, n, 1, NULL);
}

/* (c) chain of 8 nested locks in a consistent order, released innermost first:
 * op = 8 locks + 8 unlocks.  Exercises the held-set bookkeeping at depth. */
#define CHAIN 8
static void chain_once(pthread_mutex_t *l)
{
    for (int k = 0; k < CHAIN; k++)
        CK(pthread_mutex_lock(&l[k]));
    for (int k = CHAIN - 1; k >= 0; k--)
        CK(pthread_mutex_unlock(&l[k]));
}

static void bench_c(void)
{
    static pthread_mutex_t l[CHAIN];
    for (int k = 0; k < CHAIN; k++)
        CK(pthread_mutex_init(&l[k], NULL));
    long n = scaled(N_C);
    for (long i = 0; i < warmup_of(n); i++)
        chain_once(l);
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
        chain_once(l);
    report("c", bench_now_ns() - t0, n, 1, NULL);
}

/* (d) two threads contending on one mutex around a tiny critical section. */
struct contend {
    pthread_mutex_t *m;
    pthread_barrier_t *go;
    long n;
    volatile long *counter;
};

static void *contend_thread(void *p)
{
    struct contend *c = p;
    pthread_barrier_wait(c->go);
    for (long i = 0; i < c->n; i++) {
        CK(pthread_mutex_lock(c->m));
        (*c->counter)++;
        CK(pthread_mutex_unlock(c->m));
    }
    return NULL;
}

static void bench_d(void)
{
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    static volatile long counter;
    pthread_barrier_t go;
    pthread_t th[2];
    long n = scaled(N_D);
    struct contend c = {&m, &go, n, &counter};
    CK(pthread_barrier_init(&go, NULL, 3));
    for (int t = 0; t < 2; t++)
        CK(pthread_create(&th[t], NULL, contend_thread, &c));
    pthread_barrier_wait(&go);
    uint64_t t0 = bench_now_ns();
    for (int t = 0; t < 2; t++)
        CK(pthread_join(th[t], NULL));
    uint64_t el = bench_now_ns() - t0;
    if (counter != 2 * n) {
        fprintf(stderr, "lockbench: d: counter %ld != %ld (mutual exclusion broken)\n",
                counter, 2 * n);
        exit(3);
    }
    pthread_barrier_destroy(&go);
    report("d", el, 2 * n, 2, NULL);
}

/* (e)/(e2) many distinct mutexes, each locked once.  The array is allocated and
 * touched before the RSS baseline, so the ru_maxrss delta is what the process
 * allocates *because of* locking them (near zero natively, the tracker's state under
 * lockgraph).  Mutexes get the static initializer, not pthread_mutex_init, as most
 * zero-initialised locks (std::mutex, globals) do. */
static pthread_mutex_t *many_mutexes(long n)
{
    static const pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_t *v = malloc((size_t)n * sizeof *v);
    if (!v)
        die("malloc", ENOMEM);
    for (long i = 0; i < n; i++)
        memcpy(&v[i], &init, sizeof init);
    return v;
}

static void report_many_x(const char *name, uint64_t el, long n, long rss0, long anon0,
                          const char *more)
{
    char extra[256];
    long d = maxrss_kb() - rss0;
    long a = rss_anon_kb() - anon0;
    snprintf(extra, sizeof extra, "locks=%ld rss_delta_kb=%ld rss_per_lock_b=%.1f anon_per_lock_b=%.1f%s",
             n, d, (double)d * 1024.0 / (double)n, (double)a * 1024.0 / (double)n, more);
    report(name, el, n, 1, extra);
}

static void report_many(const char *name, uint64_t el, long n, long rss0, long anon0)
{
    report_many_x(name, el, n, rss0, anon0, "");
}

static void bench_e(void)
{
    long n = scaled(N_E);
    pthread_mutex_t *v = many_mutexes(n);
    long rss0 = maxrss_kb(), anon0 = rss_anon_kb();
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        CK(pthread_mutex_lock(&v[i]));
        CK(pthread_mutex_unlock(&v[i]));
    }
    uint64_t el = bench_now_ns() - t0;
    report_many("e", el, n, rss0, anon0);
    /* Not freed or destroyed: retiring 1M locks would be a different benchmark. */
}

/* (e2): the outer lock is re-taken per op rather than held throughout, so no single
 * hold lasts the whole run (that would trip long-hold reporting and measure it). */
static void bench_e2(void)
{
    static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
    long n = scaled(N_E);
    pthread_mutex_t *v = many_mutexes(n);
    CK(pthread_mutex_lock(&outer)); /* register the outer lock before the baseline */
    CK(pthread_mutex_unlock(&outer));
    long rss0 = maxrss_kb(), anon0 = rss_anon_kb();
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        CK(pthread_mutex_lock(&outer));
        CK(pthread_mutex_lock(&v[i]));
        CK(pthread_mutex_unlock(&v[i]));
        CK(pthread_mutex_unlock(&outer));
    }
    uint64_t el = bench_now_ns() - t0;
    report_many("e2", el, n, rss0, anon0);
}

/* (e3): (e) with every mutex made by pthread_mutex_init from one call site, as a
 * constructor makes its object's lock.  Under lockgraph the lock's record and its
 * stack capture then happen at the init (its class is the init's stack) rather than
 * at the first lock, so the cost moves; ns_per_op is init + lock + unlock per mutex,
 * init_ns_per_lock the init's share. */
static void bench_e3(void)
{
    long n = scaled(N_E);
    pthread_mutex_t *v = malloc((size_t)n * sizeof *v);
    if (!v)
        die("malloc", ENOMEM);
    memset(v, 0xff, (size_t)n * sizeof *v); /* touched (not folded into a calloc) */
    long rss0 = maxrss_kb(), anon0 = rss_anon_kb();
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
        CK(pthread_mutex_init(&v[i], NULL));
    uint64_t t1 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        CK(pthread_mutex_lock(&v[i]));
        CK(pthread_mutex_unlock(&v[i]));
    }
    uint64_t el = bench_now_ns() - t0;
    char more[64];
    snprintf(more, sizeof more, " init_ns_per_lock=%.1f", (double)(t1 - t0) / (double)n);
    report_many_x("e3", el, n, rss0, anon0, more);
}

/* (f) 64 threads, each: nested pair on its own two locks; every 16th op also a short
 * critical section on one lock shared by all, nested under its own first lock (so
 * the shared lock is a hot graph node with 64 in-edges).  The program's own
 * contention is kept rare on purpose: with a shared lock in every op, 64 threads on 2
 * cores convoy and the run-to-run spread (3x) swamps any tracker cost.  What remains
 * is mostly per-thread work, so a slowdown is the tracker's shared state (global
 * graph lock, shared counters, false sharing).  500k ops per thread, not 100k: at
 * 100k a thread's whole share (~1 ms) fits in one scheduler timeslice, so wall time
 * measured barrier-wakeup latency and varied 4x between identical runs. */
#define F_SHARED_EVERY 16
struct fthread {
    /* Own cache lines per thread: false sharing would be the benchmark's fault. */
    _Alignas(64) pthread_mutex_t own[2];
    pthread_mutex_t *shared;
    pthread_barrier_t *go;
    long n;
    long *shared_counter;
};

static void *f_thread(void *p)
{
    struct fthread *f = p;
    pthread_barrier_wait(f->go);
    for (long i = 0; i < f->n; i++) {
        CK(pthread_mutex_lock(&f->own[0]));
        CK(pthread_mutex_lock(&f->own[1]));
        CK(pthread_mutex_unlock(&f->own[1]));
        CK(pthread_mutex_unlock(&f->own[0]));
        if (i % F_SHARED_EVERY == 0) {
            CK(pthread_mutex_lock(&f->own[0]));
            CK(pthread_mutex_lock(f->shared));
            (*f->shared_counter)++;
            CK(pthread_mutex_unlock(f->shared));
            CK(pthread_mutex_unlock(&f->own[0]));
        }
    }
    return NULL;
}

static void bench_f(void)
{
    static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
    static long shared_counter;
    static struct fthread ft[F_THREADS];
    pthread_t th[F_THREADS];
    pthread_barrier_t go;
    long n = scaled(N_F);
    CK(pthread_barrier_init(&go, NULL, F_THREADS + 1));
    for (int t = 0; t < F_THREADS; t++) {
        CK(pthread_mutex_init(&ft[t].own[0], NULL));
        CK(pthread_mutex_init(&ft[t].own[1], NULL));
        ft[t].shared = &shared;
        ft[t].go = &go;
        ft[t].n = n;
        ft[t].shared_counter = &shared_counter;
        CK(pthread_create(&th[t], NULL, f_thread, &ft[t]));
    }
    pthread_barrier_wait(&go);
    uint64_t t0 = bench_now_ns();
    for (int t = 0; t < F_THREADS; t++)
        CK(pthread_join(th[t], NULL));
    uint64_t el = bench_now_ns() - t0;
    long expect = (long)F_THREADS * ((n + F_SHARED_EVERY - 1) / F_SHARED_EVERY);
    if (shared_counter != expect) {
        fprintf(stderr, "lockbench: f: counter %ld != %ld\n", shared_counter, expect);
        exit(3);
    }
    pthread_barrier_destroy(&go);
    report("f", el, (long)F_THREADS * n, F_THREADS, NULL);
}

/* (g) rwlock read side: nested rdlocks of two rwlocks, op = 2 rdlock + 2 unlock. */
static void bench_g(void)
{
    static pthread_rwlock_t r1 = PTHREAD_RWLOCK_INITIALIZER, r2 = PTHREAD_RWLOCK_INITIALIZER;
    long n = scaled(N_G);
    for (long i = 0; i < warmup_of(n); i++) {
        CK(pthread_rwlock_rdlock(&r1));
        CK(pthread_rwlock_rdlock(&r2));
        CK(pthread_rwlock_unlock(&r2));
        CK(pthread_rwlock_unlock(&r1));
    }
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        CK(pthread_rwlock_rdlock(&r1));
        CK(pthread_rwlock_rdlock(&r2));
        CK(pthread_rwlock_unlock(&r2));
        CK(pthread_rwlock_unlock(&r1));
    }
    report("g", bench_now_ns() - t0, n, 1, NULL);
}

static const struct {
    const char *name;
    void (*fn)(void);
} benches[] = {
    {"a", bench_a}, {"b", bench_b}, {"c", bench_c},   {"d", bench_d},
    {"e", bench_e}, {"e2", bench_e2}, {"e3", bench_e3}, {"f", bench_f}, {"g", bench_g},
};
#define NBENCH (sizeof benches / sizeof benches[0])

static void usage(FILE *to)
{
    fprintf(to, "usage: lockbench [--quick] [--scale F] BENCH...\n"
                "  BENCH: a b c d e e2 e3 f g, or all\n"
                "  --quick     scale iteration counts by 0.1\n"
                "  --scale F   multiply iteration counts by F (after --quick)\n");
}

int main(int argc, char **argv)
{
    int picked[NBENCH] = {0}, any = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            g_scale *= 0.1;
        } else if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
            char *end;
            double s = strtod(argv[++i], &end);
            if (*end || !(s > 0)) {
                fprintf(stderr, "lockbench: bad --scale '%s'\n", argv[i]);
                return 2;
            }
            g_scale *= s;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "all")) {
            for (size_t k = 0; k < NBENCH; k++)
                picked[k] = any = 1;
        } else {
            size_t k;
            for (k = 0; k < NBENCH; k++)
                if (!strcmp(argv[i], benches[k].name))
                    break;
            if (k == NBENCH) {
                fprintf(stderr, "lockbench: unknown benchmark '%s'\n", argv[i]);
                usage(stderr);
                return 2;
            }
            picked[k] = any = 1;
        }
    }
    if (!any) {
        usage(stderr);
        return 2;
    }
    for (size_t k = 0; k < NBENCH; k++)
        if (picked[k])
            benches[k].fn();
    return 0;
}
