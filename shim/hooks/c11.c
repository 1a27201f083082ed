/* C11 <threads.h> mutexes.  glibc implements mtx_* on its internal pthread mutex
 * functions without going through the exported symbols, so they need hooks of
 * their own; an mtx_t has the layout of a pthread_mutex_t. */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>
#include <threads.h>

static int lock(mtx_t *m, const struct timespec *at, uintptr_t pc)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t || (at && lg_bad_timeout(0, 0, at)))
        return at ? REAL(mtx_timedlock)(m, at) : REAL(mtx_lock)(m);
    uint8_t flags = at ? LG_CTXF_TIMED : 0;
    int r;
    if (!at && !lg_mutex_busy((pthread_mutex_t *)m))
        r = REAL(mtx_lock)(m);
    else
        r = REAL(mtx_trylock)(m);
    if (r == thrd_busy) {
        struct lg_lockrec *l =
            lg_block_begin(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_subkind, LG_MODE_EXCL, flags, pc);
        r = at ? REAL(mtx_timedlock)(m, at) : REAL(mtx_lock)(m);
        lg_block_end(t, l);
    }
    if (r == thrd_success)
        lg_acquired(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_subkind, LG_MODE_EXCL, flags, pc);
    else if (r == thrd_error) /* glibc refuses a destroyed mutex */
        lg_destroyed_use(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_word((pthread_mutex_t *)m),
                         LG_USE_LOCK);
    return r;
}

LG_EXPORT int mtx_lock(mtx_t *m) { return lock(m, NULL, LG_CALLER_PC()); }

LG_EXPORT int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict at)
{
    return lock(m, at, LG_CALLER_PC());
}

LG_EXPORT int mtx_trylock(mtx_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    int r = REAL(mtx_trylock)(m);
    if (t && r == thrd_success)
        lg_acquired(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_subkind, LG_MODE_EXCL, LG_CTXF_TRY,
                    LG_CALLER_PC());
    else if (t && r == thrd_error)
        lg_destroyed_use(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_word((pthread_mutex_t *)m),
                         LG_USE_LOCK);
    return r;
}

LG_EXPORT int mtx_unlock(mtx_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t && !lg_released(t, LG_ADDR(m)))
        lg_bad_unlock(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_word((pthread_mutex_t *)m));
    return REAL(mtx_unlock)(m);
}

LG_EXPORT int mtx_init(mtx_t *m, int type)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_lock_end(t, LG_ADDR(m), LG_RETIRE_REINIT);
    int r = REAL(mtx_init)(m, type);
    if (t && r == thrd_success) /* the class is the init's stack (detect.h) */
        lg_lock_init(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_subkind);
    return r;
}

LG_EXPORT void mtx_destroy(mtx_t *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t) {
        lg_check_destroy(t, LG_ADDR(m), LG_KIND_MTX, lg_mutex_word((pthread_mutex_t *)m));
        lg_lock_destroyed(t, LG_ADDR(m), LG_CALLER_PC());
    }
    REAL(mtx_destroy)(m);
}
