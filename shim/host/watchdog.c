/* The watchdog thread: the only place that looks at other threads while they run.
 * Started lazily at the first pthread_create (a single-threaded program stays
 * single-threaded), with every signal blocked so it never takes the program's.
 *
 * Each tick (a tenth of the smaller of the deadlock and hold thresholds) it
 *  - advances the coarse clock the hooks read for hold times;
 *  - takes a snapshot of the live threads (what each published it waits for, its
 *    wait sequence, for a condvar waiter whether the kernel shows it asleep on the
 *    mutex's futex) and hands it to the wait-for graph (detect/waitfor.h), which
 *    owns the rules: who waits for whom, cycles, orphaned waits, the two-tick
 *    confirmation and "reported once".  When asked, it describes a lock (owner,
 *    rwlock holders) and reads what the kernel shows a thread asleep on;
 *  - reports a confirmed deadlock with the stacks of its threads, captured by a
 *    signal each blocked thread handles itself;
 *  - reports locks held past the hold threshold while they are still held;
 *  - refreshes the statistics in the log.
 * A deadlock with a timed waiter ends by itself: it is reported (flagged timed) and
 * the process goes on.  Otherwise the deadlock policy runs (exit, abort or wait).
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "arena.h"
#include "detector.h"
#include "graph.h"
#include "lock_table.h"
#include "host.h"
#include "records.h"
#include "fmt.h"
#include "glibc_abi.h"
#include "policy.h"
#include "waitfor.h"
#include "real.h"
#include "shim.h"

#include <fcntl.h>
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

/* The snapshot of one tick, and for each entry the thread and the lock it waits
 * for (set when the wait-for graph asks about it). */
static struct lg_wf_thread wf[MAX_NODES];
static struct lg_thread *wf_thread[MAX_NODES];
static struct lg_lockrec *wf_lock[MAX_NODES]; /* lock wait, or the lock it sleeps on */
static struct lg_lockrec *wf_cond[MAX_NODES]; /* condvar wait: its mutex */
static uint32_t nwf;
static struct lg_waitfor waitfor;

/* ---- what each thread is waiting for ------------------------------------------ */

/* The futex a thread sleeps on, from /proc/self/task/TID/syscall ("202 0xADDR ..."
 * on x86-64), or 0 if it is not in a futex wait. */
