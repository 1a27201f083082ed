/* The events of detect.h beyond the steady state: threads coming and going, the
 * contended path of a blocking lock, the misuse checks (decided by misuse.c), the
 * end of lock instances, and the waits that are not lock acquisitions (joins,
 * condition waits), published for the watchdog. */
#define _GNU_SOURCE
#include "detect.h"
#include "arena.h"
#include "detector.h"
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
    uint16_t bit = finding == LG_FIND_SELF_DEADLOCK ? LG_LR_SAID_SELF
                   : finding == LG_FIND_BAD_UNLOCK  ? LG_LR_SAID_UNLOCK
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
    struct lg_lockrec *l = lg_lock_of(t, addr, kind, subkind);
    lg_misuse_verdict v = {0};
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
        atomic_fetch_add_explicit(&t->wait.seq, 1, memory_order_relaxed);
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

void lg_check_destroy(struct lg_thread *t, uintptr_t addr)
{
    struct lg_guard g = lg_guard_enter(t);
    struct lg_lockrec *l = lg_table_find(addr);
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
    lg_lock_retire(addr, reason);
    lg_guard_leave(t, g);
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

int lg_cond_wait_begin(struct lg_thread *t, uintptr_t m, uint8_t kind, lg_subkind_fn subkind)
{
    struct lg_guard g = lg_guard_enter(t);
    struct lg_lockrec *l = lg_lock_of(t, m, kind, subkind);
    int had = lg_released(t, m);
    atomic_fetch_add(&t->wait.seq, 1); /* a new wait, as far as the watchdog can tell */
    atomic_store(&t->wait.cond_mutex, l);
    lg_guard_leave(t, g);
    return had;
}

void lg_cond_wait_end(struct lg_thread *t) { atomic_store(&t->wait.cond_mutex, NULL); }
