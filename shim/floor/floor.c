/* The benchmark floor: the shim's hook set, each forwarding straight to the real
 * function.  What lockgraph costs above this is the price of detection; this itself
 * is the price of interposition (bench/run.sh reports both). */
#define _GNU_SOURCE
#include "real.h"
#include "shim.h"

#include <sys/mman.h>

#define FWD(ret, name, params, args)                                                           \
    LG_EXPORT ret name params { return REAL(name) args; }

FWD(int, pthread_mutex_init, (pthread_mutex_t *m, const pthread_mutexattr_t *a), (m, a))
FWD(int, pthread_mutex_destroy, (pthread_mutex_t *m), (m))
FWD(int, pthread_mutex_lock, (pthread_mutex_t *m), (m))
FWD(int, pthread_mutex_trylock, (pthread_mutex_t *m), (m))
FWD(int, pthread_mutex_timedlock, (pthread_mutex_t *m, const struct timespec *t), (m, t))
FWD(int, pthread_mutex_clocklock, (pthread_mutex_t *m, clockid_t c, const struct timespec *t), (m, c, t))
FWD(int, pthread_mutex_unlock, (pthread_mutex_t *m), (m))
FWD(int, pthread_mutex_consistent, (pthread_mutex_t *m), (m))
FWD(int, pthread_rwlock_init, (pthread_rwlock_t *l, const pthread_rwlockattr_t *a), (l, a))
FWD(int, pthread_rwlock_destroy, (pthread_rwlock_t *l), (l))
FWD(int, pthread_rwlock_rdlock, (pthread_rwlock_t *l), (l))
FWD(int, pthread_rwlock_wrlock, (pthread_rwlock_t *l), (l))
FWD(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *l), (l))
FWD(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *l), (l))
FWD(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *l, const struct timespec *t), (l, t))
FWD(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *l, const struct timespec *t), (l, t))
FWD(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *l, clockid_t c, const struct timespec *t), (l, c, t))
FWD(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *l, clockid_t c, const struct timespec *t), (l, c, t))
FWD(int, pthread_rwlock_unlock, (pthread_rwlock_t *l), (l))
FWD(int, pthread_spin_init, (pthread_spinlock_t *s, int p), (s, p))
FWD(int, pthread_spin_destroy, (pthread_spinlock_t *s), (s))
FWD(int, pthread_spin_lock, (pthread_spinlock_t *s), (s))
FWD(int, pthread_spin_trylock, (pthread_spinlock_t *s), (s))
FWD(int, pthread_spin_unlock, (pthread_spinlock_t *s), (s))
FWD(int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m), (c, m))
FWD(int, pthread_cond_timedwait, (pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t), (c, m, t))
FWD(int, pthread_cond_clockwait, (pthread_cond_t *c, pthread_mutex_t *m, clockid_t k, const struct timespec *t), (c, m, k, t))
FWD(int, mtx_init, (mtx_t *m, int t), (m, t))
FWD(int, mtx_lock, (mtx_t *m), (m))
FWD(int, mtx_trylock, (mtx_t *m), (m))
FWD(int, mtx_timedlock, (mtx_t *restrict m, const struct timespec *restrict t), (m, t))
FWD(int, mtx_unlock, (mtx_t *m), (m))
FWD(int, cnd_wait, (cnd_t *c, mtx_t *m), (c, m))
FWD(int, cnd_timedwait, (cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict t), (c, m, t))
FWD(int, ftrylockfile, (FILE *f), (f))
FWD(int, pthread_create, (pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *p), (t, a, f, p))
FWD(int, pthread_join, (pthread_t t, void **r), (t, r))
FWD(int, munmap, (void *p, size_t n), (p, n))

LG_EXPORT void mtx_destroy(mtx_t *m) { REAL(mtx_destroy)(m); }
LG_EXPORT void flockfile(FILE *f) { REAL(flockfile)(f); }
LG_EXPORT void funlockfile(FILE *f) { REAL(funlockfile)(f); }

LG_EXPORT void free(void *p)
{
    if (!lg_real.free)
        lg_real_init();
    if (lg_real.free)
        lg_real.free(p);
}

LG_EXPORT void *realloc(void *p, size_t n)
{
    if (!lg_real.realloc)
        lg_real_init();
    return lg_real.realloc(p, n);
}

__attribute__((constructor)) static void floor_init(void) { lg_real_init(); }
