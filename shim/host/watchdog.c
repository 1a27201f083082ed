/* The watchdog thread: the only place that looks at other threads while they run.
 * Started lazily at the first pthread_create (a single-threaded program stays
 * single-threaded), with every signal blocked so it never takes the program's.
 *
 * Each tick (a tenth of the smaller of the deadlock and hold thresholds) it
 *  - advances the coarse clock the hooks read for hold times;
 *  - builds the wait-for graph of threads blocked for longer than the deadlock
 *    threshold: a thread waiting for a lock points at the lock's owner (or, for an
 *    rwlock, at every thread holding it), a thread in pthread_join at the joined
 *    thread, and a thread inside pthread_cond_wait at the mutex's owner only once
 *    the kernel shows it asleep on that mutex's futex (glibc's internal re-acquire,
 *    which no hook sees; before that it is waiting for a signal, not for a lock);
 *  - reports a cycle (or a wait on a lock whose owner exited) only when it is seen
 *    on two consecutive ticks with every waiter's wait sequence unchanged: a slow,
 *    sleeping or condvar-waiting owner never makes a cycle, and a wait that ended
 *    and began again is a new wait;
 *  - reports locks held past the hold threshold while they are still held;
 *  - refreshes the statistics in the log.
 * A cycle with a timed waiter ends by itself: it is reported (flagged timed) and
 * the process goes on.  Otherwise the deadlock policy runs (exit, abort or wait).
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "arena.h"
#include "detector.h"
#include "graph.h"
#include "hmap.h"
#include "lock_table.h"
#include "host.h"
#include "records.h"
#include "hook.h"
#include "real.h"
#include "shim.h"

#include <fcntl.h>
#include <libunwind.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_NODES 4096
#define MAX_OUT 16
#define CAPTURE_SIGNAL (SIGRTMIN + 6)

static _Atomic int started;

enum wait_kind { W_NONE, W_LOCK, W_JOIN, W_COND };

struct node {
    struct lg_thread *t;
    enum wait_kind kind;
    struct lg_lockrec *lock; /* lock waited for (W_LOCK, W_COND) */
    uint64_t seq;
    int timed;
    uint32_t nout;
    uint32_t out[MAX_OUT];   /* indices of the threads it waits for */
    int color;
};

static struct node nodes[MAX_NODES];
static uint32_t nnodes;
static uint64_t last_candidate; /* signature of the cycle seen on the previous tick */
static struct lg_hmap reported_waits; /* signatures of deadlocks already reported */

/* ---- what each thread is waiting for ------------------------------------------ */

/* The futex a thread sleeps on, from /proc/self/task/TID/syscall ("202 0xADDR ..."
 * on x86-64), or 0 if it is not in a futex wait. */
static uintptr_t futex_of(uint32_t tid)
{
    char path[64], buf[256];
    int n = 0;
    memcpy(path, "/proc/self/task/", 16);
    n = 16;
    char digits[16];
    int d = 0;
    do
        digits[d++] = (char)('0' + tid % 10);
    while ((tid /= 10) != 0);
    while (d)
        path[n++] = digits[--d];
    memcpy(path + n, "/syscall", 9);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0)
        return 0;
    buf[r] = 0;
    char *end;
    long nr = strtol(buf, &end, 10);
    if (nr != SYS_futex)
        return 0;
    return (uintptr_t)strtoull(end, NULL, 16);
}

/* The lock whose futex word is at addr: a mutex's is its first field; an rwlock
 * sleeps on __readers (0), __wrphase_futex (8) or __writers_futex (12). */
static struct lg_lockrec *lock_at_futex(uintptr_t addr)
{
    static const unsigned off[] = {0, 8, 12};
    if (!addr)
        return NULL;
    for (unsigned i = 0; i < sizeof off / sizeof off[0]; i++) {
        struct lg_lockrec *l = lg_table_find(addr - off[i]);
        if (l && (off[i] == 0 || l->kind == LG_KIND_RWLOCK))
            return l;
    }
    return NULL;
}

