#define _GNU_SOURCE
#include "tool_lock.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic int handlers_seen;
/* this thread's tool-lock nesting, and the mask its outermost section replaced */
static __thread unsigned depth __attribute__((tls_model("initial-exec")));
static __thread int masked __attribute__((tls_model("initial-exec")));
static __thread sigset_t saved __attribute__((tls_model("initial-exec")));

void lg_tool_lock_note_handler(void) { atomic_store_explicit(&handlers_seen, 1, memory_order_relaxed); }
int lg_tool_lock_handlers_seen(void) { return atomic_load_explicit(&handlers_seen, memory_order_relaxed); }

static void enter_section(void)
{
    if (depth++ != 0 || !atomic_load_explicit(&handlers_seen, memory_order_relaxed))
        return;
    sigset_t async;
    sigfillset(&async);
    static const int sync_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
    for (unsigned i = 0; i < sizeof sync_signals / sizeof sync_signals[0]; i++)
        sigdelset(&async, sync_signals[i]);
    /* a handler arriving between the two lines below runs with depth 1 and no
     * tool lock held yet: harmless (its hooks see the guard or take the lock) */
    if (pthread_sigmask(SIG_BLOCK, &async, &saved) == 0)
        masked = 1;
}

static void leave_section(void)
{
    if (depth == 0 || --depth != 0 || !masked)
        return;
    masked = 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

void lg_tool_section_enter(void) { enter_section(); }
void lg_tool_section_leave(void) { leave_section(); }

void lg_tool_locks_after_fork_child(void)
{
    depth = 0;
    if (masked) {
        masked = 0;
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    }
}

/* Pauses a waiter spins before it sleeps.  A section of the slow path lasts about
 * 1-5 us (a new chain's contexts and records); a waiter that sleeps instead pays a
 * futex wait, the holder a futex wake, and both a context switch: with 100 pauses
 * (2 us on the machine measured) most waiters of a busy slow path slept, and the
 * futex calls were a sixth of the many-lock benchmark's time.  1000 pauses is
 * 10-40 us depending on the CPU's pause; docs/performance.md has the measurement. */
#define SPIN_PAUSES 1000

/* Drepper's three-state futex mutex ("Futexes are tricky", mutex 2), with a bounded
 * spin that reads the word and tries the exchange only when it reads free (so
 * waiters do not keep the holder's cache line busy with failed exchanges). */
void lg_tool_lock_take(lg_tool_lock *l)
{
    enter_section();
    int c = 0;
    if (atomic_compare_exchange_strong_explicit(&l->state, &c, 1, memory_order_acquire,
                                                memory_order_relaxed))
        return;
    for (int spin = 0; spin < SPIN_PAUSES; spin++) {
        c = atomic_load_explicit(&l->state, memory_order_relaxed);
        if (c == 0) {
            if (atomic_compare_exchange_weak_explicit(&l->state, &c, 1, memory_order_acquire,
                                                      memory_order_relaxed))
                return;
            continue;
        }
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    if (c != 2)
        c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
    while (c != 0) {
        syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
        c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
    }
}

void lg_tool_lock_give(lg_tool_lock *l)
{
    if (atomic_fetch_sub_explicit(&l->state, 1, memory_order_release) != 1) {
        atomic_store_explicit(&l->state, 0, memory_order_release);
        syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    leave_section();
}
