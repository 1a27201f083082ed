#include "order.h"
#include "arena.h"

#include <string.h>

/* A placed node: one that has (had) an edge out.  Its in-list head is in o->in. */
struct lg_onode {
    uint64_t label;          /* position (representatives only) */
    uint32_t prev, next;     /* the order list (representatives only) */
    uint32_t parent;         /* union-find; 0 = not placed, itself = representative */
    uint32_t mark;           /* search marks of the current epoch */
    uint32_t out;            /* the component's edges out (at its representative) */
};

struct lg_oedge {
    uint32_t from, to;       /* from == 0: edge absent */
    uint32_t next_out, next_in;
};

_Static_assert(sizeof(struct lg_onode) == 32, "order node is 32 bytes (memory per source lock)");
_Static_assert(sizeof(struct lg_oedge) == 16, "order edge is 16 bytes (memory per edge)");

#define LABEL_LIMIT (1ull << 62)
#define LABEL_END_STEP (1ull << 32)
#define NODE_MASK ((1u << LG_ORDER_NODE_CHUNK_BITS) - 1)
#define EDGE_MASK ((1u << LG_ORDER_EDGE_CHUNK_BITS) - 1)
#define IN_MASK ((1u << LG_ORDER_IN_CHUNK_BITS) - 1)
#define MARK_F 1u
#define MARK_B 2u

/* ---- storage ---------------------------------------------------------------- */

static struct lg_onode *node_at(const struct lg_order *o, uint32_t id)
{
    uint32_t c = id >> LG_ORDER_NODE_CHUNK_BITS;
    if (c >= LG_ORDER_NODE_CHUNKS || !o->node[c])
        return NULL;
    return &o->node[c][id & NODE_MASK];
}

static struct lg_onode *node_make(struct lg_order *o, uint32_t id)
{
    uint32_t c = id >> LG_ORDER_NODE_CHUNK_BITS;
    if (id == 0 || c >= LG_ORDER_NODE_CHUNKS)
        return NULL;
    if (!o->node[c])
        o->node[c] = lg_map(sizeof(struct lg_onode) << LG_ORDER_NODE_CHUNK_BITS);
    return o->node[c] ? &o->node[c][id & NODE_MASK] : NULL;
}

static struct lg_oedge *edge_at(const struct lg_order *o, uint32_t id)
{
    uint32_t c = id >> LG_ORDER_EDGE_CHUNK_BITS;
    if (c >= LG_ORDER_EDGE_CHUNKS || !o->edge[c])
        return NULL;
    return &o->edge[c][id & EDGE_MASK];
}

static struct lg_oedge *edge_make(struct lg_order *o, uint32_t id)
{
    uint32_t c = id >> LG_ORDER_EDGE_CHUNK_BITS;
    if (id == 0 || c >= LG_ORDER_EDGE_CHUNKS)
        return NULL;
    if (!o->edge[c])
        o->edge[c] = lg_map(sizeof(struct lg_oedge) << LG_ORDER_EDGE_CHUNK_BITS);
    return o->edge[c] ? &o->edge[c][id & EDGE_MASK] : NULL;
}

/* The in-list head of node id: the edges into it (into its component, at a
 * representative).  Every node with an edge has one; it is all a sink costs. */
static uint32_t *in_at(const struct lg_order *o, uint32_t id)
{
    uint32_t c = id >> LG_ORDER_IN_CHUNK_BITS;
    if (c >= LG_ORDER_IN_CHUNKS || !o->in[c])
        return NULL;
    return &o->in[c][id & IN_MASK];
}

static uint32_t *in_make(struct lg_order *o, uint32_t id)
{
    uint32_t c = id >> LG_ORDER_IN_CHUNK_BITS;
    if (id == 0 || c >= LG_ORDER_IN_CHUNKS)
        return NULL;
    if (!o->in[c])
        o->in[c] = lg_map(sizeof(uint32_t) << LG_ORDER_IN_CHUNK_BITS);
    return o->in[c] ? &o->in[c][id & IN_MASK] : NULL;
}

