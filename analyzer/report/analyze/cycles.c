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

/* Marks in `mark` (value `stamp`) every node reachable from s through nodes with
 * allowed[v] == want, and lists them in out[] (returns how many).  `work` is the
 * stack; both arrays need room for every node. */
static uint32_t reach(const csr *g, uint32_t s, const uint32_t *allowed, uint32_t want,
                      uint32_t *mark, uint32_t stamp, uint32_t *work, uint32_t *out)
{
    size_t top = 0;
    uint32_t nout = 0;
    work[top++] = s;
    mark[s] = stamp;
    while (top) {
        uint32_t v = work[--top];
        out[nout++] = v;
        for (uint32_t i = g->off[v]; i < g->off[v + 1]; i++) {
            uint32_t w = g->adj[i];
            if (allowed[w] == want && mark[w] != stamp) {
                mark[w] = stamp;
                work[top++] = w;
            }
        }
    }
    return nout;
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

typedef struct frame {
    uint32_t v;
    uint32_t next;
    gboolean found;
} frame;

typedef struct johnson {
    const csr *g;
    uint32_t *scope; /* scope[v] == s + 1: v is in the current component */
    uint32_t s;
    guint8 *blocked;
    GArray **b; /* b[w]: nodes to unblock when w is unblocked */
    uint32_t *work;
    lg_cycle_stats *st;
    uint64_t max_cycles, max_steps;
} johnson;

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
    const uint32_t s = j->s, in = s + 1;
    size_t depth = 0;
    fs[0] = (frame){s, g->off[s], FALSE};
    path[0] = s;
    j->blocked[s] = 1;
    depth = 1;
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

    johnson j = {.g = &fwd, .st = st,
                 .max_cycles = max_cycles ? max_cycles : LG_CYCLES_DEFAULT_MAX,
                 .max_steps = max_steps ? max_steps : LG_CYCLES_DEFAULT_STEPS};
    j.scope = g_new0(uint32_t, n);
    j.blocked = g_new0(guint8, n);
    j.b = g_new0(GArray *, n);
    /* unblock's worklist can hold a node once per B-list it is in: n * n bound would
     * be too big, so size it by the edge count (each B entry is an edge). */
    j.work = g_new(uint32_t, (size_t)n + fwd.off[n] + 1);
    /* eligible[v] = component of v + 1 while v can still be on a cycle from a later
     * start; 0 once v has been a start (all its cycles are found by then) */
    uint32_t *comp = g_new(uint32_t, n);
    uint32_t ncomp = components(&fwd, &rev, n, comp);
    uint32_t *csize = g_new0(uint32_t, (gsize)ncomp + 1);
    for (uint32_t v = 0; v < n; v++)
        csize[comp[v]]++;
    uint32_t *eligible = g_new(uint32_t, n);
    for (uint32_t v = 0; v < n; v++)
        eligible[v] = comp[v] + 1;
    uint32_t *fmark = g_new0(uint32_t, n), *bmark = g_new0(uint32_t, n);
    uint32_t *fwd_list = g_new(uint32_t, n), *rev_list = g_new(uint32_t, n);
    frame *fs = g_new(frame, n);
    uint32_t *path = g_new(uint32_t, n);
    st->steps += (uint64_t)n + fwd.off[n];

    for (uint32_t s = 0; s < n; s++) {
        uint32_t want = eligible[s];
        eligible[s] = 0;
        if (csize[want - 1] < 2)
            continue; /* on no cycle */
        /* The strongly connected component of s among the nodes >= s of its
         * component: what s reaches there and what reaches s there. */
        eligible[s] = want;
        uint32_t nf = reach(&fwd, s, eligible, want, fmark, s + 1, j.work, fwd_list);
        uint32_t nb = reach(&rev, s, eligible, want, bmark, s + 1, j.work, rev_list);
        eligible[s] = 0;
        csize[want - 1]--;
        st->steps += (uint64_t)nf + nb;
        uint32_t size = 0;
        for (uint32_t k = 0; k < nf; k++) {
            uint32_t v = fwd_list[k];
            if (bmark[v] == s + 1) {
                j.scope[v] = s + 1;
                j.blocked[v] = 0;
                if (j.b[v])
                    g_array_set_size(j.b[v], 0);
                size++;
            }
        }
        if (size < 2)
            continue;
        j.s = s;
        if (!circuits_from(&j, fn, ud, fs, path))
            break;
        if (over_budget(&j))
            break;
    }

    g_free(comp);
    g_free(csize);
    g_free(fwd_list);
    g_free(rev_list);
    for (uint32_t v = 0; v < n; v++)
        if (j.b[v])
            g_array_free(j.b[v], TRUE);
    g_free(j.b);
    g_free(j.scope);
    g_free(j.blocked);
    g_free(j.work);
    g_free(eligible);
    g_free(fmark);
    g_free(bmark);
    g_free(fs);
    g_free(path);
    g_free(fwd.off);
    g_free(fwd.adj);
    g_free(rev.off);
    g_free(rev.adj);
}
