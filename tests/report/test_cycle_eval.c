/* The cycle rules as the report applies them: each rule decides a cycle end to end
 * (log -> model -> cycles -> lg_rules_evaluate -> finding or filtered), plus the
 * findings that come from the shim's FINDING records. */
#include "analysis.h"
#include "finding_message.h"
#include "log_builder.h"

#include <string.h>

enum { A = 1, B = 2, C = 3, G = 4, R = 5, M = 6 };

/* A process with a main thread (1), two workers (2, 3), distinct stacks 1..8 (one
 * frame each, in an unsymbolizable module) and mutexes A, B, C, G. */
static lgb *base_log(uint32_t pid)
{
    lgb *b = lgb_new();
    lgb_header(b, pid, "run", "/bin/prog");
    lgb_module(b, 1, 0x400000, "/nonexistent/prog", "\xaa\xbb", 0, 0x100000);
    for (uint32_t s = 1; s <= 8; s++) {
        uint64_t pc = 0x400000 + 0x100 * s;
        lgb_stack(b, s, 1, &pc);
    }
    lgb_thread(b, 1, pid, 0, 0, "main");
    lgb_thread(b, 2, pid + 1, 1, 1, "worker-1");
    lgb_thread(b, 3, pid + 2, 1, 1, "worker-2");
    for (uint64_t l = A; l <= G; l++)
        lgb_lock(b, l, 0x600000 + l * 0x40, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, 0x200000 + l * 0x40, 0);
    return b;
}

static lg_analysis *analyze1(lgb *b)
{
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    lgb_free(b);
    return a;
}

static lg_finding *only_finding(lg_analysis *a, int kind)
{
    g_assert_cmpuint(a->findings->len, ==, 1);
    lg_finding *f = g_ptr_array_index(a->findings, 0);
    g_assert_cmpint(f->kind, ==, kind);
    return f;
}

static void test_abba_two_threads(void)
{
    lgb *b = base_log(100);
    lgb_order(b, 2, A, B, 2, 3);
    lgb_order(b, 3, B, A, 4, 5);
    lg_analysis *a = analyze1(b);
    lg_finding *f = only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, 0);
    g_assert_cmpuint(f->locks->len, ==, 2);
    g_assert_cmpuint(f->edges->len, ==, 2);
    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 1);
    g_assert_cmpuint(a->filtered->len, ==, 0);
    /* edge i goes from lock i to lock i+1, with the thread and stacks that took it */
    for (guint i = 0; i < 2; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        const lg_flock *from = &g_array_index(f->locks, lg_flock, e->from);
        const lg_flock *to = &g_array_index(f->locks, lg_flock, e->to);
        g_assert_cmpint(e->from, ==, (int)i);
        g_assert_cmpint(e->to, ==, (int)((i + 1) % 2));
        if (from->lock->id == A) {
            g_assert_cmpuint(to->lock->id, ==, B);
            g_assert_cmpuint(e->thread, ==, 2);
            g_assert_cmpuint(e->stack, ==, 2);
            g_assert_cmpuint(e->held_stack, ==, 3);
        } else {
            g_assert_cmpuint(to->lock->id, ==, A);
            g_assert_cmpuint(e->thread, ==, 3);
            g_assert_cmpuint(e->stack, ==, 4);
        }
    }
    g_assert_cmpuint(strlen(f->fingerprint), ==, 16);
    lg_analysis_free(a);
}

static void test_single_thread_flag(void)
{
    lgb *b = base_log(100);
    lgb_order(b, 2, A, B, 2, 3);
    lgb_order(b, 2, B, A, 4, 5);
    lg_analysis *a = analyze1(b);
    lg_finding *f = only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_SINGLE_THREAD);
    lg_analysis_free(a);
}

