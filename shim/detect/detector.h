/* The detection core's entry points, called by the hooks.  No LD_PRELOAD or glibc
 * knowledge lives here: the hooks translate each API call into these events.
 *
 * Invariants
 *  - lg_acquired is called after the real lock call succeeded, lg_released before
 *    the real unlock (so no other thread can take the lock and push it while this
 *    thread still lists it).
 *  - The steady state (chain already validated by this thread, lock already known)
 *    does no allocation, no system call and takes no lock: a table probe, one hash
 *    step and a push.  Everything else is the slow path, run with t->busy set.
 *  - A thread's state is created at its first event and never freed.
 */
#ifndef LOCKGRAPH_DETECTOR_H
#define LOCKGRAPH_DETECTOR_H

#include "records.h"
#include "state.h"

struct lg_config {
    int stack_depth;            /* frames per captured stack, 1..LG_MAX_DEPTH (caps.h) */
    uint64_t hold_threshold_ns; /* 0 = long-hold detection off */
    uint64_t deadlock_ns;       /* blocked this long in a cycle = deadlock */
    int on_deadlock;            /* LG_ON_DEADLOCK_* */
    int deadlock_exitcode;
};
#define LG_ON_DEADLOCK_EXIT 0
#define LG_ON_DEADLOCK_ABORT 1
#define LG_ON_DEADLOCK_WAIT 2

extern struct lg_config lg_cfg;
extern __thread struct lg_thread *lg_tls_self __attribute__((tls_model("initial-exec")));
/* Coarse clock advanced by the watchdog (ns); 0 while there is no watchdog.  Its
 * step is lg_tick_step_ns (a tenth of the smaller threshold, 2..100 ms). */
extern _Atomic uint64_t lg_tick_ns;
extern _Atomic uint64_t lg_tick_step_ns;

/* Reads a lock object's type when its record is created (mutex kind, rwlock
 * preference); supplied by the hook, which knows the object layout. */
typedef uint8_t (*lg_subkind_fn)(uintptr_t addr);

/* The calling thread's state, created (and its THREAD record written) on first use.
 * creator/create_stack describe who started it (0 when unknown). */
struct lg_thread *lg_thread_attach(uint32_t creator, uint32_t create_stack);
void lg_thread_detach(struct lg_thread *t); /* thread end: THREAD_EXIT record */
struct lg_thread *lg_thread_by_serial(uint32_t serial);
struct lg_thread *lg_thread_first(void); /* registry, newest first; ->next_all */

/* The record of the lock at addr, created on first use. */
struct lg_lockrec *lg_lock_of(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                              lg_subkind_fn subkind);
/* lg_acquired / lg_released (fastpath.h) handle the steady state inline and call
 * these for everything else. */
void lg_acquire_slow(struct lg_thread *t, uintptr_t addr, uint8_t kind, lg_subkind_fn subkind,
                     uint8_t mode, uint8_t ctxflags, uintptr_t pc, uintptr_t sp);
int lg_release_slow(struct lg_thread *t, uintptr_t addr);
/* Index of lock in t's held stack, or -1. */
int lg_held_index(const struct lg_thread *t, const struct lg_lockrec *l);
/* The instance at addr ends (destroy, re-init, freed memory). */
void lg_lock_retire(uintptr_t addr, int reason);
/* Retires every live lock in [lo, hi) (memory freed or unmapped). */
void lg_retire_range(uintptr_t lo, uintptr_t hi);
/* Cheap filter: 0 when [lo, hi) certainly holds no heap lock. */
int lg_heap_may_hold_locks(uintptr_t lo, uintptr_t hi);

/* Reports a finding about one lock (self-deadlock, bad-unlock, destroy-locked,
 * long-hold ...): writes the FINDING record and the live report. */
void lg_report_lock_finding(struct lg_thread *t, uint8_t kind, uint16_t flags,
                            struct lg_lockrec *l, uint32_t stack, uint32_t other_stack,
                            uint64_t value, const char *detail);
/* The stack id of a held entry's acquisition (its one-frame call site when no
 * stack was captured then). */
uint32_t lg_held_stack_id(const struct lg_held *h);
/* Captures and interns the caller's stack (slow path; 0 if none). */
uint32_t lg_capture_stack(void);
/* Emits a whole finding (record + live report), e.g. a deadlock from the watchdog;
 * lg_record_finding only writes the record. */
void lg_report_finding(struct lg_live_finding *f);
void lg_record_finding(struct lg_live_finding *f);
/* 1 the first time a long hold is seen at this acquisition site (print it live). */
int lg_long_hold_site_first(uintptr_t pc);

/* Fork child: the calling thread is the only one left. */
void lg_detector_after_fork_child(struct lg_thread *self);
/* Re-emits every definition (threads, stacks, locks, chains, edges, contexts) into
 * a fresh log, so a fork child's log stands on its own. */
void lg_detector_replay(void);

#include "fastpath.h"

#endif