/* Only ids known placed are passed to N(), present ones to IN(), and edges in the
 * order to E(). */
#define N(id) node_at(o, (id))
#define E(id) edge_at(o, (id))
#define IN(id) (*in_at(o, (id)))

static int placed(const struct lg_order *o, uint32_t id)
{
    const struct lg_onode *n = node_at(o, id);
    return n && n->parent;
}

static uint32_t find(struct lg_order *o, uint32_t x)
{
    for (;;) {
        struct lg_onode *n = N(x);
        if (n->parent == x)
            return x;
        uint32_t gp = N(n->parent)->parent;
        n->parent = gp;
        x = gp;
    }
}

static int push(struct lg_ostack *s, uint32_t v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint32_t *p = lg_map(cap * sizeof *p);
        if (!p)
            return -1;
        if (s->p) {
            memcpy(p, s->p, s->n * sizeof *p);
            lg_discard(s->p, s->cap * sizeof *p);
        }
        s->p = p;
        s->cap = cap;
    }
    s->p[s->n++] = v;
    return 0;
}

/* ---- the order-maintenance list --------------------------------------------- */

static void unlink_node(struct lg_order *o, uint32_t x)
{
    struct lg_onode *n = N(x);
    if (n->prev)
        N(n->prev)->next = n->next;
    else
        o->head = n->next;
    if (n->next)
        N(n->next)->prev = n->prev;
    else
        o->tail = n->prev;
    n->prev = n->next = 0;
}

static void relabel_all(struct lg_order *o)
{
    uint64_t count = 0;
    for (uint32_t x = o->head; x; x = N(x)->next)
        count++;
    uint64_t gap = LABEL_LIMIT / (count + 1), i = 0;
    for (uint32_t x = o->head; x; x = N(x)->next)
        N(x)->label = gap * ++i;
}

/* x was just linked after a node labelled lo, with no free label before its
 * successor: spread x and the fewest following nodes whose labels are crowded
 * (k nodes within k^2 labels) evenly up to the next label past them.  Amortised
 * O(log n) per insertion (Bender et al.'s list labelling). */
static void relabel_from(struct lg_order *o, uint32_t x, uint64_t lo)
{
    uint64_t k = 1;
    uint32_t w = N(x)->next;
    while (w && N(w)->label - lo <= k * k) {
        k++;
        w = N(w)->next;
    }
    uint64_t end = w ? N(w)->label : LABEL_LIMIT;
    uint64_t gap = (end - lo) / (k + 1);
    if (gap == 0) {
        relabel_all(o);
        return;
    }
    uint32_t y = x;
    for (uint64_t i = 1; i <= k; i++, y = N(y)->next)
        N(y)->label = lo + gap * i;
}

/* Links x (not in the list) right after pos (0: at the front). */
static void link_after(struct lg_order *o, uint32_t pos, uint32_t x)
{
    struct lg_onode *n = N(x);
    uint32_t nx = pos ? N(pos)->next : o->head;
    n->prev = pos;
    n->next = nx;
    if (pos)
        N(pos)->next = x;
    else
        o->head = x;
    if (nx)
        N(nx)->prev = x;
    else
        o->tail = x;
    uint64_t lo = pos ? N(pos)->label : 0;
    uint64_t hi = nx ? N(nx)->label : LABEL_LIMIT;
    if (hi - lo < 2) {
        relabel_from(o, x, lo);
        return;
    }
    /* at either end a fixed step, not half the room left: appending must not
     * exhaust the labels in 62 steps */
    if (!pos && !nx)
        n->label = LABEL_LIMIT / 2;
    else if (!nx && hi - lo > 2 * LABEL_END_STEP)
        n->label = lo + LABEL_END_STEP;
    else if (!pos && hi > 2 * LABEL_END_STEP)
        n->label = hi - LABEL_END_STEP;
    else
        n->label = lo + (hi - lo) / 2;
}

