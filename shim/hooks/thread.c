/* pthread_create and pthread_join: thread identity (who created whom, from where),
 * thread end (a thread exiting with locks held is recorded), the lazy start of the
 * watchdog, and joins published as waits (a join on a thread that needs a lock the
 * joiner holds is a deadlock). */
#define _GNU_SOURCE
#include "hook.h"
#include "arena.h"
#include "host.h"

#include <pthread.h>

struct start {
    void *(*fn)(void *);
    void *arg;
    uint32_t creator, stack;
};

static void thread_end(void *arg) { lg_thread_detach(arg); }

static void *trampoline(void *p)
{
    struct start *s = p;
    void *(*fn)(void *) = s->fn;
    void *arg = s->arg;
    struct lg_thread *t = lg_thread_attach(s->creator, s->stack);
    if (!t)
        return fn(arg);
    t->pthread = (uintptr_t)pthread_self();
    void *ret;
    pthread_cleanup_push(thread_end, t);
    ret = fn(arg);
    pthread_cleanup_pop(1);
    return ret;
}

LG_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
                             void *arg)
{
    struct lg_thread *t = lg_hook_enter();
    if (!t)
        return REAL(pthread_create)(th, attr, fn, arg);
    int saved = errno;
    t->busy = 1;
    if (!t->pthread)
        t->pthread = (uintptr_t)pthread_self();
    lg_watchdog_start();
    struct start *s = lg_arena_alloc(sizeof *s);
    if (s) {
        s->fn = fn;
        s->arg = arg;
        s->creator = t->serial;
        s->stack = lg_capture_stack();
    }
    t->busy = 0;
    errno = saved;
    if (!s)
        return REAL(pthread_create)(th, attr, fn, arg);
    return REAL(pthread_create)(th, attr, trampoline, s);
}

LG_EXPORT int pthread_join(pthread_t th, void **ret)
{
    struct lg_thread *t = lg_hook_enter();
    if (!t)
        return REAL(pthread_join)(th, ret);
    t->wait.since = lg_plat_now();
    t->wait.pc = LG_CALLER_PC();
    atomic_fetch_add(&t->wait.seq, 1);
    atomic_store(&t->wait.joining, (uintptr_t)th);
    int r = REAL(pthread_join)(th, ret);
    atomic_store(&t->wait.joining, 0);
    return r;
}
