/* The report's fidelity rules (issue 10), each on a log built in memory: the least
 * rotation is Booth's (checked against the naive search), the least-rotation search and
 * the cycle search take steps linear in the cycle's length (counted, not timed), a
 * long cycle is printed as a summary (JSON keeps every lock, HTML draws no picture), two locks of one class
 * carry instance tags, an inversion opens with its deadlock scenario, runtime frames
 * below the thread's entry are folded unless verbose, distinct cycles merged under one
 * fingerprint are still shown, and the contention table neither cuts labels nor prints
 * holds below the tick as 0. */
#define _GNU_SOURCE
#include "analysis.h"
#include "cycle_eval.h"
#include "cycles.h"
#include "fingerprint.h"
#include "formats.h"
#include "finding_message.h"
#include "frames.h"
#include "log_builder.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int sink;
__attribute__((noinline)) void lgt_fid_lock_first(void) { sink += 1; sink *= 3; sink ^= 5; }
__attribute__((noinline)) void lgt_fid_lock_second(void) { sink += 2; sink *= 5; sink ^= 7; }
__attribute__((noinline)) void lgt_fid_init(void) { sink += 3; sink *= 7; sink ^= 9; }
/* Named as glibc's thread entry, so the report folds it like the real one. */
__attribute__((noinline)) void start_thread(void) { sink += 4; sink *= 9; sink ^= 11; }

static char *render(void (*fmt)(FILE *, const lg_analysis *, const lg_format_opts *),
                    lg_analysis *a, gboolean verbose)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts o = {.verbose = verbose, .top = 10};
    fmt(f, a, &o);
    fclose(f);
    return buf;
}

/* The JSON report of a, parsed (the caller unrefs it). */
static JsonObject *render_json(lg_analysis *a, gboolean verbose)
{
    char *text = render(lg_format_json, a, verbose);
    JsonParser *p = json_parser_new();
    GError *err = NULL;
    if (!json_parser_load_from_data(p, text, -1, &err))
        g_error("JSON report does not parse: %s", err->message);
    JsonObject *o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
    g_object_unref(p);
    free(text);
    return o;
}

static guint naive_rotation(const char *const *s, guint n)
{
    guint best = 0;
    for (guint r = 1; r < n; r++)
        for (guint k = 0; k < n; k++) {
            int c = strcmp(s[(r + k) % n], s[(best + k) % n]);
            if (c < 0)
                best = r;
            if (c != 0)
                break;
        }
    return best;
}

/* Same rotation (as a sequence) as the naive search, on every binary sequence up to
 * length 12 and on random ones over three letters. */
static void test_min_rotation(void)
{
    static const char *const letters[] = {"a", "b", "c"};
    const char *s[64];
    for (guint n = 1; n <= 12; n++)
        for (guint bits = 0; bits < (1u << n); bits++) {
            for (guint i = 0; i < n; i++)
                s[i] = letters[(bits >> i) & 1];
            guint x = lg_min_rotation(s, n), y = naive_rotation(s, n);
            for (guint k = 0; k < n; k++)
                g_assert_cmpstr(s[(x + k) % n], ==, s[(y + k) % n]);
        }
    GRand *r = g_rand_new_with_seed(7);
    for (int t = 0; t < 2000; t++) {
        guint n = (guint)g_rand_int_range(r, 1, 64);
        for (guint i = 0; i < n; i++)
            s[i] = letters[g_rand_int_range(r, 0, 3)];
        guint x = lg_min_rotation(s, n), y = naive_rotation(s, n);
        for (guint k = 0; k < n; k++)
            g_assert_cmpstr(s[(x + k) % n], ==, s[(y + k) % n]);
    }
    g_rand_free(r);
    /* all equal, the naive search's worst case: linear here (200 000 would take the
     * naive search minutes) */
    guint big = 200000;
    const char **eq = g_new(const char *, big);
    for (guint i = 0; i < big; i++)
        eq[i] = "same";
    g_assert_cmpuint(lg_min_rotation(eq, big), <, big);
    g_free(eq);
}

/* The forced-choice evaluation gives lg_rules_evaluate's answer exactly: random
 * cycles of one context per edge over few threads, locks and gate locks, with read
 * modes, reader-preferring rwlocks, trylocks, timed locks, and small budgets. */
