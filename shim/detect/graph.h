/* The lock-order graph: which lock instances were acquired while holding which,
 * with the contexts each order was seen in, and the live check for the cycles a
 * new order closes.  It also interns the stacks and chains (held sets) that the
 * edges and the log refer to.
 *
 * Identity
 *  - A node is a lock record (state.h), i.e. an (address, generation) instance: a
 *    reused address is a new node, so edges of two instances never join.  Node
 *    ids are the records' log ids.  Stacks and chains are interned: the same pcs
 *    (held set) always yield the same id, ids start at 1, 0 means "none".
 *
 * What cannot happen
 *  - Two edges for one (from, to) pair: an order seen again adds a context, or
 *    nothing if that context is known.
 *  - More than LG_MAX_CTX stored contexts on an edge: further ones are counted in
 *    nctx only (docs/rules.md explains the bound).
 *  - A cycle reported twice: signatures are kept (seen.h), whatever rotation the
 *    cycle is found in; and a cycle is reported only when lg_rules_evaluate says
 *    it can deadlock.  Cycles are not prevented: the graph records what the program
 *    did, the rules judge it.
 *  - A search mark outliving its search: LG_LR_ONPATH is clear and every visit mark
 *    belongs to a finished epoch whenever the graph lock is free
 *    (lg_graph_check_invariants verifies this and the above).
 *
 * Locking: no internal locking.  Everything here except the lock-free getters
 * (lg_stack_get, lg_chain_get, lg_graph_edge_count) must be serialized externally
 * by the graph lock (lg_graph_lock), which threads take only on their slow path
 * with their guard set.  Every log record describing the graph is written under it
 * too, so the log's "define before use" order holds.
 *
 * Complexity: memory O(locks + edges + contexts + stacks + chains), all from the
 * arena and never freed.  A new edge costs a reachability pass (linear in the part
 * of the graph reachable from its target) plus path enumeration, both under the
 * work bounds below; a new context on a known edge costs a search only when the
 * edge may lie on a cycle (strongly connected components, recomputed amortised).
 * Works well on the sparse graphs programs make; a dense graph hits the bounds,
 * and the offline report (with larger bounds) is the complete answer.
 */
#ifndef LOCKGRAPH_GRAPH_H
#define LOCKGRAPH_GRAPH_H

#include "records.h"
#include "state.h"

/* LG_MAX_CTX and the search budgets are in caps.h, with their reasons. */

void lg_graph_lock(void);
void lg_graph_unlock(void);

uint32_t lg_stack_intern(const uintptr_t *pcs, uint32_t n); /* 0 without memory */
/* The frames of stack id (lock-free: a stack is published before its id). */
const uintptr_t *lg_stack_get(uint32_t id, uint32_t *n);
/* An acquisition's stack id: `stack` when one was captured, else the one-frame
 * stack of its call site pc (interned now). */
uint32_t lg_stack_or_site(uint32_t stack, uintptr_t pc);

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
/* Expensive: tests only.  Checks that every edge is in its source's adjacency list
 * and its hash bucket exactly once, ids are dense, context counts and tails agree
 * with the lists, contexts refer to existing chains and stacks, and no search mark
 * is left over.  Returns NULL, or a description of the first problem.  Under the
 * graph lock. */
const char *lg_graph_check_invariants(void);
void lg_graph_after_fork(void);
void lg_graph_replay_stacks(void); /* under the graph lock */
void lg_graph_replay_rest(void);   /* chains, edges, contexts */

#endif
