/* A dynamic topological order of a growing directed graph, with its strongly
 * connected components: the incremental cycle check of the lock-order graph.
 *
 * Identity
 *  - Nodes and edges are the caller's dense u32 ids (lock ids and edge ids of the
 *    graph, graph.c); 0 is "none".  A node exists from its first edge on.  Edges are
 *    only ever added, never removed.
 *  - A node with edges in but none out (a sink: most locks of a program with
 *    per-object locks, the inner lock of every new instance chain) lies on no cycle
 *    and needs no position: it is "after everything" (lg_order_label says
 *    UINT64_MAX) and is only its in-list head.  It is placed (given a node record
 *    and a position) at its first edge out, right after the last of the components
 *    with an edge into it (one pass over its in-list, once in its life), so every
 *    edge in stays forward; with none, next to its target as a fresh node.
 *  - Nodes are grouped in components: two nodes share one iff each reaches the
 *    other.  Every component has a representative (union-find, path halving), and
 *    the representatives are kept in one list in topological order: for every edge
 *    u -> v between components, u's component comes first.  Positions are 64-bit
 *    labels that increase along the list (an order-maintenance list: a new position
 *    between two neighbours takes the middle label; when there is no room, the
 *    smallest run of following labels that is sparse enough is spread evenly).
 *
 * Adding u -> v
 *  - Same component, or u's component already before v's: O(1).
 *  - Otherwise the order is repaired in the affected region only, the components
 *    whose labels lie between v's and u's: a forward search from v (what v reaches
 *    before u's label) and a backward search from u (what reaches u after v's label)
 *    advance one edge each in turn, and the first to finish without meeting the
 *    other end is moved as a block: the forward set right after u, or the backward
 *    set right before v (each in its own topological order, the search's
 *    post-order).  The cost is that of the smaller side, not of the graph: a new
 *    edge never walks the reachable graph (Pearce-Kelly's affected region, searched
 *    from both ends like Haeupler et al.'s two-way search).
 *  - If one search meets the other end, u -> v closes a cycle: both searches are
 *    completed inside the region, the components both reached (those on a path
 *    v ~> u) merge into u's, and the forward set outside the merge moves after it.
 *    A merge happens at most once per node, so its cost is bounded by the nodes'
 *    degrees over the whole run.
 *  - An edge into a sink costs O(1) (it can close no cycle), and so does an edge
 *    from a fresh source (placed right before its target's component); an edge out
 *    of a sink costs its placement, O(edges into it), paid once per node: so an
 *    edge to or from a fresh lock (a new object, a re-initialised lock) costs O(1)
 *    amortised.
 *
 * Memory: 4 bytes per node (its in-list head), 32 more per placed node (a node
 * with an edge out) and 16 per edge, in chunks indexed by id, mapped on first use
 * (lg_map, so only touched pages count) and never freed; search stacks are scratch
 * mappings that grow and stay.  Nothing allocates when no node or edge is new.
 *
 * Locking: none; the caller serializes every call (the graph lock).  Not
 * async-signal-safe.  Fails only without memory (-1), leaving the order as it was
 * before the call apart from the edge not being known.
 */
#ifndef LOCKGRAPH_ORDER_H
#define LOCKGRAPH_ORDER_H

#include <stddef.h>
#include <stdint.h>

#define LG_ORDER_NODE_CHUNK_BITS 14
#define LG_ORDER_NODE_CHUNKS (1u << 14) /* 2^28 nodes */
#define LG_ORDER_IN_CHUNK_BITS 16
#define LG_ORDER_IN_CHUNKS (1u << 12) /* 2^28 nodes */
#define LG_ORDER_EDGE_CHUNK_BITS 16
#define LG_ORDER_EDGE_CHUNKS (1u << 14) /* 2^30 edges */

struct lg_onode;
struct lg_oedge;
struct lg_ostack {
    uint32_t *p;
    size_t n, cap;
};

struct lg_order {
    struct lg_onode *node[LG_ORDER_NODE_CHUNKS]; /* placed nodes only (sources) */
    uint32_t *in[LG_ORDER_IN_CHUNKS];            /* every node: its in-list head */
    struct lg_oedge *edge[LG_ORDER_EDGE_CHUNKS];
    uint32_t head, tail;    /* first and last representative in the order */
    uint32_t epoch;         /* search marks: (epoch << 2) | forward 1 | backward 2 */
    uint32_t max_node;      /* highest node id present */
    uint64_t nedges, nmerged, nmoved; /* statistics: edges, nodes merged, nodes moved */
    struct lg_ostack fs, fe, fpost, bs, be, bpost; /* search scratch */
};

/* Adds edge `id` from -> to (a repeated id is ignored: 0 or 1 as the pair stands).
 * 0: the order holds it, the edge is on no cycle.  1: from and to are in one
 * component now (the edge lies on a cycle).  -1: no memory (the edge is not in the
 * order; lg_order_has says 0). */
int lg_order_add(struct lg_order *o, uint32_t id, uint32_t from, uint32_t to);
/* 1 if edge id is in the order. */
int lg_order_has(const struct lg_order *o, uint32_t id);
/* 1 if a and b are both present and in one component (each reaches the other; a
 * present node is in its own). */
int lg_order_same(struct lg_order *o, uint32_t a, uint32_t b);
/* Position of a's component in the order (0 if a is absent, UINT64_MAX if it is a
 * sink): for an edge between components the source's is smaller. */
uint64_t lg_order_label(struct lg_order *o, uint32_t a);
/* Expensive, tests only: the list is in label order, every representative is in it
 * once, every edge between components goes forward.  NULL, or the first problem. */
const char *lg_order_check(struct lg_order *o);

#endif