static void test_forced_rules_agree(void)
{
    GRand *r = g_rand_new_with_seed(11);
    enum { MAXN = 9 };
    lg_rule_lock locks[MAXN];
    lg_rule_ctx ctx[MAXN];
    lg_rule_edge edges[MAXN];
    lg_held_lock held[MAXN][4];
    uint32_t chosen[MAXN];
    char scratch[256];
    unsigned agreed[4] = {0};
    for (int t = 0; t < 200000; t++) {
        uint32_t n = (uint32_t)g_rand_int_range(r, 1, MAXN + 1);
        for (uint32_t i = 0; i < n; i++) {
            gboolean rw = g_rand_int_range(r, 0, 3) == 0;
            locks[i] = (lg_rule_lock){i + 1, rw ? LG_KIND_RWLOCK : LG_KIND_MUTEX,
                                      rw && g_rand_boolean(r) ? LG_SUB_RW_PREFER_WRITER : 0};
        }
        for (uint32_t i = 0; i < n; i++) {
            uint8_t from_mode = locks[i].kind == LG_KIND_RWLOCK && g_rand_boolean(r) ? LG_MODE_READ : LG_MODE_EXCL;
            uint8_t to_mode = locks[(i + 1) % n].kind == LG_KIND_RWLOCK && g_rand_boolean(r) ? LG_MODE_READ : LG_MODE_EXCL;
            uint32_t nh = 0;
            held[i][nh++] = (lg_held_lock){locks[i].lock, from_mode};
            int extra = g_rand_int_range(r, 0, 3);
            for (int k = 0; k < extra; k++)
                held[i][nh++] = (lg_held_lock){100 + (uint64_t)g_rand_int_range(r, 0, 3),
                                               g_rand_boolean(r) ? LG_MODE_READ : LG_MODE_EXCL};
            uint16_t flags = 0;
            if (g_rand_int_range(r, 0, 12) == 0)
                flags |= LG_CTXF_TRY;
            if (g_rand_int_range(r, 0, 5) == 0)
                flags |= LG_CTXF_TIMED;
            ctx[i] = (lg_rule_ctx){(uint32_t)g_rand_int_range(r, 1, 5), from_mode, to_mode, flags,
                                   held[i], nh};
            edges[i] = (lg_rule_edge){&ctx[i], 1};
        }
        uint64_t budget = g_rand_int_range(r, 0, 4) == 0 ? (uint64_t)g_rand_int_range(r, 1, 20) : 0;
        lg_rule_result want, got;
        g_assert_cmpuint(lg_rules_scratch_size(n), <=, sizeof scratch);
        lg_rules_evaluate(locks, edges, n, scratch, chosen, budget, &want);
        lg_rules_evaluate_forced(locks, edges, n, NULL, budget, &got);
        if (want.verdict != got.verdict || want.flags != got.flags || want.gate != got.gate ||
            want.rw_lock != got.rw_lock)
            g_error("case %d (n %u, budget %" G_GUINT64_FORMAT "): rules %d/%x/%" G_GUINT64_FORMAT
                    "/%u, forced %d/%x/%" G_GUINT64_FORMAT "/%u",
                    t, n, budget, want.verdict, want.flags, want.gate, want.rw_lock, got.verdict,
                    got.flags, got.gate, got.rw_lock);
        agreed[want.verdict]++;
    }
    /* every verdict was exercised */
    for (int v = 0; v < 4; v++)
        g_assert_cmpuint(agreed[v], >, 100);
    g_rand_free(r);
}

/* stacks: 1 lock_first, 2 lock_second, 3 init, 4 lock_first <- start_thread */
static lgb *base_log(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 500, "run-f", "/bin/fid");
    lgb_module_self(b, 1);
    uint64_t pcs[3] = {lgb_pc(lgt_fid_lock_first), lgb_pc(lgt_fid_lock_second), lgb_pc(lgt_fid_init)};
    for (uint32_t i = 0; i < 3; i++)
        lgb_stack(b, i + 1, 1, &pcs[i]);
    uint64_t deep[2] = {lgb_pc(lgt_fid_lock_first), lgb_pc(start_thread)};
    lgb_stack(b, 4, 2, deep);
    lgb_thread(b, 1, 500, 0, 0, "main");
    lgb_thread(b, 2, 501, 1, 3, "one");
    lgb_thread(b, 3, 502, 1, 3, "two");
    return b;
}

