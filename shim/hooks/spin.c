/* pthread_spin_* hooks. */
#define _GNU_SOURCE
#include "hook.h"
#include "lock_table.h"

#include <pthread.h>

#define S(s) ((uintptr_t)(s))

LG_EXPORT int pthread_spin_lock(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_enter();
    if (!t)
        return REAL(pthread_spin_lock)(s);
    uintptr_t pc = LG_CALLER_PC();
    int r = EBUSY;
    if (__builtin_expect(!lg_spin_busy(s), 1))
        r = REAL(pthread_spin_trylock)(s); /* glibc's spin trylock is one exchange */
    if (r == EBUSY) {
        struct lg_lockrec *l = lg_block_begin(t, S(s), LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, pc);
        r = REAL(pthread_spin_lock)(s);
        lg_block_end(t, l, r == 0);
    }
    if (r == 0)
        lg_acquired(t, S(s), LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, pc);
    return r;
}

LG_EXPORT int pthread_spin_trylock(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_enter();
    int r = REAL(pthread_spin_trylock)(s);
    if (t && r == 0)
        lg_acquired(t, S(s), LG_KIND_SPIN, NULL, LG_MODE_SPIN, LG_CTXF_TRY, LG_CALLER_PC());
    return r;
}

LG_EXPORT int pthread_spin_unlock(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_enter();
    if (t && !lg_released(t, S(s))) {
        int busy = lg_spin_busy(s);
        struct lg_lockrec *l = lg_table_find(S(s));
        struct lg_thread *owner = l ? atomic_load(&l->owner) : NULL;
        lg_bad_unlock(t, S(s), LG_KIND_SPIN, !busy, busy && owner && owner != t, LG_CALLER_PC());
    }
    return REAL(pthread_spin_unlock)(s);
}

LG_EXPORT int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
    struct lg_thread *t = lg_hook_enter();
    if (t) {
        t->busy = 1;
        lg_lock_retire(S(s), LG_RETIRE_REINIT);
        t->busy = 0;
    }
    return REAL(pthread_spin_init)(s, pshared);
}

LG_EXPORT int pthread_spin_destroy(pthread_spinlock_t *s)
{
    struct lg_thread *t = lg_hook_enter();
    if (t)
        lg_check_destroy(t, S(s), LG_CALLER_PC());
    int r = REAL(pthread_spin_destroy)(s);
    if (t && r == 0) {
        t->busy = 1;
        lg_lock_retire(S(s), LG_RETIRE_DESTROY);
        t->busy = 0;
    }
    return r;
}
