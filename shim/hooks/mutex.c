/* pthread_mutex_* hooks. */
#define _GNU_SOURCE
#include "hook.h"
#include "lock_table.h"

#include <pthread.h>

#define M(m) ((uintptr_t)(m))

static int acquired(int r) { return r == 0 || r == EOWNERDEAD; }

LG_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_enter();
    if (!t)
        return REAL(pthread_mutex_lock)(m);
    uintptr_t pc = LG_CALLER_PC();
    int r;
    if (__builtin_expect(!lg_mutex_busy(m), 1)) {
        r = REAL(pthread_mutex_lock)(m);
    } else {
        struct lg_lockrec *l =
            lg_block_begin(t, M(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, 0, pc);
        r = REAL(pthread_mutex_lock)(m);
        lg_block_end(t, l, acquired(r));
    }
    if (acquired(r))
        lg_acquired(t, M(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, 0, pc);
    return r;
}

LG_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_enter();
    int r = REAL(pthread_mutex_trylock)(m);
    if (t && acquired(r))
        lg_acquired(t, M(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, LG_CTXF_TRY,
                    LG_CALLER_PC());
    return r;
}

static int timed(pthread_mutex_t *m, int use_clock, clockid_t clk, const struct timespec *at,
                 uintptr_t pc)
{
    struct lg_thread *t = lg_hook_enter();
    if (!t || lg_bad_timeout(use_clock, clk, at))
        return use_clock ? REAL(pthread_mutex_clocklock)(m, clk, at)
                         : REAL(pthread_mutex_timedlock)(m, at);
    int r = REAL(pthread_mutex_trylock)(m);
    if (r == EBUSY) {
        struct lg_lockrec *l = lg_block_begin(t, M(m), LG_KIND_MUTEX, lg_mutex_subkind,
                                              LG_MODE_EXCL, LG_CTXF_TIMED, pc);
        r = use_clock ? REAL(pthread_mutex_clocklock)(m, clk, at)
                      : REAL(pthread_mutex_timedlock)(m, at);
        lg_block_end(t, l, acquired(r));
    }
    if (acquired(r))
        lg_acquired(t, M(m), LG_KIND_MUTEX, lg_mutex_subkind, LG_MODE_EXCL, LG_CTXF_TIMED, pc);
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

/* Unlock of a mutex this thread does not hold per its records: glibc's own state
 * says whether it is locked at all and by whom, which also keeps locks taken
 * untracked (before start-up, inside the shim) from looking like misuse. */
void lg_mutex_not_held(struct lg_thread *t, pthread_mutex_t *m, uint8_t kind, uintptr_t pc)
{
    int lock = __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
    int owner = __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);
    lg_bad_unlock(t, M(m), kind, lock == 0, lock != 0 && owner != 0 && (uint32_t)owner != t->tid,
                  pc);
}

LG_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_enter();
    if (t && !lg_released(t, M(m)))
        lg_mutex_not_held(t, m, LG_KIND_MUTEX, LG_CALLER_PC());
    return REAL(pthread_mutex_unlock)(m);
}

LG_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    struct lg_thread *t = lg_hook_enter();
    if (t) {
        t->busy = 1;
        lg_lock_retire(M(m), LG_RETIRE_REINIT);
        t->busy = 0;
    }
    return REAL(pthread_mutex_init)(m, a);
}

LG_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
{
    struct lg_thread *t = lg_hook_enter();
    if (t)
        lg_check_destroy(t, M(m), LG_CALLER_PC());
    int r = REAL(pthread_mutex_destroy)(m);
    if (t && r == 0) {
        t->busy = 1;
        lg_lock_retire(M(m), LG_RETIRE_DESTROY);
        t->busy = 0;
    }
    return r;
}

LG_EXPORT int pthread_mutex_consistent(pthread_mutex_t *m)
{
    /* nothing to model: the lock stays held by the caller; forwarded so that a
     * robust mutex recovered after EOWNERDEAD keeps working under the shim */
    return REAL(pthread_mutex_consistent)(m);
}
