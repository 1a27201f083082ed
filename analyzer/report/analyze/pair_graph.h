/* The graph the cycle analysis searches, as ordered pairs of nodes, and the one loop
 * that enumerates its cycles and has each judged by the rules.
 *
 * A node is a lock instance of one process (instance mode) or a lock class over all
 * runs (class mode); the caller numbers the nodes densely from 0.  For each pair
 * (u, v) joined by at least one model edge, the pair keeps every context the order
 * u -> v was seen in (lg_cand) and the processes it was seen in.
 *
 * Invariants
 *  - Pairs are kept in first-seen order, and cycles are enumerated over them in that
 *    order, so a graph built from the same edges always yields the same findings in
 *    the same order.
 *  - A pair is keyed by the 64-bit value (u << 32) | v: no text keys.
 *  - Class mode (ec->by_class) skips a cycle whose every pair was seen in one and the
 *    same process: that cycle is the instance analysis's question, not a cross-run one.
 *  - Cost: adding a context is O(1) amortized plus O(processes of the pair) for the
 *    process list; the loop costs what lg_cycles_enumerate costs plus one rule
 *    evaluation per cycle.
 */
#ifndef LOCKGRAPH_PAIR_GRAPH_H
#define LOCKGRAPH_PAIR_GRAPH_H

#include "analysis.h"
#include "cycle_eval.h"

typedef struct lg_pair {
    uint64_t key;  /* (u << 32) | v; the hash table's key points here */
    GArray *cands; /* lg_cand: every context of the order u -> v */
    GArray *procs; /* unsigned process indices, in first-seen order, unique */
} lg_pair;

typedef struct lg_pair_graph {
    GHashTable *pairs; /* &key -> lg_pair* (owned) */
    GArray *src, *dst; /* uint32_t: pair i is src[i] -> dst[i], first-seen order */
} lg_pair_graph;

void lg_pair_graph_init(lg_pair_graph *g);
void lg_pair_graph_clear(lg_pair_graph *g);

/* Adds every context of model edge e of process p as seen on the pair u -> v, whose
 * ends are the locks `from` and `to` of p. */
void lg_pair_graph_add(lg_pair_graph *g, uint32_t u, uint32_t v, const lg_process *p,
                       const lg_lock *from, const lg_lock *to, const lg_model_edge *e);

/* Enumerates the cycles of g, a graph of nnodes nodes (budgets from o), has each judged by lg_cycle_evaluate
 * (ec says the mode), and files the finding under a->findings (a deadlock) or
 * a->filtered.  Counts the cycles judged in a->cycles and sets a->truncated if a
 * budget ran out. */
void lg_pair_graph_cycles(const lg_pair_graph *g, uint32_t nnodes, lg_cycle_eval_ctx *ec,
                          lg_analysis *a, const lg_analysis_opts *o);

#endif