/* ---- searches ---------------------------------------------------------------- */

static void new_epoch(struct lg_order *o)
{
    if (++o->epoch < (1u << 30))
        return;
    for (uint32_t id = 1; id <= o->max_node; id++) {
        struct lg_onode *n = N(id);
        if (n && n->parent) /* a sink's node is never touched */
            n->mark = 0;
    }
    o->epoch = 1;
}

static int marked(struct lg_order *o, uint32_t x, uint32_t bit)
{
    uint32_t m = N(x)->mark;
    return (m >> 2) == o->epoch && (m & bit);
}

static void mark(struct lg_order *o, uint32_t x, uint32_t bit)
{
    struct lg_onode *n = N(x);
    n->mark = (n->mark >> 2) == o->epoch ? n->mark | bit : (o->epoch << 2 | bit);
}

enum { STEP_MORE = 0, STEP_MET = 1, STEP_DONE = 2, STEP_NOMEM = -1 };

/* One edge of the forward search (from v's component, components labelled below
 * hi, looking for `goal`). */
static int fstep(struct lg_order *o, uint32_t goal, uint64_t hi)
{
    if (!o->fs.n)
        return STEP_DONE;
    size_t top = o->fs.n - 1;
    uint32_t e = o->fe.p[top];
    if (!e) {
        if (push(&o->fpost, o->fs.p[top]) != 0)
            return STEP_NOMEM;
        o->fs.n--;
        o->fe.n--;
        return o->fs.n ? STEP_MORE : STEP_DONE;
    }
    struct lg_oedge *ed = E(e);
    o->fe.p[top] = ed->next_out;
    if (!placed(o, ed->to)) /* a sink: reaches nothing, stays after everything */
        return STEP_MORE;
    uint32_t w = find(o, ed->to);
    if (w == goal)
        return STEP_MET;
    if (N(w)->label < hi && !marked(o, w, MARK_F)) {
        mark(o, w, MARK_F);
        if (push(&o->fs, w) != 0 || push(&o->fe, N(w)->out) != 0)
            return STEP_NOMEM;
    }
    return STEP_MORE;
}

/* One edge of the backward search (to u's component, components labelled above
 * lo, looking for `goal`). */
static int bstep(struct lg_order *o, uint32_t goal, uint64_t lo)
{
    if (!o->bs.n)
        return STEP_DONE;
    size_t top = o->bs.n - 1;
    uint32_t e = o->be.p[top];
    if (!e) {
        if (push(&o->bpost, o->bs.p[top]) != 0)
            return STEP_NOMEM;
        o->bs.n--;
        o->be.n--;
        return o->bs.n ? STEP_MORE : STEP_DONE;
    }
    struct lg_oedge *ed = E(e);
    o->be.p[top] = ed->next_in;
    uint32_t w = find(o, ed->from);
    if (w == goal)
        return STEP_MET;
    if (N(w)->label > lo && !marked(o, w, MARK_B)) {
        mark(o, w, MARK_B);
        if (push(&o->bs, w) != 0 || push(&o->be, IN(w)) != 0)
            return STEP_NOMEM;
    }
    return STEP_MORE;
}

/* Moves the forward set (post-order in fpost: reversed, it is topological) to
 * right after pos, skipping those marked backward (merged). */
static void move_forward(struct lg_order *o, uint32_t pos, int skip_b)
{
    for (size_t i = o->fpost.n; i-- > 0;) {
        uint32_t f = o->fpost.p[i];
        if (skip_b && marked(o, f, MARK_B))
            continue;
        unlink_node(o, f);
        link_after(o, pos, f);
        pos = f;
        o->nmoved++;
    }
}

/* Appends list `from` (edge ids linked through next_out or next_in) to the head of
 * *to. */
static void splice(struct lg_order *o, uint32_t from, uint32_t *to, int out)
{
    if (!from)
        return;
    uint32_t last = from;
    for (;;) {
        uint32_t nx = out ? E(last)->next_out : E(last)->next_in;
        if (!nx)
            break;
        last = nx;
    }
    if (out)
        E(last)->next_out = *to;
    else
        E(last)->next_in = *to;
    *to = from;
}

