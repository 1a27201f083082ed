/* lockgraph/annotate.h: tell lockgraph about a lock it cannot see on its own.
 *
 * lockgraph sees every lock that goes through pthread, C11 threads, stdio, GLib and
 * OpenMP.  A lock built on its own atomics and futex (a spinlock, a futex mutex, a
 * reader-writer lock of your own) is invisible to it, and so are its inversions and
 * its deadlocks.  Six calls made from the lock's own functions make it visible: it
 * then gets everything a pthread mutex gets (lock-order inversions, real deadlocks
 * ended with a report, self-deadlocks, long holds, statistics).
 *
 *   static inline void my_lock(struct my_lock *l)
 *   {
 *       lockgraph_before_lock(l, 0);
 *       ...take it (spin, futex wait)...
 *       lockgraph_after_lock(l, 0, 1);
 *   }
 *   static inline int my_trylock(struct my_lock *l)
 *   {
 *       lockgraph_before_lock(l, LOCKGRAPH_TRY);
 *       int ok = ...one attempt...;
 *       lockgraph_after_lock(l, LOCKGRAPH_TRY | (ok ? 0 : LOCKGRAPH_FAILED), 1);
 *       return ok;
 *   }
 *   static inline void my_unlock(struct my_lock *l)
 *   {
 *       lockgraph_before_unlock(l, 0);
 *       ...release it...
 *       lockgraph_after_unlock(l, 0);
 *   }
 *
 * Cost and linking.  The header needs no library and no link option: each call is a
 * static inline function that tests a weak reference to the shim's entry point and
 * calls it only when the shim is loaded (LD_PRELOAD=liblockgraph.so or `lockgraph
 * run`).  Without the shim the reference is NULL and each call costs one load and
 * one never-taken branch (bench/bench_annotate.c measures it; docs/shim.md has the
 * figures).  The weak references are resolved by the dynamic loader, which works
 * with GNU ld and gold in position-independent and fixed-address executables and in
 * shared libraries.  Not supported: static executables (no dynamic loader, and the
 * shim cannot enter them anyway) and linkers that bind undefined weak symbols to 0
 * at link time (lld without -z dynamic-undefined-weak).  Define LOCKGRAPH_NO_ANNOTATE
 * to compile every call to nothing.
 *
 * Identity.  A lock is its address, as for pthread locks.  Create is optional (a
 * lock never created is known from its first use, like PTHREAD_MUTEX_INITIALIZER);
 * it says that a new lock lives at the address (an old one there ended) and whether
 * the lock is recursive.  Destroy says it ended (checked: destroying a held lock is
 * reported).  Reports name these locks "annotated", followed by the variable's
 * name or the site of first use, like any lock.
 *
 * ThreadSanitizer.  The calls and flag bits are those of ThreadSanitizer's mutex
 * annotations (<sanitizer/tsan_interface.h>), one to one, so code annotated for
 * TSan maps with the macros at the bottom (LOCKGRAPH_FROM_TSAN):
 *
 *   __tsan_mutex_create(a, f)          lockgraph_create(a, f)
 *   __tsan_mutex_destroy(a, f)         lockgraph_destroy(a, f)
 *   __tsan_mutex_pre_lock(a, f)        lockgraph_before_lock(a, f)
 *   __tsan_mutex_post_lock(a, f, r)    lockgraph_after_lock(a, f, r)
 *   __tsan_mutex_pre_unlock(a, f)      lockgraph_before_unlock(a, f)   (returns r)
 *   __tsan_mutex_post_unlock(a, f)     lockgraph_after_unlock(a, f)
 *   __tsan_mutex_linker_init ...       LOCKGRAPH_LINKER_INIT ... (same values)
 *
 * Only LOCKGRAPH_TIMED has no TSan counterpart (TSan does not distinguish timed
 * locks).  The signal/divert annotations have no lockgraph meaning.
 */
#ifndef LOCKGRAPH_ANNOTATE_H
#define LOCKGRAPH_ANNOTATE_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- flag bits (the values of ThreadSanitizer's __tsan_mutex_* bits) ------------ */

