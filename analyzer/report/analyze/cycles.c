#include "cycles.h"

#include <stdlib.h>
#include <string.h>

typedef struct csr {
    uint32_t *off; /* n + 1 */
    uint32_t *adj;
} csr;

static int cmp_pair(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted, deduplicated adjacency without self-loops (reverse: dst -> src). */
static void build_csr(csr *g, uint32_t n, const uint32_t *src, const uint32_t *dst, size_t m,
                      gboolean reverse)
{
    uint64_t *pairs = g_new(uint64_t, m ? m : 1);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (src[i] == dst[i] || src[i] >= n || dst[i] >= n)
            continue;
        uint32_t a = reverse ? dst[i] : src[i], b = reverse ? src[i] : dst[i];
        pairs[k++] = (uint64_t)a << 32 | b;
    }
    qsort(pairs, k, sizeof *pairs, cmp_pair);
    g->off = g_new0(uint32_t, (size_t)n + 1);
    g->adj = g_new(uint32_t, k ? k : 1);
    size_t out = 0;
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && pairs[i] == pairs[i - 1])
            continue;
        g->adj[out++] = (uint32_t)pairs[i];
        g->off[(pairs[i] >> 32) + 1]++;
    }
    for (uint32_t v = 0; v < n; v++)
        g->off[v + 1] += g->off[v];
    g_free(pairs);
}

/* Strongly connected components (Kosaraju, iterative): comp[v] for every node;
 * returns the number of components.  Lets the enumeration skip every node that is on
 * no cycle in linear time, however long the acyclic chains. */
static uint32_t components(const csr *fwd, const csr *rev, uint32_t n, uint32_t *comp)
{
    uint32_t *order = g_new(uint32_t, n), norder = 0;
    uint32_t *stack = g_new(uint32_t, n), *next = g_new(uint32_t, n);
    guint8 *seen = g_new0(guint8, n);
    for (uint32_t r = 0; r < n; r++) {
        if (seen[r])
            continue;
        size_t top = 0;
        stack[top++] = r;
        seen[r] = 1;
        next[r] = fwd->off[r];
        while (top) {
            uint32_t v = stack[top - 1];
            if (next[v] < fwd->off[v + 1]) {
                uint32_t w = fwd->adj[next[v]++];
                if (!seen[w]) {
                    seen[w] = 1;
                    next[w] = fwd->off[w];
                    stack[top++] = w;
                }
            } else {
                order[norder++] = v;
                top--;
            }
        }
    }
    for (uint32_t v = 0; v < n; v++)
        comp[v] = UINT32_MAX;
    uint32_t ncomp = 0;
    for (uint32_t k = norder; k-- > 0;) {
        uint32_t r = order[k];
        if (comp[r] != UINT32_MAX)
            continue;
        size_t top = 0;
        stack[top++] = r;
        comp[r] = ncomp;
        while (top) {
            uint32_t v = stack[--top];
            for (uint32_t i = rev->off[v]; i < rev->off[v + 1]; i++) {
                uint32_t w = rev->adj[i];
                if (comp[w] == UINT32_MAX) {
                    comp[w] = ncomp;
                    stack[top++] = w;
                }
            }
        }
        ncomp++;
    }
    g_free(order);
    g_free(stack);
    g_free(next);
    g_free(seen);
    return ncomp;
}

/* Splits the nodes members[0..k) (all labelled `old` in label[]) into the strongly
 * connected components of the subgraph they induce (Kosaraju, iterative), gives each
 * a fresh label from *next_label, and reorders members so that each component is
 * contiguous; comp_start / comp_len (indexed by label, grown as needed) record where.
 * Costs O(k + edges leaving the members). */
typedef struct refiner {
    uint32_t *label;    /* per node */
    GArray *start, *len;/* uint32_t per label */
    uint32_t *order, *stack, *next, *tmp; /* scratch, n each */
    guint8 *seen;       /* scratch, n, all 0 between calls */
} refiner;