/* A hand-over-hand walk over n heap mutexes of one class, closed by m[n-1] -> m[0]. */
static void test_long_cycle(void)
{
    const uint32_t n = 3000;
    lgb *b = base_log();
    for (uint64_t l = 1; l <= n; l++)
        lgb_lock(b, l, 0x100000 + l * 64, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    for (uint64_t l = 1; l < n; l++)
        lgb_order(b, 2, l, l + 1, 2, 1);
    lgb_order(b, 3, n, 1, 2, 1);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->findings->len, ==, 1);
    const lg_finding *f = g_ptr_array_index(a->findings, 0);
    g_assert_cmpuint(f->locks->len, ==, n);
    char *text = render(lg_format_text, a, FALSE);
    char *json = render(lg_format_json, a, FALSE);
    /* (linear time is checked by counting steps, test_linear_steps; not timed here) */
    char *more = g_strdup_printf("(%u more locks)", n - LG_MESSAGE_MAX_LOCKS);
    if (!strstr(text, more))
        g_error("no \"%s\" in the message:\n%.2000s", more, text);
    g_assert_nonnull(strstr(text, "L4 to L2995 not shown"));
    g_assert_nonnull(strstr(text, "edges not shown"));
    g_assert_null(strstr(text, "\n  L100: "));
    g_assert_cmpuint(strlen(text), <, 64 * 1024);
    /* JSON keeps every lock */
    g_assert_nonnull(strstr(json, "first used in"));
    char *verbose = render(lg_format_text, a, TRUE);
    g_assert_nonnull(strstr(verbose, "\n  L100: "));
    /* instance tags: every lock has the one class, so each is numbered */
    g_assert_nonnull(strstr(text, " #1 "));
    g_assert_nonnull(strstr(text, " #3000 "));
    /* HTML lists every lock but draws no picture of 3000 (Graphviz's layout of a
     * 20 000-lock cycle ran out of memory) */
    char *html = render(lg_format_html, a, FALSE);
    g_assert_nonnull(strstr(html, "picture not drawn: 3000 locks"));
    g_assert_null(strstr(html, "<svg"));
    g_assert_nonnull(strstr(html, "<h4>L2999: "));
    g_free(more), free(text), free(json), free(verbose), free(html);
    lg_analysis_free(a);
    lgb_free(b);
}

/* Linear in cycle length, by counting rather than timing: the least-rotation search
 * and the cycle enumeration on a ring of n and of 2n take at most 2.2 times the steps
 * (quadratic would be 4 times), on the inputs that were quadratic before (all edge
 * signatures equal) and on others. */
static uint64_t rotation_comparisons(guint n, int shape)
{
    const char **s = g_new(const char *, n);
    GRand *r = g_rand_new_with_seed(n);
    for (guint i = 0; i < n; i++)
        switch (shape) {
        case 0: s[i] = "same"; break;                               /* all equal */
        case 1: s[i] = i % 3 == 2 ? "b" : "a"; break;               /* periodic */
        case 2: s[i] = i == n / 2 ? "a" : "b"; break;               /* one least */
        default: s[i] = g_rand_boolean(r) ? "a" : "b";              /* random */
        }
    uint64_t c = 0;
    guint k = lg_min_rotation_counted(s, n, &c);
    g_assert_cmpuint(k, <, n);
    g_assert_cmpuint(c, <=, 4 * (uint64_t)n);
    g_rand_free(r);
    g_free(s);
    return c;
}

static gboolean count_cycle(const uint32_t *nodes, uint32_t len, void *ud)
{
    (void)nodes;
    *(uint32_t *)ud = len;
    return TRUE;
}

static uint64_t ring_steps(uint32_t n)
{
    uint32_t *src = g_new(uint32_t, n), *dst = g_new(uint32_t, n);
    for (uint32_t i = 0; i < n; i++)
        src[i] = i, dst[i] = (i + 1) % n;
    uint32_t len = 0;
    lg_cycle_stats st = {0};
    /* the search the report runs (pair_graph.c), with nothing pruned on a ring */
    lg_cycles_enumerate_pruned(n, src, dst, n, NULL, 0, 0, count_cycle, &len, &st);
    g_assert_cmpuint(st.cycles, ==, 1);
    g_assert_cmpuint(len, ==, n);
    g_assert_false(st.truncated);
    g_free(src), g_free(dst);
    return st.steps;
}

