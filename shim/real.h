/* The real (next) definitions of every function the shim interposes.
 *
 * Invariants: resolved once, by lg_real_init, with dlsym(RTLD_NEXT) for symbols
 * that exist in glibc 2.36 (dlsym does not allocate on success, so no allocator can
 * re-enter us).  A hook running before resolution (a library constructor that locks
 * before ours ran) resolves on the spot; a hook re-entered *during* resolution gets
 * the answer of lg_real_missing and records nothing.
 */
#ifndef LOCKGRAPH_REAL_H
#define LOCKGRAPH_REAL_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

#define LG_REAL_FUNCS(X)                                                                       \
    X(int, pthread_mutex_init, (pthread_mutex_t *, const pthread_mutexattr_t *))               \
    X(int, pthread_mutex_destroy, (pthread_mutex_t *))                                         \
    X(int, pthread_mutex_lock, (pthread_mutex_t *))                                            \
    X(int, pthread_mutex_trylock, (pthread_mutex_t *))                                         \
    X(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *))              \
    X(int, pthread_mutex_clocklock, (pthread_mutex_t *, clockid_t, const struct timespec *))   \
    X(int, pthread_mutex_unlock, (pthread_mutex_t *))                                          \
    X(int, pthread_mutex_consistent, (pthread_mutex_t *))                                      \
    X(int, pthread_rwlock_init, (pthread_rwlock_t *, const pthread_rwlockattr_t *))            \
    X(int, pthread_rwlock_destroy, (pthread_rwlock_t *))                                       \
    X(int, pthread_rwlock_rdlock, (pthread_rwlock_t *))                                        \
    X(int, pthread_rwlock_wrlock, (pthread_rwlock_t *))                                        \
    X(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *))                                     \
    X(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *))                                     \
    X(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *))          \
    X(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *))          \
    X(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
    X(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
    X(int, pthread_rwlock_unlock, (pthread_rwlock_t *))                                        \
    X(int, pthread_spin_init, (pthread_spinlock_t *, int))                                     \
    X(int, pthread_spin_destroy, (pthread_spinlock_t *))                                       \
    X(int, pthread_spin_lock, (pthread_spinlock_t *))                                          \
    X(int, pthread_spin_trylock, (pthread_spinlock_t *))                                       \
    X(int, pthread_spin_unlock, (pthread_spinlock_t *))                                        \
    X(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *))                           \
    X(int, pthread_cond_timedwait, (pthread_cond_t *, pthread_mutex_t *, const struct timespec *)) \
    X(int, pthread_cond_clockwait,                                                             \
      (pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *))               \
    X(int, mtx_init, (mtx_t *, int))                                                           \
    X(void, mtx_destroy, (mtx_t *))                                                            \
    X(int, mtx_lock, (mtx_t *))                                                                \
    X(int, mtx_trylock, (mtx_t *))                                                             \
    X(int, mtx_timedlock, (mtx_t *__restrict, const struct timespec *__restrict))              \
    X(int, mtx_unlock, (mtx_t *))                                                              \
    X(int, cnd_wait, (cnd_t *, mtx_t *))                                                       \
    X(int, cnd_timedwait, (cnd_t *__restrict, mtx_t *__restrict, const struct timespec *__restrict)) \
    X(void, flockfile, (FILE *))                                                               \
    X(int, ftrylockfile, (FILE *))                                                             \
    X(void, funlockfile, (FILE *))                                                             \
    X(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))   \
    X(int, pthread_join, (pthread_t, void **))                                                 \
    X(int, execve, (const char *, char *const[], char *const[]))                               \
    X(int, execvpe, (const char *, char *const[], char *const[]))                              \
    X(int, fexecve, (int, char *const[], char *const[]))                                       \
    X(int, execv, (const char *, char *const[]))                                               \
    X(int, execvp, (const char *, char *const[]))                                              \
    X(void, _exit, (int))                                                                      \
    X(void, _Exit, (int))                                                                      \
    X(void, free, (void *))                                                                    \
    X(void *, realloc, (void *, size_t))                                                                    \
    X(int, munmap, (void *, size_t))                                                          \
    X(int, dlclose, (void *))                                                                 \
    X(int, sigaction, (int, const struct sigaction *, struct sigaction *))                  \
    X(sighandler_t, signal, (int, sighandler_t))                                            \
    X(sighandler_t, sysv_signal, (int, sighandler_t))                                       \
    X(sighandler_t, bsd_signal, (int, sighandler_t))                                        \
    X(sighandler_t, sigset, (int, sighandler_t))

