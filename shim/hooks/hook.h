/* What every hook shares: deciding whether to record, and the contended path.
 *
 * The shape of a blocking lock hook:
 *   t = lg_hook_enter();  if (!t) forward untouched;
 *   if the lock word shows the lock taken (a plain load: glibc's trylock costs
 *   three times its lock here, so no trylock on the fast path):
 *       lg_block_begin (self-deadlock check, publish "waiting for L"),
 *       real blocking call, lg_block_end (precise wait time)
 *   else the real call directly
 *   if acquired: lg_acquired
 * so wait publication and precise clocks exist only on the contended path.  A lock
 * taken between the peek and the real call blocks unpublished; the watchdog
 * finds such a thread from the kernel's side (the futex it sleeps on) when it
 * owns a lock another thread has waited on for long (watchdog.c).  Timed locks
 * still try first: they must be published to be known as timed.
 */
#ifndef LOCKGRAPH_HOOK_H
#define LOCKGRAPH_HOOK_H

#include "detector.h"
#include "real.h"
#include "shim.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

static inline struct lg_thread *lg_hook_enter(void)
{
    if (__builtin_expect(!__atomic_load_n(&lg_enabled, __ATOMIC_RELAXED), 0)) {
        lg_init();
        if (!__atomic_load_n(&lg_enabled, __ATOMIC_ACQUIRE))
            return NULL;
    }
    struct lg_thread *t = lg_tls_self;
    if (__builtin_expect(!t, 0))
        t = lg_thread_attach(0, 0);
    if (!t || t->busy)
        return NULL;
    return t;
}

/* The thread is about to block on the lock at addr (a try failed).  Reports a
 * self-deadlock when it holds the lock itself in a way that can never be granted
 * (and applies the deadlock policy when the wait would be forever), then publishes
 * the wait for the watchdog.  Returns the record (for lg_block_end). */
struct lg_lockrec *lg_block_begin(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                  lg_subkind_fn subkind, uint8_t mode, uint8_t flags,
                                  uintptr_t pc);
/* The blocking call returned (acquired or not). */
void lg_block_end(struct lg_thread *t, struct lg_lockrec *l, int acquired);

/* Unlock of a lock the thread does not hold per its records: decide with the
 * lock's real state whether it is a bad unlock, and report it. */
void lg_bad_unlock(struct lg_thread *t, uintptr_t addr, uint8_t kind, int certain_unlocked,
                   int other_owner, uintptr_t pc);
/* Unlock of a mutex (or mtx_t, same layout) the thread does not hold per its
 * records: glibc's own state decides whether it is a bad unlock (hooks/mutex.c). */
void lg_mutex_not_held(struct lg_thread *t, pthread_mutex_t *m, uint8_t kind, uintptr_t pc);
/* destroy of a lock: report destroy-locked if the shim's records say it is held. */
void lg_check_destroy(struct lg_thread *t, uintptr_t addr, uintptr_t pc);
/* The deadlock policy (exit / abort / wait) after a report of a certain hang. */
void lg_deadlock_policy(void);

/* Is the lock visibly taken?  (glibc 2.36 layouts; a racy read, only a hint.) */
static inline int lg_mutex_busy(const pthread_mutex_t *m)
{
    return __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) != 0;
}
/* rwlock __readers: readers << 3 | RWAITING 4 | WRLOCKED 2 | WRPHASE 1 */
static inline int lg_rwlock_busy(const pthread_rwlock_t *rw, int write)
{
    unsigned r = __atomic_load_n(&rw->__data.__readers, __ATOMIC_RELAXED);
    return write ? r != 0 : (r & 3u) != 0;
}

/* glibc's x86-64 spinlock is 1 when free and 0 or below when taken (lock decl);
 * the generic implementation uses 0 for free. */
static inline int lg_spin_busy(const volatile int *s)
{
#if defined(__x86_64__) || defined(__i386__)
    return __atomic_load_n(s, __ATOMIC_RELAXED) <= 0;
#else
    return __atomic_load_n(s, __ATOMIC_RELAXED) != 0;
#endif
}

/* A timeout or clock glibc refuses with EINVAL even when the lock is free: such a
 * call goes straight to the real function (no try-first, which would succeed). */
static inline int lg_bad_timeout(int check_clock, clockid_t clk, const struct timespec *at)
{
    if (check_clock && clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC)
        return 1;
    return at && (at->tv_nsec < 0 || at->tv_nsec >= 1000000000L);
}

/* Subkind readers for glibc's object layouts. */
uint8_t lg_mutex_subkind(uintptr_t addr);
uint8_t lg_rwlock_subkind(uintptr_t addr);
uint8_t lg_recursive_subkind(uintptr_t addr);

#endif
