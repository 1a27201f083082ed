/* What every hook shares: whether to record, and the shape of a hook.
 *
 * A hook knows glibc's ABI (glibc_abi.h) and the event API (detect.h), nothing
 * else: it translates one call into events, passing what the lock word says as
 * data, and forwards to the real function (real.h).  The shape of a blocking
 * lock hook:
 *   t = lg_hook_thread();  if (!t) forward untouched;
 *   if the lock word shows the lock taken (a plain load: glibc's trylock costs
 *   three times its lock here, so no trylock on the fast path):
 *       lg_block_begin (self-deadlock check, publish "waiting for L"),
 *       real blocking call, lg_block_end (precise wait time)
 *   else the real call directly
 *   if acquired: lg_acquired
 * so wait publication and precise clocks exist only on the contended path.  A lock
 * taken between the peek and the real call blocks unpublished; the watchdog
 * finds such a thread from the kernel's side (the futex it sleeps on) when it
 * owns a lock another thread has waited on for long (watchdog.c).  Timed locks
 * still try first: they must be published to be known as timed.
 *
 * The events keep errno and raise the reentrancy guard themselves; a hook raises
 * it (lg_guard_enter / lg_guard_leave) only around a call into the host.
 */
#ifndef LOCKGRAPH_HOOK_H
#define LOCKGRAPH_HOOK_H

#include "detect.h"
#include "glibc_abi.h"
#include "real.h"
#include "shim.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

/* A lock object's address, as the core keys it. */
#define LG_ADDR(p) ((uintptr_t)(p))

/* The calling thread, or NULL when this call must go untracked: the shim is not
 * (or no longer) running, or the thread is inside the shim already. */
static inline struct lg_thread *lg_hook_thread(void)
{
    if (__builtin_expect(!__atomic_load_n(&lg_enabled, __ATOMIC_RELAXED), 0)) {
        lg_init();
        if (!__atomic_load_n(&lg_enabled, __ATOMIC_ACQUIRE))
            return NULL;
    }
    return lg_event_thread();
}

#endif
