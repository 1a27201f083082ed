/* The steady state of an acquisition and a release, inline in every hook.
 *
 * An acquisition is on the fast path when the lock is known, is not a re-lock, and
 * the chain "held stack + this lock" was validated by this thread before: then it
 * is one probe of the thread's record cache (a lock-table probe on a miss), one
 * multiply, one probe of the thread's chain set and a push.
 * A release is on the fast path when the lock is the top of the held stack (LIFO).
 * Anything else goes to lg_acquire_slow / lg_release_slow (detector.c), which
 * handle every case, fast ones included.
 */
#ifndef LOCKGRAPH_FASTPATH_H
#define LOCKGRAPH_FASTPATH_H

#include "detector.h"
#include "lock_table.h"

/* Chain key of "held stack with key prev" + (lock, mode, flags).  One multiply:
 * this runs on every acquisition.  0 is reserved for empty set slots. */
static inline uint64_t lg_chain_step(uint64_t prev, const struct lg_lockrec *l, uint8_t mode,
                                     uint8_t flags)
{
    uint64_t k = (prev ^ ((uint64_t)l->id << 8 | (uint64_t)mode << 2 | flags)) *
                 0x9E3779B97F4A7C15ull;
    k ^= k >> 31;
    return k ? k : 1;
}

static inline int lg_chain_seen(const struct lg_thread *t, uint64_t key)
{
    if (!t->chains)
        return 0;
    for (uint32_t i = (uint32_t)(key >> 32);; i++) {
        uint64_t k = t->chains[i & t->chain_mask];
        if (k == key)
            return 1;
        if (!k)
            return 0;
    }
}

/* Pushes entry n of t's held stack (the caller made sure it fits) and takes
 * ownership: shared by the inline and the slow acquisition.  The guard is raised
 * while entry n is written and published: a signal handler that locks on this
 * thread in between would push its own lock into the same entry, and the entry
 * published afterwards would name a lock of the handler's (held forever, false
 * edges from it).  The handler's locks go untracked instead, as anywhere inside the
 * shim.  The slow path has the guard raised already: it is put back as found. */
static inline __attribute__((always_inline)) void
lg_push_held(struct lg_thread *t, uint32_t n, struct lg_lockrec *l, uint64_t key, uintptr_t pc,
             uintptr_t sp, uint32_t stack, uint8_t mode, uint8_t ctxflags)
{
    int raised = t->in_shim;
    t->in_shim = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    struct lg_held *h = &t->held[n];
    h->lock = l;
    h->key = key;
    h->start = atomic_load_explicit(&lg_tick_ns, memory_order_relaxed);
    h->pc = pc;
    h->sp = sp;
    h->stack = stack;
    h->mode = mode;
    h->flags = ctxflags;
    h->depth = 0;
    __atomic_store_n(&t->nheld, n + 1, __ATOMIC_RELEASE);
    if (mode != LG_MODE_READ)
        atomic_store_explicit(&l->owner, t, memory_order_relaxed);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t->in_shim = raised;
}

/* Statistics counters: relaxed load + store, not a locked read-modify-write (a
 * shared lock's readers may lose an increment; docs/cli.md says so). */