/* cx (u's component) is after cy (v's) and u -> v is being added: restore the
 * order.  0: done, no cycle.  1: a cycle, merged into cx.  -1: no memory (the
 * order is unchanged). */
static int repair(struct lg_order *o, uint32_t cx, uint32_t cy)
{
    new_epoch(o);
    uint64_t lo = N(cy)->label, hi = N(cx)->label;
    o->fs.n = o->fe.n = o->fpost.n = o->bs.n = o->be.n = o->bpost.n = 0;
    mark(o, cy, MARK_F);
    mark(o, cx, MARK_B);
    if (push(&o->fs, cy) || push(&o->fe, N(cy)->out) || push(&o->bs, cx) ||
        push(&o->be, IN(cx)))
        return -1;
    int fdone = 0, bdone = 0, met = 0;
    while (!met) {
        if (!fdone) {
            int r = fstep(o, cx, hi);
            if (r < 0)
                return -1;
            met = r == STEP_MET;
            fdone = r == STEP_DONE;
            if (fdone) {
                move_forward(o, cx, 0);
                return 0;
            }
        }
        if (!bdone && !met) {
            int r = bstep(o, cy, lo);
            if (r < 0)
                return -1;
            met = r == STEP_MET;
            bdone = r == STEP_DONE;
            if (bdone) {
                /* the backward set, sources first, right before cy */
                uint32_t pos = N(cy)->prev;
                for (size_t i = 0; i < o->bpost.n; i++) {
                    uint32_t b = o->bpost.p[i];
                    unlink_node(o, b);
                    link_after(o, pos, b);
                    pos = b;
                    o->nmoved++;
                }
                return 0;
            }
        }
    }
    /* A cycle: complete both searches inside the region.  What both reach lies on a
     * path cy ~> cx: it becomes one component with cx. */
    int r;
    while ((r = fstep(o, cx, hi)) != STEP_DONE)
        if (r < 0)
            return -1;
    while ((r = bstep(o, cy, lo)) != STEP_DONE)
        if (r < 0)
            return -1;
    mark(o, cy, MARK_B);
    struct lg_onode *rep = N(cx);
    for (size_t i = 0; i < o->fpost.n; i++) {
        uint32_t m = o->fpost.p[i];
        if (m == cx || !marked(o, m, MARK_B))
            continue;
        struct lg_onode *n = N(m);
        unlink_node(o, m);
        n->parent = cx;
        splice(o, n->out, &rep->out, 1);
        splice(o, IN(m), &IN(cx), 0);
        n->out = IN(m) = 0;
        o->nmerged++;
    }
    move_forward(o, cx, 1);
    return 1;
}

/* ---- interface --------------------------------------------------------------- */

/* A sink (edges in, none out) is known by its in-list alone. */
static int present(const struct lg_order *o, uint32_t id)
{
    const uint32_t *in = in_at(o, id);
    return placed(o, id) || (in && *in);
}

int lg_order_has(const struct lg_order *o, uint32_t id)
{
    const struct lg_oedge *e = edge_at(o, id);
    return e && e->from;
}

int lg_order_same(struct lg_order *o, uint32_t a, uint32_t b)
{
    if (a == b)
        return present(o, a);
    return placed(o, a) && placed(o, b) && find(o, a) == find(o, b);
}

uint64_t lg_order_label(struct lg_order *o, uint32_t a)
{
    if (placed(o, a))
        return N(find(o, a))->label;
    return present(o, a) ? UINT64_MAX : 0;
}

static void place(struct lg_order *o, uint32_t id, uint32_t after)
{
    struct lg_onode *n = N(id);
    n->parent = id;
    n->out = n->mark = 0;
    link_after(o, after, id);
    if (id > o->max_node)
        o->max_node = id;
}