struct lg_real_table {
#define LG_REAL_FIELD(ret, name, args) ret(*name) args;
    LG_REAL_FUNCS(LG_REAL_FIELD)
#undef LG_REAL_FIELD
};

extern struct lg_real_table lg_real;
extern int lg_real_ready;
void lg_real_init(void);

#define REAL(name) (__builtin_expect(lg_real_ready, 1) ? lg_real.name : (lg_real_init(), lg_real.name))

/* The real functions of libraries a program may not load at all (GLib, an OpenMP
 * runtime).  Resolved on their first call, never by lg_real_init: a hook of these
 * runs only once the library is mapped, so the shim never loads one itself and a
 * program without it pays nothing, and a library dlopen()ed late is found too.
 * Race-safe without a lock: every resolver stores the same answer.  When dlsym
 * (RTLD_NEXT) cannot see it (the library was dlopen()ed RTLD_LOCAL behind a plugin
 * while the program's references bound to the shim), the library is looked up by
 * its soname, without loading it (RTLD_NOLOAD).  Never NULL: a name that no loaded
 * library defines ends the process with a message (its caller could not have run).
 * Argument and result types are the ABI's (GMutex *, omp_lock_t * ... as void *,
 * gboolean as int), so no GLib or OpenMP header is needed. */
enum lg_lazy_lib { LG_LIB_GLIB, LG_LIB_OMP };

#define LG_LAZY_FUNCS(X)                                                                       \
    X(void, g_mutex_init, (void *), LG_LIB_GLIB)                                               \
    X(void, g_mutex_clear, (void *), LG_LIB_GLIB)                                              \
    X(void, g_mutex_lock, (void *), LG_LIB_GLIB)                                               \
    X(int, g_mutex_trylock, (void *), LG_LIB_GLIB)                                             \
    X(void, g_mutex_unlock, (void *), LG_LIB_GLIB)                                             \
    X(void, g_cond_wait, (void *, void *), LG_LIB_GLIB)                                        \
    X(int, g_cond_wait_until, (void *, void *, int64_t), LG_LIB_GLIB)                          \
    X(void, omp_init_lock, (void *), LG_LIB_OMP)                                               \
    X(void, omp_destroy_lock, (void *), LG_LIB_OMP)                                            \
    X(void, omp_set_lock, (void *), LG_LIB_OMP)                                                \
    X(int, omp_test_lock, (void *), LG_LIB_OMP)                                                \
    X(void, omp_unset_lock, (void *), LG_LIB_OMP)                                              \
    X(void, omp_init_nest_lock, (void *), LG_LIB_OMP)                                          \
    X(void, omp_destroy_nest_lock, (void *), LG_LIB_OMP)                                       \
    X(void, omp_set_nest_lock, (void *), LG_LIB_OMP)                                           \
    X(int, omp_test_nest_lock, (void *), LG_LIB_OMP)                                           \
    X(void, omp_unset_nest_lock, (void *), LG_LIB_OMP)                                         \
    X(void, GOMP_critical_start, (void), LG_LIB_OMP)                                           \
    X(void, GOMP_critical_end, (void), LG_LIB_OMP)                                             \
    X(void, GOMP_critical_name_start, (void **), LG_LIB_OMP)                                   \
    X(void, GOMP_critical_name_end, (void **), LG_LIB_OMP)

struct lg_lazy_table {
#define LG_LAZY_FIELD(ret, name, args, lib) ret(*name) args;
    LG_LAZY_FUNCS(LG_LAZY_FIELD)
#undef LG_LAZY_FIELD
};

extern struct lg_lazy_table lg_lazy;
/* Resolves *slot (the field of lg_lazy for name) and returns it. */
void *lg_lazy_resolve(void **slot, const char *name, enum lg_lazy_lib lib);

static inline void *lg_lazy_get(void **slot, const char *name, enum lg_lazy_lib lib)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    return __builtin_expect(f != NULL, 1) ? f : lg_lazy_resolve(slot, name, lib);
}

#define LAZY(name, lib) ((__typeof__(lg_lazy.name))lg_lazy_get((void **)&lg_lazy.name, #name, lib))

#endif
