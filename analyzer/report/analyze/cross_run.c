/* Cycles of the class graph over all processes (node = lock class key): orders that
 * were each seen in a different run but would deadlock if they ever met. */
#include "analysis.h"
#include "cycle_eval.h"
#include "cycles.h"

typedef struct pair_info {
    GArray *cands; /* lg_cand */
    GArray *procs; /* unsigned process indices, sorted, unique */
} pair_info;

typedef struct cross {
    lg_analysis *a;
    GHashTable *pairs; /* "u:v" -> pair_info */
    lg_cycle_eval_ctx ec;
} cross;

static void pair_free(pair_info *pi)
{
    g_array_free(pi->cands, TRUE);
    g_array_free(pi->procs, TRUE);
    g_free(pi);
}

static gboolean has_proc(const GArray *procs, unsigned idx)
{
    for (guint i = 0; i < procs->len; i++)
        if (g_array_index(procs, unsigned, i) == idx)
            return TRUE;
    return FALSE;
}

static gboolean on_cycle(const uint32_t *nodes, uint32_t n, void *ud)
{
    cross *s = ud;
    pair_info **pi = g_new0(pair_info *, n);
    for (uint32_t i = 0; i < n; i++) {
        char key[32];
        g_snprintf(key, sizeof key, "%u:%u", nodes[i], nodes[(i + 1) % n]);
        pi[i] = g_hash_table_lookup(s->pairs, key);
    }
    /* A cycle that one process saw completely is that process's instance question. */
    gboolean inside_one = FALSE;
    for (guint k = 0; k < pi[0]->procs->len && !inside_one; k++) {
        unsigned idx = g_array_index(pi[0]->procs, unsigned, k);
        gboolean all = TRUE;
        for (uint32_t i = 1; i < n && all; i++)
            all = has_proc(pi[i]->procs, idx);
        inside_one = all;
    }
    if (!inside_one) {
        lg_rule_lock *rl = g_new0(lg_rule_lock, n);
        GArray **cands = g_new0(GArray *, n);
        for (uint32_t i = 0; i < n; i++) {
            const lg_cand *c0 = &g_array_index(pi[i]->cands, lg_cand, 0);
            rl[i] = (lg_rule_lock){(uint64_t)nodes[i] + 1, c0->from->kind, c0->from->subkind};
            cands[i] = pi[i]->cands;
        }
        lg_finding *f = lg_cycle_evaluate(&s->ec, rl, cands, n);
        g_ptr_array_add(f->verdict == LG_VERDICT_DEADLOCK ? s->a->findings : s->a->filtered, f);
        s->a->cycles++;
        g_free(rl);
        g_free(cands);
    }
    g_free(pi);
    return TRUE;
}

void lg_cross_run_cycles(lg_analysis *a, const lg_analysis_opts *o)
{
    if (a->procs->len < 2)
        return;
    cross s = {.a = a,
               .pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)pair_free),
               .ec = {.by_class = TRUE, .rule_budget = o->rule_budget,
                      .class_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                      .thread_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)}};
    GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));

    /* Class ids are 1-based (node = id - 1), interned over every lock of every run
     * first, so held-lock classes and cycle classes share one numbering. */
    for (guint pi = 0; pi < a->procs->len; pi++) {
        const lg_process *p = g_ptr_array_index(a->procs, pi);
        for (guint i = 0; i < p->locks->len; i++) {
            const lg_lock *l = g_ptr_array_index(p->locks, i);
            if (!g_hash_table_contains(s.ec.class_ids, l->class_key))
                g_hash_table_insert(s.ec.class_ids, g_strdup(l->class_key),
                                    GUINT_TO_POINTER(g_hash_table_size(s.ec.class_ids) + 1));
        }
    }
    uint32_t nnodes = g_hash_table_size(s.ec.class_ids);

    for (guint pi = 0; pi < a->procs->len; pi++) {
        const lg_process *p = g_ptr_array_index(a->procs, pi);
        for (guint i = 0; i < p->edges->len; i++) {
            const lg_model_edge *e = g_ptr_array_index(p->edges, i);
            const lg_lock *from = lg_process_lock(p, e->from), *to = lg_process_lock(p, e->to);
            uint32_t u = GPOINTER_TO_UINT(g_hash_table_lookup(s.ec.class_ids, from->class_key)) - 1;
            uint32_t v = GPOINTER_TO_UINT(g_hash_table_lookup(s.ec.class_ids, to->class_key)) - 1;
            if (u == v || e->ctxs->len == 0)
                continue; /* two locks of one class nested: not an order between classes */
            char *key = g_strdup_printf("%u:%u", u, v);
            pair_info *info = g_hash_table_lookup(s.pairs, key);
            if (!info) {
                info = g_new0(pair_info, 1);
                info->cands = g_array_new(FALSE, TRUE, sizeof(lg_cand));
                info->procs = g_array_new(FALSE, FALSE, sizeof(unsigned));
                g_hash_table_insert(s.pairs, key, info);
                g_array_append_val(src, u);
                g_array_append_val(dst, v);
            } else {
                g_free(key);
            }
            if (!has_proc(info->procs, p->index))
                g_array_append_val(info->procs, p->index);
            for (guint k = 0; k < e->ctxs->len; k++) {
                lg_cand cd = {p, from, to, &g_array_index(e->ctxs, lg_context, k)};
                g_array_append_val(info->cands, cd);
            }
        }
    }

    lg_cycle_stats st;
    lg_cycles_enumerate(nnodes, (uint32_t *)src->data, (uint32_t *)dst->data, src->len,
                        o->max_cycles, o->max_steps, on_cycle, &s, &st);
    if (st.truncated)
        a->truncated = TRUE;

    g_array_free(src, TRUE);
    g_array_free(dst, TRUE);
    g_hash_table_destroy(s.pairs);
    g_hash_table_destroy(s.ec.class_ids);
    g_hash_table_destroy(s.ec.thread_ids);
}
