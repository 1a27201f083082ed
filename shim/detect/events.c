/* The events of detect.h beyond the steady state: threads coming and going, the
 * contended path of a blocking lock, the misuse checks (decided by misuse.c), the
 * end of lock instances, and the waits that are not lock acquisitions (joins,
 * condition waits), published for the watchdog. */
#define _GNU_SOURCE
#include "detect.h"
#include "arena.h"
#include "detector.h"
#include "fork_held.h"
#include "graph.h"
#include "lock_table.h"
#include "misuse.h"
#include "host.h"

/* ---- threads ------------------------------------------------------------------ */

struct lg_spawn *lg_thread_spawn(struct lg_thread *t, uintptr_t self, void *(*fn)(void *),
                                 void *arg)
{
    struct lg_guard g = lg_guard_enter(t);
    if (!t->pthread)
        t->pthread = self;
    struct lg_spawn *s = lg_spawn_alloc();
    if (s) {
        s->fn = fn;
        s->arg = arg;
        s->creator = t->serial;
        s->stack = lg_capture_stack();
    }
    lg_guard_leave(t, g);
    return s;
}

struct lg_thread *lg_thread_start(const struct lg_spawn *s, uintptr_t self)
{
    uint32_t creator = s->creator, stack = s->stack;
    lg_spawn_free((struct lg_spawn *)s); /* the trampoline read fn and arg already */
    struct lg_thread *t = lg_thread_attach(creator, stack);
    if (t)
        t->pthread = self;
    return t;
}

/* ---- the contended path ----------------------------------------------------------- */

/* Once per lock instance and kind of finding: a loop repeating a misuse gives
 * one report, not a flood. */
static int first_time(struct lg_lockrec *l, uint8_t finding)
{
    uint16_t bit = finding == LG_FIND_SELF_DEADLOCK     ? LG_LR_SAID_SELF
                   : finding == LG_FIND_BAD_UNLOCK      ? LG_LR_SAID_UNLOCK
                   : finding == LG_FIND_BAD_COND_WAIT   ? LG_LR_SAID_COND
                   : finding == LG_FIND_USE_AFTER_DESTROY ? LG_LR_SAID_UAD
                                                        : LG_LR_SAID_DESTROY;
    return !(atomic_fetch_or(&l->flags, bit) & bit);
}

static int should_report(struct lg_lockrec *l, const lg_misuse_verdict *v)
{
    return v->finding && (!v->once || first_time(l, v->finding));
}

