#include "cycle_rules.h"
#include "log_format.h"

#include <string.h>

#define DEFAULT_BUDGET LG_RULES_DEFAULT_BUDGET

struct search {
    const lg_rule_lock *locks;
    const lg_rule_edge *edges;
    uint32_t n;
    uint32_t *pick;     /* pick[i]: context index tried for edge i */
    int distinct;       /* require pairwise distinct threads */
    int untimed;        /* forbid timed contexts */
    int reader_rule;    /* apply the reader-preference rule */
    uint64_t steps, budget;
    uint64_t work;      /* earlier picks compared, over every run (lg_rule_result.work) */
    uint64_t gate;      /* last gate lock that rejected a choice */
    uint32_t rw_lock;   /* last lock where the reader rule rejected a choice */
};

static int prefers_readers(const lg_rule_lock *l)
{
    return l->kind == LG_KIND_RWLOCK && l->subkind != LG_SUB_RW_PREFER_WRITER;
}

/* Do two acquisitions' held sets keep them apart? Returns the gate lock or 0. */
static uint64_t gate_between(const lg_rule_ctx *a, const lg_rule_ctx *b)
{
    for (uint32_t i = 0; i < a->nheld; i++)
        for (uint32_t j = 0; j < b->nheld; j++)
            if (a->held[i].lock == b->held[j].lock &&
                !(a->held[i].mode == LG_MODE_READ && b->held[j].mode == LG_MODE_READ))
                return a->held[i].lock;
    return 0;
}

/* Reader rule at lock `at`: `want` requests it, `hold` holds it. */
static int reader_passes(const struct search *s, uint32_t at, const lg_rule_ctx *want,
                         const lg_rule_ctx *hold)
{
    return !(want->to_mode == LG_MODE_READ && hold->from_mode == LG_MODE_READ &&
             prefers_readers(&s->locks[at]));
}

static int fits(struct search *s, uint32_t i, const lg_rule_ctx *c)
{
    if (c->flags & LG_CTXF_TRY)
        return 0;
    if (s->untimed && (c->flags & LG_CTXF_TIMED))
        return 0;
    s->work += i + 1;
    for (uint32_t j = 0; j < i; j++) {
        const lg_rule_ctx *o = &s->edges[j].ctx[s->pick[j]];
        if (s->distinct && o->thread == c->thread)
            return 0;
        uint64_t g = gate_between(c, o);
        if (g) {
            s->gate = g;
            return 0;
        }
    }
    if (s->reader_rule) {
        /* lock i is wanted by edge i-1 and held by edge i */
        if (i > 0 && !reader_passes(s, i, &s->edges[i - 1].ctx[s->pick[i - 1]], c)) {
            s->rw_lock = i;
            return 0;
        }
        /* closing the cycle: lock 0 is wanted by edge n-1 and held by edge 0 */
        if (i == s->n - 1 && i > 0 && !reader_passes(s, 0, c, &s->edges[0].ctx[s->pick[0]])) {
            s->rw_lock = 0;
            return 0;
        }
        if (s->n == 1 && !reader_passes(s, 0, c, c)) {
            s->rw_lock = 0;
            return 0;
        }
    }
    return 1;
}

/* Iterative depth-first search for one context per edge.
 * Returns 1 found, 0 infeasible, -1 budget exhausted. */
static int run(struct search *s)
{
    uint32_t i = 0;
    s->pick[0] = 0;
    for (;;) {
        if (++s->steps > s->budget)
            return -1;
        const lg_rule_edge *e = &s->edges[i];
        while (s->pick[i] < e->nctx && !fits(s, i, &e->ctx[s->pick[i]]))
            s->pick[i]++;
        if (s->pick[i] < e->nctx) {
            if (i + 1 == s->n)
                return 1;
            s->pick[++i] = 0;
            continue;
        }
        if (i == 0)
            return 0;
        s->pick[--i]++;
    }
}

size_t lg_rules_scratch_size(uint32_t n) { return (size_t)n * sizeof(uint32_t) + sizeof(uint32_t); }

static int chosen_timed(const struct search *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->edges[i].ctx[s->pick[i]].flags & LG_CTXF_TIMED)
            return 1;
    return 0;
}

void lg_rules_evaluate(const lg_rule_lock *locks, const lg_rule_edge *edges, uint32_t n,
                       void *scratch, uint32_t *chosen, uint64_t budget,
                       lg_rule_result *out)
{
    memset(out, 0, sizeof *out);
    struct search s = {.locks = locks, .edges = edges, .n = n, .pick = scratch,
                       .reader_rule = 1, .budget = budget ? budget : DEFAULT_BUDGET};
    if (n == 0) {
        out->verdict = LG_VERDICT_GATED;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t usable = 0;
        for (uint32_t k = 0; k < edges[i].nctx; k++)
            usable += !(edges[i].ctx[k].flags & LG_CTXF_TRY);
        if (!usable) {
            out->verdict = LG_VERDICT_TRYLOCK;
            return;
        }
    }

    int r = run(&s);
    if (r == 0) {
        /* Infeasible: say why.  Without the reader rule, is it feasible? */
        uint64_t gate = s.gate;
        uint32_t rw = s.rw_lock;
        s.reader_rule = 0;
        s.steps = 0;
        int r2 = run(&s);
        if (r2 == 1) { /* (out of budget here: the first answer stands, call it gated) */
            out->verdict = LG_VERDICT_READER_PREF;
            out->rw_lock = rw;
        } else {
            out->verdict = LG_VERDICT_GATED;
            out->gate = gate ? gate : s.gate;
        }
        out->work = s.work;
        return;
    }
    if (r < 0) {
        out->verdict = LG_VERDICT_DEADLOCK;
        out->flags = LG_FINDF_BUDGET;
        if (chosen)
            memset(chosen, 0, n * sizeof *chosen);
        out->work = s.work;
        return;
    }

    /* Feasible.  Look for the most convincing choice: distinct threads, untimed. */
    static const int prefs[3][2] = {{1, 1}, {1, 0}, {0, 1}};
    uint32_t flags = 0;
    int better = 0;
    for (int p = 0; p < 3 && !better; p++) {
        s.distinct = prefs[p][0];
        s.untimed = prefs[p][1];
        s.steps = 0;
        if (run(&s) == 1) {
            better = 1;
            if (!s.distinct)
                flags |= LG_FINDF_SINGLE_THREAD;
        }
    }
    if (!better) {
        s.distinct = s.untimed = 0;
        s.steps = 0;
        run(&s); /* feasible, as found above */
        flags |= LG_FINDF_SINGLE_THREAD;
    }
    if (chosen_timed(&s))
        flags |= LG_FINDF_TIMED;
    out->verdict = LG_VERDICT_DEADLOCK;
    out->flags = flags;
    out->work = s.work;
    if (chosen)
        memcpy(chosen, s.pick, n * sizeof *chosen);
}

const char *lg_verdict_name(enum lg_verdict v)
{
    switch (v) {
    case LG_VERDICT_DEADLOCK: return "deadlock";
    case LG_VERDICT_TRYLOCK: return "trylock";
    case LG_VERDICT_GATED: return "gate-lock";
    case LG_VERDICT_READER_PREF: return "reader-preference";
    }
    return "unknown";
}
