#include "pair_graph.h"
#include "cycles.h"

static uint64_t pair_key(uint32_t u, uint32_t v)
{
    return (uint64_t)u << 32 | v;
}

static void pair_free(lg_pair *p)
{
    g_array_free(p->cands, TRUE);
    g_array_free(p->procs, TRUE);
    g_free(p);
}

void lg_pair_graph_init(lg_pair_graph *g)
{
    g->pairs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)pair_free);
    g->src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    g->dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));
}

void lg_pair_graph_clear(lg_pair_graph *g)
{
    g_hash_table_destroy(g->pairs);
    g_array_free(g->src, TRUE);
    g_array_free(g->dst, TRUE);
}

static const lg_pair *find(const lg_pair_graph *g, uint32_t u, uint32_t v)
{
    uint64_t key = pair_key(u, v);
    return g_hash_table_lookup(g->pairs, &key);
}

static gboolean has_proc(const GArray *procs, unsigned idx)
{
    for (guint i = 0; i < procs->len; i++)
        if (g_array_index(procs, unsigned, i) == idx)
            return TRUE;
    return FALSE;
}

void lg_pair_graph_add(lg_pair_graph *g, uint32_t u, uint32_t v, const lg_process *p,
                       const lg_lock *from, const lg_lock *to, const lg_model_edge *e)
{
    lg_pair *pr = (lg_pair *)find(g, u, v);
    if (!pr) {
        pr = g_new0(lg_pair, 1);
        pr->key = pair_key(u, v);
        pr->cands = g_array_new(FALSE, TRUE, sizeof(lg_cand));
        pr->procs = g_array_new(FALSE, FALSE, sizeof(unsigned));
        g_hash_table_insert(g->pairs, &pr->key, pr);
        g_array_append_val(g->src, u);
        g_array_append_val(g->dst, v);
    }
    if (!has_proc(pr->procs, p->index))
        g_array_append_val(pr->procs, p->index);
    for (guint k = 0; k < e->ctxs->len; k++) {
        lg_cand cd = {p, from, to, &g_array_index(e->ctxs, lg_context, k)};
        g_array_append_val(pr->cands, cd);
    }
}

typedef struct loop {
    const lg_pair_graph *g;
    lg_cycle_eval_ctx *ec;
    lg_analysis *a;
} loop;

/* Was every pair of the cycle seen in one same process? */
static gboolean inside_one_process(const lg_pair *const *pr, uint32_t n)
{
    for (guint k = 0; k < pr[0]->procs->len; k++) {
        unsigned idx = g_array_index(pr[0]->procs, unsigned, k);
        gboolean all = TRUE;
        for (uint32_t i = 1; i < n && all; i++)
            all = has_proc(pr[i]->procs, idx);
        if (all)
            return TRUE;
    }
    return FALSE;
}

static gboolean on_cycle(const uint32_t *nodes, uint32_t n, void *ud)
{
    loop *s = ud;
    const lg_pair **pr = g_new0(const lg_pair *, n);
    for (uint32_t i = 0; i < n; i++)
        pr[i] = find(s->g, nodes[i], nodes[(i + 1) % n]);
    if (s->ec->by_class && inside_one_process(pr, n)) {
        g_free(pr);
        return TRUE;
    }
    lg_rule_lock *rl = g_new0(lg_rule_lock, n);
    GArray **cands = g_new0(GArray *, n);
    for (uint32_t i = 0; i < n; i++) {
        /* every context of pair i starts at node i's lock (instance) or class */
        const lg_lock *l = g_array_index(pr[i]->cands, lg_cand, 0).from;
        uint64_t id = s->ec->by_class ? (uint64_t)nodes[i] + 1 : l->id;
        rl[i] = (lg_rule_lock){id, l->kind, l->subkind};
        cands[i] = pr[i]->cands;
    }
    lg_finding *f = lg_cycle_evaluate(s->ec, rl, cands, n);
    g_ptr_array_add(f->verdict == LG_VERDICT_DEADLOCK ? s->a->findings : s->a->filtered, f);
    s->a->cycles++;
    g_free(rl);
    g_free(cands);
    g_free(pr);
    return TRUE;
}

void lg_pair_graph_cycles(const lg_pair_graph *g, uint32_t nnodes, lg_cycle_eval_ctx *ec,
                          lg_analysis *a, const lg_analysis_opts *o)
{
    loop s = {g, ec, a};
    lg_cycle_stats st;
    lg_cycles_enumerate(nnodes, (const uint32_t *)g->src->data, (const uint32_t *)g->dst->data,
                        g->src->len, o->max_cycles, o->max_steps, on_cycle, &s, &st);
    if (st.truncated)
        a->truncated = TRUE;
}
