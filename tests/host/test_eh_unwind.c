/* The shim's own stack walker (shim/host/eh_unwind.c) against libgcc's
 * _Unwind_Backtrace, the unwinder it stands in for: the same frames (return
 * address, stack pointer, CFA, function start) on stacks of every shape a compiler
 * makes (frame pointer or not, alloca, large frames, deep recursion, a thread's
 * outermost frame), cached rules that give the same walk again, and -1 (never a
 * guess, never a fault) where it must hand over: a signal frame, a stack outside
 * its bounds. */
#define _GNU_SOURCE
#include "eh_unwind.h"

#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unwind.h>

#define MAXF 256

struct frame {
    uintptr_t ra, sp, cfa, fn;
};

struct walk {
    struct frame f[MAXF];
    int n;
};

static int own_visit(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn)
{
    struct walk *w = arg;
    if (w->n < MAXF)
        w->f[w->n++] = (struct frame){ra, sp, cfa, fn};
    return 0;
}

/* libgcc's view: at each callback, the CFA is the callee's (this frame's sp); a
 * frame's own CFA is the next frame's sp. */
static _Unwind_Reason_Code gcc_visit(struct _Unwind_Context *ctx, void *arg)
{
    struct walk *w = arg;
    int before = 0;
    uintptr_t ip = _Unwind_GetIPInfo(ctx, &before);
    if (!ip || w->n >= MAXF)
        return _URC_END_OF_STACK;
    g_assert_cmpint(before, ==, 0); /* no signal frame in these stacks */
    w->f[w->n++] = (struct frame){ip, _Unwind_GetCFA(ctx), 0, _Unwind_GetRegionStart(ctx)};
    if (w->n > 1)
        w->f[w->n - 2].cfa = w->f[w->n - 1].sp;
    return _URC_NO_REASON;
}

static void stack_of_self(uintptr_t *lo, uintptr_t *hi)
{
    pthread_attr_t a;
    void *base;
    size_t size;
    g_assert_cmpint(pthread_getattr_np(pthread_self(), &a), ==, 0);
    g_assert_cmpint(pthread_attr_getstack(&a, &base, &size), ==, 0);
    pthread_attr_destroy(&a);
    *lo = (uintptr_t)base;
    *hi = (uintptr_t)base + size;
}

static volatile int sink;
static struct walk own, gcc;
static int own_rc;
static struct lg_eh_stats before, after;

/* Both walks from one frame: the first frame each reports is this function (at two
 * call sites), every frame after it is the same. */
__attribute__((noinline)) static void walk_both(void)
{
    uintptr_t lo, hi;
    stack_of_self(&lo, &hi);
    memset(&own, 0, sizeof own);
    memset(&gcc, 0, sizeof gcc);
    lg_eh_stats(&before);
    own_rc = lg_eh_walk(lo, hi, MAXF, own_visit, &own);
    lg_eh_stats(&after);
    _Unwind_Backtrace(gcc_visit, &gcc);
    sink++; /* not a tail call: both walks start in this frame */
}

static void assert_same_walks(void)
{
    g_assert_cmpint(own_rc, ==, 0);
    g_assert_cmpint(own.n, >=, 4);
    g_assert_cmpint(own.n, ==, gcc.n);
    g_assert_cmpuint(own.f[0].fn, ==, gcc.f[0].fn); /* walk_both, two call sites */
    for (int i = 1; i < own.n; i++) {
        g_assert_cmphex(own.f[i].ra, ==, gcc.f[i].ra);
        g_assert_cmphex(own.f[i].sp, ==, gcc.f[i].sp);
        g_assert_cmphex(own.f[i].fn, ==, gcc.f[i].fn);
        if (i + 1 < own.n) /* libgcc cannot tell the outermost frame's CFA */
            g_assert_cmphex(own.f[i].cfa, ==, gcc.f[i].cfa);
        g_assert_cmphex(own.f[i].cfa, >, own.f[i].sp);
    }
}

/* ---- stacks of several shapes ---------------------------------------------------- */

/* no frame pointer (the test is built with the default -O2) */
__attribute__((noinline)) static void leaf_plain(int d)
{
    volatile char pad[40];
    pad[0] = (char)d;
    walk_both();
    sink += pad[0];
}

/* a frame pointer: the CFA follows rbp */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) static void with_fp(int d)
{
    volatile char pad[24];
    pad[0] = (char)d;
    leaf_plain(d);
    sink += pad[0];
}

/* alloca: the stack pointer moves by a run-time amount, so the CFA needs rbp */
__attribute__((noinline)) static void with_alloca(int n)
{
    volatile char *p = __builtin_alloca((size_t)n);
    p[0] = 1;
    with_fp(n);
    sink += p[0];
}