static int node_of(struct lg_thread *t)
{
    for (uint32_t i = 0; i < nnodes; i++)
        if (nodes[i].t == t)
            return (int)i;
    return -1;
}

static void add_out(struct node *n, struct lg_thread *to)
{
    int j = node_of(to);
    if (j < 0 || nodes[j].t == n->t || n->nout == MAX_OUT)
        return;
    for (uint32_t k = 0; k < n->nout; k++)
        if (n->out[k] == (uint32_t)j)
            return;
    n->out[n->nout++] = (uint32_t)j;
}

static int holds(struct lg_thread *t, struct lg_lockrec *l)
{
    uint32_t n = __atomic_load_n(&t->nheld, __ATOMIC_ACQUIRE);
    struct lg_held *h = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++)
        if (h[i].lock == l)
            return 1;
    return 0;
}

/* Takes the snapshot: every thread blocked long enough, and whom it waits for. */
static void snapshot(uint64_t now)
{
    nnodes = 0;
    for (struct lg_thread *t = lg_thread_first(); t && nnodes < MAX_NODES; t = t->next_all) {
        if (!atomic_load(&t->alive))
            continue; /* an exited owner is seen through its lock (orphaned) */
        struct node *n = &nodes[nnodes];
        memset(n, 0, sizeof *n);
        n->t = t;
        nnodes++;
        n->seq = atomic_load(&t->wait.seq);
        struct lg_lockrec *l = atomic_load_explicit(&t->wait.lock, memory_order_acquire);
        uintptr_t j = atomic_load(&t->wait.joining);
        struct lg_lockrec *cm = atomic_load(&t->wait.cond_mutex);
        if (l && now - t->wait.since >= lg_cfg.deadlock_ns) {
            n->kind = W_LOCK;
            n->lock = l;
            n->timed = (t->wait.flags & LG_CTXF_TIMED) != 0;
        } else if (j && now - t->wait.since >= lg_cfg.deadlock_ns) {
            n->kind = W_JOIN;
        } else if (cm) {
            /* asleep on the mutex's futex word (its first field) = re-acquiring it */
            if (futex_of(t->tid) == cm->addr) {
                if (!t->wd_cond_since || t->wd_cond_seq != n->seq) {
                    t->wd_cond_since = now;
                    t->wd_cond_seq = n->seq;
                }
                if (now - t->wd_cond_since >= lg_cfg.deadlock_ns) {
                    n->kind = W_COND;
                    n->lock = cm;
                }
            } else {
                t->wd_cond_since = 0;
            }
        }
    }
    /* Edges; an owner that is blocked without having published it (it took the
     * peek-then-lock window, see hooks/hook.h) is found from the kernel's side:
     * the futex it sleeps on is a lock word we know.  Newly found waiters get
     * edges too, hence the loop. */
    for (int pass = 0, found = 1; found && pass < 8; pass++) {
        found = 0;
        for (uint32_t i = 0; i < nnodes; i++) {
            struct node *n = &nodes[i];
            if (n->nout || n->kind == W_NONE)
                continue;
            if (n->kind == W_JOIN) {
                uintptr_t th = atomic_load(&n->t->wait.joining);
                for (uint32_t k = 0; k < nnodes; k++)
                    if (nodes[k].t->pthread == th && atomic_load(&nodes[k].t->alive))
                        add_out(n, nodes[k].t);
                continue;
            }
            struct lg_thread *o = atomic_load(&n->lock->owner);
            if (o)
                add_out(n, o);
            if (n->lock->kind == LG_KIND_RWLOCK)
                for (uint32_t k = 0; k < nnodes; k++)
                    if (k != i && atomic_load(&nodes[k].t->alive) && holds(nodes[k].t, n->lock))
                        add_out(n, nodes[k].t);
            for (uint32_t k = 0; k < n->nout; k++) {
                struct node *w = &nodes[n->out[k]];
                if (w->kind != W_NONE || !atomic_load(&w->t->alive))
                    continue;
                struct lg_lockrec *l = lock_at_futex(futex_of(w->t->tid));
                if (l && atomic_load(&l->owner) != w->t) {
                    w->kind = W_LOCK;
                    w->lock = l;
                    found = 1;
                }
            }
        }
    }
}

