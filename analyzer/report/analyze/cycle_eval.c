#include "cycle_eval.h"
#include "names.h"

#include <string.h>

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

static gboolean prefers_readers(const lg_rule_lock *l)
{
    return l->kind == LG_KIND_RWLOCK && l->subkind != LG_SUB_RW_PREFER_WRITER;
}

static gboolean reader_passes(const lg_rule_lock *locks, uint32_t at, const lg_rule_ctx *want,
                              const lg_rule_ctx *hold)
{
    return !(want->to_mode == LG_MODE_READ && hold->from_mode == LG_MODE_READ &&
             prefers_readers(&locks[at]));
}

/* The rules' gate_between: the first lock of a's held set that b holds in a
 * conflicting mode, or 0. */
static uint64_t gate_between(const lg_rule_ctx *a, const lg_rule_ctx *b)
{
    for (uint32_t i = 0; i < a->nheld; i++)
        for (uint32_t j = 0; j < b->nheld; j++)
            if (a->held[i].lock == b->held[j].lock &&
                !(a->held[i].mode == LG_MODE_READ && b->held[j].mode == LG_MODE_READ))
                return a->held[i].lock;
    return 0;
}

typedef struct first_holders {
    uint64_t lock;
    uint32_t any, excl; /* first edge holding it in any mode / not read; UINT32_MAX none */
} first_holders;

/* Where the rules' search (one path: every edge has one context) first fails, in
 * order of edges: the edge (n if none), and why (gate g, else the reader rule at
 * rw).  reader: apply the reader rule. */
static uint32_t forced_first_failure(const lg_rule_lock *locks, const lg_rule_edge *edges,
                                     uint32_t n, gboolean reader, uint64_t *gate, uint32_t *rw)
{
    GHashTable *first = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    uint32_t fail = n;
    for (uint32_t i = 0; i < n && fail == n; i++) {
        const lg_rule_ctx *c = &edges[i].ctx[0];
        uint32_t jmin = UINT32_MAX;
        for (uint32_t h = 0; h < c->nheld; h++) {
            const first_holders *fh = g_hash_table_lookup(first, &c->held[h].lock);
            if (fh) {
                uint32_t j = c->held[h].mode == LG_MODE_READ ? fh->excl : fh->any;
                jmin = MIN(jmin, j);
            }
        }
        if (jmin != UINT32_MAX) {
            *gate = gate_between(c, &edges[jmin].ctx[0]);
            fail = i;
            break;
        }
        if (reader && i > 0 && !reader_passes(locks, i, &edges[i - 1].ctx[0], c)) {
            *rw = i;
            fail = i;
            break;
        }
        if (reader && i == n - 1 && i > 0 && !reader_passes(locks, 0, c, &edges[0].ctx[0])) {
            *rw = 0;
            fail = i;
            break;
        }
        if (reader && n == 1 && !reader_passes(locks, 0, c, c)) {
            *rw = 0;
            fail = i;
            break;
        }
        for (uint32_t h = 0; h < c->nheld; h++) {
            first_holders *fh = g_hash_table_lookup(first, &c->held[h].lock);
            if (!fh) {
                fh = g_new(first_holders, 1);
                *fh = (first_holders){c->held[h].lock, UINT32_MAX, UINT32_MAX};
                g_hash_table_insert(first, &fh->lock, fh);
            }
            fh->any = MIN(fh->any, i);
            if (c->held[h].mode != LG_MODE_READ)
                fh->excl = MIN(fh->excl, i);
        }
    }
    g_hash_table_destroy(first);
    return fail;
}

/* The number of search steps the rules take down the one path: n to succeed; to fail
 * at edge i, i + 1 forward and i back. */
static uint64_t forced_steps(uint32_t n, uint32_t fail)
{
    return fail == n ? n : 2 * (uint64_t)fail + 1;
}

void lg_rules_evaluate_forced(const lg_rule_lock *locks, const lg_rule_edge *edges, uint32_t n,
                              uint32_t *chosen, uint64_t budget, lg_rule_result *out)
{
    memset(out, 0, sizeof *out);
    if (chosen)
        memset(chosen, 0, n * sizeof *chosen);
    if (budget == 0)
        budget = LG_RULES_DEFAULT_BUDGET;
    if (n == 0) {
        out->verdict = LG_VERDICT_GATED;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        if (edges[i].ctx[0].flags & LG_CTXF_TRY) {
            out->verdict = LG_VERDICT_TRYLOCK;
            return;
        }
    uint64_t gate = 0;
    uint32_t rw = 0;
    uint32_t fail = forced_first_failure(locks, edges, n, TRUE, &gate, &rw);
    if (forced_steps(n, fail) > budget) {
        out->verdict = LG_VERDICT_DEADLOCK;
        out->flags = LG_FINDF_BUDGET;
        return;
    }
    if (fail < n) {
        uint64_t gate2 = 0;
        uint32_t rw2 = 0;
        uint32_t fail2 = forced_first_failure(locks, edges, n, FALSE, &gate2, &rw2);
        if (fail2 == n && forced_steps(n, fail2) <= budget) {
            out->verdict = LG_VERDICT_READER_PREF;
            out->rw_lock = rw;
        } else {
            /* a search cut short before it met the gate never saw it */
            if (fail2 < n && (uint64_t)fail2 + 1 > budget)
                gate2 = 0;
            out->verdict = LG_VERDICT_GATED;
            out->gate = gate ? gate : gate2;
        }
        return;
    }
    /* feasible: distinct threads? untimed? (the rules' preference order) */
    gboolean distinct = TRUE, timed = FALSE;
    GHashTable *threads = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (uint32_t i = 0; i < n; i++) {
        const lg_rule_ctx *c = &edges[i].ctx[0];
        timed |= (c->flags & LG_CTXF_TIMED) != 0;
        if (!g_hash_table_add(threads, GUINT_TO_POINTER(c->thread + 1u)))
            distinct = FALSE;
    }
    g_hash_table_destroy(threads);
    out->verdict = LG_VERDICT_DEADLOCK;
    out->flags = (distinct ? 0 : LG_FINDF_SINGLE_THREAD) | (timed ? LG_FINDF_TIMED : 0);
}

lg_finding *lg_cycle_evaluate(lg_cycle_eval_ctx *c, const lg_rule_lock *rlocks,
                              GArray *const *cands, uint32_t n)
{
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    lg_rule_edge *edges = rule_edges(c, cands, n, owned);
    uint32_t *chosen = g_new0(uint32_t, n);
    g_ptr_array_add(owned, chosen);
    lg_rule_result res;
    gboolean forced = n >= LG_FORCED_MIN;
    for (uint32_t i = 0; i < n && forced; i++)
        forced = cands[i]->len == 1;
    if (forced) {
        lg_rules_evaluate_forced(rlocks, edges, n, chosen, c->rule_budget, &res);
        res.work = n;
    } else {
        void *scratch = g_malloc0(lg_rules_scratch_size(n));
        g_ptr_array_add(owned, scratch);
        lg_rules_evaluate(rlocks, edges, n, scratch, chosen, c->rule_budget, &res);
    }
    c->work += res.work;

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