static void test_linear_steps(void)
{
    const guint n = 100000;
    for (int shape = 0; shape < 4; shape++) {
        uint64_t one = rotation_comparisons(n, shape), two = rotation_comparisons(2 * n, shape);
        if ((double)two > 2.2 * (double)one)
            g_error("least rotation, shape %d: %" G_GUINT64_FORMAT " comparisons at n, %"
                    G_GUINT64_FORMAT " at 2n", shape, one, two);
    }
    uint64_t one = ring_steps(n), two = ring_steps(2 * n);
    if ((double)two > 2.2 * (double)one)
        g_error("cycle search: %" G_GUINT64_FORMAT " steps at n, %" G_GUINT64_FORMAT " at 2n", one, two);
}

/* An inversion of two locks of one class: tags, scenario table, folding. */
static void test_scenario_tags_folding(void)
{
    lgb *b = base_log();
    lgb_lock(b, 1, 0x1000, LG_KIND_MUTEX, 0, 4, LG_CLASS_SITE, 0, 0, 3);
    lgb_lock(b, 2, 0x2000, LG_KIND_MUTEX, 0, 4, LG_CLASS_SITE, 0, 0, 3);
    lgb_order(b, 2, 1, 2, 2, 4);
    lgb_order(b, 3, 2, 1, 2, 4);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_text, a, FALSE);
    const char *want[] = {"How it would deadlock (one interleaving, one column per thread):",
                          "lock(L0) at test_fidelity.c:", "lock(L1) at test_fidelity.c:",
                          "-- waits for T3", "-- waits for T2", "*** every thread waits",
                          " #1 -> ", " #2 -> ", "L0: mutex 0x1000", " #1 (mutex, normal)",
                          "L1: mutex 0x2000", " #2 (mutex, normal)",
                          "(1 runtime frame below the thread's entry folded; --verbose shows them)"};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        if (!strstr(text, want[i]))
            g_error("text report lacks \"%s\":\n%s", want[i], text);
    g_assert_null(strstr(text, "start_thread"));
    /* the scenario comes before the locks */
    g_assert_true(strstr(text, "How it would deadlock") < strstr(text, "\n  L0: "));
    char *verbose = render(lg_format_text, a, TRUE);
    g_assert_nonnull(strstr(verbose, "#1 start_thread"));
    g_assert_null(strstr(verbose, "folded"));
    char *json = render(lg_format_json, a, FALSE);
    g_assert_nonnull(strstr(json, "\"start_thread\""));
    char *html = render(lg_format_html, a, FALSE);
    g_assert_nonnull(strstr(html, "runtime frame below the thread's entry folded"));
    g_assert_null(strstr(html, ">start_thread<"));
    g_assert_nonnull(strstr(html, "<pre class=\"scenario\">  How it would deadlock"));
    /* SARIF names the two locks with the text report's instance tags too */
    char *sarif = render(lg_format_sarif, a, FALSE);
    JsonParser *jp = json_parser_new();
    g_assert_true(json_parser_load_from_data(jp, sarif, -1, NULL));
    JsonObject *res = json_array_get_object_element(
        json_object_get_array_member(
            json_array_get_object_element(
                json_object_get_array_member(json_node_get_object(json_parser_get_root(jp)), "runs"), 0),
            "results"),
        0);
    JsonArray *locks = json_object_get_array_member(json_object_get_object_member(res, "properties"), "locks");
    g_assert_cmpuint(json_array_get_length(locks), ==, 2);
    g_assert_true(g_str_has_suffix(json_array_get_string_element(locks, 0), " #1"));
    g_assert_true(g_str_has_suffix(json_array_get_string_element(locks, 1), " #2"));
    if (!strstr(sarif, " #1)") || !strstr(sarif, " #2)"))
        g_error("SARIF flow messages lack the instance tags:\n%s", sarif);
    g_object_unref(jp);
    free(sarif);
    free(text), free(verbose), free(json), free(html);
    lg_analysis_free(a);
    lgb_free(b);
}

/* Two cycles over other locks through the same code: one fingerprint, one finding,
 * and the second cycle is still listed with its locks. */