/* ---- cycles ---------------------------------------------------------------- */

static uint32_t path[MAX_NODES];

/* Depth-first search for a cycle through waiting threads; fills path[] and
 * returns its length, or 0. */
static uint32_t find_cycle(uint32_t start)
{
    uint32_t it[64];
    uint32_t depth = 0;
    for (uint32_t i = 0; i < nnodes; i++)
        nodes[i].color = 0;
    path[0] = start;
    it[0] = 0;
    nodes[start].color = 1;
    for (;;) {
        struct node *n = &nodes[path[depth]];
        if (it[depth] >= n->nout) {
            n->color = 2;
            if (depth == 0)
                return 0;
            depth--;
            it[depth]++;
            continue;
        }
        uint32_t next = n->out[it[depth]];
        if (next == start)
            return depth + 1;
        if (nodes[next].color || nodes[next].kind == W_NONE || depth + 1 >= 64) {
            it[depth]++;
            continue;
        }
        nodes[next].color = 1;
        path[++depth] = next;
        it[depth] = 0;
    }
}

static uint64_t signature(const uint32_t *p, uint32_t n)
{
    uint64_t h = 0x444c ^ n, x = 0;
    for (uint32_t i = 0; i < n; i++) {
        x ^= lg_mix64((uint64_t)nodes[p[i]].t->serial << 32 ^ nodes[p[i]].seq);
        h += lg_mix64(nodes[p[i]].t->serial);
    }
    return lg_mix64(h ^ x);
}

/* ---- stacks of blocked threads --------------------------------------------------
 * A blocked thread cannot be unwound from outside, so each one is asked (a signal
 * handled in that thread) to unwind itself.  Only threads confirmed deadlocked get
 * it: their futex wait resumes after the handler, so nothing else changes for them. */

static void capture_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    struct lg_thread *t = lg_tls_self;
    if (!t || !t->wd_pcs || atomic_load(&t->wd_npcs) != -1)
        return;
    void *buf[LG_MAX_DEPTH_RAW];
    int busy = t->busy;
    t->busy = 1; /* libunwind locks its own mutexes: forward them untracked */
    int n = unw_backtrace(buf, LG_MAX_DEPTH_RAW);
    t->busy = busy;
    uintptr_t lo, hi;
    lg_shim_self_range(&lo, &hi);
    /* frame 0 is this handler; the next shim frame is the hook the thread is
     * blocked in: keep what lies beyond it (libc's futex wait is noise here) */
    int first = 1;
    int in_hook = atomic_load(&t->wait.lock) || atomic_load(&t->wait.cond_mutex) ||
                  atomic_load(&t->wait.joining);
    while (in_hook && first < n && ((uintptr_t)buf[first] < lo || (uintptr_t)buf[first] >= hi))
        first++;
    if (first == n)
        first = 1;
    int k = 0;
    for (int i = first; i < n && k < lg_cfg.stack_depth; i++)
        if ((uintptr_t)buf[i] < lo || (uintptr_t)buf[i] >= hi)
            t->wd_pcs[k++] = (uintptr_t)buf[i] - 1;
    atomic_store(&t->wd_npcs, k);
}

