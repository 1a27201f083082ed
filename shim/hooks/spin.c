/* pthread_spin_* hooks. */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>

LG_EXPORT int pthread_spin_lock(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return REAL(pthread_spin_lock)(s);
    uintptr_t pc = LG_CALLER_PC();
    int r = EBUSY;
    if (__builtin_expect(!lg_spin_busy(s), 1))
        r = REAL(pthread_spin_trylock)(s); /* glibc's spin trylock is one exchange */
    if (r == EBUSY) {
        struct lg_lockrec *l =
            lg_block_begin(t, LG_ADDR(s), LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, pc);
        r = REAL(pthread_spin_lock)(s);
        lg_block_end(t, l);
    }
    if (r == 0)
        lg_acquired(t, LG_ADDR(s), LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, pc);
    return r;
}

LG_EXPORT int pthread_spin_trylock(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_thread();
    int r = REAL(pthread_spin_trylock)(s);
    if (t && r == 0)
        lg_acquired(t, LG_ADDR(s), LG_KIND_SPIN, NULL, LG_MODE_SPIN, LG_CTXF_TRY, LG_CALLER_PC());
    return r;
}

LG_EXPORT int pthread_spin_unlock(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_thread();
    /* a spinlock's word names no owner: the core's records decide (misuse.h, U5) */
    if (t && !lg_released(t, LG_ADDR(s)))
        lg_bad_unlock(t, LG_ADDR(s), LG_KIND_SPIN, lg_spin_word(s));
    return REAL(pthread_spin_unlock)(s);
}

LG_EXPORT int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_lock_end(t, LG_ADDR(s), LG_RETIRE_REINIT);
    int r = REAL(pthread_spin_init)(s, pshared);
    if (t && r == 0) /* the class is the init's stack (detect.h) */
        lg_lock_init(t, LG_ADDR(s), LG_KIND_SPIN, NULL);
    return r;
}

LG_EXPORT int pthread_spin_destroy(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_check_destroy(t, LG_ADDR(s), LG_KIND_SPIN, lg_spin_word(s));
    int r = REAL(pthread_spin_destroy)(s);
    if (t && r == 0)
        lg_lock_destroyed(t, LG_ADDR(s), LG_CALLER_PC());
    return r;
}