static void test_merged_cycles_shown(void)
{
    lgb *b = base_log();
    for (uint64_t l = 1; l <= 4; l++)
        lgb_lock(b, l, 0x1000 * l, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_order(b, 2, 1, 2, 2, 1);
    lgb_order(b, 3, 2, 1, 2, 1);
    lgb_order(b, 2, 3, 4, 2, 1);
    lgb_order(b, 3, 4, 3, 2, 1);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->findings->len, ==, 1);
    const lg_finding *f = g_ptr_array_index(a->findings, 0);
    g_assert_cmpuint(f->occurrences, ==, 2);
    g_assert_nonnull(f->merged);
    g_assert_cmpuint(f->merged->len, ==, 1);
    char *text = render(lg_format_text, a, FALSE);
    if (!strstr(text, "also under this fingerprint, 1 other distinct cycle:") ||
        !strstr(text, "mutex 0x3000") || !strstr(text, "mutex 0x4000"))
        g_error("merged cycle not shown:\n%s", text);
    free(text);
    /* JSON too: the merged cycle with its locks and edges, in merged_cycles */
    JsonObject *doc = render_json(a, FALSE);
    JsonArray *findings = json_object_get_array_member(doc, "findings");
    g_assert_cmpuint(json_array_get_length(findings), ==, 1);
    JsonObject *fo = json_array_get_object_element(findings, 0);
    g_assert_cmpint(json_object_get_int_member(fo, "occurrences"), ==, 2);
    JsonArray *merged = json_object_get_array_member(fo, "merged_cycles");
    g_assert_cmpuint(json_array_get_length(merged), ==, 1);
    JsonObject *mo = json_array_get_object_element(merged, 0);
    JsonArray *mlocks = json_object_get_array_member(mo, "cycle");
    g_assert_cmpuint(json_array_get_length(mlocks), ==, 2);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(mo, "edges")), ==, 2);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(mo, "merged_cycles")), ==, 0);
    /* the two findings together name all four locks, each once */
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    JsonArray *cycles[2] = {json_object_get_array_member(fo, "cycle"), mlocks};
    for (int c = 0; c < 2; c++)
        for (guint k = 0; k < json_array_get_length(cycles[c]); k++)
            g_hash_table_add(seen, (gpointer)json_object_get_string_member(
                                       json_array_get_object_element(cycles[c], k), "address"));
    g_assert_cmpuint(g_hash_table_size(seen), ==, 4);
    g_assert_true(g_hash_table_contains(seen, "0x3000") && g_hash_table_contains(seen, "0x4000"));
    g_hash_table_destroy(seen);
    json_object_unref(doc);
    lg_analysis_free(a);
    lgb_free(b);
}

