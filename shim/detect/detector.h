/* The detection core's API for its host (the watchdog, the sinks, start-up) and its
 * unit tests; the hooks use only the event API (detect.h), included at the end.  No
 * LD_PRELOAD or glibc knowledge lives here.
 *
 * Invariants
 *  - The steady state (chain already validated by this thread, lock already known)
 *    does no allocation, no system call and takes no lock: a table probe, one hash
 *    step and a push.  Everything else is the slow path, run with the thread's
 *    guard raised (detect.h).
 *  - A thread's state is created at its first event and never freed.
 */
#ifndef LOCKGRAPH_DETECTOR_H
#define LOCKGRAPH_DETECTOR_H

#include "records.h"
#include "settings.h"
#include "state.h"

/* What detection needs to know (the policy after a finding is the shim's business,
 * shim.h).  Defaults and ranges are common/settings.def's. */
struct lg_config {
    int stack_depth;            /* frames per captured stack, 1..LG_MAX_DEPTH */
    uint64_t hold_threshold_ns; /* 0 = long-hold detection off */
    uint64_t deadlock_ns;       /* blocked this long in a cycle = deadlock */
};
#define LG_MAX_DEPTH LG_MAX_STACK_DEPTH
#define LG_CONFIG_DEFAULTS                                                     \
    {                                                                          \
        .stack_depth = LG_DEFAULT_STACK_DEPTH,                                 \
        .hold_threshold_ns = LG_DEFAULT_HOLD_THRESHOLD_MS * 1000000ull,        \
        .deadlock_ns = LG_DEFAULT_DEADLOCK_MS * 1000000ull,                    \
    }

extern struct lg_config lg_cfg;
/* Coarse clock advanced by the watchdog (ns); 0 while there is no watchdog.  Its
 * step is lg_tick_step_ns (a tenth of the smaller threshold, 2..100 ms). */
extern _Atomic uint64_t lg_tick_ns;
extern _Atomic uint64_t lg_tick_step_ns;

/* Twice the watchdog passes started: odd while the watchdog is in a pass (it adds
 * one as a pass starts and one as it ends).  An ended thread's slot is reused once
 * no pass that could have seen it is running. */
extern _Atomic uint64_t lg_wd_pass;

/* The live slot of a thread serial; NULL once the thread ended and its slot went
 * back to the free list (or for an unknown serial).  This and the two below take
 * the graph lock (lg_graph_lock_quiet): never call them with it held. */
struct lg_thread *lg_thread_by_serial(uint32_t serial);
/* tid and name of a thread serial, live or ended while an order-graph context names
 * it; 0 when unknown. */
int lg_thread_identity(uint32_t serial, uint32_t *tid, char name[LG_NAME_MAX]);
/* What the threads-by-serial map holds now (live threads, threads that ended
 * holding locks, ghosts) and the bytes it maps: for tests and the soak suite. */
void lg_thread_map_stats(uint32_t *entries, uint64_t *bytes);
struct lg_thread *lg_thread_first(void); /* registry, newest first; ->next_all */

/* The record of the lock at addr, created on first use. */
struct lg_lockrec *lg_lock_of(struct lg_thread *t, uintptr_t addr, uint8_t kind,
                              lg_subkind_fn subkind);
/* t's held entry for l (the newest if l is listed twice), or NULL.  Safe from
 * another thread (the watchdog): the entry is then a racy view to re-check. */
struct lg_held *lg_held_find(const struct lg_thread *t, const struct lg_lockrec *l);
/* An exclusive entry of t's whose hold another thread's condition wait ended
 * (misuse.h, C4): t no longer holds it, whatever its held stack says. */
int lg_held_phantom(const struct lg_thread *t, const struct lg_held *h);
/* Index of lock in t's held stack, or -1 (lg_held_find, for the owning thread). */
int lg_held_index(const struct lg_thread *t, const struct lg_lockrec *l);
/* The instance at addr ends (destroy, re-init, freed memory).  The caller raises
 * the guard (lg_lock_end does). */
void lg_lock_retire(uintptr_t addr, int reason);
/* Retires every live heap lock in [lo, hi) (memory freed or unmapped;
 * lg_memory_freed), in O(min(pages of the range, slots of the lock table)). */
size_t lg_retire_range(uintptr_t lo, uintptr_t hi); /* returns the steps taken (tests) */
/* Cheap filter: 0 when [lo, hi) certainly holds no heap lock. */
int lg_heap_may_hold_locks(uintptr_t lo, uintptr_t hi);

/* Reports a finding about one lock (self-deadlock, bad-unlock, destroy-locked,
 * long-hold ...): writes the FINDING record and the live report. */
void lg_report_lock_finding(struct lg_thread *t, uint8_t kind, uint16_t flags,
                            struct lg_lockrec *l, uint32_t stack, uint32_t other_stack,
                            uint64_t value, const char *detail);
/* Reports a long hold of h by t (held_ns so far; still_held: reported while held,
 * else at its release): the FINDING record, and the live report when print. */
void lg_report_long_hold(struct lg_thread *t, const struct lg_held *h, uint64_t held_ns,
                         int still_held, int print);
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

#include "detect.h"

#endif
