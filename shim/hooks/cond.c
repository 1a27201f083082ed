/* Condition-variable waits (pthread_cond_* and C11 cnd_*).
 *
 * glibc releases the mutex inside the wait and re-acquires it internally, where no
 * hook sees it.  So the wait is modelled as: release M, wait (published as "in
 * cond wait (C, M)" for the watchdog), acquire M again with whatever else the
 * thread still holds, which is what adds the edges held -> M a re-acquire creates.
 * A cancelled wait re-acquires M and unwinds: the cleanup handler clears the
 * published wait (the cleanup that unlocks M then finds M untracked but owned by
 * this thread in glibc's state, which is no misuse).
 *
 * glibc checks no ownership (error-checking mutexes aside): a wait with a mutex the
 * caller does not hold still unlocks it, whoever holds it, and returns with it
 * locked by the caller.  lg_cond_wait_begin reports that (bad-cond-wait) and models
 * it; the re-acquisition below is then recorded whether or not the caller held M.
 */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>
#include <threads.h>

static void clear_wait(void *t) { lg_cond_wait_end(t); }

enum wait_fn { W_COND, W_TIMED, W_CLOCK, W_CND, W_CND_TIMED };

struct call {
    enum wait_fn fn;
    void *c, *m;
    clockid_t clk;
    const struct timespec *at;
};

static int call_real(const struct call *k)
{
    switch (k->fn) {
    case W_COND: return REAL(pthread_cond_wait)(k->c, k->m);
    case W_TIMED: return REAL(pthread_cond_timedwait)(k->c, k->m, k->at);
    case W_CLOCK: return REAL(pthread_cond_clockwait)(k->c, k->m, k->clk, k->at);
    case W_CND: return REAL(cnd_wait)(k->c, k->m);
    case W_CND_TIMED: return REAL(cnd_timedwait)(k->c, k->m, k->at);
    }
    return EINVAL;
}

/* Kept out of line: pthread_cleanup_push is setjmp-based. */
static __attribute__((noinline)) int call_guarded(struct lg_thread *t, const struct call *k)
{
    int r;
    pthread_cleanup_push(clear_wait, t);
    r = call_real(k);
    pthread_cleanup_pop(0);
    return r;
}

static int wait(const struct call *k, uintptr_t pc)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return call_real(k);
    int c11 = k->fn == W_CND || k->fn == W_CND_TIMED;
    uint8_t kind = c11 ? LG_KIND_MTX : LG_KIND_MUTEX;
    int relocks = lg_cond_wait_begin(t, LG_ADDR(k->m), kind, lg_mutex_subkind,
                                     lg_mutex_word((const pthread_mutex_t *)k->m));
    int r = call_guarded(t, k);
    /* the mutex is held again after success, a timeout, or (robust) EOWNERDEAD */
    int relocked = c11 ? (r == thrd_success || r == thrd_timedout)
                       : (r == 0 || r == ETIMEDOUT || r == EOWNERDEAD);
    lg_cond_wait_end(t);
    if (relocks && relocked)
        lg_acquired(t, LG_ADDR(k->m), kind, lg_mutex_subkind, LG_MODE_EXCL, 0, pc);
    return r;
}

LG_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    struct call k = {W_COND, c, m, 0, NULL};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                     const struct timespec *at)
{
    struct call k = {W_TIMED, c, m, 0, at};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
                                     const struct timespec *at)
{
    struct call k = {W_CLOCK, c, m, clk, at};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
    struct call k = {W_CND, c, m, 0, NULL};
    return wait(&k, LG_CALLER_PC());
}

LG_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict at)
{
    struct call k = {W_CND_TIMED, c, m, 0, at};
    return wait(&k, LG_CALLER_PC());
}
