/* The lock-order graph: interned stacks and chains, edges with their contexts, and
 * the live cycle check run when an edge or a context is new.
 *
 * Invariants
 *  - Everything here except the lock-free getters runs under the graph lock
 *    (lg_graph_lock), taken only on a thread's slow path with its guard set.
 *  - An edge is created at most once per (from, to) record pair; a context at most
 *    once per (thread, chain, modes, flags) on its edge, up to LG_MAX_CTX per edge
 *    (further ones are counted, not stored: docs/rules.md explains the bound).
 *  - A cycle is reported at most once (by its rotation-independent signature),
 *    and only when lg_rules_evaluate says it can deadlock.
 */
#ifndef LOCKGRAPH_GRAPH_H
#define LOCKGRAPH_GRAPH_H

#include "records.h"
#include "state.h"

/* LG_MAX_CTX and the search budgets are in caps.h, with their reasons. */

void lg_graph_lock(void);
void lg_graph_unlock(void);

uint32_t lg_stack_intern(const uintptr_t *pcs, uint32_t n);
const uintptr_t *lg_stack_get(uint32_t id, uint32_t *n);

/* The chain of the first n held locks of t (key = held[n-1].key). */
struct lg_chain *lg_chain_intern(const struct lg_held *held, uint32_t n);
struct lg_chain *lg_chain_get(uint32_t id);

/* Findings produced under the graph lock, reported after it is released (they live
 * in the arena: every one is reported, however many an event produces). */
struct lg_pending {
    struct lg_live_finding *head, **tail;
};

/* Records that thread t, holding held[0..n) (chain `chain`), acquired `to` in
 * to_mode with ctx flags; adds edges held[i] -> to and contexts, emits records,
 * and checks new cycles, appending real ones to `out`. */
void lg_graph_acquire(struct lg_thread *t, const struct lg_held *held, uint32_t n,
                      struct lg_chain *chain, struct lg_lockrec *to, uint8_t to_mode,
                      uint16_t flags, uint32_t stack, struct lg_pending *out);

uint32_t lg_graph_edge_count(void);
void lg_graph_after_fork(void);
void lg_graph_replay_stacks(void); /* under the graph lock */
void lg_graph_replay_rest(void);   /* chains, edges, contexts */

#endif
