/* What the shim knows of glibc's lock objects (glibc 2.36, x86-64 and the generic
 * layouts): the only place that reads inside a pthread_mutex_t, pthread_rwlock_t or
 * pthread_spinlock_t.  The hooks use it to peek at a lock before blocking, to read
 * a lock's type, and to tell the core what the lock word says at an unlock; the
 * watchdog uses it to map the futex a thread sleeps on back to its lock.
 *
 * Invariants: every read is a relaxed load of a word glibc changes under us, so an
 * answer is a hint about an instant, never a guarantee; nothing here writes to a
 * lock object.  An mtx_t has the layout of a pthread_mutex_t.
 */
#ifndef LOCKGRAPH_GLIBC_ABI_H
#define LOCKGRAPH_GLIBC_ABI_H

#include "log_format.h"
#include "misuse.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- is the lock visibly taken? ---------------------------------------------------- */

static inline int lg_mutex_busy(const pthread_mutex_t *m)
{
    return __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) != 0;
}

/* rwlock __readers: readers << 3 | RWAITING 4 | WRLOCKED 2 | WRPHASE 1.  A writer
 * waits for any of it; a reader only for a writer. */
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

/* ---- what the lock word says at an unlock (misuse.h, rules U1-U5) ---------------- */

/* A mutex: __lock is 0 when free; __owner is the owner's tid, written just after
 * the lock is taken (so briefly 0 while locked); pthread_mutex_destroy sets __kind
 * to -1 (glibc >= 2.26), which every later lock call refuses with EINVAL. */
static inline struct lg_lock_word lg_mutex_word(const pthread_mutex_t *m)
{
    if (__atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED) == -1)
        return (struct lg_lock_word){LG_WORD_DESTROYED, 0};
    int lock = __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
    int owner = __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);
    if (lock == 0)
        return (struct lg_lock_word){LG_WORD_UNLOCKED, 0};
    if (owner != 0)
        return (struct lg_lock_word){LG_WORD_OWNED, (uint32_t)owner};
    return (struct lg_lock_word){LG_WORD_HELD, 0};
}

/* An rwlock: the readers count above bit 3 and WRLOCKED (bit 1) in __readers; the
 * writer's tid in __cur_writer.  A read-locked rwlock names no owner. */
static inline struct lg_lock_word lg_rwlock_word(const pthread_rwlock_t *rw)
{
    unsigned readers = __atomic_load_n(&rw->__data.__readers, __ATOMIC_RELAXED);
    int writer = __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED);
    int wrlocked = (readers & 2u) != 0;
    if ((readers >> 3) == 0 && !wrlocked)
        return (struct lg_lock_word){LG_WORD_UNLOCKED, 0};
    if (wrlocked && writer != 0)
        return (struct lg_lock_word){LG_WORD_OWNED, (uint32_t)writer};
    return (struct lg_lock_word){LG_WORD_HELD, 0};
}

/* A spinlock is one word: taken or not, by no one in particular. */
static inline struct lg_lock_word lg_spin_word(const volatile int *s)
{
    return (struct lg_lock_word){lg_spin_busy(s) ? LG_WORD_NO_OWNER : LG_WORD_UNLOCKED, 0};
}

/* ---- a lock's type, read when its record is created (lg_subkind_fn) ------------- */

static inline uint8_t lg_mutex_subkind(uintptr_t addr)
{
    const pthread_mutex_t *m = (const pthread_mutex_t *)addr;
    return (uint8_t)(m->__data.__kind & 3); /* PTHREAD_MUTEX_KIND_MASK_NP */
}

static inline uint8_t lg_rwlock_subkind(uintptr_t addr)
{
    const pthread_rwlock_t *rw = (const pthread_rwlock_t *)addr;
    return rw->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
               ? LG_SUB_RW_PREFER_WRITER
               : LG_SUB_RW_PREFER_READER;
}

/* FILE locks are recursive. */
static inline uint8_t lg_recursive_subkind(uintptr_t addr)
{
    (void)addr;
    return LG_SUB_RECURSIVE;
}

/* ---- where a thread blocked on a lock sleeps ------------------------------------- */

/* The futex words a thread blocked in glibc on a lock can sleep on, as offsets from
 * the lock object: word 0 is every kind's first word (a mutex's __lock, an rwlock's
 * __readers); the others only an rwlock has (__wrphase_futex, __writers_futex).
 * *rwlock_only says which. */
#define LG_FUTEX_WORDS 3
static inline size_t lg_futex_offset(unsigned i, int *rwlock_only)
{
    static const size_t off[LG_FUTEX_WORDS] = {
        offsetof(pthread_rwlock_t, __data.__readers),
        offsetof(pthread_rwlock_t, __data.__wrphase_futex),
        offsetof(pthread_rwlock_t, __data.__writers_futex),
    };
    _Static_assert(offsetof(pthread_mutex_t, __data.__lock) == 0 &&
                       offsetof(pthread_rwlock_t, __data.__readers) == 0,
                   "futex word 0 is the first word of a mutex and of an rwlock");
    *rwlock_only = i != 0;
    return off[i];
}

#endif
