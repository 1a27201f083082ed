/* The detector's own lock: a private futex mutex, so the shim never calls the
 * pthread functions it interposes, never allocates, and works before the real
 * functions are resolved.
 *
 * Invariants: never held while unwinding, calling into ld.so or blocking on an
 * application lock; a thread takes it only with its reentrancy guard set, so a
 * signal handler that locks on the same thread is forwarded untracked instead of
 * deadlocking on it.
 *
 * Signals.  The guard makes a handler on the *same* thread safe, but not one that
 * blocks on an application lock whose holder, on another thread, is itself waiting
 * for this tool lock (seen in the soak: thread A holds the graph lock and a SIGUSR1
 * handler on A waits for h, which thread B's handler took and then entered the
 * shim for: A never returns to release).  Natively B's handler would just finish.
 * So once the program has a signal handler of its own (lg_tool_lock_note_handler,
 * called by the sigaction/signal hooks and by a scan at start-up), a thread holding
 * any tool lock has every asynchronous signal blocked: the handler runs when the
 * outermost tool lock is given back, microseconds later.  Synchronous signals
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS) are never blocked, and glibc's
 * own (cancellation, setxid) are left alone by pthread_sigmask.  A program without
 * handlers pays nothing; one with handlers pays two sigprocmask calls per outermost
 * tool-lock section (slow paths only: the steady state takes no tool lock), and
 * the slow paths that take several locks wrap them in one (lg_tool_section_enter).
 * Nesting is counted per thread; a fork child forgets the sections its parent's
 * thread was in (lg_tool_locks_after_fork_child) and gets the mask back.
 */
#ifndef LOCKGRAPH_TOOL_LOCK_H
#define LOCKGRAPH_TOOL_LOCK_H

#include <stdatomic.h>

typedef struct lg_tool_lock {
    _Atomic int state; /* 0 free, 1 taken, 2 taken with waiters */
} lg_tool_lock;

void lg_tool_lock_take(lg_tool_lock *l);
void lg_tool_lock_give(lg_tool_lock *l);
/* A section without a lock, for a slow path that takes several tool locks in a
 * row (a new lock: the table, then the graph; a new chain: the graph, perhaps
 * twice): inside it the locks' own sections nest, so a program with handlers pays
 * the two sigprocmask calls once per event rather than once per lock.  Enter only
 * where a tool lock will be taken: a section that takes none still pays them. */
void lg_tool_section_enter(void);
void lg_tool_section_leave(void);
/* After fork: the child has one thread; whatever the parent held is void. */
static inline void lg_tool_lock_reset(lg_tool_lock *l) { atomic_store(&l->state, 0); }

/* The program has (or may have) a signal handler: from now on tool-lock sections
 * block asynchronous signals.  Async-signal-safe; sticky. */
void lg_tool_lock_note_handler(void);
int lg_tool_lock_handlers_seen(void);
/* In a fork child, once its tool locks are reset: the forking thread is in no tool
 * section any more; its signal mask is restored if a section had blocked it. */
void lg_tool_locks_after_fork_child(void);

#endif
