/* Cycles of one process's instance graph (node = lock instance). */
#include "analysis.h"
#include "pair_graph.h"

void lg_instance_cycles(lg_analysis *a, const lg_process *p, const lg_analysis_opts *o)
{
    lg_cycle_eval_ctx ec = {.by_class = FALSE, .rule_budget = o->rule_budget};
    lg_pair_graph g;
    lg_pair_graph_init(&g);
    GHashTable *node_of = g_hash_table_new(g_int64_hash, g_int64_equal); /* &lock id -> node */
    uint32_t nnodes = 0;

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
                nd[k] = nnodes++;
                g_hash_table_insert(node_of, (gpointer)&ends[k]->id, GUINT_TO_POINTER(nd[k]));
            }
        }
        lg_pair_graph_add(&g, nd[0], nd[1], p, ends[0], ends[1], e);
    }

    lg_pair_graph_cycles(&g, nnodes, &ec, a, o);
    g_hash_table_destroy(node_of);
    lg_pair_graph_clear(&g);
}