/* Labels are never cut; holds below the tick say so; measured holds stay numbers. */
static void test_contention_table(void)
{
    lgb *b = base_log();
    lgb_lock(b, 1, 0x1000, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_lock(b, 2, 0x2000, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lg_lock_stats st[2] = {{.lock = 1, .acquisitions = 10, .contended = 3, .wait_total_ns = 4000},
                           {.lock = 2, .acquisitions = 5, .contended = 1, .hold_total_ns = 200000000,
                            .hold_max_ns = 100000000}};
    lgb_stats(b, 2, st);
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_text, a, FALSE);
    /* the whole label, to its closing parenthesis */
    if (!strstr(text, "mutex 0x1000 first used in lgt_fid_init (test_fidelity.c:") ||
        !strstr(text, "<tick") || !strstr(text, "200.000 ms") || !strstr(text, "100.000 ms") ||
        !strstr(text, "<tick: every hold was shorter than the watchdog tick"))
        g_error("contention table:\n%s", text);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

/* 30 trylock back-offs over instances of two classes (filtered), then one real
 * inversion: with a budget of 5 cycles the real one is still reported (filtered cycles
 * do not count against it), the back-offs are listed once and counted; a rules work
 * budget of 1 stops after the first cycle and says so. */
static lgb *backoff_log(void)
{
    lgb *b = base_log();
    const uint64_t np = 30;
    for (uint64_t i = 0; i < np; i++) {
        lgb_lock(b, 10 + 2 * i, 0x10000 + 0x100 * i, LG_KIND_MUTEX, 0, 1, LG_CLASS_SITE, 0, 0, 1);
        lgb_lock(b, 11 + 2 * i, 0x80000 + 0x100 * i, LG_KIND_MUTEX, 0, 2, LG_CLASS_SITE, 0, 0, 2);
        lgb_ctx(b, 2, 10 + 2 * i, LG_MODE_EXCL, 11 + 2 * i, LG_MODE_EXCL, 0, 2, 1, NULL, 0, 0);
        lgb_ctx(b, 3, 11 + 2 * i, LG_MODE_EXCL, 10 + 2 * i, LG_MODE_EXCL, LG_CTXF_TRY, 1, 2, NULL, 0, 0);
    }
    lgb_lock(b, 1, 0x1000, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_lock(b, 2, 0x2000, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_order(b, 2, 1, 2, 2, 1);
    lgb_order(b, 3, 2, 1, 1, 2);
    lgb_end(b, LG_END_EXIT);
    return b;
}

static void test_budgets(void)
{
    lgb *b = backoff_log();
    lg_analysis_opts o = {.max_cycles = 5};
    lg_analysis *a = lgb_analyze(&b, 1, &o);
    g_assert_cmpuint(a->findings->len, ==, 1);
    g_assert_cmpuint(a->filtered->len, ==, 1);
    g_assert_cmpuint(a->filtered_repeats, ==, 29);
    g_assert_cmpuint(((lg_finding *)g_ptr_array_index(a->filtered, 0))->occurrences, ==, 30);
    g_assert_false(a->truncated);
    char *text = render(lg_format_text, a, FALSE);
    g_assert_nonnull(strstr(text, "29 more filtered cycles over the same lock classes"));
    free(text);
    JsonObject *doc = render_json(a, TRUE);
    JsonObject *sum = json_object_get_object_member(doc, "summary");
    g_assert_cmpint(json_object_get_int_member(sum, "filtered_repeats"), ==, 29);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(sum, "truncated_by")), ==, 0);
    g_assert_cmpint(json_object_get_int_member(sum, "unexamined_locks"), ==, 0);
    JsonArray *filt = json_object_get_array_member(doc, "filtered");
    g_assert_cmpuint(json_array_get_length(filt), ==, 1);
    g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(filt, 0), "occurrences"), ==, 30);
    json_object_unref(doc);
    lg_analysis_free(a);
    lgb_free(b);

    b = backoff_log();
    lg_analysis_opts w = {.graph_work = 1};
    a = lgb_analyze(&b, 1, &w);
    g_assert_true(a->truncated);
    g_assert_true(a->truncated_why & LG_TRUNC_RULES);
    g_assert_cmpuint(a->findings->len, ==, 1); /* trylock verdicts cost no search */
    text = render(lg_format_text, a, FALSE);
    g_assert_nonnull(strstr(text, "the rules' work budget for a graph ran out"));
    g_assert_nonnull(strstr(text, "every cycle not examined lies among "));
    free(text);
    doc = render_json(a, FALSE);
    sum = json_object_get_object_member(doc, "summary");
    g_assert_true(json_object_get_boolean_member(sum, "truncated"));
    JsonArray *by = json_object_get_array_member(sum, "truncated_by");
    gboolean rules = FALSE;
    for (guint k = 0; k < json_array_get_length(by); k++)
        rules |= g_strcmp0(json_array_get_string_element(by, k), "rules") == 0;
    g_assert_true(rules);
    /* what was not examined: the 60 back-off locks and the 2 of the real pair, each
     * pair its own group (bounded, not more) */
    g_assert_cmpint(json_object_get_int_member(sum, "unexamined_locks"), >, 0);
    g_assert_cmpint(json_object_get_int_member(sum, "unexamined_locks"), <=, 62);
    g_assert_cmpint(json_object_get_int_member(sum, "unexamined_groups"), <=, 31);
    json_object_unref(doc);
    lg_analysis_free(a);
    lgb_free(b);
}

#include "lsan_graphviz.h" /* the HTML scenario test renders through Graphviz */

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fidelity/min-rotation", test_min_rotation);
    g_test_add_func("/fidelity/forced-rules-agree", test_forced_rules_agree);
    g_test_add_func("/fidelity/long-cycle", test_long_cycle);
    g_test_add_func("/fidelity/linear-steps", test_linear_steps);
    g_test_add_func("/fidelity/scenario-tags-folding", test_scenario_tags_folding);
    g_test_add_func("/fidelity/merged-cycles-shown", test_merged_cycles_shown);
    g_test_add_func("/fidelity/contention-table", test_contention_table);
    g_test_add_func("/fidelity/budgets", test_budgets);
    return g_test_run();
}