/* a frame larger than the cache's offsets hold (2^20): read from the tables each
 * time.  No frame pointer (the attribute wins over a sanitizer build's
 * -fno-omit-frame-pointer), so the CFA is the stack pointer plus the frame's size. */
__attribute__((noinline, optimize("omit-frame-pointer"))) static void huge_frame(int n)
{
    volatile char big[(1 << 20) + 4096];
    big[0] = (char)n;
    big[sizeof big - 1] = 2;
    with_alloca(n);
    sink += big[0] + big[sizeof big - 1];
}

/* recursion, the frame size changing with depth parity */
__attribute__((noinline)) static void recurse(int d)
{
    if (d == 0) {
        with_alloca(33);
        return;
    }
    if (d & 1) {
        volatile char pad[200];
        pad[d % 200] = (char)d;
        recurse(d - 1);
        sink += pad[d % 200];
    } else {
        recurse(d - 1);
        sink++;
    }
}

static void test_matches_libgcc(void)
{
    leaf_plain(1);
    assert_same_walks();
    with_fp(2);
    assert_same_walks();
    with_alloca(100);
    assert_same_walks();
    recurse(25);
    assert_same_walks();
    g_assert_cmpint(own.n, >=, 30);
}

/* How many of a walk's distinct return addresses share a cache bucket (2 slots)
 * with another one.  With the cache flushed before the walks, a bucket overflows
 * only when a third rule (another return address, or the walker's own pc) falls
 * in it too: when none is crowded, a walk repeated finds every rule it can pack. */
static unsigned crowded(void)
{
    unsigned n = 0;
    for (int i = 0; i < own.n; i++) {
        int first = 1, shared = 0;
        for (int j = 0; j < own.n; j++) {
            if (own.f[j].ra == own.f[i].ra && j < i)
                first = 0;
            if (own.f[j].ra != own.f[i].ra &&
                lg_eh_bucket(own.f[j].ra - 1) == lg_eh_bucket(own.f[i].ra - 1))
                shared = 1;
        }
        n += first && shared;
    }
    return n;
}

static void *large_frame_body(void *arg)
{
    (void)arg;
    static volatile int reps = 2; /* one call site: the second walk is the first's */
    lg_eh_flush(); /* no rule of an earlier test competes for a bucket (crowded()) */
    for (int i = 0; i < reps; i++)
        huge_frame(3);
    assert_same_walks();
    /* the big frame's rule (CFA = rsp + 1 MiB) does not pack and is read again;
     * the rest are cached */
    const uint64_t uncached = 1;
    uint64_t misses = after.misses - before.misses, hits = after.hits - before.hits;
    g_assert_cmpuint(hits + misses, ==, (uint64_t)own.n + 1);
    unsigned c = crowded();
    if (!c)
        g_assert_cmpuint(misses, ==, uncached);
    else
        g_assert_cmpuint(misses, <=, uncached + c + 1);
    return NULL;
}

/* On a thread of its own with a stack sized for the 1 MiB frame, whatever the
 * main thread's rlimit. */
static void test_large_frame(void)
{
    pthread_attr_t a;
    pthread_t t;
    g_assert_cmpint(pthread_attr_init(&a), ==, 0);
    g_assert_cmpint(pthread_attr_setstacksize(&a, 8u << 20), ==, 0);
    g_assert_cmpint(pthread_create(&t, &a, large_frame_body, NULL), ==, 0);
    g_assert_cmpint(pthread_join(t, NULL), ==, 0);
    pthread_attr_destroy(&a);
}

static void *thread_body(void *arg)
{
    (void)arg;
    recurse(6);
    assert_same_walks();
    return NULL;
}

/* A thread's outermost frame (clone3's, whose return address is undefined) ends
 * the walk where libgcc's ends it. */
static void test_thread(void)
{
    pthread_t t;
    g_assert_cmpint(pthread_create(&t, NULL, thread_body, NULL), ==, 0);
    g_assert_cmpint(pthread_join(t, NULL), ==, 0);
}

