/* GLib's GMutex and GCond hooks (g_mutex_*, g_cond_wait, g_cond_wait_until).
 *
 * GLib 2.74 on Linux builds GMutex and GCond on its own futex (gthread-posix.c,
 * USE_NATIVE_MUTEX), not on pthread: without these hooks their locks are invisible.
 * GRecMutex and GRWLock wrap a pthread_mutex_t / pthread_rwlock_t, which the pthread
 * hooks already see, so they are not hooked here (hooking them too would count each
 * acquisition twice); and g_mutex_* themselves call nothing of pthread, so a GMutex
 * is seen once.  G_LOCK(name) is g_mutex_lock on a static GMutex: covered.
 *
 * A GMutex is identified by its address, modelled as a normal (non-recursive)
 * mutex: re-locking one blocks forever, as GLib's does.  Its first word is the
 * futex (0 unlocked, 1 locked, 2 contended), so the blocking hook peeks it the way
 * the pthread hooks peek theirs (hook.h), and the watchdog finds a thread asleep on
 * it at offset 0 like on a pthread mutex.  A static, never initialised GMutex (all
 * zero) is valid in GLib and needs nothing here: a lock is known from its first use.
 *
 * What stays unseen: libglib binds its own calls of g_mutex_* directly (no PLT
 * entry), so GLib's internal locks (GAsyncQueue, GMainContext, GSource, the slice
 * allocator ...) are not modelled; libgobject's and libgio's calls go through the
 * PLT and are (docs/shim.md has the measured share).  g_cond_wait's unlock and
 * re-lock happen inside libglib, which is why the wait is modelled here exactly as
 * pthread_cond_wait is (cond.c): release, published wait, re-acquire.
 *
 * The real functions are resolved on first call (LAZY, real.h): a program without
 * GLib never resolves, loads or pays for any of this.
 */
#define _GNU_SOURCE
#include "hook.h"

#define GREAL(name) LAZY(name, LG_LIB_GLIB)

static inline int gmutex_busy(const void *m)
{
    return __atomic_load_n((const unsigned *)m, __ATOMIC_RELAXED) != 0;
}

/* GMutex's word names no owner: the core's records decide (misuse.h, U5). */
static inline struct lg_lock_word gmutex_word(const void *m)
{
    return (struct lg_lock_word){gmutex_busy(m) ? LG_WORD_NO_OWNER : LG_WORD_UNLOCKED, 0};
}

LG_EXPORT void g_mutex_lock(void *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t) {
        GREAL(g_mutex_lock)(m);
        return;
    }
    uintptr_t pc = LG_CALLER_PC();
    if (__builtin_expect(!gmutex_busy(m), 1)) {
        GREAL(g_mutex_lock)(m);
    } else {
        struct lg_lockrec *l =
            lg_block_begin(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
        GREAL(g_mutex_lock)(m);
        lg_block_end(t, l);
    }
    lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
}

LG_EXPORT int g_mutex_trylock(void *m)
{
    struct lg_thread *t = lg_hook_thread();
    int r = GREAL(g_mutex_trylock)(m);
    if (t && r)
        lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, LG_MODE_EXCL, LG_CTXF_TRY,
                    LG_CALLER_PC());
    return r;
}

LG_EXPORT void g_mutex_unlock(void *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t && !lg_released(t, LG_ADDR(m)))
        lg_bad_unlock(t, LG_ADDR(m), LG_KIND_MUTEX, gmutex_word(m));
    GREAL(g_mutex_unlock)(m);
}

LG_EXPORT void g_mutex_init(void *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_lock_end(t, LG_ADDR(m), LG_RETIRE_REINIT);
    GREAL(g_mutex_init)(m);
}

/* GLib aborts on clearing a locked GMutex (g_mutex_clear: "called on uninitialised
 * or locked mutex"), so the destroy-locked check runs first, while it can report. */
LG_EXPORT void g_mutex_clear(void *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (t)
        lg_check_destroy(t, LG_ADDR(m), LG_KIND_MUTEX, gmutex_word(m));
    GREAL(g_mutex_clear)(m);
    if (t)
        lg_lock_end(t, LG_ADDR(m), LG_RETIRE_DESTROY);
}

/* g_cond_wait returns with the mutex held in every case (GLib has no cancellation
 * point in it: its futex wait is a plain syscall), so no cleanup handler. */
LG_EXPORT void g_cond_wait(void *c, void *m)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t) {
        GREAL(g_cond_wait)(c, m);
        return;
    }
    uintptr_t pc = LG_CALLER_PC();
    int had = lg_cond_wait_begin(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, gmutex_word(m));
    GREAL(g_cond_wait)(c, m);
    lg_cond_wait_end(t);
    if (had)
        lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
}

/* Signalled or timed out (its result), the mutex is held again either way. */
LG_EXPORT int g_cond_wait_until(void *c, void *m, int64_t end_time)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return GREAL(g_cond_wait_until)(c, m, end_time);
    uintptr_t pc = LG_CALLER_PC();
    int had = lg_cond_wait_begin(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, gmutex_word(m));
    int r = GREAL(g_cond_wait_until)(c, m, end_time);
    lg_cond_wait_end(t);
    if (had)
        lg_acquired(t, LG_ADDR(m), LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
    return r;
}
