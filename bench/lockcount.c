/* liblockcount.so: an LD_PRELOAD library that only counts lock calls, so the
 * per-call overhead measured by lockbench can be turned into an expected percentage
 * for a real program (calls x extra ns / wall time).  It is deliberately separate
 * from the lockgraph shim: counts must not depend on what the shim decides to track.
 *
 * Counters live in a MAP_SHARED file named by LOCKCOUNT_FILE (u64 per counter, in
 * the order of lc_names[]), so they survive a server killed by a signal and
 * accumulate across fork and exec.  Without LOCKCOUNT_FILE the totals go to stderr
 * at exit.  Relaxed atomic increments: exact totals, no ordering needed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

enum {
    LC_MUTEX_LOCK,
    LC_MUTEX_TRYLOCK,
    LC_MUTEX_TIMEDLOCK,
    LC_RW_RDLOCK,
    LC_RW_WRLOCK,
    LC_RW_TRY,
    LC_RW_TIMED,
    LC_SPIN_LOCK,
    LC_COND_WAIT,
    LC_MTX_LOCK,
    LC_N
};

static const char *const lc_names[LC_N] __attribute__((unused)) = {
    "mutex_lock", "mutex_trylock", "mutex_timedlock", "rwlock_rdlock", "rwlock_wrlock",
    "rwlock_try", "rwlock_timed",  "spin_lock",       "cond_wait",     "mtx_lock"};

static uint64_t lc_static[LC_N];
static uint64_t *lc_counts = lc_static;
static int lc_mapped;

static void bump(int which)
{
    __atomic_fetch_add(&lc_counts[which], 1, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void lc_init(void)
{
    const char *path = getenv("LOCKCOUNT_FILE");
    if (!path || !*path)
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size < (off_t)sizeof lc_static &&
        ftruncate(fd, sizeof lc_static) != 0) {
        close(fd);
        return;
    }
    void *p = mmap(NULL, sizeof lc_static, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return;
    uint64_t *m = p;
    /* Calls made by earlier constructors were counted in the static array. */
    for (int i = 0; i < LC_N; i++)
        __atomic_fetch_add(&m[i], lc_static[i], __ATOMIC_RELAXED);
    lc_counts = m;
    lc_mapped = 1;
}

__attribute__((destructor)) static void lc_fini(void)
{
    if (lc_mapped)
        return;
    fprintf(stderr, "lockcount:");
    for (int i = 0; i < LC_N; i++)
        fprintf(stderr, " %s=%llu", lc_names[i], (unsigned long long)lc_counts[i]);
    fprintf(stderr, "\n");
}

/* pthread_cond_* have two versions on x86-64 and plain dlsym may hand back the
 * pre-2.3.2 one, which uses a different condvar layout: ask for the current one. */
#define REALV(ret, name, params, ver)                                                 \
    static ret(*real_##name) params;                                                  \
    if (!real_##name)                                                                 \
        *(void **)&real_##name = dlvsym(RTLD_NEXT, #name, ver);

/* Each wrapper resolves the next definition on first use: a lock taken from another
 * library's constructor may run before ours. */
#define REAL(ret, name, params)                                                       \
    static ret(*real_##name) params;                                                  \
    if (!real_##name)                                                                 \
        *(void **)&real_##name = dlsym(RTLD_NEXT, #name);

int pthread_mutex_lock(pthread_mutex_t *m)
{
    REAL(int, pthread_mutex_lock, (pthread_mutex_t *))
    bump(LC_MUTEX_LOCK);
    return real_pthread_mutex_lock(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    REAL(int, pthread_mutex_trylock, (pthread_mutex_t *))
    bump(LC_MUTEX_TRYLOCK);
    return real_pthread_mutex_trylock(m);
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t)
{
    REAL(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *))
    bump(LC_MUTEX_TIMEDLOCK);
    return real_pthread_mutex_timedlock(m, t);
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    REAL(int, pthread_rwlock_rdlock, (pthread_rwlock_t *))
    bump(LC_RW_RDLOCK);
    return real_pthread_rwlock_rdlock(l);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    REAL(int, pthread_rwlock_wrlock, (pthread_rwlock_t *))
    bump(LC_RW_WRLOCK);
    return real_pthread_rwlock_wrlock(l);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    REAL(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *))
    bump(LC_RW_TRY);
    return real_pthread_rwlock_tryrdlock(l);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    REAL(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *))
    bump(LC_RW_TRY);
    return real_pthread_rwlock_trywrlock(l);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
    REAL(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *))
    bump(LC_RW_TIMED);
    return real_pthread_rwlock_timedrdlock(l, t);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
    REAL(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *))
    bump(LC_RW_TIMED);
    return real_pthread_rwlock_timedwrlock(l, t);
}

int pthread_spin_lock(pthread_spinlock_t *l)
{
    REAL(int, pthread_spin_lock, (pthread_spinlock_t *))
    bump(LC_SPIN_LOCK);
    return real_pthread_spin_lock(l);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    REALV(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *), "GLIBC_2.3.2")
    bump(LC_COND_WAIT);
    return real_pthread_cond_wait(c, m);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    REALV(int, pthread_cond_timedwait,
          (pthread_cond_t *, pthread_mutex_t *, const struct timespec *), "GLIBC_2.3.2")
    bump(LC_COND_WAIT);
    return real_pthread_cond_timedwait(c, m, t);
}

int mtx_lock(mtx_t *m)
{
    REAL(int, mtx_lock, (mtx_t *))
    bump(LC_MTX_LOCK);
    return real_mtx_lock(m);
}
