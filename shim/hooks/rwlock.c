/* pthread_rwlock_* hooks.  The rwlock's preference (reader- or writer-preferring)
 * is recorded with the lock: the rules that decide whether a cycle through it can
 * deadlock depend on it. */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>

typedef int (*rw_try)(pthread_rwlock_t *);

static int lock(pthread_rwlock_t *rw, uint8_t mode, uint8_t flags, int clk_kind, clockid_t clk,
                const struct timespec *at, uintptr_t pc)
{
    int rd = mode == LG_MODE_READ;
    struct lg_thread *t = lg_hook_thread();
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
            lg_block_begin(t, LG_ADDR(rw), LG_KIND_RWLOCK, lg_rwlock_subkind, mode, flags, pc);
        r = CALL_BLOCKING();
        lg_block_end(t, l);
    }
#undef CALL_BLOCKING
    if (r == 0)
        lg_acquired(t, LG_ADDR(rw), LG_KIND_RWLOCK, lg_rwlock_subkind, mode, flags, pc);
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
    struct lg_thread *t = lg_hook_thread();
    int r = mode == LG_MODE_READ ? REAL(pthread_rwlock_tryrdlock)(rw)
                                 : REAL(pthread_rwlock_trywrlock)(rw);
    if (t && r == 0)
        lg_acquired(t, LG_ADDR(rw), LG_KIND_RWLOCK, lg_rwlock_subkind, mode, LG_CTXF_TRY, pc);
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
    struct lg_thread *t = lg_hook_thread();
    /* read-locked by someone, it may be this thread's untracked hold: the core says
     * nothing then rather than risk a false report (misuse.h, U4) */
    if (t && !lg_released(t, LG_ADDR(rw)))
        lg_bad_unlock(t, LG_ADDR(rw), LG_KIND_RWLOCK, lg_rwlock_word(rw));
    return REAL(pthread_rwlock_unlock)(rw);
}

LG_EXPORT int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *a)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_lock_end(t, LG_ADDR(rw), LG_RETIRE_REINIT);
    int r = REAL(pthread_rwlock_init)(rw, a);
    if (t && r == 0) /* the class is the init's stack (detect.h) */
        lg_lock_init(t, LG_ADDR(rw), LG_KIND_RWLOCK, lg_rwlock_subkind);
    return r;
}

LG_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_check_destroy(t, LG_ADDR(rw), LG_KIND_RWLOCK, lg_rwlock_word(rw));
    int r = REAL(pthread_rwlock_destroy)(rw);
    if (t && r == 0)
        lg_lock_destroyed(t, LG_ADDR(rw), LG_CALLER_PC());
    return r;
}