static void test_distinct_threads_preferred(void)
{
    /* B->A seen in thread 2 and in thread 3: the rules pick thread 3, so no flag. */
    lgb *b = base_log(100);
    lgb_order(b, 2, A, B, 2, 3);
    lgb_order(b, 2, B, A, 4, 5);
    lgb_order(b, 3, B, A, 6, 5);
    lg_analysis *a = analyze1(b);
    lg_finding *f = only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, 0);
    const lg_fedge *from_b = NULL;
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        if (g_array_index(f->locks, lg_flock, e->from).lock->id == B)
            from_b = e;
    }
    g_assert_nonnull(from_b);
    g_assert_cmpuint(from_b->thread, ==, 3);
    g_assert_cmpuint(from_b->stack, ==, 6);
    lg_analysis_free(a);
}

static void test_gate_lock_filtered(void)
{
    uint64_t gate = G;
    lgb *b = base_log(100);
    lgb_ctx(b, 2, A, LG_MODE_EXCL, B, LG_MODE_EXCL, 0, 2, 3, &gate, 1, LG_MODE_EXCL);
    lgb_ctx(b, 3, B, LG_MODE_EXCL, A, LG_MODE_EXCL, 0, 4, 5, &gate, 1, LG_MODE_EXCL);
    lg_analysis *a = analyze1(b);
    g_assert_cmpuint(a->findings->len, ==, 0);
    g_assert_cmpuint(a->filtered->len, ==, 1);
    lg_finding *f = g_ptr_array_index(a->filtered, 0);
    g_assert_cmpint(f->verdict, ==, LG_VERDICT_GATED);
    g_assert_cmpuint(f->gate, ==, G);
    g_assert_nonnull(f->gate_lock.lock);
    g_assert_cmpuint(f->gate_lock.lock->id, ==, G);
    char *message = lg_finding_message(f);
    g_assert_nonnull(strstr(message, "gate-lock"));
    g_free(message);
    g_assert_cmpuint(a->nfiltered_by[LG_VERDICT_GATED], ==, 1);
    lg_analysis_free(a);
}

static void test_gate_read_read_is_no_gate(void)
{
    /* Both threads hold the "gate" for reading: they can both be inside it. */
    uint64_t gate = G;
    lgb *b = base_log(100);
    lgb_ctx(b, 2, A, LG_MODE_EXCL, B, LG_MODE_EXCL, 0, 2, 3, &gate, 1, LG_MODE_READ);
    lgb_ctx(b, 3, B, LG_MODE_EXCL, A, LG_MODE_EXCL, 0, 4, 5, &gate, 1, LG_MODE_READ);
    lg_analysis *a = analyze1(b);
    only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(a->filtered->len, ==, 0);
    lg_analysis_free(a);
}

static void test_trylock_filtered(void)
{
    lgb *b = base_log(100);
    lgb_order(b, 2, A, B, 2, 3);
    lgb_ctx(b, 3, B, LG_MODE_EXCL, A, LG_MODE_EXCL, LG_CTXF_TRY, 4, 5, NULL, 0, 0);
    lg_analysis *a = analyze1(b);
    g_assert_cmpuint(a->findings->len, ==, 0);
    g_assert_cmpuint(a->filtered->len, ==, 1);
    g_assert_cmpint(((lg_finding *)g_ptr_array_index(a->filtered, 0))->verdict, ==, LG_VERDICT_TRYLOCK);
    lg_analysis_free(a);
}

static lg_analysis *rw_mutex_cycle(uint8_t subkind)
{
    /* T2 holds R for reading and takes mutex M; T3 holds M and asks R for reading. */
    lgb *b = base_log(100);
    lgb_lock(b, R, 0x700000, LG_KIND_RWLOCK, subkind, 1, LG_CLASS_STATIC, 1, 0x300000, 0);
    lgb_lock(b, M, 0x700100, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, 0x300100, 0);
    lgb_ctx(b, 2, R, LG_MODE_READ, M, LG_MODE_EXCL, 0, 2, 3, NULL, 0, 0);
    lgb_ctx(b, 3, M, LG_MODE_EXCL, R, LG_MODE_READ, 0, 4, 5, NULL, 0, 0);
    return analyze1(b);
}

