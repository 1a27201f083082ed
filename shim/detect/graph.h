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
 *  - A search mark outliving its search: LG_LR_ONPATH is clear whenever the graph
 *    lock is free.  An edge is in the order iff it has a blocking context, and every
 *    blocking edge between components goes forward in it
 *    (lg_graph_check_invariants verifies this and the above).
 *
 * Locking: no internal locking.  Everything here except the lock-free getters
 * (lg_stack_get, lg_chain_get, lg_graph_edge_count) must be serialized externally
 * by the graph lock (lg_graph_lock), which threads take only on their slow path
 * with their guard set, and only for a chain key neither they nor two other threads
 * validated (validated.h).  Every log record describing the graph is written under
 * it too, so the log's "define before use" order holds.
 *
 * Cycle check (order.h)
 *  - Only edges with a blocking context (not trylock-only) can lie on a reported
 *    cycle (cycle_rules.h rule 1); only they enter the search graph, whose strongly
 *    connected components are kept in a dynamic topological order.
 *  - A new blocking edge costs O(1) when it agrees with the order, else a two-way
 *    search of the affected region only (the smaller side of it), never a walk of
 *    the reachable graph.  Components merge when an edge closes a cycle.
 *  - A new blocking context runs the path search only when its edge's ends share a
 *    component, and the search stays inside that component.
 *  - Settled once: a cycle is judged by the rules once per number of contexts
 *    stored on its edges (contexts are append-only, so that is its whole input);
 *    a filtered cycle is not judged again until one of its edges gains a context.
 *
 * Complexity: memory O(locks + edges + contexts + stacks + chains), never freed:
 * an edge with its first context is 64 bytes and each further context 24, in dense
 * arrays indexed by id, plus 2-4 bytes of edge-map bucket per edge; stacks and
 * chains come from the arena; the order adds 4 bytes per lock with a blocking edge, 32
 * more per lock with one out, and 16 per blocking edge (order.h).  A new context whose edge lies on no cycle costs O(1) plus, for
 * an edge new to the order that goes against it, the affected region; one on a
 * cycle costs a path enumeration inside its component under the work bounds in
 * caps.h (the offline report, with larger bounds, is the complete answer).
 */
#ifndef LOCKGRAPH_GRAPH_H
#define LOCKGRAPH_GRAPH_H

#include "records.h"
#include "state.h"

/* LG_MAX_CTX and the search budgets are in caps.h, with their reasons. */

void lg_graph_lock(void);
/* The same, for the records that end an image (UNTRACED, END and the statistics
 * before it), which cite no history: a fork child's deferred log stays deferred
 * (fork_log.h lg_fork_log_ends), and for fork itself (atfork handlers). */
void lg_graph_lock_quiet(void);
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
 * and checks new cycles, appending real ones to `out`.  Returns the number of
 * contexts stored (each names t, whose identity must then outlive it). */
int lg_graph_acquire(struct lg_thread *t, const struct lg_held *held, uint32_t n,
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