/* create/destroy: the lock is static and zero-initialized (accepted, not needed) */
#define LOCKGRAPH_LINKER_INIT (1u << 0)
/* create: the lock may be taken again by its holder (a recursive mutex) */
#define LOCKGRAPH_WRITE_REENTRANT (1u << 1)
/* create: its read side may be taken again by a reader (accepted, not needed: read
 * locks never make a self-deadlock report by themselves) */
#define LOCKGRAPH_READ_REENTRANT (1u << 2)
/* lock/unlock: the read (shared) side of a reader-writer lock */
#define LOCKGRAPH_READ (1u << 3)
/* lock: a try: one attempt that cannot block */
#define LOCKGRAPH_TRY (1u << 4)
/* after_lock: the lock was NOT acquired (a try that failed, a timed lock that timed
 * out); without it, after_lock means acquired */
#define LOCKGRAPH_FAILED (1u << 5)
/* after_lock: re-acquire `recursion` levels at once (after a full release, e.g. by
 * a condition variable); before_unlock: release every level and return their count */
#define LOCKGRAPH_RECURSIVE_LOCK (1u << 6)
#define LOCKGRAPH_RECURSIVE_UNLOCK (1u << 7)
/* create/destroy: the lock is not a static one (accepted, not needed) */
#define LOCKGRAPH_NOT_STATIC (1u << 8)
/* lock: a lock with a timeout: a deadlock through it ends in a timeout, not a hang
 * (lockgraph only; no TSan counterpart) */
#define LOCKGRAPH_TIMED (1u << 16)

/* ---- the shim's entry points (weak: NULL when the shim is not loaded) -------------- */

#define LOCKGRAPH_WEAK_ __attribute__((weak, visibility("default")))
LOCKGRAPH_WEAK_ void lockgraph_annotate_create(void *lock, unsigned flags);
LOCKGRAPH_WEAK_ void lockgraph_annotate_destroy(void *lock, unsigned flags);
LOCKGRAPH_WEAK_ void lockgraph_annotate_before_lock(void *lock, unsigned flags);
LOCKGRAPH_WEAK_ void lockgraph_annotate_after_lock(void *lock, unsigned flags, int recursion);
LOCKGRAPH_WEAK_ int lockgraph_annotate_before_unlock(void *lock, unsigned flags);
LOCKGRAPH_WEAK_ void lockgraph_annotate_after_unlock(void *lock, unsigned flags);
#undef LOCKGRAPH_WEAK_

/* ---- the calls ---------------------------------------------------------------- */

#if defined(LOCKGRAPH_NO_ANNOTATE)
#define LOCKGRAPH_CALL_(fn, ...) ((void)0)
#define LOCKGRAPH_CALL_INT_(fn, ...) 0
#else
#define LOCKGRAPH_CALL_(fn, ...)                                                  \
    do {                                                                          \
        if (__builtin_expect(fn != 0, 0))                                         \
            fn(__VA_ARGS__);                                                      \
    } while (0)
#define LOCKGRAPH_CALL_INT_(fn, ...) (__builtin_expect(fn != 0, 0) ? fn(__VA_ARGS__) : 0)
#endif

/* always_inline: no call of its own even at -O0, so the cost without the shim is
 * the test and branch alone, and stacks show the lock function itself */
#define LOCKGRAPH_INLINE_ static inline __attribute__((always_inline))

/* A new lock lives at `lock` (flags: LOCKGRAPH_WRITE_REENTRANT for a recursive one). */
LOCKGRAPH_INLINE_ void lockgraph_create(void *lock, unsigned flags)
{
    LOCKGRAPH_CALL_(lockgraph_annotate_create, lock, flags);
    (void)lock, (void)flags;
}

/* The lock at `lock` ends (call it before the memory is reused). */
LOCKGRAPH_INLINE_ void lockgraph_destroy(void *lock, unsigned flags)
{
    LOCKGRAPH_CALL_(lockgraph_annotate_destroy, lock, flags);
    (void)lock, (void)flags;
}

/* Before the attempt to take the lock (flags: READ, TRY, TIMED).  For a blocking
 * attempt this publishes the wait: a thread that never returns from here is part of
 * a deadlock lockgraph can see and end. */