static inline void lg_stat_add(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

/* Adds one hold of held_ns to the lock's statistics. */
static inline __attribute__((always_inline)) void lg_account_hold(struct lg_lockrec *l,
                                                                  uint64_t held_ns)
{
    lg_stat_add(&l->hold_total, held_ns);
    if (held_ns > __atomic_load_n(&l->hold_max, __ATOMIC_RELAXED))
        __atomic_store_n(&l->hold_max, held_ns, __ATOMIC_RELAXED);
}

/* Locks whose acquisitions always take the slow path: stack-resident ones (it
 * checks their frame) and those a fork child must not take (fork_held.h). */
#define LG_LR_ACQ_SLOW (LG_LR_STACK | LG_LR_FORK_HELD)

/* The live record for addr if its acquisition may stay on the fast path (no
 * LG_LR_ACQ_SLOW flag), else NULL (the slow path looks it up itself): from t's
 * record cache (state.h), or else the lock table, and then cached.  A lock object
 * is at least 4-byte aligned and most are 8, so bits 3 and up tell neighbours
 * apart (an array of mutexes fills distinct entries); the higher bits folded in
 * keep same-offset locks of different objects from always colliding. */
static inline __attribute__((always_inline)) struct lg_lockrec *lg_lock_plain(struct lg_thread *t,
                                                                              uintptr_t addr)
{
    struct lg_lockrec **c = &t->rcache[((addr >> 3) ^ (addr >> 12)) & (LG_RCACHE - 1)];
    struct lg_lockrec *l = *c;
    if (__builtin_expect(l && l->addr == addr &&
                             !(atomic_load_explicit(&l->flags, memory_order_relaxed) &
                               (LG_LR_DEAD | LG_LR_ACQ_SLOW)),
                         1))
        return l;
    l = lg_table_find(addr);
    if (!l || (atomic_load_explicit(&l->flags, memory_order_relaxed) & LG_LR_ACQ_SLOW))
        return NULL;
    *c = l;
    return l;
}

static inline __attribute__((always_inline)) void lg_acquired(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                               lg_subkind_fn subkind, uint8_t mode, uint8_t ctxflags,
                               uintptr_t pc)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    struct lg_lockrec *l = lg_lock_plain(t, addr);
    uint32_t n = t->nheld;
    int relock = 0;
    if (__builtin_expect(l != NULL, 1)) {
        if (mode != LG_MODE_READ)
            relock = atomic_load_explicit(&l->owner, memory_order_relaxed) == t;
        else
            for (uint32_t i = 0; i < n; i++)
                relock |= t->held[i].lock == l;
    }
    if (__builtin_expect(!l || relock || n == t->cap, 0)) {
        lg_acquire_slow(t, addr, kind, subkind, mode, ctxflags, pc, sp);
        return;
    }
    uint64_t key = lg_chain_step(n ? t->held[n - 1].key : 0, l, mode, ctxflags);
    if (n && __builtin_expect(!lg_chain_seen(t, key), 0)) {
        lg_acquire_slow(t, addr, kind, subkind, mode, ctxflags, pc, sp);
        return;
    }
    lg_stat_add(&l->acq, 1);
    lg_push_held(t, n, l, key, pc, sp, 0, mode, ctxflags);
}

/* 1 if t held it (now released or one recursion level fewer), 0 if not. */
static inline __attribute__((always_inline)) int lg_released(struct lg_thread *t, uintptr_t addr)
{
    uint32_t n = t->nheld;
    struct lg_held *h = &t->held[n - 1];
    if (__builtin_expect(!n || h->lock->addr != addr || h->depth ||
                             (atomic_load_explicit(&h->lock->flags, memory_order_relaxed) &
                              (LG_LR_HELD_DESTROY | LG_LR_LONG_LIVE | LG_LR_STOLEN)),
                         0))
        return lg_release_slow(t, addr);
    struct lg_lockrec *l = h->lock;
    if (h->start) {
        uint64_t now = atomic_load_explicit(&lg_tick_ns, memory_order_relaxed);
        uint64_t held = now > h->start ? now - h->start : 0;
        /* possibly past the hold threshold (to within a tick): let the slow path
         * measure it precisely and report it */
        if (__builtin_expect(held + atomic_load_explicit(&lg_tick_step_ns, memory_order_relaxed) >=
                                 lg_cfg.hold_threshold_ns && lg_cfg.hold_threshold_ns, 0))
            return lg_release_slow(t, addr);
        lg_account_hold(l, held);
    }
    if (h->mode != LG_MODE_READ)
        atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
    __atomic_store_n(&t->nheld, n - 1, __ATOMIC_RELEASE);
    return 1;
}

#endif