static void test_reader_preference(void)
{
    lg_analysis *a = rw_mutex_cycle(LG_SUB_RW_PREFER_READER);
    g_assert_cmpuint(a->findings->len, ==, 0);
    g_assert_cmpuint(a->filtered->len, ==, 1);
    g_assert_cmpint(((lg_finding *)g_ptr_array_index(a->filtered, 0))->verdict, ==,
                    LG_VERDICT_READER_PREF);
    lg_analysis_free(a);

    a = rw_mutex_cycle(LG_SUB_RW_PREFER_WRITER);
    g_assert_cmpuint(a->filtered->len, ==, 0);
    only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    lg_analysis_free(a);
}

static void test_timed_flag(void)
{
    lgb *b = base_log(100);
    lgb_order(b, 2, A, B, 2, 3);
    lgb_ctx(b, 3, B, LG_MODE_EXCL, A, LG_MODE_EXCL, LG_CTXF_TIMED, 4, 5, NULL, 0, 0);
    lg_analysis *a = analyze1(b);
    lg_finding *f = only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_TIMED);
    lg_analysis_free(a);
}

static void test_three_cycles_overlapping(void)
{
    /* A->B->C->A and A->B->A (B->A from another thread): two findings. */
    lgb *b = base_log(100);
    lgb_order(b, 1, A, B, 2, 3);
    lgb_order(b, 2, B, C, 4, 5);
    lgb_order(b, 3, C, A, 6, 7);
    lgb_order(b, 3, B, A, 8, 7);
    lg_analysis *a = analyze1(b);
    g_assert_cmpuint(a->findings->len, ==, 2);
    guint sizes = 0;
    for (guint i = 0; i < a->findings->len; i++)
        sizes += ((lg_finding *)g_ptr_array_index(a->findings, i))->locks->len;
    g_assert_cmpuint(sizes, ==, 5);
    lg_analysis_free(a);
}

static void test_ring_through_report(void)
{
    /* rings of 2, 3, 5 and 50 locks, each edge in its own thread: one finding each,
     * with every lock and edge in ring order */
    const uint32_t sizes[] = {2, 3, 5, 50};
    for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
        uint32_t n = sizes[k];
        lgb *b = lgb_new();
        lgb_header(b, 7, "r", "x");
        for (uint32_t t = 1; t <= n; t++)
            lgb_thread(b, t, 100 + t, 0, 0, "t");
        for (uint64_t l = 1; l <= n; l++)
            lgb_mutex(b, l);
        for (uint32_t i = 0; i < n; i++)
            lgb_order(b, i + 1, i + 1, (i + 1) % n + 1, 0, 0);
        lg_analysis *a = analyze1(b);
        lg_finding *f = only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
        g_assert_cmpuint(f->flags, ==, 0);
        g_assert_cmpuint(f->locks->len, ==, n);
        g_assert_cmpuint(f->edges->len, ==, n);
        for (guint i = 0; i < n; i++) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
            uint64_t from = g_array_index(f->locks, lg_flock, e->from).lock->id;
            uint64_t to = g_array_index(f->locks, lg_flock, e->to).lock->id;
            g_assert_cmpuint(to, ==, from % n + 1);
            g_assert_cmpuint(e->thread, ==, from); /* thread i+1 took lock i+1 -> i+2 */
        }
        lg_analysis_free(a);
    }
}

static void test_contexts_of_repeated_edges_merge(void)
{
    /* Two EDGE records for the same pair (e.g. written before and after a fork
     * replay): their contexts form one graph edge, so the rules can pick either. */
    lgb *b = base_log(100);
    lgb_edge(b, 50, A, B);
    lgb_edge(b, 51, A, B);
    lgb_context(b, 50, 2, 0, LG_MODE_EXCL, LG_MODE_EXCL, LG_CTXF_TRY, 2, 3);
    lgb_context(b, 51, 2, 0, LG_MODE_EXCL, LG_MODE_EXCL, 0, 6, 3);
    lgb_order(b, 3, B, A, 4, 5);
    lg_analysis *a = analyze1(b);
    lg_finding *f = only_finding(a, LG_FIND_LOCK_ORDER_INVERSION);
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        if (g_array_index(f->locks, lg_flock, e->from).lock->id == A)
            g_assert_cmpuint(e->stack, ==, 6); /* the blocking one, not the trylock */
    }
    g_assert_cmpuint(a->cycles, ==, 1);
    lg_analysis_free(a);
}

