/* The event API: everything the hooks tell the detection core, and all they see of it.
 *
 * A hook translates one glibc call into these events and passes what glibc's lock
 * word says as plain data (misuse.h); it never touches the core's state itself.
 * The core's own API for its host and its tests is detector.h.  (The inline
 * steady state, fastpath.h, brings the core's types and lock table along; a hook
 * uses only what this header declares.)
 *
 * The reentrancy guard.  While a thread runs shim code that can reach a function
 * the shim interposes (libunwind's and ld.so's mutexes, malloc, the log writer, a
 * signal handler on the same thread), its guard is raised, and every hook entered
 * meanwhile forwards to the real function and records nothing.  lg_guard_enter
 * returns what it found, the guard and errno; lg_guard_leave puts both back.  So
 * pairs nest (an inner pair never lowers an outer pair's guard), and the program's
 * errno survives whatever the shim does in between.  Every event that can leave the
 * steady state raises it itself; hooks raise it only around calls into the host.
 * A thread's sentinel states (past its end, the watchdog's own) have it raised for
 * good, and enter/leave never write it there.
 *
 * Invariants
 *  - lg_acquired is called after the real lock call succeeded, lg_released before
 *    the real unlock (so no other thread can take the lock and push it while this
 *    thread still lists it).
 *  - The steady state (fastpath.h: lock known, chain validated, LIFO release) takes
 *    no lock, allocates nothing, makes no call and leaves errno alone; it raises the
 *    guard only while it writes a held-stack entry (a same-thread signal handler
 *    must not push into a half-written entry).
 *  - Every event keeps the caller's errno.
 */
#ifndef LOCKGRAPH_DETECT_H
#define LOCKGRAPH_DETECT_H

#include "misuse.h"
#include "state.h"

#include <errno.h>
#include <stdint.h>

extern __thread struct lg_thread *lg_tls_self __attribute__((tls_model("initial-exec")));

/* ---- the guard ----------------------------------------------------------------- */

/* What lg_guard_enter found, for lg_guard_leave to put back. */
struct lg_guard {
    int raised; /* the guard was already raised (an outer pair, or for good) */
    int err;    /* errno */
};

static inline struct lg_guard lg_guard_enter(struct lg_thread *t)
{
    struct lg_guard g = {t->in_shim, errno};
    if (!g.raised)
        t->in_shim = 1;
    return g;
}

static inline void lg_guard_leave(struct lg_thread *t, struct lg_guard g)
{
    if (!g.raised)
        t->in_shim = 0;
    errno = g.err;
}

/* ---- threads ------------------------------------------------------------------- */

/* The calling thread's state, created (and its THREAD record written) now.
 * creator/create_stack describe who started it (0 when unknown). */
struct lg_thread *lg_thread_attach(uint32_t creator, uint32_t create_stack);

/* The calling thread's state for an event, created (THREAD record) at its first
 * event; NULL when it must not record: its guard is raised, or no state could be
 * made (out of memory). */
static inline struct lg_thread *lg_event_thread(void)
{
    struct lg_thread *t = lg_tls_self;
    if (__builtin_expect(!t, 0))
        t = lg_thread_attach(0, 0);
    if (!t || t->in_shim)
        return NULL;
    return t;
}

/* A thread t is creating: what the new thread runs, and who made it from where.
 * Allocated by the core, reused once the thread started (NULL when out of memory:
 * start the thread unwrapped).  self: t's own pthread_t (joins on t are resolved through it). */
struct lg_spawn {
    void *(*fn)(void *);
    void *arg;
    uint32_t creator, stack;
};
struct lg_spawn *lg_thread_spawn(struct lg_thread *t, uintptr_t self, void *(*fn)(void *),
                                 void *arg);
/* Spawn records are reused: lg_thread_start gives its back; a failed
 * pthread_create gives it back with lg_spawn_free. */
struct lg_spawn *lg_spawn_alloc(void);
void lg_spawn_free(struct lg_spawn *s);
/* First event of a thread started from s, in that thread: its state (NULL if none
 * could be made).  self: its pthread_t. */
struct lg_thread *lg_thread_start(const struct lg_spawn *s, uintptr_t self);
/* The thread ends (THREAD_EXIT record); from here on its hooks forward untracked. */
void lg_thread_detach(struct lg_thread *t);
/* A thread the shim started ends on its own, by returning or unwinding (how:
 * misuse.h): each lock it still holds is exit-held-lock (misuse.h E1-E3), then
 * lg_thread_detach. */
void lg_thread_end(struct lg_thread *t, enum lg_thread_end_how how);

/* ---- acquisitions and releases --------------------------------------------------- */

/* The subkind argument (lg_subkind_fn, state.h) reads the lock object's type when
 * its record is created; the hook supplies it (glibc_abi.h).
 * lg_acquired(t, addr, kind, subkind, mode, ctxflags, pc) and lg_released(t, addr)
 * (1 if t held it) are inline: fastpath.h.  Their slow halves: */