static uint32_t new_label(refiner *r, uint32_t start, uint32_t len)
{
    uint32_t l = r->start->len;
    g_array_append_val(r->start, start);
    g_array_append_val(r->len, len);
    return l;
}

static void refine(const csr *fwd, const csr *rev, refiner *r, uint32_t *members, uint32_t k,
                   uint32_t old, uint32_t base)
{
    uint32_t norder = 0;
    for (uint32_t x = 0; x < k; x++) {
        uint32_t root = members[x];
        if (r->seen[root])
            continue;
        size_t top = 0;
        r->stack[top++] = root;
        r->seen[root] = 1;
        r->next[root] = fwd->off[root];
        while (top) {
            uint32_t v = r->stack[top - 1];
            if (r->next[v] < fwd->off[v + 1]) {
                uint32_t w = fwd->adj[r->next[v]++];
                if (r->label[w] == old && !r->seen[w]) {
                    r->seen[w] = 1;
                    r->next[w] = fwd->off[w];
                    r->stack[top++] = w;
                }
            } else {
                r->order[norder++] = v;
                top--;
            }
        }
    }
    /* second pass on the reverse graph: seen 1 -> 2 marks assigned nodes */
    uint32_t out = 0;
    for (uint32_t q = norder; q-- > 0;) {
        uint32_t root = r->order[q];
        if (r->seen[root] == 2)
            continue;
        uint32_t first = out;
        size_t top = 0;
        r->stack[top++] = root;
        r->seen[root] = 2;
        while (top) {
            uint32_t v = r->stack[--top];
            r->tmp[out++] = v;
            for (uint32_t i = rev->off[v]; i < rev->off[v + 1]; i++) {
                uint32_t w = rev->adj[i];
                if (r->label[w] == old && r->seen[w] == 1) {
                    r->seen[w] = 2;
                    r->stack[top++] = w;
                }
            }
        }
        uint32_t l = new_label(r, base + first, out - first);
        for (uint32_t i = first; i < out; i++)
            r->label[r->tmp[i]] = l;
    }
    for (uint32_t i = 0; i < out; i++) {
        members[i] = r->tmp[i];
        r->seen[r->tmp[i]] = 0;
    }
}

typedef struct frame {
    uint32_t v;
    uint32_t next;
    gboolean found;
} frame;

typedef struct johnson {
    const csr *g;
    uint32_t *scope; /* scope[v] == token: v is in the current search's scope */
    uint32_t s;
    uint32_t token;  /* s + 1 for a search from s; > n for one through a pruned edge */
    guint8 *blocked;
    GArray **b; /* b[w]: nodes to unblock when w is unblocked */
    uint32_t *work;
    lg_cycle_stats *st;
    uint64_t max_cycles, max_steps;
    uint32_t forced; /* UINT32_MAX, or the node the search's first edge must go to */
} johnson;

/* A search's state over fwd (n nodes), empty; its budgets default when 0. */
static void johnson_init(johnson *j, const csr *fwd, uint32_t n, lg_cycle_stats *st,
                         uint64_t max_cycles, uint64_t max_steps)
{
    *j = (johnson){.g = fwd, .st = st, .forced = UINT32_MAX,
                   .max_cycles = max_cycles ? max_cycles : LG_CYCLES_DEFAULT_MAX,
                   .max_steps = max_steps ? max_steps : LG_CYCLES_DEFAULT_STEPS};
    j->scope = g_new0(uint32_t, n);
    j->blocked = g_new0(guint8, n);
    j->b = g_new0(GArray *, n);
    /* unblock's worklist can hold a node once per B-list it is in: n * n bound would
     * be too big, so size it by the edge count (each B entry is an edge). */
    j->work = g_new(uint32_t, (size_t)n + fwd->off[n] + 1);
}

static void johnson_free(johnson *j, uint32_t n)
{
    for (uint32_t v = 0; v < n; v++)
        if (j->b[v])
            g_array_free(j->b[v], TRUE);
    g_free(j->b), g_free(j->scope), g_free(j->blocked), g_free(j->work);
}

