/* pthread_create and pthread_join: thread identity (who created whom, from where),
 * thread end (a thread ending with locks held is recorded and reported), the lazy
 * start of the watchdog, and joins published as waits (a join on a thread that needs
 * a lock the joiner holds is a deadlock). */
#define _GNU_SOURCE
#include "hook.h"

#include <pthread.h>

/* pthread_exit or cancellation: the cleanup handler runs as the thread unwinds */
static void thread_end(void *arg) { lg_thread_end(arg, LG_END_UNWOUND); }

static void *trampoline(void *p)
{
    struct lg_spawn *s = p;
    void *(*fn)(void *) = s->fn;
    void *arg = s->arg;
    struct lg_thread *t = lg_thread_start(s, (uintptr_t)pthread_self());
    if (!t)
        return fn(arg);
    void *ret;
    pthread_cleanup_push(thread_end, t);
    ret = fn(arg);
    pthread_cleanup_pop(0);
    lg_thread_end(t, LG_END_RETURNED);
    return ret;
}

LG_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
                             void *arg)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return REAL(pthread_create)(th, attr, fn, arg);
    struct lg_guard g = lg_guard_enter(t);
    lg_watchdog_start();
    struct lg_spawn *s = lg_thread_spawn(t, (uintptr_t)pthread_self(), fn, arg);
    lg_guard_leave(t, g);
    if (!s)
        return REAL(pthread_create)(th, attr, fn, arg);
    int r = REAL(pthread_create)(th, attr, trampoline, s);
    if (r != 0)
        lg_spawn_free(s); /* no thread will read it */
    return r;
}

LG_EXPORT int pthread_join(pthread_t th, void **ret)
{
    struct lg_thread *t = lg_hook_thread();
    if (!t)
        return REAL(pthread_join)(th, ret);
    lg_join_begin(t, (uintptr_t)th, LG_CALLER_PC());
    int r = REAL(pthread_join)(th, ret);
    lg_join_end(t);
    return r;
}
