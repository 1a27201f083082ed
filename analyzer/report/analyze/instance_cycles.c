/* Cycles of one process's instance graph (node = lock instance). */
#include "analysis.h"
#include "cycle_eval.h"
#include "cycles.h"

typedef struct inst {
    lg_analysis *a;
    const lg_process *p;
    GPtrArray *node_lock;  /* node -> lg_lock* */
    GHashTable *pair_cands; /* "u:v" -> GArray of lg_cand */
    lg_cycle_eval_ctx ec;
} inst;

static gboolean on_cycle(const uint32_t *nodes, uint32_t n, void *ud)
{
    inst *s = ud;
    lg_rule_lock *rl = g_new0(lg_rule_lock, n);
    GArray **cands = g_new0(GArray *, n);
    for (uint32_t i = 0; i < n; i++) {
        const lg_lock *l = g_ptr_array_index(s->node_lock, nodes[i]);
        rl[i] = (lg_rule_lock){l->id, l->kind, l->subkind};
        char key[32];
        g_snprintf(key, sizeof key, "%u:%u", nodes[i], nodes[(i + 1) % n]);
        cands[i] = g_hash_table_lookup(s->pair_cands, key);
    }
    lg_finding *f = lg_cycle_evaluate(&s->ec, rl, cands, n);
    g_ptr_array_add(f->verdict == LG_VERDICT_DEADLOCK ? s->a->findings : s->a->filtered, f);
    s->a->cycles++;
    g_free(rl);
    g_free(cands);
    return TRUE;
}

void lg_instance_cycles(lg_analysis *a, const lg_process *p, const lg_analysis_opts *o)
{
    inst s = {.a = a, .p = p, .node_lock = g_ptr_array_new(),
              .pair_cands = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                  (GDestroyNotify)g_array_unref),
              .ec = {.by_class = FALSE, .rule_budget = o->rule_budget}};
    GHashTable *node_of = g_hash_table_new(g_int64_hash, g_int64_equal);
    GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));

    for (guint i = 0; i < p->edges->len; i++) {
        const lg_model_edge *e = g_ptr_array_index(p->edges, i);
        if (e->from == e->to || e->ctxs->len == 0)
            continue; /* re-taking a held lock is the shim's self-deadlock, not an order */
        const lg_lock *ends[2] = {lg_process_lock(p, e->from), lg_process_lock(p, e->to)};
        uint32_t nd[2];
        for (int k = 0; k < 2; k++) {
            gpointer v;
            if (g_hash_table_lookup_extended(node_of, &ends[k]->id, NULL, &v)) {
                nd[k] = GPOINTER_TO_UINT(v);
            } else {
                nd[k] = s.node_lock->len;
                g_ptr_array_add(s.node_lock, (gpointer)ends[k]);
                g_hash_table_insert(node_of, (gpointer)&ends[k]->id, GUINT_TO_POINTER(nd[k]));
            }
        }
        char *key = g_strdup_printf("%u:%u", nd[0], nd[1]);
        GArray *c = g_hash_table_lookup(s.pair_cands, key);
        if (!c) {
            c = g_array_new(FALSE, TRUE, sizeof(lg_cand));
            g_hash_table_insert(s.pair_cands, key, c);
            g_array_append_val(src, nd[0]);
            g_array_append_val(dst, nd[1]);
        } else {
            g_free(key);
        }
        for (guint k = 0; k < e->ctxs->len; k++) {
            lg_cand cd = {p, ends[0], ends[1], &g_array_index(e->ctxs, lg_context, k)};
            g_array_append_val(c, cd);
        }
    }

    lg_cycle_stats st;
    lg_cycles_enumerate(s.node_lock->len, (uint32_t *)src->data, (uint32_t *)dst->data, src->len,
                        o->max_cycles, o->max_steps, on_cycle, &s, &st);
    if (st.truncated)
        a->truncated = TRUE;

    g_array_free(src, TRUE);
    g_array_free(dst, TRUE);
    g_hash_table_destroy(node_of);
    g_hash_table_destroy(s.pair_cands);
    g_ptr_array_free(s.node_lock, TRUE);
}
