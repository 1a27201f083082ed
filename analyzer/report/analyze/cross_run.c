/* Cycles of the class graph over all processes (node = lock class key): orders that
 * were each seen in a different run but would deadlock if they ever met. */
#include "analysis.h"
#include "pair_graph.h"

void lg_cross_run_cycles(lg_analysis *a, const lg_analysis_opts *o)
{
    if (a->procs->len < 2)
        return;
    lg_cycle_eval_ctx ec = {
        .by_class = TRUE, .rule_budget = o->rule_budget,
        .class_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .thread_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL)};
    lg_pair_graph g;
    lg_pair_graph_init(&g);

    /* Class ids are 1-based (node = id - 1), interned over every lock of every run
     * first, so held-lock classes and cycle classes share one numbering. */
    for (guint pi = 0; pi < a->procs->len; pi++) {
        const lg_process *p = g_ptr_array_index(a->procs, pi);
        for (guint i = 0; i < p->locks->len; i++) {
            const lg_lock *l = g_ptr_array_index(p->locks, i);
            if (!g_hash_table_contains(ec.class_ids, l->class_key))
                g_hash_table_insert(ec.class_ids, g_strdup(l->class_key),
                                    GUINT_TO_POINTER(g_hash_table_size(ec.class_ids) + 1));
        }
    }
    uint32_t nnodes = g_hash_table_size(ec.class_ids);

    for (guint pi = 0; pi < a->procs->len; pi++) {
        const lg_process *p = g_ptr_array_index(a->procs, pi);
        for (guint i = 0; i < p->edges->len; i++) {
            const lg_model_edge *e = g_ptr_array_index(p->edges, i);
            const lg_lock *from = lg_process_lock(p, e->from), *to = lg_process_lock(p, e->to);
            uint32_t u = GPOINTER_TO_UINT(g_hash_table_lookup(ec.class_ids, from->class_key)) - 1;
            uint32_t v = GPOINTER_TO_UINT(g_hash_table_lookup(ec.class_ids, to->class_key)) - 1;
            if (u == v || e->ctxs->len == 0)
                continue; /* two locks of one class nested: not an order between classes */
            lg_pair_graph_add(&g, u, v, p, from, to, e);
        }
    }

    lg_pair_graph_cycles(&g, nnodes, &ec, a, o);
    lg_pair_graph_clear(&g);
    g_hash_table_destroy(ec.class_ids);
    g_hash_table_destroy(ec.thread_ids);
}