/* The second walk of the same stack finds every rule in the cache; a flush empties it. */
static void test_cache(void)
{
    static volatile int reps = 2; /* not unrolled: one call site, so the second walk is the first's */
    lg_eh_flush(); /* no rule of an earlier test competes for a bucket (crowded()) */
    for (int i = 0; i < reps; i++)
        recurse(4);
    assert_same_walks();
    uint64_t misses = after.misses - before.misses, hits = after.hits - before.hits;
    g_assert_cmpuint(hits + misses, ==, (uint64_t)own.n + 1); /* + lg_eh_walk's own */
    unsigned c = crowded();
    if (!c)
        g_assert_cmpuint(misses, ==, 0);
    else /* ASLR put some of them in one bucket: only those may have been evicted */
        g_assert_cmpuint(misses, <=, c + 1);
    lg_eh_flush();
    recurse(4);
    assert_same_walks();
    /* after the flush, only a frame whose return address came earlier in the same
     * walk (recursion) finds its rule cached */
    unsigned repeats = 0;
    for (int i = 1; i < own.n; i++)
        for (int j = 0; j < i; j++)
            if (own.f[j].ra == own.f[i].ra) {
                repeats++;
                break;
            }
    g_assert_cmpuint(repeats, >=, 2);
    hits = after.hits - before.hits;
    g_assert_cmpuint(hits + after.misses - before.misses, ==, (uint64_t)own.n + 1);
    if (!crowded())
        g_assert_cmpuint(hits, ==, repeats);
    else
        g_assert_cmpuint(hits, <=, repeats);
}

/* ---- where it hands over ---------------------------------------------------------- */

static int handler_rc = 99;
static struct lg_eh_stats handler_before, handler_after;

static void on_signal(int sig)
{
    (void)sig;
    uintptr_t lo, hi;
    stack_of_self(&lo, &hi);
    struct walk *w = g_malloc0(sizeof *w); /* (not async-signal-safe: raise() below is synchronous) */
    lg_eh_stats(&handler_before);
    handler_rc = lg_eh_walk(lo, hi, MAXF, own_visit, w);
    lg_eh_stats(&handler_after);
    g_free(w);
}

/* A signal frame (the kernel's sigreturn trampoline) is not walked through by rule:
 * -1, for the general unwinder. */
static void test_signal_frame(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    g_assert_cmpint(sigaction(SIGUSR1, &sa, NULL), ==, 0);
    raise(SIGUSR1);
    g_assert_cmpint(handler_rc, ==, -1);
    g_assert_cmpuint(handler_after.fallbacks - handler_before.fallbacks, ==, 1);
    signal(SIGUSR1, SIG_DFL);
}

/* Bounds: a stack the walk is not given, or one cut short above the caller, is
 * refused, not read past. */
static int count_visit(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn)
{
    (void)ra, (void)sp, (void)cfa, (void)fn;
    ++*(int *)arg;
    return 0;
}

__attribute__((noinline)) static void bounded(void)
{
    uintptr_t lo, hi;
    stack_of_self(&lo, &hi);
    int n = 0;
    g_assert_cmpint(lg_eh_walk(0, 0, MAXF, count_visit, &n), ==, -1);
    g_assert_cmpint(n, ==, 0);
    /* an upper bound just above this frame: the walk stops at it with -1 */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    n = 0;
    g_assert_cmpint(lg_eh_walk(lo, here + 64, MAXF, count_visit, &n), ==, -1);
    g_assert_cmpint(n, <=, 2);
    /* the stack entirely above the walker: refused before any read */
    n = 0;
    g_assert_cmpint(lg_eh_walk(here + 4096, hi, MAXF, count_visit, &n), ==, -1);
    g_assert_cmpint(n, ==, 0);
    /* a frame budget ends the walk early, with 0 */
    n = 0;
    g_assert_cmpint(lg_eh_walk(lo, hi, 2, count_visit, &n), ==, 0);
    g_assert_cmpint(n, ==, 2);
    sink++;
}

static void test_bounds(void) { bounded(); }

/* A visitor that asks to stop ends the walk there. */
static int stop_at_first(void *arg, uintptr_t ra, uintptr_t sp, uintptr_t cfa, uintptr_t fn)
{
    (void)sp, (void)cfa, (void)fn;
    *(uintptr_t *)arg = ra;
    return 1;
}

__attribute__((noinline)) static void stop_here(void)
{
    uintptr_t lo, hi, ra = 0;
    stack_of_self(&lo, &hi);
    g_assert_cmpint(lg_eh_walk(lo, hi, MAXF, stop_at_first, &ra), ==, 0);
    /* the first frame visited is the caller: its resume address lies in this function */
    g_assert_cmphex(ra, >, (uintptr_t)stop_here);
    g_assert_cmphex(ra, <, (uintptr_t)stop_here + 4096);
    sink++;
}

static void test_visitor_stops(void) { stop_here(); }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    lg_eh_init();
    g_test_add_func("/host/eh-unwind/matches-libgcc", test_matches_libgcc);
    g_test_add_func("/host/eh-unwind/large-frame", test_large_frame);
    g_test_add_func("/host/eh-unwind/thread", test_thread);
    g_test_add_func("/host/eh-unwind/cache", test_cache);
    g_test_add_func("/host/eh-unwind/signal-frame", test_signal_frame);
    g_test_add_func("/host/eh-unwind/bounds", test_bounds);
    g_test_add_func("/host/eh-unwind/visitor-stops", test_visitor_stops);
    return g_test_run();
}