/* v, unplaced, gets its first edge out (to `to`): it goes right after the last of
 * the components with an edge into it, so that every edge in stays forward (one
 * pass over its in-list, once in its life); with none, next to `to` as a fresh
 * node.  -1 without memory. */
static int place_source(struct lg_order *o, uint32_t v, uint32_t to)
{
    if (!node_make(o, v))
        return -1;
    uint32_t last = 0;
    uint64_t at = 0;
    for (uint32_t e = IN(v); e; e = E(e)->next_in) {
        uint32_t c = find(o, E(e)->from);
        if (!last || N(c)->label > at) {
            last = c;
            at = N(c)->label;
        }
    }
    if (last)
        place(o, v, last);
    else if (to != v && placed(o, to))
        place(o, v, N(find(o, to))->prev);
    else
        place(o, v, o->tail);
    return 0;
}

int lg_order_add(struct lg_order *o, uint32_t id, uint32_t from, uint32_t to)
{
    struct lg_oedge *ed = edge_make(o, id);
    if (!ed || !in_make(o, from) || !in_make(o, to))
        return -1;
    if (ed->from)
        return lg_order_same(o, ed->from, ed->to);
    if (!placed(o, from) && place_source(o, from, to) != 0)
        return -1;
    ed->from = from;
    ed->to = to;
    uint32_t cx = find(o, from);
    if (!placed(o, to)) {
        /* a sink reaches nothing: the edge closes no cycle and needs no position
         * (a sink is after everything); `to` gets a node when it has an edge out */
        ed->next_out = N(cx)->out;
        N(cx)->out = id;
        ed->next_in = IN(to);
        IN(to) = id;
        o->nedges++;
        return 0;
    }
    uint32_t cy = find(o, to);
    int r = 1;
    if (cx != cy)
        r = N(cx)->label < N(cy)->label ? 0 : repair(o, cx, cy);
    if (r < 0) {
        ed->from = ed->to = 0;
        return -1;
    }
    /* linked after the search, which therefore never walks it */
    cx = find(o, from);
    cy = find(o, to);
    ed->next_out = N(cx)->out;
    N(cx)->out = id;
    ed->next_in = IN(cy);
    IN(cy) = id;
    o->nedges++;
    return r;
}

const char *lg_order_check(struct lg_order *o)
{
    uint64_t listed = 0, last = 0;
    uint32_t prev = 0;
    for (uint32_t x = o->head; x; x = N(x)->next) {
        struct lg_onode *n = N(x);
        if (!n || n->parent != x)
            return "a node in the order list is not a representative";
        if (n->prev != prev)
            return "the order list's back links are broken";
        if (listed && n->label <= last)
            return "labels do not increase along the order list";
        last = n->label;
        prev = x;
        if (++listed > o->max_node)
            return "the order list loops";
    }
    if (prev != o->tail)
        return "the order list's tail is not its last node";
    uint64_t reps = 0;
    for (uint32_t id = 1; id <= o->max_node; id++) {
        struct lg_onode *n = node_at(o, id);
        if (n && n->parent == id)
            reps++;
    }
    if (reps != listed)
        return "a representative is missing from the order list";
    uint64_t seen = 0;
    for (uint32_t c = 0; c < LG_ORDER_EDGE_CHUNKS && seen < o->nedges; c++) {
        if (!o->edge[c])
            continue;
        for (uint32_t i = 0; i <= EDGE_MASK; i++) {
            const struct lg_oedge *e = &o->edge[c][i];
            if (!e->from)
                continue;
            seen++;
            if (!placed(o, e->from))
                return "an edge leaves a node that has no place in the order";
            if (!placed(o, e->to))
                continue; /* into a sink: after everything */
            uint32_t a = find(o, e->from), b = find(o, e->to);
            if (a != b && N(a)->label >= N(b)->label)
                return "an edge between components goes backwards in the order";
        }
    }
    if (seen != o->nedges)
        return "the edge count disagrees with the edges stored";
    return NULL;
}
