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
 *  - Keys are only added, never removed.  A slot is one 64-bit word (the key's high
 *    48 bits, a 15-bit tag of the first thread, a "second thread" bit), written by
 *    CAS from 0 and then at most once more (the bit): a reader sees it whole.  Two
 *    threads whose serials are equal modulo 32767 share a tag, so the second of them
 *    may be taken for the first and skip (the loss described above, no more).
 *  - No lock on any path: lookups are plain atomic loads, insertions CAS.
 *  - Memory follows the keys: levels of 2^13, 2^14, ... 2^20 slots of 8 bytes.  A
 *    key goes into the oldest level with a free slot within LG_VALIDATED_PROBES of
 *    its home; the next level is mapped only when none has one and the newest is 3/4
 *    full, so the levels stay 2/3 to 1 full and a new level's pages are touched as
 *    its keys come (about 8-12 bytes per key, 9.6 at 100 000; at most 16 MiB in
 *    all).  Lookups probe every level.  A key with no slot is not shared: the thread
 *    keeps it in its own chain set, and other threads validate it themselves (the
 *    behaviour before this set existed; about 1 % of the keys while a level is
 *    between 2/3 and 3/4 full, all of them once the last level is); such misses
 *    are counted (lg_validated_full).
 *  - Cost: O(1) per call: at most LG_VALIDATED_LEVELS levels, each probed linearly
 *    over at most LG_VALIDATED_PROBES slots (4 cache lines).
 *  - Async-signal-safe: no locks; a new level is one mmap.
 */
#ifndef LOCKGRAPH_VALIDATED_H
#define LOCKGRAPH_VALIDATED_H

#include <stdint.h>

#define LG_VALIDATED_LEVEL0_BITS 13
#define LG_VALIDATED_LEVELS 8
#define LG_VALIDATED_PROBES 32u

/* 1 if thread `serial` need not validate chain key `key`. */
int lg_validated_skip(uint64_t key, uint32_t serial);
/* Thread `serial` has validated `key` (its contexts are in the graph). */
void lg_validated_note(uint64_t key, uint32_t serial);
/* Keys not stored for want of a free slot (statistics). */
uint64_t lg_validated_full(void);

#endif
