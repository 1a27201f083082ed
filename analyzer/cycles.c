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
 * allowed[v] == want. Uses `work` as the stack. */
static void reach(const csr *g, uint32_t s, const uint32_t *allowed, uint32_t want,
                  uint32_t *mark, uint32_t stamp, uint32_t *work)
{
    size_t top = 0;
    work[top++] = s;
    mark[s] = stamp;
    while (top) {
        uint32_t v = work[--top];
        for (uint32_t i = g->off[v]; i < g->off[v + 1]; i++) {
            uint32_t w = g->adj[i];
            if (allowed[w] == want && mark[w] != stamp) {
                mark[w] = stamp;
                work[top++] = w;
            }
        }
    }
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
    uint32_t *eligible = g_new0(uint32_t, n); /* 1: node >= s, not yet a start */
    uint32_t *fmark = g_new0(uint32_t, n), *bmark = g_new0(uint32_t, n);
    frame *fs = g_new(frame, n);
    uint32_t *path = g_new(uint32_t, n);
    for (uint32_t v = 0; v < n; v++)
        eligible[v] = 1;

    for (uint32_t s = 0; s < n; s++) {
        /* The strongly connected component of s in the subgraph of nodes >= s is
         * what s reaches and what reaches s there. */
        reach(&fwd, s, eligible, 1, fmark, s + 1, j.work);
        reach(&rev, s, eligible, 1, bmark, s + 1, j.work);
        st->steps += 2;
        uint32_t size = 0;
        for (uint32_t v = s; v < n; v++) {
            if (fmark[v] == s + 1 && bmark[v] == s + 1) {
                j.scope[v] = s + 1;
                j.blocked[v] = 0;
                if (j.b[v])
                    g_array_set_size(j.b[v], 0);
                size++;
            }
        }
        eligible[s] = 0;
        if (size < 2)
            continue;
        j.s = s;
        if (!circuits_from(&j, fn, ud, fs, path))
            break;
        if (over_budget(&j))
            break;
    }

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
