#include "pair_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct loop {
    const lg_pair_graph *g;
    lg_cycle_eval_ctx *ec;
    lg_analysis *a;
    gboolean progress;  /* stderr is a terminal: say how far a long search is */
    gint64 next_note;   /* monotonic us of the next progress line */
    gboolean noted;     /* a progress line is on the terminal (to be cleared) */
    uint64_t max_reported, max_work;
    uint64_t reported;  /* cycles of this graph filed as findings */
    GHashTable *settled; /* "verdict|sorted class keys" -> first filtered finding */
    unsigned why;       /* LG_TRUNC_* that stopped this graph */
} loop;

/* The classes of a filtered cycle and its verdict, as a key: a cycle over the same
 * classes settled by the same rule is the same back-off pattern again (a trylock
 * retry loop over many instances). */
static char *settled_key(const lg_finding *f)
{
    guint n = f->locks->len;
    const char **keys = g_new(const char *, n ? n : 1);
    for (guint i = 0; i < n; i++) {
        const lg_lock *l = g_array_index(f->locks, lg_flock, i).lock;
        keys[i] = l->class_key ? l->class_key : "";
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%d", f->verdict);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(s, "|%s", keys[i]);
    g_free(keys);
    return g_string_free(s, FALSE);
}

/* At most one line a second, rewritten in place, on stderr only (never in the
 * report, which may be stdout). */
static void note_progress(loop *s)
{
    gint64 now = g_get_monotonic_time();
    if (now < s->next_note)
        return;
    s->next_note = now + G_USEC_PER_SEC;
    fprintf(stderr, "\rlockgraph report: %" G_GUINT64_FORMAT " cycles examined, %u reported, "
                    "%u filtered...",
            s->a->cycles, s->a->findings->len, s->a->filtered->len);
    fflush(stderr);
    s->noted = TRUE;
}

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
    gboolean go_on = TRUE;
    if (f->verdict == LG_VERDICT_DEADLOCK) {
        g_ptr_array_add(s->a->findings, f);
        if (++s->reported >= s->max_reported) {
            s->why |= LG_TRUNC_CYCLES;
            go_on = FALSE;
        }
    } else {
        char *key = settled_key(f);
        lg_finding *first = g_hash_table_lookup(s->settled, key);
        if (first) {
            first->occurrences++;
            s->a->filtered_repeats++;
            lg_finding_free(f);
            g_free(key);
        } else {
            g_hash_table_insert(s->settled, key, f);
            g_ptr_array_add(s->a->filtered, f);
        }
    }
    if (s->ec->work > s->max_work) {
        s->why |= LG_TRUNC_RULES;
        go_on = FALSE;
    }
    s->a->cycles++;
    if (s->progress && (s->a->cycles & 63) == 0)
        note_progress(s);
    g_free(rl);
    g_free(cands);
    g_free(pr);
    return go_on;
}

void lg_pair_graph_cycles(const lg_pair_graph *g, uint32_t nnodes, lg_cycle_eval_ctx *ec,
                          lg_analysis *a, const lg_analysis_opts *o)
{
    loop s = {g, ec, a, .progress = isatty(STDERR_FILENO),
              .next_note = g_get_monotonic_time() + G_USEC_PER_SEC,
              .max_reported = o->max_cycles ? o->max_cycles : LG_CYCLES_DEFAULT_MAX,
              .max_work = o->graph_work ? o->graph_work : LG_GRAPH_WORK_DEFAULT,
              .settled = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
    uint64_t work0 = ec->work;
    s.max_work += work0; /* the budget is per graph; ec may have judged others */
    lg_cycle_stats st;
    /* the cycle count bounds reported cycles only (on_cycle); filtered ones are bounded
     * by the work budgets, and repeats of a settled pattern cost no memory */
    /* An order seen only by trylock (every context LG_CTXF_TRY) filters every cycle
     * through it (rule 1): only cycles through exactly one such order are judged and
     * listed; those through two or more, never reportable, are not searched. */
    guint8 *try_only = g_new0(guint8, g->src->len ? g->src->len : 1);
    for (guint i = 0; i < g->src->len; i++) {
        const lg_pair *pr = find(g, g_array_index(g->src, uint32_t, i),
                                 g_array_index(g->dst, uint32_t, i));
        gboolean all = pr->cands->len > 0;
        for (guint k = 0; k < pr->cands->len && all; k++)
            all = (g_array_index(pr->cands, lg_cand, k).ctx->flags & LG_CTXF_TRY) != 0;
        try_only[i] = all;
    }
    lg_cycles_enumerate_pruned(nnodes, (const uint32_t *)g->src->data,
                               (const uint32_t *)g->dst->data, g->src->len, try_only, UINT64_MAX,
                               o->max_steps, on_cycle, &s, &st);
    g_free(try_only);
    if (st.truncated && !s.why)
        s.why |= LG_TRUNC_STEPS;
    if (s.why) {
        a->truncated = TRUE;
        a->truncated_why |= s.why;
        a->unexamined_nodes += st.unexamined_nodes;
        a->unexamined_groups += st.unexamined_groups;
        if (s.why & LG_TRUNC_CYCLES)
            a->cycle_limit = s.max_reported;
    }
    g_hash_table_destroy(s.settled);
    if (s.noted)
        fprintf(stderr, "\r\033[K"); /* clear the progress line */
}