void lg_acquire_slow(struct lg_thread *t, uintptr_t addr, uint8_t kind, lg_subkind_fn subkind,
                     uint8_t mode, uint8_t ctxflags, uintptr_t pc, uintptr_t sp);
int lg_release_slow(struct lg_thread *t, uintptr_t addr);

/* The thread is about to block on the lock at addr (the lock word showed it taken,
 * or a try failed).  Reports a self-deadlock when the thread's own hold means the
 * wait can never be granted (misuse.h, rules R1-R7; the deadlock policy follows a
 * wait that would last forever), then publishes the wait for the watchdog.  Returns
 * the lock's record for lg_block_end (NULL: nothing was published). */
struct lg_lockrec *lg_block_begin(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                                  lg_subkind_fn subkind, uint8_t mode, uint8_t flags,
                                  uintptr_t pc);
/* The blocking call returned (acquired or not): the wait ends, its time is counted. */
void lg_block_end(struct lg_thread *t, struct lg_lockrec *l);

/* ---- misuse checks --------------------------------------------------------------- */

/* Unlock of a lock t does not hold per its records (lg_released said 0): word is
 * what glibc's lock word says (misuse.h, rules U1-U5). */
void lg_bad_unlock(struct lg_thread *t, uintptr_t addr, uint8_t kind, struct lg_lock_word word);
/* Before a destroy: destroy-locked if the records show the lock held (D1-D2), or
 * use-after-destroy if it was destroyed already (X1-X3).  word: the lock word of
 * the kind (what lg_destroyed_use needs). */
void lg_check_destroy(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                      struct lg_lock_word word);
/* A call on the lock at addr that found no live instance there: a lock or unlock
 * glibc refused (EINVAL), an acquisition or a destroy with no live record.  If the
 * address's last instance was destroyed and not re-initialised or freed since
 * (misuse.h, X1-X3), reports use-after-destroy once per destroyed instance, with
 * the stack of the use and the destroy's call site, and returns 1 (the caller's
 * other checks do not apply); else 0.  word: the lock word (decides for mutexes). */
int lg_destroyed_use(struct lg_thread *t, uintptr_t addr, uint8_t kind, struct lg_lock_word word,
                     enum lg_use_op op);
/* The same for a caller that has already probed the table: d is what
 * lg_table_find_any(addr) returned (a first use's one probe serves both). */
int lg_destroyed_use_of(struct lg_thread *t, struct lg_lockrec *d, uint8_t kind,
                        struct lg_lock_word word, enum lg_use_op op);

/* ---- the start and end of lock instances ------------------------------------------- */

/* A *_init of the lock at addr succeeded (after lg_lock_end with LG_RETIRE_REINIT):
 * a heap or stack lock gets its record now, with the init's stack as its class
 * (LOCK.flags LG_LOCKF_INIT_SITE), so that every object one constructor makes has
 * one class however and wherever it is first locked.  A static lock keeps its class
 * from its place in the module and gets its record at first use.  Costs one stack
 * capture; holds nothing, so it adds no edge.  subkind reads the initialised object. */
void lg_lock_init(struct lg_thread *t, uintptr_t addr, uint8_t kind, lg_subkind_fn subkind);

/* The instance at addr ends (reason LG_RETIRE_DESTROY or LG_RETIRE_REINIT; a
 * re-init also clears a destroyed mark). */
void lg_lock_end(struct lg_thread *t, uintptr_t addr, int reason);
/* A destroy at pc succeeded: the instance ends, marked destroyed for
 * lg_destroyed_use (stack-resident locks excepted). */
void lg_lock_destroyed(struct lg_thread *t, uintptr_t addr, uintptr_t pc);
/* The memory [lo, hi) is freed or unmapped: the locks in it end.  Needs no thread
 * (a thread past its end still frees memory); costs one bitmap test when the range
 * never held a heap lock. */
void lg_memory_freed(uintptr_t lo, uintptr_t hi);

/* ---- waits that are not lock acquisitions ------------------------------------------ */

/* pthread_join(th) at pc: published as a wait on the joined thread. */
void lg_join_begin(struct lg_thread *t, uintptr_t th, uintptr_t pc);
void lg_join_end(struct lg_thread *t);
/* A condition wait with mutex m (word: m's lock word): checked (misuse.h, C1-C5:
 * bad-cond-wait when the caller does not hold m), m is released as glibc releases
 * it (the caller's hold, or another thread's), and the wait is published;
 * lg_cond_wait_end clears it (also when the wait is cancelled).  Returns 1 if the
 * wait returns with m held by the caller (m is a mutex): the caller then records
 * the re-acquisition with lg_acquired when the wait returned with it locked. */
int lg_cond_wait_begin(struct lg_thread *t, uintptr_t m, uint8_t kind, lg_subkind_fn subkind,
                       struct lg_lock_word word);
void lg_cond_wait_end(struct lg_thread *t);

#include "fastpath.h"

#endif