static gboolean over_budget(johnson *j)
{
    if (j->st->steps > j->max_steps || j->st->cycles >= j->max_cycles) {
        j->st->truncated = TRUE;
        return TRUE;
    }
    return FALSE;
}

static void unblock(johnson *j, uint32_t u)
{
    size_t top = 0;
    j->work[top++] = u;
    while (top) {
        uint32_t x = j->work[--top];
        if (!j->blocked[x])
            continue;
        j->blocked[x] = 0;
        GArray *bx = j->b[x];
        if (!bx)
            continue;
        for (guint i = 0; i < bx->len; i++) {
            uint32_t w = g_array_index(bx, uint32_t, i);
            j->st->steps++;
            /* each node is pushed at most once per blocked period: it is only in
             * bx once, and bx is emptied here */
            if (j->blocked[w])
                j->work[top++] = w;
        }
        g_array_set_size(bx, 0);
    }
}

static void note_blocker(johnson *j, uint32_t v, uint32_t w)
{
    if (!j->b[w])
        j->b[w] = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *bw = j->b[w];
    for (guint i = 0; i < bw->len; i++) {
        j->st->steps++;
        if (g_array_index(bw, uint32_t, i) == v)
            return;
    }
    g_array_append_val(bw, v);
}

/* Returns FALSE if enumeration must stop. */
static gboolean circuits_from(johnson *j, lg_cycle_fn fn, void *ud, frame *fs, uint32_t *path)
{
    const csr *g = j->g;
    const uint32_t s = j->s, in = j->token;
    size_t depth = 0;
    fs[0] = (frame){s, g->off[s], FALSE};
    path[0] = s;
    j->blocked[s] = 1;
    depth = 1;
    if (j->forced != UINT32_MAX) {
        /* a search through the pruned edge s -> forced: that edge is s's only way
         * out (its frame is exhausted from the start) */
        uint32_t w = j->forced;
        fs[0].next = g->off[s + 1];
        j->blocked[w] = 1;
        path[1] = w;
        fs[1] = (frame){w, g->off[w], FALSE};
        depth = 2;
    }
    while (depth) {
        frame *f = &fs[depth - 1];
        if (f->next < g->off[f->v + 1]) {
            uint32_t w = g->adj[f->next++];
            j->st->steps++;
            if (j->scope[w] != in)
                continue;
            if (w == s) {
                f->found = TRUE;
                j->st->cycles++;
                if (!fn(path, (uint32_t)depth, ud))
                    return FALSE;
                if (over_budget(j))
                    return FALSE;
            } else if (!j->blocked[w]) {
                j->blocked[w] = 1;
                path[depth] = w;
                fs[depth++] = (frame){w, g->off[w], FALSE};
            }
            if (j->st->steps > j->max_steps) {
                j->st->truncated = TRUE;
                return FALSE;
            }
            continue;
        }
        if (f->found) {
            unblock(j, f->v);
        } else {
            for (uint32_t i = g->off[f->v]; i < g->off[f->v + 1]; i++)
                if (j->scope[g->adj[i]] == in)
                    note_blocker(j, f->v, g->adj[i]);
        }
        gboolean found = f->found;
        depth--;
        if (depth && found)
            fs[depth - 1].found = TRUE;
    }
    return TRUE;
}

/* The enumeration stopped while searching from start s: the cycles not reported all
 * start at s or later, so lie among the nodes >= s in a component (of the nodes >= s,
 * still labelled as before s is removed) of two or more nodes.  O(n). */
static void unexamined(const refiner *r, uint32_t n, uint32_t s, lg_cycle_stats *st)
{
    guint8 *counted = g_new0(guint8, r->len->len);
    for (uint32_t v = s; v < n; v++) {
        uint32_t lab = r->label[v];
        if (lab == UINT32_MAX || g_array_index(r->len, uint32_t, lab) < 2)
            continue;
        st->unexamined_nodes++;
        if (!counted[lab]) {
            counted[lab] = 1;
            st->unexamined_groups++;
        }
    }
    g_free(counted);
}

