/* pthread_mutex_* hooks. */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>

static int acquired(int r) { return r == 0 || r == EOWNERDEAD; }

/* The contended path, out of line: its values need no registers across the
 * common path's real call.  pc: the hook's caller. */
static __attribute__((noinline)) int lock_blocking(struct lg_thread *t, pthread_mutex_t *m,
                                                   uintptr_t pc)
{
    struct lg_lockrec *l =
        lg_block_begin(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, 0, pc);
    int r = REAL(pthread_mutex_lock)(m);
    lg_block_end(t, l);
    return r;
}

/* glibc refuses a destroyed mutex */
static __attribute__((noinline, cold)) void lock_refused(struct lg_thread *t, pthread_mutex_t *m)
{
    lg_destroyed_use(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_word(m), LG_USE_LOCK);
}

LG_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return REAL(pthread_mutex_lock)(m);
    int r = __builtin_expect(!lg_mutex_busy(m), 1) ? REAL(pthread_mutex_lock)(m)
                                                    : lock_blocking(t, m, LG_CALLER_PC());
    /* the caller's pc is read after the call: one value fewer kept across it */
    if (acquired(r))
        lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, 0,
                    LG_CALLER_PC());
    else if (r == EINVAL)
        lock_refused(t, m);
    return r;
}

LG_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    int r = REAL(pthread_mutex_trylock)(m);
    if (t && acquired(r))
        lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, LG_CTXF_TRY,
                    LG_CALLER_PC());
    else if (t && r == EINVAL)
        lg_destroyed_use(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_word(m), LG_USE_LOCK);
    return r;
}

static int timed(pthread_mutex_t *m, int use_clock, clockid_t clk, const struct timespec *at,
                 uintptr_t pc)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t || lg_bad_timeout(use_clock, clk, at))
        return use_clock ? REAL(pthread_mutex_clocklock)(m, clk, at)
                         : REAL(pthread_mutex_timedlock)(m, at);
    int r = REAL(pthread_mutex_trylock)(m);
    if (r == EBUSY) {
        struct lg_lockrec *l = lg_block_begin(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_subkind,
                                              LG_MODE_EXCL, LG_CTXF_TIMED, pc);
        r = use_clock ? REAL(pthread_mutex_clocklock)(m, clk, at)
                      : REAL(pthread_mutex_timedlock)(m, at);
        lg_block_end(t, l);
    }
    if (acquired(r))
        lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, LG_CTXF_TIMED,
                    pc);
    else if (r == EINVAL)
        lg_destroyed_use(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_word(m), LG_USE_LOCK);
    return r;
}

LG_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *at)
{
    return timed(m, 0, 0, at, LG_CALLER_PC());
}

LG_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *at)
{
    return timed(m, 1, clk, at, LG_CALLER_PC());
}

/* An unlock of a mutex this thread does not hold per its records: glibc's own state
 * says whether it is locked at all and by whom, which also keeps locks taken
 * untracked (before start-up, inside the shim) from looking like misuse. */
LG_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t && !lg_released(t, LG_ADDR(m)))
        lg_bad_unlock(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_word(m));
    return REAL(pthread_mutex_unlock)(m);
}

LG_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_lock_end(t, LG_ADDR(m), LG_RETIRE_REINIT);
    int r = REAL(pthread_mutex_init)(m, a);
    if (t && r == 0) /* the class is the init's stack (detect.h) */
        lg_lock_init(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_subkind);
    return r;
}

LG_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_check_destroy(t, LG_ADDR(m), LG_KIND_MUTEX, lg_mutex_word(m));
    int r = REAL(pthread_mutex_destroy)(m);
    if (t && r == 0)
        lg_lock_destroyed(t, LG_ADDR(m), LG_CALLER_PC());
    return r;
}

LG_EXPORT int pthread_mutex_consistent(pthread_mutex_t *m)
{
    /* nothing to model: the lock stays held by the caller; forwarded so that a
     * robust mutex recovered after EOWNERDEAD keeps working under the shim */
    return REAL(pthread_mutex_consistent)(m);
}