static void capture_stacks(const uint32_t *p, uint32_t n)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = capture_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(CAPTURE_SIGNAL, &sa, &old) != 0)
        return;
    for (uint32_t i = 0; i < n; i++) {
        struct lg_thread *t = nodes[p[i]].t;
        if (!t->wd_pcs)
            t->wd_pcs = lg_arena_alloc(sizeof(uintptr_t) * LG_MAX_DEPTH_RAW);
        if (!t->wd_pcs)
            continue;
        atomic_store(&t->wd_npcs, -1);
        syscall(SYS_tgkill, getpid(), t->tid, CAPTURE_SIGNAL);
    }
    for (int spin = 0; spin < 40; spin++) { /* up to ~200 ms */
        uint32_t done = 0;
        for (uint32_t i = 0; i < n; i++)
            done += atomic_load(&nodes[p[i]].t->wd_npcs) >= 0 || !nodes[p[i]].t->wd_pcs;
        if (done == n)
            break;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    sigaction(CAPTURE_SIGNAL, &old, NULL);
}

static uint32_t blocked_stack(struct lg_thread *t)
{
    int n = atomic_load(&t->wd_npcs);
    uint32_t id;
    lg_graph_lock();
    if (t->wd_pcs && n > 0) {
        id = lg_stack_intern(t->wd_pcs, (uint32_t)n);
    } else {
        uintptr_t pc = t->wait.pc;
        id = lg_stack_intern(&pc, 1);
    }
    lg_graph_unlock();
    return id;
}

static struct lg_held *held_entry(struct lg_thread *t, struct lg_lockrec *l)
{
    uint32_t n = __atomic_load_n(&t->nheld, __ATOMIC_ACQUIRE);
    struct lg_held *h = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++)
        if (h[i].lock == l)
            return &h[i];
    return NULL;
}

/* The lock a waiting thread waits for (none for a join). */
static struct lg_lockrec *waited_lock(const struct node *n)
{
    return n->kind == W_JOIN ? NULL : n->lock;
}

static void report_cycle(const uint32_t *p, uint32_t n, int timed, int orphan)
{
    struct lg_live_finding *f = lg_arena_alloc(sizeof *f + n * sizeof(struct lg_finding_item));
    if (!f)
        return;
    f->items = (struct lg_finding_item *)(f + 1);
    f->kind = LG_FIND_DEADLOCK;
    f->n = n;
    f->flags = (uint16_t)((timed ? LG_FINDF_TIMED : 0) | (orphan ? LG_FINDF_ORPHANED : 0));
    if (!timed)
        capture_stacks(p, orphan ? 1 : n);
    for (uint32_t i = 0; i < n; i++) {
        const struct node *cur = &nodes[p[i]];
        const struct node *prev = &nodes[p[(i + n - 1) % n]];
        struct lg_finding_item *it = &f->items[i];
        it->thread = cur->t->serial;
        it->other = waited_lock(cur);
        it->pc = cur->t->wait.pc;
        it->stack = blocked_stack(cur->t);
        if (cur->kind == W_JOIN)
            f->flags |= LG_FINDF_JOIN;
        /* the lock it holds that the previous thread in the cycle waits for */
        struct lg_lockrec *held = orphan ? NULL : waited_lock(prev);
        struct lg_held *h = held ? held_entry(cur->t, held) : NULL;
        if (h) {
            it->lock = held;
            it->other_pc = h->pc;
            it->other_stack = lg_held_stack_id(h);
        }
    }
    f->detail = orphan ? "waiting for a lock whose owner exited" :
                timed ? "timed waits: it will end in a timeout" : NULL;
    lg_report_finding(f);
    if (!timed)
        lg_deadlock_policy();
}

static int first_report(uint64_t sig)
{
    for (struct lg_hnode *x = lg_hmap_bucket(&reported_waits, sig); x; x = x->next)
        if (x->hash == sig)
            return 0;
    struct lg_hnode *x = lg_arena_alloc(sizeof *x);
    if (x) {
        x->hash = sig;
        lg_hmap_insert(&reported_waits, x);
    }
    return 1;
}