/* Johnson's enumeration over the graph fwd / rev (n > 0 nodes).  Returns FALSE if it
 * stopped early (a budget, or fn said stop). */
static gboolean enumerate(uint32_t n, const csr *fwdp, const csr *revp, uint64_t max_cycles,
                          uint64_t max_steps, lg_cycle_fn fn, void *ud, lg_cycle_stats *st)
{
    const csr fwd = *fwdp, rev = *revp;
    gboolean whole = TRUE;
    johnson j;
    johnson_init(&j, &fwd, n, st, max_cycles, max_steps);
    /* label[v]: v's strongly connected component in the subgraph induced by the nodes
     * not yet used as a start (all nodes >= s when s is the start).  Removing a start
     * only splits its own component, which is refined then: each component is split
     * once per start it contains, so a single long cycle costs O(n) in all (the
     * search from each start is confined to its component, as Johnson's requires). */
    uint32_t *members = g_new(uint32_t, n);
    refiner r = {.label = g_new(uint32_t, n),
                 .start = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
                 .len = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
                 .order = g_new(uint32_t, n), .stack = g_new(uint32_t, n),
                 .next = g_new(uint32_t, n), .tmp = g_new(uint32_t, n), .seen = g_new0(guint8, n)};
    {
        uint32_t *comp = g_new(uint32_t, n);
        uint32_t ncomp = components(&fwd, &rev, n, comp);
        uint32_t *cstart = g_new0(uint32_t, (gsize)ncomp + 1);
        for (uint32_t v = 0; v < n; v++)
            cstart[comp[v] + 1]++;
        for (uint32_t c = 0; c < ncomp; c++)
            cstart[c + 1] += cstart[c];
        for (uint32_t c = 0; c < ncomp; c++)
            new_label(&r, cstart[c], cstart[c + 1] - cstart[c]);
        for (uint32_t v = 0; v < n; v++) {
            members[cstart[comp[v]]++] = v;
            r.label[v] = comp[v];
        }
        g_free(cstart);
        g_free(comp);
    }
    frame *fs = g_new(frame, n);
    uint32_t *path = g_new(uint32_t, n);
    st->steps += (uint64_t)n + fwd.off[n];

    for (uint32_t s = 0; s < n; s++) {
        uint32_t lab = r.label[s];
        uint32_t cst = g_array_index(r.start, uint32_t, lab);
        uint32_t clen = g_array_index(r.len, uint32_t, lab);
        if (clen < 2)
            continue; /* on no cycle among the nodes >= s */
        for (uint32_t k = 0; k < clen; k++) {
            uint32_t v = members[cst + k];
            j.scope[v] = s + 1;
            j.blocked[v] = 0;
            if (j.b[v])
                g_array_set_size(j.b[v], 0);
        }
        st->steps += clen;
        j.s = s;
        j.token = s + 1;
        gboolean go_on = circuits_from(&j, fn, ud, fs, path) && !over_budget(&j);
        if (!go_on) {
            unexamined(&r, n, s, st);
            whole = FALSE;
            break;
        }
        /* s is done: split the rest of its component */
        uint32_t *m = members + cst;
        uint32_t k = 0;
        for (uint32_t x = 0; x < clen; x++)
            if (m[x] != s)
                m[k++] = m[x];
        r.label[s] = UINT32_MAX;
        refine(&fwd, &rev, &r, m, k, lab, cst);
        st->steps += (uint64_t)k;
    }

    g_free(members);
    g_free(r.label);
    g_array_free(r.start, TRUE);
    g_array_free(r.len, TRUE);
    g_free(r.order), g_free(r.stack), g_free(r.next), g_free(r.tmp), g_free(r.seen);
    johnson_free(&j, n);
    g_free(fs);
    g_free(path);
    return whole;
}

static void free_csr(csr *g)
{
    g_free(g->off);
    g_free(g->adj);
}

