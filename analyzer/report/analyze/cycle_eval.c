#include "cycle_eval.h"
#include "names.h"

static uint32_t thread_key(lg_cycle_eval_ctx *c, const lg_cand *k)
{
    if (!c->by_class)
        return k->ctx->thread;
    gint64 key = (gint64)((uint64_t)k->proc->index << 32 | k->ctx->thread);
    gpointer v = g_hash_table_lookup(c->thread_ids, &key);
    if (v)
        return GPOINTER_TO_UINT(v);
    uint32_t id = g_hash_table_size(c->thread_ids) + 1;
    g_hash_table_insert(c->thread_ids, g_memdup2(&key, sizeof key), GUINT_TO_POINTER(id));
    return id;
}

static uint64_t held_key(lg_cycle_eval_ctx *c, const lg_process *p, uint64_t lock)
{
    if (!c->by_class)
        return lock;
    const lg_lock *l = lg_process_lock(p, lock);
    gpointer v = l ? g_hash_table_lookup(c->class_ids, l->class_key) : NULL;
    /* a held lock of a class that is not in the graph cannot be shared with
     * another process's thread unless it is the same class: give it its own id */
    if (!v) {
        uint32_t id = g_hash_table_size(c->class_ids) + 1;
        g_hash_table_insert(c->class_ids, g_strdup(l ? l->class_key : "?"), GUINT_TO_POINTER(id));
        return id;
    }
    return GPOINTER_TO_UINT(v);
}

/* The held set of one context, with the edge's source lock always in it (a context
 * without a chain still held `from`). */
static lg_held_lock *held_set(lg_cycle_eval_ctx *c, const lg_cand *k, uint32_t *n)
{
    const lg_model_chain *ch = k->ctx->chain ? lg_process_chain(k->proc, k->ctx->chain) : NULL;
    uint32_t m = ch ? ch->n : 0;
    lg_held_lock *h = g_new(lg_held_lock, (gsize)m + 1);
    gboolean has_from = FALSE;
    for (uint32_t i = 0; i < m; i++) {
        h[i].lock = held_key(c, k->proc, ch->held[i].lock);
        h[i].mode = ch->held[i].mode;
        has_from |= ch->held[i].lock == k->from->id;
    }
    if (!has_from) {
        h[m].lock = held_key(c, k->proc, k->from->id);
        h[m].mode = k->ctx->from_mode;
        m++;
    }
    *n = m;
    return h;
}

/* The gate as a lock the report can name: in instance mode the lock with the gate's
 * id; in class mode a lock of the gate's class that one of the contexts held. */
static lg_flock gate_lock(lg_cycle_eval_ctx *c, const lg_finding *f, GArray *const *cands,
                          uint32_t n, uint64_t gate)
{
    if (!c->by_class) {
        const lg_flock *l0 = &g_array_index(f->locks, lg_flock, 0);
        return (lg_flock){l0->proc, lg_process_lock(l0->proc, gate)};
    }
    for (uint32_t i = 0; i < n; i++) {
        for (guint k = 0; k < cands[i]->len; k++) {
            const lg_cand *cd = &g_array_index(cands[i], lg_cand, k);
            const lg_model_chain *ch = cd->ctx->chain ? lg_process_chain(cd->proc, cd->ctx->chain) : NULL;
            for (uint32_t j = 0; ch && j < ch->n; j++) {
                const lg_lock *l = lg_process_lock(cd->proc, ch->held[j].lock);
                if (l && GPOINTER_TO_UINT(g_hash_table_lookup(c->class_ids, l->class_key)) == gate)
                    return (lg_flock){cd->proc, l};
            }
        }
    }
    return (lg_flock){NULL, NULL};
}

/* The rules' view of the cycle: edge i with one context per candidate.  The arrays
 * it allocates are added to owned. */
static lg_rule_edge *rule_edges(lg_cycle_eval_ctx *c, GArray *const *cands, uint32_t n,
                                GPtrArray *owned)
{
    lg_rule_edge *edges = g_new0(lg_rule_edge, n);
    g_ptr_array_add(owned, edges);
    for (uint32_t i = 0; i < n; i++) {
        lg_rule_ctx *ctx = g_new0(lg_rule_ctx, cands[i]->len ? cands[i]->len : 1);
        g_ptr_array_add(owned, ctx);
        for (guint k = 0; k < cands[i]->len; k++) {
            const lg_cand *cd = &g_array_index(cands[i], lg_cand, k);
            ctx[k].thread = thread_key(c, cd);
            ctx[k].from_mode = cd->ctx->from_mode;
            ctx[k].to_mode = cd->ctx->to_mode;
            ctx[k].flags = cd->ctx->flags;
            lg_held_lock *h = held_set(c, cd, &ctx[k].nheld);
            g_ptr_array_add(owned, h);
            ctx[k].held = h;
        }
        edges[i].ctx = ctx;
        edges[i].nctx = cands[i]->len;
    }
    return edges;
}

lg_finding *lg_cycle_evaluate(lg_cycle_eval_ctx *c, const lg_rule_lock *rlocks,
                              GArray *const *cands, uint32_t n)
{
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    lg_rule_edge *edges = rule_edges(c, cands, n, owned);
    void *scratch = g_malloc0(lg_rules_scratch_size(n));
    g_ptr_array_add(owned, scratch);
    uint32_t *chosen = g_new0(uint32_t, n);
    g_ptr_array_add(owned, chosen);
    lg_rule_result res;
    lg_rules_evaluate(rlocks, edges, n, scratch, chosen, c->rule_budget, &res);

    /* the finding: the contexts the rules chose (a deadlock), else each edge's first */
    lg_finding *f = lg_finding_new(LG_FIND_LOCK_ORDER_INVERSION);
    f->verdict = res.verdict;
    f->flags = res.flags | (c->by_class ? LG_FINDF_CROSS_RUN : 0);
    f->gate = res.gate;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = res.verdict == LG_VERDICT_DEADLOCK && chosen[i] < cands[i]->len ? chosen[i] : 0;
        const lg_cand *cd = &g_array_index(cands[i], lg_cand, k);
        lg_flock l = {cd->proc, cd->from};
        g_array_append_val(f->locks, l);
        lg_fedge e = {.from = (int)i, .to = (int)((i + 1) % n), .proc = cd->proc,
                      .thread = cd->ctx->thread, .stack = cd->ctx->stack,
                      .held_stack = cd->ctx->held_stack, .held_mode = cd->ctx->from_mode,
                      .acquired_mode = cd->ctx->to_mode, .ctx_flags = cd->ctx->flags,
                      .ts = cd->ctx->ts};
        g_array_append_val(f->edges, e);
    }
    if (res.verdict == LG_VERDICT_GATED)
        f->gate_lock = gate_lock(c, f, cands, n, res.gate);
    if (res.verdict == LG_VERDICT_READER_PREF)
        f->rw_lock = res.rw_lock < n ? res.rw_lock : 0;
    g_ptr_array_free(owned, TRUE);
    return f;
}
