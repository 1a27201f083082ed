/* The detector's own lock: a private futex mutex, so the shim never calls the
 * pthread functions it interposes, never allocates, and works before the real
 * functions are resolved.
 *
 * Invariants: never held while unwinding, calling into ld.so or blocking on an
 * application lock; a thread takes it only with its reentrancy guard set, so a
 * signal handler that locks on the same thread is forwarded untracked instead of
 * deadlocking on it.
 */
#ifndef LOCKGRAPH_TOOL_LOCK_H
#define LOCKGRAPH_TOOL_LOCK_H

#include <stdatomic.h>

typedef struct lg_tool_lock {
    _Atomic int state; /* 0 free, 1 taken, 2 taken with waiters */
} lg_tool_lock;

void lg_tool_lock_take(lg_tool_lock *l);
void lg_tool_lock_give(lg_tool_lock *l);
/* After fork: the child has one thread; whatever the parent held is void. */
static inline void lg_tool_lock_reset(lg_tool_lock *l) { atomic_store(&l->state, 0); }

#endif