static void test_budget_note(void)
{
    /* complete digraph on 6 mutexes, every edge from a different thread */
    lgb *b = lgb_new();
    lgb_header(b, 5, "r", "x");
    for (uint32_t t = 1; t <= 40; t++)
        lgb_thread(b, t, t, 0, 0, "t");
    for (uint64_t l = 1; l <= 6; l++)
        lgb_mutex(b, l);
    uint32_t t = 1;
    for (uint64_t x = 1; x <= 6; x++)
        for (uint64_t y = 1; y <= 6; y++)
            if (x != y)
                lgb_order(b, t++, x, y, 0, 0);
    lg_analysis_opts o = {.max_cycles = 50};
    lg_analysis *a = lgb_analyze(&b, 1, &o);
    g_assert_true(a->truncated);
    g_assert_cmpuint(a->cycles, ==, 50);
    lg_analysis_free(a);

    lg_analysis *full = lgb_analyze(&b, 1, NULL);
    g_assert_false(full->truncated);
    g_assert_cmpuint(full->cycles, ==, 409);
    lg_analysis_free(full);
    lgb_free(b);
}

static void test_shim_findings(void)
{
    lgb *b = base_log(100);
    lgb_order(b, 2, A, B, 2, 3);
    lgb_order(b, 3, B, A, 4, 5);
    /* the shim's live report of the same inversion: deduplicated, ours wins */
    lg_item inv[2] = {{.thread = 2, .lock = A, .other_lock = B, .stack = 2, .other_stack = 3, .mode = LG_MODE_EXCL | LG_MODE_EXCL << 4},
                      {.thread = 3, .lock = B, .other_lock = A, .stack = 4, .other_stack = 5, .mode = LG_MODE_EXCL | LG_MODE_EXCL << 4}};
    lgb_finding(b, LG_FIND_LOCK_ORDER_INVERSION, 0, 0, "live", 2, inv);
    /* a live inversion the offline graph does not have (A, C): kept */
    lg_item inv2[2] = {{.thread = 2, .lock = A, .other_lock = C, .stack = 6, .other_stack = 3, .mode = 0x11}, {.thread = 3, .lock = C, .other_lock = A, .stack = 7, .other_stack = 5, .mode = 0x11}};
    lgb_finding(b, LG_FIND_LOCK_ORDER_INVERSION, 0, 0, "", 2, inv2);
    /* a deadlock, items out of cycle order */
    lg_item dl[3] = {{.thread = 3, .lock = C, .other_lock = A, .stack = 6, .other_stack = 7, .mode = 0x11}, {.thread = 1, .lock = A, .other_lock = B, .stack = 2, .other_stack = 3, .mode = 0x11}, {.thread = 2, .lock = B, .other_lock = C, .stack = 4, .other_stack = 5, .mode = 0x11}};
    lgb_finding(b, LG_FIND_DEADLOCK, 0, 0, "", 3, dl);
    lg_item self = {.thread = 2, .lock = A, .other_lock = 0, .stack = 8, .other_stack = 3, .mode = LG_MODE_EXCL};
    lgb_finding(b, LG_FIND_SELF_DEADLOCK, 0, 0, "", 1, &self);
    /* long holds: three of A at stack 2 (one finding, max 900), one of A at stack 4 */
    uint64_t holds[3] = {300, 900, 500};
    for (int i = 0; i < 3; i++) {
        lg_item h = {.thread = 2, .lock = A, .other_lock = 0, .stack = 2, .other_stack = 0, .mode = LG_MODE_EXCL};
        lgb_finding(b, LG_FIND_LONG_HOLD, 0, holds[i], "", 1, &h);
    }
    /* A at stack 4: one hold reported while still held (600) and again when released
     * (1200), then a second hold reported only while held (1100): two holds */
    lg_item h2 = {.thread = 3, .lock = A, .other_lock = 0, .stack = 4, .other_stack = 0, .mode = LG_MODE_EXCL};
    lgb_finding(b, LG_FIND_LONG_HOLD, LG_FINDF_STILL_HELD, 600, "", 1, &h2);
    lgb_finding(b, LG_FIND_LONG_HOLD, 0, 1200, "", 1, &h2);
    lgb_finding(b, LG_FIND_LONG_HOLD, LG_FINDF_STILL_HELD, 1100, "", 1, &h2);
    lg_analysis *a = analyze1(b);

    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 2);
    g_assert_cmpuint(a->counts[LG_FIND_DEADLOCK], ==, 1);
    g_assert_cmpuint(a->counts[LG_FIND_SELF_DEADLOCK], ==, 1);
    g_assert_cmpuint(a->counts[LG_FIND_LONG_HOLD], ==, 2);
    guint from_shim_inversions = 0;
    for (guint i = 0; i < a->findings->len; i++) {
        lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->kind == LG_FIND_LOCK_ORDER_INVERSION && f->from_shim) {
            from_shim_inversions++;
            g_assert_cmpuint(f->locks->len, ==, 2);
            g_assert_cmpuint(g_array_index(f->locks, lg_flock, 1).lock->id, ==, C);
        }
        if (f->kind == LG_FIND_DEADLOCK) {
            /* in cycle order: each edge waits for the lock the next edge holds */
            g_assert_cmpuint(f->edges->len, ==, 3);
            g_assert_cmpuint(f->locks->len, ==, 3);
            for (guint k = 0; k < 3; k++) {
                const lg_fedge *e = &g_array_index(f->edges, lg_fedge, k);
                const lg_fedge *n = &g_array_index(f->edges, lg_fedge, (k + 1) % 3);
                g_assert_cmpint(e->to, ==, n->from);
            }
        }
        if (f->kind == LG_FIND_LONG_HOLD) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, 0);
            if (e->stack == 2) {
                g_assert_cmpuint(f->value, ==, 900);
                g_assert_cmpuint(f->count, ==, 3);
            } else {
                g_assert_cmpuint(f->value, ==, 1200);
                g_assert_cmpuint(f->count, ==, 2);
                g_assert_cmpuint(f->flags, ==, 0); /* the longest one had ended */
            }
        }
        if (f->kind == LG_FIND_SELF_DEADLOCK) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, 0);
            g_assert_cmpint(e->to, ==, -1);
            g_assert_cmpuint(e->stack, ==, 8);
            g_assert_cmpuint(e->held_stack, ==, 3);
        }
    }
    g_assert_cmpuint(from_shim_inversions, ==, 1);
    /* listed by severity: the deadlock first, long holds last */
    g_assert_cmpint(((lg_finding *)g_ptr_array_index(a->findings, 0))->kind, ==, LG_FIND_DEADLOCK);
    g_assert_cmpint(((lg_finding *)g_ptr_array_index(a->findings, a->findings->len - 1))->kind, ==,
                    LG_FIND_LONG_HOLD);
    lg_analysis_free(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rules/abba-two-threads", test_abba_two_threads);
    g_test_add_func("/rules/single-thread-flag", test_single_thread_flag);
    g_test_add_func("/rules/distinct-threads-preferred", test_distinct_threads_preferred);
    g_test_add_func("/rules/gate-lock-filtered", test_gate_lock_filtered);
    g_test_add_func("/rules/read-read-is-no-gate", test_gate_read_read_is_no_gate);
    g_test_add_func("/rules/trylock-filtered", test_trylock_filtered);
    g_test_add_func("/rules/reader-preference", test_reader_preference);
    g_test_add_func("/rules/timed-flag", test_timed_flag);
    g_test_add_func("/rules/overlapping-cycles", test_three_cycles_overlapping);
    g_test_add_func("/rules/ring-through-report", test_ring_through_report);
    g_test_add_func("/rules/repeated-edges-merge", test_contexts_of_repeated_edges_merge);
    g_test_add_func("/rules/budget-note", test_budget_note);
    g_test_add_func("/rules/shim-findings", test_shim_findings);
    return g_test_run();
}
