/* Enumeration of the elementary cycles of a directed graph (Johnson 1975).
 *
 * Invariants
 *  - Every elementary cycle of length >= 2 is reported exactly once, as a node
 *    sequence starting at its smallest node (so rotations never repeat).  Self-loops
 *    and duplicate edges are ignored.
 *  - No recursion: depth is bounded by memory, not by the C stack.
 *  - Work is bounded: enumeration stops after max_cycles cycles or max_steps edge
 *    visits, and says so in stats->truncated.  Nodes on no cycle are found by one
 *    linear-time component pass and cost nothing more; the search from each start
 *    node is confined to its strongly connected component.
 */
#ifndef LOCKGRAPH_CYCLES_H
#define LOCKGRAPH_CYCLES_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define LG_CYCLES_DEFAULT_MAX 10000u
#define LG_CYCLES_DEFAULT_STEPS 50000000u

/* Called for each cycle; nodes[0..len) in order, nodes[len-1] -> nodes[0] closes it.
 * Return FALSE to stop the enumeration. */
typedef gboolean (*lg_cycle_fn)(const uint32_t *nodes, uint32_t len, void *ud);

typedef struct lg_cycle_stats {
    uint64_t cycles;
    uint64_t steps;
    gboolean truncated; /* a budget ran out before every cycle was seen */
    /* When the enumeration stopped early (a budget, or fn said stop): every cycle not
     * yet reported lies within these nodes, a superset -- those at or after the start
     * node being searched that are on a cycle among such nodes -- in this many
     * strongly connected groups; cycles through any other node were all reported.
     * Both 0 when the enumeration ran to its end. */
    uint32_t unexamined_nodes;
    uint32_t unexamined_groups;
} lg_cycle_stats;

/* Graph of nnodes nodes and nedges edges src[i] -> dst[i].  max_cycles / max_steps:
 * 0 = the defaults above. */
void lg_cycles_enumerate(uint32_t nnodes, const uint32_t *src, const uint32_t *dst,
                         size_t nedges, uint64_t max_cycles, uint64_t max_steps,
                         lg_cycle_fn fn, void *ud, lg_cycle_stats *stats);

/* The same enumeration with some edges pruned (pruned[i] != 0; NULL: none), for a
 * caller that knows every cycle through a pruned edge is filtered anyway (the
 * analysis prunes an order seen only by trylock: rule 1 of common/cycle_rules.h
 * filters every cycle through it, whatever the other edges, so no reported cycle
 * is lost; docs/rules.md "What the search skips").
 *  - Pass 1: every elementary cycle through no pruned edge, exactly as
 *    lg_cycles_enumerate over the other edges reports them (same cycles, order).
 *  - Pass 2: every elementary cycle through exactly one pruned edge u -> v, once
 *    each, rotated to start at its smallest node: Johnson's search from u with its
 *    first step forced to v, in the unpruned graph confined to the nodes reachable
 *    from v that reach u.  Pruned edges in (u, v) order; a pair also given as an
 *    unpruned edge counts as unpruned (its cycles are pass 1's).
 *  - A cycle through two or more pruned edges is never enumerated: those are what
 *    made a graph of trylock back-offs (memcached's item locks) hold more cycles
 *    than any budget, all of them filtered.
 * Budgets and stats are shared by both passes (steps include pass 2's reachability
 * walks, O(n + m) per pruned edge that closes a cycle).  When stopped early with
 * pruned edges, unexamined_* name every node on a cycle of the whole graph. */
void lg_cycles_enumerate_pruned(uint32_t nnodes, const uint32_t *src, const uint32_t *dst,
                                size_t nedges, const guint8 *pruned, uint64_t max_cycles,
                                uint64_t max_steps, lg_cycle_fn fn, void *ud,
                                lg_cycle_stats *stats);

#endif