struct lg_lockrec *lg_block_begin(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                  lg_subkind_fn subkind, uint8_t mode, uint8_t flags,
                                  uintptr_t pc)
{
    struct lg_guard g = lg_guard_enter(t);
    /* a contended lock is known nearly always: the thread's record cache first */
    struct lg_lockrec *l = lg_lock_plain(t, addr);
    if (!l)
        l = lg_lock_of(t, addr, kind, subkind);
    lg_misuse_verdict v = {0};
    if (l && (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_FORK_HELD))
        lg_fork_held_use(t, l, mode, 1);
    if (l) {
        struct lg_thread *owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
        int i = lg_held_index(t, l);
        lg_relock_facts f = {.kind = kind, .subkind = l->subkind, .mode = mode,
                             .timed = (flags & LG_CTXF_TIMED) != 0, .owns = owner == t,
                             .holds = i >= 0};
        lg_misuse_relock(&f, &v);
        if (should_report(l, &v))
            lg_report_lock_finding(t, v.finding, v.flags, l, lg_capture_stack(),
                                   t->held[i].stack, 0, v.detail);
        if (v.hang)
            lg_deadlock_policy();
    }
    if (v.waits) {
        t->wait.since = lg_plat_now();
        t->wait.pc = pc;
        t->wait.flags = flags;
        t->wait.mode = mode;
        /* only this thread writes its seq, and under the guard no handler of its
         * own can interleave: a plain store, not a locked add */
        atomic_store_explicit(&t->wait.seq,
                              atomic_load_explicit(&t->wait.seq, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        atomic_store_explicit(&t->wait.lock, l, memory_order_release);
        __atomic_store_n(&l->contended, __atomic_load_n(&l->contended, __ATOMIC_RELAXED) + 1,
                         __ATOMIC_RELAXED);
    } else {
        l = NULL;
    }
    lg_guard_leave(t, g);
    return l;
}

void lg_block_end(struct lg_thread *t, struct lg_lockrec *l)
{
    if (!l)
        return;
    atomic_store_explicit(&t->wait.lock, NULL, memory_order_release);
    uint64_t waited = lg_plat_now() - t->wait.since;
    lg_stat_add(&l->wait_total, waited);
    uint64_t us = waited / 1000u;
    if (us > UINT32_MAX)
        us = UINT32_MAX;
    if (us > __atomic_load_n(&l->wait_max_us, __ATOMIC_RELAXED))
        __atomic_store_n(&l->wait_max_us, (uint32_t)us, __ATOMIC_RELAXED);
}

/* ---- misuse checks ---------------------------------------------------------------- */

void lg_bad_unlock(struct lg_thread *t, uintptr_t addr, uint8_t kind, struct lg_lock_word word)
{
    struct lg_guard g = lg_guard_enter(t);
    if (!lg_table_find(addr) && lg_destroyed_use(t, addr, kind, word, LG_USE_UNLOCK)) {
        lg_guard_leave(t, g);
        return;
    }
    struct lg_thread *owner = NULL;
    if (word.state == LG_WORD_NO_OWNER) {
        struct lg_lockrec *known = lg_table_find(addr);
        owner = known ? atomic_load(&known->owner) : NULL;
    }
    lg_misuse_verdict v;
    lg_misuse_unlock(word, t->tid, owner && owner != t, &v);
    struct lg_lockrec *l = v.finding ? lg_lock_of(t, addr, kind, NULL) : NULL;
    if (l) {
        if (v.released)
            atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
        if (should_report(l, &v))
            lg_report_lock_finding(t, v.finding, v.flags, l, lg_capture_stack(), 0, 0,
                                   v.detail);
    }
    lg_guard_leave(t, g);
}

/* Held exclusively, or listed by a live thread's held stack (*stack: that entry's
 * acquisition stack). */
static int held_by_anyone(struct lg_lockrec *l, uint32_t *stack)
{
    if (atomic_load_explicit(&l->owner, memory_order_relaxed))
        return 1;
    for (struct lg_thread *o = lg_thread_first(); o; o = o->next_all) {
        if (!atomic_load(&o->alive))
            continue;
        uint32_t n = __atomic_load_n(&o->nheld, __ATOMIC_ACQUIRE);
        struct lg_held *h = __atomic_load_n(&o->held, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; i < n; i++)
            if (h[i].lock == l) {
                *stack = h[i].stack;
                return 1;
            }
    }
    return 0;
}

void lg_check_destroy(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                      struct lg_lock_word word)
{
    struct lg_guard g = lg_guard_enter(t);
    struct lg_lockrec *l = lg_table_find(addr);
    if (!l && lg_destroyed_use(t, addr, kind, word, LG_USE_DESTROY)) {
        lg_guard_leave(t, g);
        return;
    }
    uint32_t held_stack = 0;
    lg_misuse_verdict v;
    lg_misuse_destroy(l && held_by_anyone(l, &held_stack), &v);
    if (should_report(l, &v))
        lg_report_lock_finding(t, v.finding, v.flags, l, lg_capture_stack(), held_stack, 0,
                               v.detail);
    lg_guard_leave(t, g);
}

/* ---- the end of lock instances ----------------------------------------------------- */

void lg_lock_end(struct lg_thread *t, uintptr_t addr, int reason)
{
    struct lg_guard g = lg_guard_enter(t);
    /* a re-init makes a destroyed lock usable again */
    struct lg_lockrec *d = lg_table_find_any(addr);
    if (d && (atomic_load_explicit(&d->flags, memory_order_relaxed) & LG_LR_DESTROYED))
        atomic_fetch_and(&d->flags, (uint16_t)~LG_LR_DESTROYED);
    lg_lock_retire(addr, reason);
    lg_guard_leave(t, g);
}

/* ---- use after destroy -------------------------------------------------------------
 * A destroy marks the instance's record (LG_LR_DESTROYED) and leaves it in its
 * table slot, where a lookup that misses finds it: no memory beyond the record that
 * exists anyway, nothing on the fast path (a destroyed instance is not live, so
 * every use of its address already takes a slow path).  The mark goes with a
 * re-init (lg_lock_end), the free or unmap of its memory (lg_retire_range), or the
 * next instance at the address, which replaces the record in its slot.  Locks on a
 * thread's stack are not marked: a later frame may put a new lock at the same
 * address with no event to say so.
 *
 * The destroy's call site, for the report, is kept in a small direct-mapped table
 * by record id (a capture at every destroy would cost a stack walk each): a site
 * overwritten by another destroy is reported as unknown (0), never as the wrong one. */
#define DESTROY_SITES 1024u
static struct {
    _Atomic uint32_t id;
    uintptr_t pc;
} destroy_site[DESTROY_SITES];

void lg_lock_destroyed(struct lg_thread *t, uintptr_t addr, uintptr_t pc)
{
    struct lg_guard g = lg_guard_enter(t);
    struct lg_lockrec *l = lg_table_find(addr);
    if (l && !(atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_STACK)) {
        uint32_t k = l->id % DESTROY_SITES;
        atomic_store_explicit(&destroy_site[k].id, 0, memory_order_relaxed);
        __atomic_store_n(&destroy_site[k].pc, pc, __ATOMIC_RELAXED);
        atomic_store_explicit(&destroy_site[k].id, l->id, memory_order_release);
        atomic_fetch_or(&l->flags, LG_LR_DESTROYED);
    }
    lg_lock_retire(addr, LG_RETIRE_DESTROY);
    lg_guard_leave(t, g);
}

static uint32_t destroy_stack(const struct lg_lockrec *d)
{
    uint32_t k = d->id % DESTROY_SITES;
    if (atomic_load_explicit(&destroy_site[k].id, memory_order_acquire) != d->id)
        return 0;
    uintptr_t pc = __atomic_load_n(&destroy_site[k].pc, __ATOMIC_RELAXED);
    if (atomic_load_explicit(&destroy_site[k].id, memory_order_relaxed) != d->id)
        return 0;
    lg_graph_lock();
    uint32_t id = lg_stack_or_site(0, pc);
    lg_graph_unlock();
    return id;
}

int lg_destroyed_use(struct lg_thread *t, uintptr_t addr, uint8_t kind, struct lg_lock_word word,
                     enum lg_use_op op)
{
    return lg_destroyed_use_of(t, lg_table_find_any(addr), kind, word, op);
}

int lg_destroyed_use_of(struct lg_thread *t, struct lg_lockrec *d, uint8_t kind,
                        struct lg_lock_word word, enum lg_use_op op)
{
    uint16_t f = d ? atomic_load_explicit(&d->flags, memory_order_relaxed) : 0;
    int marked = (f & (LG_LR_DEAD | LG_LR_DESTROYED)) == (LG_LR_DEAD | LG_LR_DESTROYED);
    if (!marked)
        return 0; /* X1, without a guard: every first use of a lock comes here */
    struct lg_guard g = lg_guard_enter(t);
    lg_misuse_verdict v;
    lg_misuse_destroyed_use(marked, kind == LG_KIND_MUTEX || kind == LG_KIND_MTX, word, op, &v);
    if (v.forget)
        atomic_fetch_and(&d->flags, (uint16_t)~LG_LR_DESTROYED);
    if (should_report(d, &v))
        lg_report_lock_finding(t, v.finding, v.flags, d, lg_capture_stack(), destroy_stack(d),
                               0, v.detail);
    lg_guard_leave(t, g);
    return v.finding != 0;
}

/* lg_memory_freed is in detector.c, beside the page bitmap it tests first. */

/* ---- waits that are not lock acquisitions ------------------------------------------ */

void lg_join_begin(struct lg_thread *t, uintptr_t th, uintptr_t pc)
{
    t->wait.since = lg_plat_now();
    t->wait.pc = pc;
    atomic_fetch_add(&t->wait.seq, 1);
    atomic_store(&t->wait.joining, th);
}

void lg_join_end(struct lg_thread *t) { atomic_store(&t->wait.joining, 0); }

/* The holder's acquisition stack of l, if `owner` (another thread) lists it. */
static uint32_t holder_stack(struct lg_thread *owner, const struct lg_lockrec *l)
{
    if (!owner)
        return 0;
    struct lg_held *h = lg_held_find(owner, l);
    if (!h)
        return 0;
    struct lg_held e = *h; /* racy view: the owner may be releasing it */
    return e.lock == l ? lg_held_stack_id(&e) : 0;
}

int lg_cond_wait_begin(struct lg_thread *t, uintptr_t m, uint8_t kind, lg_subkind_fn subkind,
                       struct lg_lock_word word)
{
    struct lg_guard g = lg_guard_enter(t);
    struct lg_lockrec *l = lg_lock_of(t, m, kind, subkind);
    int not_mutex = l && l->kind != LG_KIND_MUTEX && l->kind != LG_KIND_MTX;
    struct lg_thread *owner = l ? atomic_load_explicit(&l->owner, memory_order_relaxed) : NULL;
    lg_cond_facts f = {.holds = !not_mutex && lg_released(t, m), .not_mutex = (uint8_t)not_mutex,
                       .records_other = owner && owner != t, .caller = t->tid, .word = word,
                       .owner_checked = l && (l->subkind == LG_SUB_ERRORCHECK ||
                                              l->subkind == LG_SUB_RECURSIVE)};
    lg_misuse_verdict v;
    lg_misuse_cond_wait(&f, &v);
    if (l && v.released) {
        /* glibc ends the other thread's hold: it is a phantom from now on, which
         * its own release (slow path, LG_LR_STOLEN) drops without counting */
        atomic_fetch_or(&l->flags, LG_LR_STOLEN);
        atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
    }
    if (l && should_report(l, &v))
        lg_report_lock_finding(t, v.finding, v.flags, l, lg_capture_stack(),
                               owner != t ? holder_stack(owner, l) : 0, 0, v.detail);
    atomic_fetch_add(&t->wait.seq, 1); /* a new wait, as far as the watchdog can tell */
    atomic_store(&t->wait.cond_mutex, l);
    lg_guard_leave(t, g);
    return v.relocks;
}

void lg_cond_wait_end(struct lg_thread *t) { atomic_store(&t->wait.cond_mutex, NULL); }