static void check_deadlocks(void)
{
    for (uint32_t i = 0; i < nnodes; i++) {
        struct node *n = &nodes[i];
        if (n->kind == W_NONE)
            continue;
        /* a lock whose owner exited will never be released */
        if (n->kind == W_LOCK || n->kind == W_COND) {
            struct lg_thread *o = atomic_load(&n->lock->owner);
            if (o && !atomic_load(&o->alive) && o != n->t) {
                uint64_t sig = signature(&i, 1) ^ 0x4f;
                if (sig == last_candidate && first_report(sig)) {
                    uint32_t p1 = i;
                    report_cycle(&p1, 1, n->timed, 1);
                }
                last_candidate = sig;
                return;
            }
        }
        uint32_t len = find_cycle(i);
        if (!len)
            continue;
        uint64_t sig = signature(path, len);
        int timed = 0;
        for (uint32_t k = 0; k < len; k++)
            timed |= nodes[path[k]].timed;
        /* each deadlock once: a timed one ends by itself and the process goes on,
         * and under --on-deadlock=wait an untimed one stays in place */
        if (sig == last_candidate && first_report(sig))
            report_cycle(path, len, timed, 0);
        last_candidate = sig;
        return;
    }
    last_candidate = 0;
}

/* ---- long holds --------------------------------------------------------------- */

static void check_long_holds(uint64_t now)
{
    if (!lg_cfg.hold_threshold_ns)
        return;
    for (struct lg_thread *t = lg_thread_first(); t; t = t->next_all) {
        if (!atomic_load(&t->alive))
            continue;
        uint32_t n = __atomic_load_n(&t->nheld, __ATOMIC_ACQUIRE);
        struct lg_held *h = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; i < n; i++) {
            struct lg_held e = h[i]; /* racy copy: checked below */
            if (!e.lock || !e.start || now < e.start || now - e.start < lg_cfg.hold_threshold_ns)
                continue;
            uint16_t f = atomic_fetch_or(&e.lock->flags, LG_LR_LONG_LIVE);
            if (f & LG_LR_LONG_LIVE)
                continue; /* this hold was reported already */
            int loud = lg_long_hold_site_first(e.pc);
            if (loud)
                atomic_fetch_or(&e.lock->flags, LG_LR_LONG_LOUD);
            uint32_t st = lg_held_stack_id(&e);
            struct lg_finding_item item = {.thread = t->serial, .lock = e.lock, .stack = st,
                                           .pc = e.pc};
            struct lg_live_finding fi = {.kind = LG_FIND_LONG_HOLD, .flags = LG_FINDF_STILL_HELD,
                                    .value = (now - e.start) / 1000000,
                                    .detail = "still held:", .n = 1, .items = &item};
            if (loud)
                lg_report_finding(&fi);
            else
                lg_record_finding(&fi);
        }
    }
}

/* ---- the thread ------------------------------------------------------------------ */

static uint64_t tick_interval(void)
{
    uint64_t t = lg_cfg.deadlock_ns / 10;
    if (lg_cfg.hold_threshold_ns && lg_cfg.hold_threshold_ns / 10 < t)
        t = lg_cfg.hold_threshold_ns / 10;
    if (t < 2000000ull)
        t = 2000000ull;
    if (t > 100000000ull)
        t = 100000000ull;
    return t;
}

static void *watchdog(void *arg)
{
    (void)arg;
    static struct lg_thread self_state = {.busy = 1};
    lg_tls_self = &self_state; /* its own calls are never recorded */
    uint64_t step = tick_interval();
    atomic_store(&lg_tick_step_ns, step);
    uint64_t last_stats = lg_plat_now();
    for (;;) {
        struct timespec ts = {(time_t)(step / 1000000000ull), (long)(step % 1000000000ull)};
        nanosleep(&ts, NULL);
        uint64_t now = lg_plat_now();
        atomic_store_explicit(&lg_tick_ns, now, memory_order_relaxed);
        snapshot(now);
        check_deadlocks();
        check_long_holds(now);
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
    /* holds from now on are timed, even before the first tick */
    atomic_store_explicit(&lg_tick_ns, lg_plat_now(), memory_order_relaxed);
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
    last_candidate = 0;
}