static uintptr_t futex_of(uint32_t tid)
{
    char path[64], buf[256];
    struct lg_fmt f = {path, sizeof path, 0};
    lg_fmt_s(&f, "/proc/self/task/");
    lg_fmt_u(&f, tid);
    lg_fmt_s(&f, "/syscall");
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

/* The lock whose futex word is at addr (glibc_abi.h: which words those are). */
static struct lg_lockrec *lock_at_futex(uintptr_t addr)
{
    if (!addr)
        return NULL;
    for (unsigned i = 0; i < LG_FUTEX_WORDS; i++) {
        int rwlock_only;
        struct lg_lockrec *l = lg_table_find(addr - lg_futex_offset(i, &rwlock_only));
        if (l && (!rwlock_only || l->kind == LG_KIND_RWLOCK))
            return l;
    }
    return NULL;
}

static uint32_t index_of(const struct lg_thread *t)
{
    for (uint32_t i = 0; i < nwf; i++)
        if (wf_thread[i] == t)
            return i;
    return LG_WF_NOBODY;
}

static void describe_lock(const struct lg_lockrec *l, struct lg_wf_lock *out)
{
    *out = (struct lg_wf_lock){.owner = LG_WF_NOBODY};
    if (!l)
        return;
    out->shared = l->kind == LG_KIND_RWLOCK;
    struct lg_thread *o = atomic_load(&l->owner);
    out->owner = !o ? LG_WF_NOBODY : !atomic_load(&o->alive) ? LG_WF_EXITED : index_of(o);
    if (out->shared)
        for (uint32_t k = 0; k < nwf && out->nholders < LG_WF_MAX_OUT + 1; k++)
            if (atomic_load(&wf_thread[k]->alive) && lg_held_find(wf_thread[k], l))
                out->holders[out->nholders++] = k;
}

/* waitfor.h rule 2: the lock entry i waits for. */
static void describe(void *ctx, uint32_t i, uint8_t kind, struct lg_wf_lock *out)
{
    (void)ctx;
    if (kind == LG_WF_COND)
        wf_lock[i] = wf_cond[i];
    describe_lock(wf_lock[i], out);
}

/* waitfor.h rule 4: the lock entry i sleeps on, as the kernel shows it. */
static int asleep_on(void *ctx, uint32_t i, struct lg_wf_lock *out)
{
    (void)ctx;
    struct lg_thread *t = wf_thread[i];
    if (!atomic_load(&t->alive))
        return 0;
    struct lg_lockrec *l = lock_at_futex(futex_of(t->tid));
    if (!l)
        return 0;
    wf_lock[i] = l;
    describe_lock(l, out);
    return 1;
}

/* Takes the snapshot: every live thread, what it published, and whether a condvar
 * waiter sleeps on its mutex's futex word (the mutex's first field). */
static struct lg_wf_snapshot snapshot(uint64_t now)
{
    nwf = 0;
    for (struct lg_thread *t = lg_thread_first(); t && nwf < MAX_NODES; t = t->next_all) {
        if (!atomic_load(&t->alive))
            continue; /* an exited owner is seen through its lock (orphaned) */
        uint32_t i = nwf++;
        struct lg_wf_thread *e = &wf[i];
        wf_thread[i] = t;
        wf_lock[i] = atomic_load_explicit(&t->wait.lock, memory_order_acquire);
        wf_cond[i] = atomic_load(&t->wait.cond_mutex);
        struct lg_lockrec *cm = wf_cond[i];
        *e = (struct lg_wf_thread){
            .serial = t->serial, .seq = atomic_load(&t->wait.seq), .since = t->wait.since,
            .wait_timed = (t->wait.flags & LG_CTXF_TIMED) != 0, .handle = t->pthread,
            .joining = atomic_load(&t->wait.joining),
            .cond_since = t->wd_cond_since, .cond_seq = t->wd_cond_seq};
        e->published = (uint8_t)((wf_lock[i] ? LG_WF_LOCK : 0) | (e->joining ? LG_WF_JOIN : 0) |
                                 (cm ? LG_WF_COND : 0));
        if (cm)
            e->cond_asleep = futex_of(t->tid) == cm->addr;
    }
    return (struct lg_wf_snapshot){.thread = wf, .n = nwf, .now = now,
                                   .threshold = lg_cfg.deadlock_ns, .describe = describe,
                                   .asleep_on = asleep_on};
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
    /* libunwind locks its own mutexes: forward them untracked */
    struct lg_guard g = lg_guard_enter(t);
    int n = lg_plat_unwind_raw(buf, LG_MAX_DEPTH_RAW);
    lg_guard_leave(t, g);
    uintptr_t lo, hi;
    lg_shim_self_range(&lo, &hi);
    /* frame 0 is this handler; the next shim frame is the hook the thread is
     * blocked in: keep what lies beyond it (libc's futex wait is noise here) */
    int first = 1;
    /* an annotated lock (annotate.h) blocks in the program's own code: no hook */
    struct lg_lockrec *wl = atomic_load(&t->wait.lock);
    int in_hook = (wl && wl->kind != LG_KIND_ANNOTATED) || atomic_load(&t->wait.cond_mutex) ||
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
    /* the real sigaction: the shim's own hook would count this as a program's
     * handler and mask signals around every tool lock from then on */
    if (!lg_real.sigaction || lg_real.sigaction(CAPTURE_SIGNAL, &sa, &old) != 0)
        return;
    for (uint32_t i = 0; i < n; i++) {
        struct lg_thread *t = wf_thread[p[i]];
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
            done += atomic_load(&wf_thread[p[i]]->wd_npcs) >= 0 || !wf_thread[p[i]]->wd_pcs;
        if (done == n)
            break;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    /* A thread that has not run its handler yet (a loaded machine) still has the
     * signal pending: restoring a default action now would kill the process with
     * it.  Our handler stays then; it returns at once when no capture is asked. */
    for (uint32_t i = 0; i < n; i++)
        if (wf_thread[p[i]]->wd_pcs && atomic_load(&wf_thread[p[i]]->wd_npcs) < 0)
            return;
    lg_real.sigaction(CAPTURE_SIGNAL, &old, NULL);
}

static uint32_t blocked_stack(struct lg_thread *t)
{
    int n = atomic_load(&t->wd_npcs);
    uint32_t id;
    lg_graph_lock();
    if (t->wd_pcs && n > 0)
        id = lg_stack_intern(t->wd_pcs, (uint32_t)n);
    else
        id = lg_stack_or_site(0, t->wait.pc);
    lg_graph_unlock();
    return id;
}

/* How snapshot thread i waits, for the deadlock report: the mode it waits to take
 * the lock in (the item's to_mode), the WAITS flags, and for how long. */
static void wait_facts(struct lg_finding_item *it, uint32_t i, uint64_t now)
{
    const struct lg_thread *t = wf_thread[i];
    uint64_t since = t->wait.since;
    switch (wf[i].kind) {
    case LG_WF_JOIN:
        it->wait_flags = LG_WAITF_JOIN;
        break;
    case LG_WF_COND: /* asleep on the mutex since the host first saw it so */
        it->wait_flags = (uint8_t)(LG_WAITF_COND | (wf[i].timed ? LG_WAITF_TIMED : 0));
        it->mode = LG_MODE_EXCL;
        since = wf[i].cond_since;
        break;
    default:
        it->mode = t->wait.mode;
        if (wf[i].timed)
            it->wait_flags = LG_WAITF_TIMED;
        break;
    }
    it->waited_ns = since && now > since ? now - since : 0;
}

/* The lock entry i waits for (none for a join). */
static struct lg_lockrec *waited_lock(uint32_t i)
{
    return wf[i].kind == LG_WF_JOIN ? NULL : wf_lock[i];
}

static void report_deadlock(const struct lg_wf_deadlock *d, uint64_t now)
{
    const uint32_t *p = d->thread;
    uint32_t n = d->n;
    int timed = d->timed, orphan = d->orphaned;
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
        uint32_t cur = p[i], prev = p[(i + n - 1) % n];
        struct lg_thread *t = wf_thread[cur];
        struct lg_finding_item *it = &f->items[i];
        it->thread = t->serial;
        it->other = waited_lock(cur);
        it->pc = t->wait.pc;
        it->stack = blocked_stack(t);
        if (wf[cur].kind == LG_WF_JOIN)
            f->flags |= LG_FINDF_JOIN;
        wait_facts(it, cur, now);
        /* the lock it holds that the previous thread in the cycle waits for */
        struct lg_lockrec *held = orphan ? NULL : waited_lock(prev);
        struct lg_held *h = held ? lg_held_find(t, held) : NULL;
        if (h) {
            it->lock = held;
            it->other_pc = h->pc;
            it->other_stack = lg_held_stack_id(h);
            it->mode |= (uint8_t)(h->mode << 4);
            uint64_t start = h->start;
            if (start && now > start) {
                it->held_ns = now - start;
                /* this hold is part of the deadlock report, not a long hold of its own */
                if (lg_cfg.hold_threshold_ns && it->held_ns >= lg_cfg.hold_threshold_ns)
                    atomic_fetch_or(&held->flags, LG_LR_LONG_LIVE | LG_LR_LONG_DEADLOCK);
            }
        }
    }
    f->detail = orphan ? "waiting for a lock whose owner exited" :
                timed ? "timed waits: it will end in a timeout" : NULL;
    lg_report_finding(f);
    if (!timed)
        lg_deadlock_policy();
}

static void check_deadlocks(uint64_t now)
{
    struct lg_wf_snapshot s = snapshot(now);
    struct lg_wf_deadlock d;
    int found = lg_waitfor_tick(&waitfor, &s, &d);
    for (uint32_t i = 0; i < s.n; i++) {
        wf_thread[i]->wd_cond_since = wf[i].cond_since;
        wf_thread[i]->wd_cond_seq = wf[i].cond_seq;
    }
    if (found)
        report_deadlock(&d, now);
}

/* ---- long holds --------------------------------------------------------------- */

/* A thread blocked in a lock or join wait younger than the deadlock threshold
 * plus the two confirming ticks may be in a deadlock about to be confirmed: its
 * holds wait for that verdict, so that they are reported inside the deadlock
 * report (report_deadlock) rather than as long holds printed before it.  Once the
 * wait is older and no deadlock was confirmed, they are reported as usual. */
static int verdict_pending(const struct lg_thread *t, uint64_t now)
{
    uint64_t grace = lg_cfg.deadlock_ns + 3 * atomic_load(&lg_tick_step_ns);
    if (atomic_load(&t->wait.lock) || atomic_load(&t->wait.joining))
        return now - t->wait.since < grace;
    if (atomic_load(&t->wait.cond_mutex) && t->wd_cond_since)
        return now - t->wd_cond_since < grace;
    return 0;
}

static void check_long_holds(uint64_t now)
{
    if (!lg_cfg.hold_threshold_ns)
        return;
    for (struct lg_thread *t = lg_thread_first(); t; t = t->next_all) {
        if (!atomic_load(&t->alive) || verdict_pending(t, now))
            continue;
        uint32_t n = __atomic_load_n(&t->nheld, __ATOMIC_ACQUIRE);
        struct lg_held *h = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; i < n; i++) {
            struct lg_held e = h[i]; /* racy copy: checked below */
            if (!e.lock || !e.start || now < e.start || now - e.start < lg_cfg.hold_threshold_ns)
                continue;
            /* a hold another thread's condition wait ended (misuse.h, C4) */
            if (lg_held_phantom(t, &e))
                continue;
            uint16_t f = atomic_fetch_or(&e.lock->flags, LG_LR_LONG_LIVE);
            if (f & LG_LR_LONG_LIVE)
                continue; /* this hold was reported already */
            int loud = lg_long_hold_site_first(e.pc);
            if (loud)
                atomic_fetch_or(&e.lock->flags, LG_LR_LONG_LOUD);
            lg_report_long_hold(t, &e, now - e.start, 1, loud);
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

/* Whether the watchdog is the last thread of the process: the main thread ended
 * through pthread_exit (the leader is a zombie) and no other thread is left.
 * glibc ends a process when its last thread ends, but the watchdog counts as a
 * thread, so it must do what that last thread would have done: exit(0).  Read from
 * /proc/self/stat (state, field 3; threads, field 20); no answer is "no". */
static int last_thread_left(void)
{
    char buf[512];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold anything */
    if (!p || p[1] != ' ' || p[2] != 'Z')
        return 0;
    /* field 3 is the state; field 20 the thread count (the zombie leader and us) */
    int field = 3;
    for (p += 2; *p && field < 20; p++)
        if (*p == ' ')
            field++;
    return field == 20 && strtol(p, NULL, 10) == 2;
}

static void *watchdog(void *arg)
{
    (void)arg;
    static struct lg_thread self_state = {.in_shim = 1};
    lg_tls_self = &self_state; /* its own calls are never recorded */
    uint64_t step = tick_interval();
    atomic_store(&lg_tick_step_ns, step);
    uint64_t last_stats = lg_plat_now();
    for (;;) {
        struct timespec ts = {(time_t)(step / 1000000000ull), (long)(step % 1000000000ull)};
        nanosleep(&ts, NULL);
        atomic_fetch_add(&lg_wd_pass, 1); /* odd: a pass is running (detector.c) */
        uint64_t now = lg_plat_now();
        atomic_store_explicit(&lg_tick_ns, now, memory_order_relaxed);
        check_deadlocks(now);
        check_long_holds(now);
        atomic_fetch_add(&lg_wd_pass, 1); /* even: the pass is over (its snapshot too) */
        if (last_thread_left())
            exit(0); /* atexit handlers and destructors run, the log is finished */
        uint64_t every = lg_settings.snapshot_interval_ns;
        if (!every)
            every = LG_DEFAULT_SNAPSHOT_INTERVAL_MS * 1000000ull;
        if (now - last_stats >= every) {
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
    lg_waitfor_reset(&waitfor);
}