void lg_cycles_enumerate(uint32_t n, const uint32_t *src, const uint32_t *dst, size_t m,
                         uint64_t max_cycles, uint64_t max_steps, lg_cycle_fn fn, void *ud,
                         lg_cycle_stats *st)
{
    memset(st, 0, sizeof *st);
    if (n == 0)
        return;
    csr fwd, rev;
    build_csr(&fwd, n, src, dst, m, FALSE);
    build_csr(&rev, n, src, dst, m, TRUE);
    enumerate(n, &fwd, &rev, max_cycles, max_steps, fn, ud, st);
    free_csr(&fwd);
    free_csr(&rev);
}

/* Pass 2's callback wrapper: the path starts at the pruned edge's source; the
 * cycle is handed on rotated to start at its smallest node, as pass 1's are. */
typedef struct rotate {
    lg_cycle_fn fn;
    void *ud;
    uint32_t *buf;
} rotate;

static gboolean rotated(const uint32_t *nodes, uint32_t len, void *ud)
{
    rotate *r = ud;
    uint32_t lo = 0;
    for (uint32_t i = 1; i < len; i++)
        if (nodes[i] < nodes[lo])
            lo = i;
    for (uint32_t i = 0; i < len; i++)
        r->buf[i] = nodes[(lo + i) % len];
    return r->fn(r->buf, len, r->ud);
}

/* Marks (mark[x] = token) the nodes reachable from `from` in g, over nodes already
 * marked `within` (0: any); returns how many, the nodes themselves in out[]. */
static uint32_t reach(const csr *g, uint32_t from, uint32_t *mark, uint32_t within,
                      uint32_t token, uint32_t *out, uint64_t *steps)
{
    uint32_t k = 0, head = 0;
    if (within && mark[from] != within)
        return 0;
    mark[from] = token;
    out[k++] = from;
    while (head < k) {
        uint32_t v = out[head++];
        for (uint32_t i = g->off[v]; i < g->off[v + 1]; i++) {
            uint32_t w = g->adj[i];
            ++*steps;
            if (mark[w] == token || (within && mark[w] != within))
                continue;
            mark[w] = token;
            out[k++] = w;
        }
    }
    return k;
}

