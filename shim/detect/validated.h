/* The chains validated by any thread: a lock-free set of chain keys (held set +
 * the lock acquired, fastpath.h lg_chain_step) shared by all threads, so that a
 * chain other threads already put in the graph does not take the graph lock again.
 *
 * What is shared
 *  - Each key remembers the first two distinct threads (serials) that validated it.
 *    A thread skips validation when it is one of them, or when both are set: the
 *    graph then holds the chain's contexts from two threads, which keeps the rules'
 *    preference for distinct threads (cycle_rules.h) for every two-lock cycle.  A
 *    third thread's contexts on that chain are not recorded: a report of a cycle of
 *    three or more locks may name fewer distinct threads than ran it (never a cycle
 *    missed: the edges and their first contexts are there).
 *
 * Invariants
 *  - Keys are only added, never removed; a slot's key is written once (CAS from 0),
 *    then its first thread, then (CAS from 0) its second.  A reader that sees a key
 *    before its threads reads "not validated" and validates itself: harmless.
 *  - No lock on any path: lookups are plain atomic loads, insertions CAS.
 *  - Bounded memory: LG_VALIDATED_SLOTS slots of 16 bytes (16 MiB of address space,
 *    mapped at the first insertion, pages touched as keys arrive) and at most
 *    LG_VALIDATED_PROBES probes per call.  When a key finds no free slot within its
 *    probes it is not shared: the thread keeps it in its own chain set, and other
 *    threads validate it themselves (the behaviour before this set existed).  Such
 *    misses are counted in lg_validated_full().
 *  - Cost: O(1) expected per call (linear probing in one cache line or two).
 *  - Async-signal-safe (no locks, no allocation after the first insertion).
 */
#ifndef LOCKGRAPH_VALIDATED_H
#define LOCKGRAPH_VALIDATED_H

#include <stdint.h>

#define LG_VALIDATED_SLOTS (1u << 20)
#define LG_VALIDATED_PROBES 32u

/* 1 if thread `serial` need not validate chain key `key`. */
int lg_validated_skip(uint64_t key, uint32_t serial);
/* Thread `serial` has validated `key` (its contexts are in the graph). */
void lg_validated_note(uint64_t key, uint32_t serial);
/* Keys stored, and keys not stored for want of a free slot (statistics). */
uint64_t lg_validated_count(void);
uint64_t lg_validated_full(void);

#endif
