/* The stack depot: one full stack per code path of a new chain, so that a chain on
 * a path already seen costs no stack capture (issue 9).  A program with per-object
 * or hashed locks meets new instance chains without end, but the code paths that
 * make them are bounded by the program.
 *
 * What a path is
 *  - The key (lg_depot_key) is the acquisition's call site, the call site of the
 *    held lock on top of the thread's held stack (its most recent acquisition),
 *    the kind and mode of both and the acquisition's CONTEXT flags (try, timed).
 *    Two chains with the same key are "the same code path" here even when the
 *    frames outside those two call sites differ (one helper called from two
 *    places): the second one's context then cites the first one's stack, marked
 *    LG_CTXF_STACK_FIRST ("first seen at"), never as its own.  docs/shim.md
 *    "Stack depot" says what a report loses.
 *
 * Invariants
 *  - A fixed table of LG_DEPOT_SLOTS entries (16 bytes each, static: pages are
 *    touched as keys arrive), in buckets of 4 (one cache line).  A full bucket
 *    overwrites one of its entries (round robin by key): the evicted path is
 *    captured again on its next new chain.  Memory never grows.
 *  - Lookups take no lock and allocate nothing: an entry is read key, stack, key,
 *    and used only if both key reads match (a writer clears the key first, writes
 *    the stack, then publishes the key).  Insertions are made under the graph lock
 *    only (the slow path that interned the stack), so writers never race.
 *  - A stack id in the depot is an interned stack (graph.c), never freed; a fork
 *    child inherits the table with the graph, whose replay re-emits every stack
 *    id it can cite.  Keys are 64-bit hashes: two paths sharing one key is a
 *    2^-64 event per pair, accepted.
 *  - Cost: O(1): one bucket of 4 entries per lookup or insertion.
 */
#ifndef LOCKGRAPH_STACK_DEPOT_H
#define LOCKGRAPH_STACK_DEPOT_H

#include <stdint.h>

#define LG_DEPOT_SLOTS 4096u /* 64 KiB */

/* The key of a path (never 0), or 0 when the path is not known well enough to
 * share a stack (no call site: an annotation or a caller the hook could not name). */
uint64_t lg_depot_key(uintptr_t pc, uint8_t kind, uint8_t mode, uint8_t ctxflags,
                      uintptr_t held_pc, uint8_t held_kind, uint8_t held_mode);
/* The stack id stored for key, or 0.  Lock-free. */
uint32_t lg_depot_find(uint64_t key);
/* Stores stack for key (graph lock held; key != 0, stack != 0). */
void lg_depot_put(uint64_t key, uint32_t stack);
/* Lookups answered / stacks stored since start (statistics, tests). */
uint64_t lg_depot_hits(void);
uint64_t lg_depot_stores(void);

#endif