void lg_cycles_enumerate_pruned(uint32_t n, const uint32_t *src, const uint32_t *dst, size_t m,
                                const guint8 *pruned, uint64_t max_cycles, uint64_t max_steps,
                                lg_cycle_fn fn, void *ud, lg_cycle_stats *st)
{
    memset(st, 0, sizeof *st);
    if (n == 0)
        return;
    uint32_t *ks = g_new(uint32_t, m ? m : 1), *kd = g_new(uint32_t, m ? m : 1);
    GArray *cut = g_array_new(FALSE, FALSE, sizeof(uint64_t)); /* (u << 32 | v) */
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (src[i] == dst[i] || src[i] >= n || dst[i] >= n)
            continue;
        if (pruned && pruned[i]) {
            uint64_t e = (uint64_t)src[i] << 32 | dst[i];
            g_array_append_val(cut, e);
        } else {
            ks[k] = src[i];
            kd[k++] = dst[i];
        }
    }
    csr fwd, rev;
    build_csr(&fwd, n, ks, kd, k, FALSE);
    build_csr(&rev, n, ks, kd, k, TRUE);
    g_free(ks);
    g_free(kd);
    /* Pass 1: every cycle of the graph without the pruned edges. */
    gboolean whole = enumerate(n, &fwd, &rev, max_cycles, max_steps, fn, ud, st);
    lg_cycle_stats st1 = *st;
    const gboolean pass1_whole = whole;
    gboolean closes = FALSE; /* some pruned edge closes a cycle */
    /* Pass 2: for each pruned edge u -> v, every cycle whose only pruned edge it is:
     * the simple paths v ~> u of the unpruned graph, found by Johnson's search from u
     * whose first step is forced to v, confined to the nodes both reachable from v
     * and reaching u. */
    g_array_sort(cut, cmp_pair);
    johnson j;
    johnson_init(&j, &fwd, n, st, max_cycles, max_steps);
    uint32_t *mark = g_new0(uint32_t, n), *fromv = g_new(uint32_t, n), *tou = g_new(uint32_t, n);
    frame *fs = g_new(frame, (size_t)n + 1);
    uint32_t *path = g_new(uint32_t, (size_t)n + 1);
    rotate rot = {fn, ud, g_new(uint32_t, (size_t)n + 1)};
    uint32_t token = n; /* tokens n+1, n+2, ...: never a pass-1 value (<= n) */
    for (guint c = 0; c < cut->len && whole; c++) {
        uint64_t e = g_array_index(cut, uint64_t, c);
        if (c > 0 && e == g_array_index(cut, uint64_t, c - 1))
            continue;
        uint32_t u = (uint32_t)(e >> 32), v = (uint32_t)e;
        gboolean also_kept = FALSE; /* the same pair unpruned too: pass 1 had its cycles */
        for (uint32_t i = fwd.off[u]; i < fwd.off[u + 1] && !also_kept; i++)
            also_kept = fwd.adj[i] == v;
        if (also_kept)
            continue;
        if (token > UINT32_MAX - 4) { /* never with n < 2^31 edges; stay sound */
            memset(mark, 0, (size_t)n * sizeof *mark);
            memset(j.scope, 0, (size_t)n * sizeof *j.scope);
            token = n;
        }
        uint32_t fwd_tok = ++token, scope_tok = ++token;
        reach(&fwd, v, mark, 0, fwd_tok, fromv, &st->steps);
        if (mark[u] != fwd_tok)
            continue; /* v does not lead back to u: the edge closes no such cycle */
        closes = TRUE;
        /* the scope: reached from v (marked fwd_tok) and reaching u */
        uint32_t ns = reach(&rev, u, mark, fwd_tok, scope_tok, tou, &st->steps);
        for (uint32_t x = 0; x < ns; x++) {
            uint32_t w = tou[x];
            j.scope[w] = scope_tok;
            j.blocked[w] = 0;
            if (j.b[w])
                g_array_set_size(j.b[w], 0);
        }
        /* u itself: the start (v -> ... -> u reaches it, so it is in the scope) */
        st->steps += ns;
        j.s = u;
        j.token = scope_tok;
        j.forced = v;
        if (!circuits_from(&j, rotated, &rot, fs, path) || over_budget(&j))
            whole = FALSE;
    }
    if (!whole && cut->len && (closes || !pass1_whole)) {
        /* Stopped with cycles through pruned edges unseen: every cycle not reported
         * lies in a strongly connected group of the whole graph (a superset). */
        csr af, ar;
        build_csr(&af, n, src, dst, m, FALSE);
        build_csr(&ar, n, src, dst, m, TRUE);
        uint32_t *comp = g_new(uint32_t, n);
        uint32_t ncomp = components(&af, &ar, n, comp);
        uint32_t *size = g_new0(uint32_t, ncomp ? ncomp : 1);
        for (uint32_t x = 0; x < n; x++)
            size[comp[x]]++;
        st->unexamined_nodes = st->unexamined_groups = 0;
        for (uint32_t x = 0; x < n; x++)
            st->unexamined_nodes += size[comp[x]] >= 2;
        for (uint32_t c = 0; c < ncomp; c++)
            st->unexamined_groups += size[c] >= 2;
        g_free(size), g_free(comp);
        free_csr(&af), free_csr(&ar);
    } else if (!whole) {
        st->unexamined_nodes = st1.unexamined_nodes;
        st->unexamined_groups = st1.unexamined_groups;
    }
    johnson_free(&j, n);
    g_free(mark), g_free(fromv), g_free(tou), g_free(fs), g_free(path), g_free(rot.buf);
    g_array_free(cut, TRUE);
    free_csr(&fwd);
    free_csr(&rev);
}
