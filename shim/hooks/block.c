/* The contended path shared by every blocking hook, and the misuse checks
 * (self-deadlock, bad unlock, destroy of a held lock). */
#define _GNU_SOURCE
#include "hook.h"
#include "platform.h"
#include "lock_table.h"
#include "log_writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* Once per lock instance and kind of finding: a loop repeating a misuse gives
 * one report, not a flood. */
static int first_time(struct lg_lockrec *l, uint16_t bit)
{
    return !(atomic_fetch_or(&l->flags, bit) & bit);
}

void lg_deadlock_policy(void)
{
    if (lg_settings.on_deadlock == LG_ON_DEADLOCK_WAIT)
        return;
    lg_log_finish(LG_END_DEADLOCK);
    if (lg_settings.on_deadlock == LG_ON_DEADLOCK_ABORT)
        abort();
    _exit(lg_settings.deadlock_exitcode);
}

static struct lg_lockrec *lg_block_begin_impl(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                  lg_subkind_fn subkind, uint8_t mode, uint8_t flags,
                                  uintptr_t pc)
{
    struct lg_lockrec *l = lg_lock_of(t, addr, kind, subkind);
    if (!l)
        return NULL;
    struct lg_thread *owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
    /* a recursive lock re-taken by its owner does not block (nor does it contend) */
    if (owner == t && (l->subkind == LG_SUB_RECURSIVE || kind == LG_KIND_FILE))
        return NULL;
    t->busy = 1;
    int i = lg_held_index(t, l);
    int self = i >= 0 && (owner == t || mode == LG_MODE_WRITE);
    if (self) {
        /* glibc answers EDEADLK for an error-checking mutex and for any re-lock by
         * an rwlock's writer; a read lock held while asking for the write lock, a
         * normal/adaptive mutex and a spinlock wait forever */
        int answers = (kind == LG_KIND_MUTEX && l->subkind == LG_SUB_ERRORCHECK) ||
                      (kind == LG_KIND_RWLOCK && owner == t);
        int timed = (flags & LG_CTXF_TIMED) != 0;
        int forever = !answers && !timed;
        if (forever || first_time(l, LG_LR_SAID_SELF)) {
            uint16_t ff = timed ? LG_FINDF_TIMED : 0;
            const char *what =
                kind == LG_KIND_RWLOCK && mode == LG_MODE_WRITE && owner != t
                    ? "write lock requested while holding the read lock of"
                    : forever ? "re-lock would block forever on"
                              : answers ? "re-lock (refused with EDEADLK) of"
                                        : "re-lock (will time out) of";
            lg_report_lock_finding(t, LG_FIND_SELF_DEADLOCK, ff, l, lg_capture_stack(),
                                   t->held[i].stack, 0, what);
        }
        if (forever)
            lg_deadlock_policy();
    }
    t->wait.since = lg_plat_now();
    t->wait.pc = pc;
    t->wait.flags = flags;
    atomic_fetch_add_explicit(&t->wait.seq, 1, memory_order_relaxed);
    atomic_store_explicit(&t->wait.lock, l, memory_order_release);
    __atomic_store_n(&l->contended, __atomic_load_n(&l->contended, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    t->busy = 0;
    return l;
}

void lg_block_end(struct lg_thread *t, struct lg_lockrec *l, int acquired)
{
    (void)acquired;
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

static void lg_bad_unlock_impl(struct lg_thread *t, uintptr_t addr, uint8_t kind, int certain_unlocked,
                   int other_owner, uintptr_t pc)
{
    (void)pc;
    if (!certain_unlocked && !other_owner)
        return;
    struct lg_lockrec *l = lg_lock_of(t, addr, kind, NULL);
    if (!l)
        return;
    t->busy = 1;
    if (other_owner)
        atomic_store_explicit(&l->owner, NULL, memory_order_relaxed); /* glibc releases it */
    if (first_time(l, LG_LR_SAID_UNLOCK))
        lg_report_lock_finding(t, LG_FIND_BAD_UNLOCK, other_owner ? LG_FINDF_NOT_OWNER : 0, l,
                               lg_capture_stack(), 0, 0,
                               other_owner ? "unlock of a lock held by another thread:"
                                           : "unlock of a lock that is not locked:");
    t->busy = 0;
}

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

static void lg_check_destroy_impl(struct lg_thread *t, uintptr_t addr, uintptr_t pc)
{
    (void)pc;
    struct lg_lockrec *l = lg_table_find(addr);
    if (!l)
        return;
    uint32_t held_stack = 0;
    if (!held_by_anyone(l, &held_stack))
        return;
    t->busy = 1;
    if (first_time(l, LG_LR_SAID_DESTROY))
        lg_report_lock_finding(t, LG_FIND_DESTROY_LOCKED, 0, l, lg_capture_stack(), held_stack,
                               0, "destroy of a lock that is held:");
    t->busy = 0;
}

uint8_t lg_mutex_subkind(uintptr_t addr)
{
    const pthread_mutex_t *m = (const pthread_mutex_t *)addr;
    return (uint8_t)(m->__data.__kind & 3); /* PTHREAD_MUTEX_KIND_MASK_NP */
}

uint8_t lg_rwlock_subkind(uintptr_t addr)
{
    const pthread_rwlock_t *rw = (const pthread_rwlock_t *)addr;
    return rw->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
               ? LG_SUB_RW_PREFER_WRITER
               : LG_SUB_RW_PREFER_READER;
}

uint8_t lg_recursive_subkind(uintptr_t addr)
{
    (void)addr;
    return LG_SUB_RECURSIVE;
}

/* Entry points keep the program's errno. */

struct lg_lockrec *lg_block_begin(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                  lg_subkind_fn subkind, uint8_t mode, uint8_t flags,
                                  uintptr_t pc)
{
    int saved = errno;
    struct lg_lockrec * r = lg_block_begin_impl(t, addr, kind, subkind, mode, flags, pc);
    errno = saved;
    return r;
}

void lg_bad_unlock(struct lg_thread *t, uintptr_t addr, uint8_t kind, int certain_unlocked,
                   int other_owner, uintptr_t pc)
{
    int saved = errno;
    lg_bad_unlock_impl(t, addr, kind, certain_unlocked, other_owner, pc);
    errno = saved;
}

void lg_check_destroy(struct lg_thread *t, uintptr_t addr, uintptr_t pc)
{
    int saved = errno;
    lg_check_destroy_impl(t, addr, pc);
    errno = saved;
}