LOCKGRAPH_INLINE_ void lockgraph_before_lock(void *lock, unsigned flags)
{
    LOCKGRAPH_CALL_(lockgraph_annotate_before_lock, lock, flags);
    (void)lock, (void)flags;
}

/* After the attempt, with the flags of before_lock, plus LOCKGRAPH_FAILED when the
 * lock was not acquired.  recursion: read only with LOCKGRAPH_RECURSIVE_LOCK, the
 * number of levels re-acquired (what before_unlock returned); otherwise one level
 * is taken whatever it says (TSan's callers pass 0). */
LOCKGRAPH_INLINE_ void lockgraph_after_lock(void *lock, unsigned flags, int recursion)
{
    LOCKGRAPH_CALL_(lockgraph_annotate_after_lock, lock, flags, recursion);
    (void)lock, (void)flags, (void)recursion;
}

/* Before the lock is released (flags: READ; RECURSIVE_UNLOCK to release every
 * level).  Returns the number of levels released per lockgraph's records (0 without
 * the shim). */
LOCKGRAPH_INLINE_ int lockgraph_before_unlock(void *lock, unsigned flags)
{
    (void)lock, (void)flags;
    return LOCKGRAPH_CALL_INT_(lockgraph_annotate_before_unlock, lock, flags);
}

/* After the lock was released. */
LOCKGRAPH_INLINE_ void lockgraph_after_unlock(void *lock, unsigned flags)
{
    LOCKGRAPH_CALL_(lockgraph_annotate_after_unlock, lock, flags);
    (void)lock, (void)flags;
}

#undef LOCKGRAPH_CALL_
#undef LOCKGRAPH_CALL_INT_
#undef LOCKGRAPH_INLINE_

/* ---- code annotated for ThreadSanitizer ------------------------------------------ */

/* With LOCKGRAPH_FROM_TSAN defined (and TSan itself not in use), the TSan mutex
 * annotations become lockgraph's.  Under -fsanitize=thread they stay TSan's. */
#if defined(LOCKGRAPH_FROM_TSAN) && !defined(__SANITIZE_THREAD__)
#define __tsan_mutex_linker_init LOCKGRAPH_LINKER_INIT
#define __tsan_mutex_write_reentrant LOCKGRAPH_WRITE_REENTRANT
#define __tsan_mutex_read_reentrant LOCKGRAPH_READ_REENTRANT
#define __tsan_mutex_not_static LOCKGRAPH_NOT_STATIC
#define __tsan_mutex_read_lock LOCKGRAPH_READ
#define __tsan_mutex_try_lock LOCKGRAPH_TRY
#define __tsan_mutex_try_lock_failed LOCKGRAPH_FAILED
#define __tsan_mutex_recursive_lock LOCKGRAPH_RECURSIVE_LOCK
#define __tsan_mutex_recursive_unlock LOCKGRAPH_RECURSIVE_UNLOCK
#define __tsan_mutex_try_read_lock (LOCKGRAPH_READ | LOCKGRAPH_TRY)
#define __tsan_mutex_try_read_lock_failed (LOCKGRAPH_READ | LOCKGRAPH_TRY | LOCKGRAPH_FAILED)
#define __tsan_mutex_create(a, f) lockgraph_create((void *)(a), (f))
#define __tsan_mutex_destroy(a, f) lockgraph_destroy((void *)(a), (f))
#define __tsan_mutex_pre_lock(a, f) lockgraph_before_lock((void *)(a), (f))
#define __tsan_mutex_post_lock(a, f, r) lockgraph_after_lock((void *)(a), (f), (r))
#define __tsan_mutex_pre_unlock(a, f) lockgraph_before_unlock((void *)(a), (f))
#define __tsan_mutex_post_unlock(a, f) lockgraph_after_unlock((void *)(a), (f))
#define __tsan_mutex_pre_signal(a, f) ((void)(a), (void)(f))
#define __tsan_mutex_post_signal(a, f) ((void)(a), (void)(f))
#define __tsan_mutex_pre_divert(a, f) ((void)(a), (void)(f))
#define __tsan_mutex_post_divert(a, f) ((void)(a), (void)(f))
#endif

#ifdef __cplusplus
}
#endif

#endif
