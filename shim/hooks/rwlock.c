/* pthread_rwlock_* hooks.  The rwlock's preference (reader- or writer-preferring)
 * is recorded with the lock: the rules that decide whether a cycle through it can
 * deadlock depend on it. */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>

#define RW(l) ((uintptr_t)(l))

typedef int (*rw_try)(pthread_rwlock_t *);

static int lock(pthread_rwlock_t *rw, uint8_t mode, uint8_t flags, int clk_kind, clockid_t clk,
                const struct timespec *at, uintptr_t pc)
{
    int rd = mode == LG_MODE_READ;
    struct lg_thread *t = lg_hook_enter();
    int r;
#define CALL_BLOCKING()                                                                        \
    (clk_kind == 0   ? (rd ? REAL(pthread_rwlock_rdlock)(rw) : REAL(pthread_rwlock_wrlock)(rw)) \
     : clk_kind == 1 ? (rd ? REAL(pthread_rwlock_timedrdlock)(rw, at)                          \
                           : REAL(pthread_rwlock_timedwrlock)(rw, at))                         \
                     : (rd ? REAL(pthread_rwlock_clockrdlock)(rw, clk, at)                     \
                           : REAL(pthread_rwlock_clockwrlock)(rw, clk, at)))
    if (!t || (clk_kind && lg_bad_timeout(clk_kind == 2, clk, at)))
        return CALL_BLOCKING();
    if (clk_kind == 0 && !lg_rwlock_busy(rw, !rd))
        r = CALL_BLOCKING();
    else
        r = rd ? REAL(pthread_rwlock_tryrdlock)(rw) : REAL(pthread_rwlock_trywrlock)(rw);
    if (r == EBUSY) {
        struct lg_lockrec *l =
            lg_block_begin(t, RW(rw), LG_KIND_RWLOCK, lg_rwlock_subkind, mode, flags, pc);
        r = CALL_BLOCKING();
        lg_block_end(t, l, r == 0);
    }
#undef CALL_BLOCKING
    if (r == 0)
        lg_acquired(t, RW(rw), LG_KIND_RWLOCK, lg_rwlock_subkind, mode, flags, pc);
    return r;
}

LG_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
    return lock(rw, LG_MODE_READ, 0, 0, 0, NULL, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
    return lock(rw, LG_MODE_WRITE, 0, 0, 0, NULL, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *at)
{
    return lock(rw, LG_MODE_READ, LG_CTXF_TIMED, 1, 0, at, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *at)
{
    return lock(rw, LG_MODE_WRITE, LG_CTXF_TIMED, 1, 0, at, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t c, const struct timespec *at)
{
    return lock(rw, LG_MODE_READ, LG_CTXF_TIMED, 2, c, at, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t c, const struct timespec *at)
{
    return lock(rw, LG_MODE_WRITE, LG_CTXF_TIMED, 2, c, at, LG_CALLER_PC());
}

static int try(pthread_rwlock_t *rw, uint8_t mode, uintptr_t pc)
{
    struct lg_thread *t = lg_hook_enter();
    int r = mode == LG_MODE_READ ? REAL(pthread_rwlock_tryrdlock)(rw)
                                 : REAL(pthread_rwlock_trywrlock)(rw);
    if (t && r == 0)
        lg_acquired(t, RW(rw), LG_KIND_RWLOCK, lg_rwlock_subkind, mode, LG_CTXF_TRY, pc);
    return r;
}

LG_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
    return try(rw, LG_MODE_READ, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
    return try(rw, LG_MODE_WRITE, LG_CALLER_PC());
}

LG_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
    struct lg_thread *t = lg_hook_enter();
    if (t && !lg_released(t, RW(rw))) {
        /* glibc's state: readers count above bit 3, bit 1 = write-locked */
        unsigned readers = __atomic_load_n(&rw->__data.__readers, __ATOMIC_RELAXED);
        int writer = __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED);
        int wrlocked = (readers & 2u) != 0;
        int unlocked = (readers >> 3) == 0 && !wrlocked;
        /* read-locked by someone: it may be this thread's untracked hold, so say
         * nothing rather than risk a false report */
        lg_bad_unlock(t, RW(rw), LG_KIND_RWLOCK, unlocked,
                      wrlocked && writer != 0 && (uint32_t)writer != t->tid, LG_CALLER_PC());
    }
    return REAL(pthread_rwlock_unlock)(rw);
}

LG_EXPORT int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *a)
{
    struct lg_thread *t = lg_hook_enter();
    if (t) {
        t->busy = 1;
        lg_lock_retire(RW(rw), LG_RETIRE_REINIT);
        t->busy = 0;
    }
    return REAL(pthread_rwlock_init)(rw, a);
}

LG_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
    struct lg_thread *t = lg_hook_enter();
    if (t)
        lg_check_destroy(t, RW(rw), LG_CALLER_PC());
    int r = REAL(pthread_rwlock_destroy)(rw);
    if (t && r == 0) {
        t->busy = 1;
        lg_lock_retire(RW(rw), LG_RETIRE_DESTROY);
        t->busy = 0;
    }
    return r;
}
