/* The three unwinders the shim can use, side by side on one stack: the shim's own
 * walker with its rule cache (shim/host/eh_unwind.c), libunwind's unw_backtrace
 * (per-thread caching, as the shim sets it) and libgcc's _Unwind_Backtrace.  Each
 * captures the same stack of DEPTH frames (recursion of one function below main)
 * REPS times after a warm-up; reported per capture and per frame, in one run so
 * the ratios are side by side (docs/shim.md "Stack capture").
 *
 * Usage: unwind_cost [--quick] */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "bench_clock.h"
#include "eh_unwind.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unwind.h>

#define MAXF 128

static uintptr_t lo, hi;
static long reps = 200000;
static volatile int sink;

static int own_visit(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn)
{
    (void)sp, (void)cfa, (void)fn;
    uintptr_t *n = arg;
    n[1 + n[0]++ % MAXF] = ra;
    return 0;
}

/* libgcc's, looked up in libgcc_s itself as the shim does: libunwind.so (linked here
 * for unw_backtrace) exports unversioned _Unwind_* of its own */
static _Unwind_Reason_Code (*gcc_backtrace)(_Unwind_Trace_Fn, void *);
static uintptr_t (*gcc_ipinfo)(struct _Unwind_Context *, int *);

static _Unwind_Reason_Code gcc_visit(struct _Unwind_Context *ctx, void *arg)
{
    uintptr_t *n = arg;
    int before;
    n[1 + n[0]++ % MAXF] = gcc_ipinfo(ctx, &before);
    return _URC_NO_REASON;
}

static int depth_of(int which)
{
    uintptr_t buf[MAXF + 1] = {0};
    void *raw[MAXF];
    switch (which) {
    case 0: lg_eh_walk(lo, hi, MAXF, own_visit, buf); return (int)buf[0];
    case 1: return unw_backtrace(raw, MAXF);
    default: gcc_backtrace(gcc_visit, buf); return (int)buf[0];
    }
}

static void run(int which, const char *name)
{
    int frames = depth_of(which); /* warm: the caches filled */
    long n = which == 2 ? reps / 20 : reps; /* libgcc is slow: fewer, same per-op figure */
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
        sink += depth_of(which);
    double ns = (double)(bench_now_ns() - t0) / (double)n;
    printf("unwinder=%s frames=%d ns_per_capture=%.1f ns_per_frame=%.1f\n", name, frames, ns,
           ns / frames);
}

__attribute__((noinline)) static void recurse(int d)
{
    if (d > 0) {
        recurse(d - 1);
        sink++;
        return;
    }
    run(0, "own");
    run(1, "libunwind");
    run(2, "libgcc");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--quick"))
        reps = 20000;
    pthread_attr_t a;
    void *base;
    size_t size;
    pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstack(&a, &base, &size);
    pthread_attr_destroy(&a);
    lo = (uintptr_t)base, hi = (uintptr_t)base + size;
    void *g = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
    gcc_backtrace = g ? (_Unwind_Reason_Code(*)(_Unwind_Trace_Fn, void *))dlsym(g, "_Unwind_Backtrace") : NULL;
    gcc_ipinfo = g ? (uintptr_t(*)(struct _Unwind_Context *, int *))dlsym(g, "_Unwind_GetIPInfo") : NULL;
    if (!gcc_backtrace || !gcc_ipinfo) {
        fprintf(stderr, "unwind_cost: libgcc_s.so.1 not found\n");
        return 1;
    }
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    lg_eh_init();
    recurse(8);
    return 0;
}
