/* Cross-run matching over lock classes, and fingerprints that survive ASLR, pids and
 * lock ids. */
#define _GNU_SOURCE
#include "analysis.h"
#include "formats.h"
#include "log_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *render(void (*fmt)(FILE *, const lg_analysis *, const lg_format_opts *),
                    lg_analysis *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts o = {.verbose = FALSE, .top = 10};
    fmt(f, a, &o);
    fclose(f);
    return buf;
}

#define BUILD_ID "\x5e\xed\x00\x01"

/* One run of "the program": module at `base`, static locks at fixed offsets (class
 * keys: build-id + offset), lock ids and addresses that differ per run. */
static lgb *run_log(uint32_t pid, uint64_t base, uint64_t id_shift, const char *run_id)
{
    lgb *b = lgb_new();
    lgb_header(b, pid, run_id, "/usr/bin/app");
    lgb_module(b, 1, base, "/nonexistent/app", BUILD_ID, 0, 0x100000);
    for (uint32_t s = 1; s <= 6; s++) {
        uint64_t pc = base + 0x1000 + 0x10 * s;
        lgb_stack(b, s, 1, &pc);
    }
    lgb_thread(b, 1, pid, 0, 0, "main");
    lgb_thread(b, 2, pid + 1, 1, 1, "worker");
    /* locks A (offset 0x8000), B (0x8040), G (0x8080), and A2 another instance of A's
     * class (a site-keyed heap lock would do the same) */
    const uint64_t offs[3] = {0x8000, 0x8040, 0x8080};
    for (int i = 0; i < 3; i++)
        lgb_lock(b, id_shift + (uint64_t)i + 1, base + offs[i], LG_KIND_MUTEX, 0, 1,
                 LG_CLASS_STATIC, 1, offs[i], 0);
    return b;
}
#define A(s) ((s) + 1)
#define B(s) ((s) + 2)
#define G(s) ((s) + 3)

static guint count_kind(lg_analysis *a, int kind, uint32_t flag)
{
    guint n = 0;
    for (guint i = 0; i < a->findings->len; i++) {
        lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->kind == kind && (!flag || (f->flags & flag)))
            n++;
    }
    return n;
}

static void test_halves_in_two_runs(void)
{
    lgb *l[2];
    l[0] = run_log(100, 0x555500000000, 0, "run-a");
    lgb_order(l[0], 2, A(0), B(0), 2, 3);
    l[1] = run_log(200, 0x7f0000000000, 50, "run-b");
    lgb_order(l[1], 2, B(50), A(50), 4, 5);
    lg_analysis *a = lgb_analyze(l, 2, NULL);
    g_assert_cmpuint(a->findings->len, ==, 1);
    lg_finding *f = g_ptr_array_index(a->findings, 0);
    g_assert_cmpint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_CROSS_RUN);
    g_assert_cmpuint(f->locks->len, ==, 2);
    /* each edge names the process it was seen in */
    const lg_fedge *e0 = &g_array_index(f->edges, lg_fedge, 0);
    const lg_fedge *e1 = &g_array_index(f->edges, lg_fedge, 1);
    g_assert_true(e0->proc != e1->proc);
    g_assert_cmpuint(e0->proc->pid + e1->proc->pid, ==, 300);

    /* every format says where each half came from */
    char *text = render(lg_format_text, a);
    g_assert_nonnull(strstr(text, "[cross_run]"));
    g_assert_nonnull(strstr(text, "run run-a, pid 100"));
    g_assert_nonnull(strstr(text, "run run-b, pid 200"));
    free(text);
    char *json = render(lg_format_json, a);
    g_assert_nonnull(strstr(json, "\"cross_run\""));
    g_assert_nonnull(strstr(json, "\"run_id\" : \"run-b\""));
    free(json);
    char *dot = render(lg_format_dot, a);
    g_assert_nonnull(strstr(dot, "p0_l1 -> p1_l52 [color=red, penwidth=2, label=\"cross-run\"]"));
    g_assert_nonnull(strstr(dot, "p1_l52 -> p0_l1 [color=red, penwidth=2, label=\"cross-run\"]"));
    free(dot);
    lg_analysis_free(a);
    lgb_free(l[0]);
    lgb_free(l[1]);
}

static void test_same_class_nested_is_not_cross_run(void)
{
    lgb *l[2];
    l[0] = run_log(100, 0x555500000000, 0, "run-a");
    /* two instances of one class (same offset: e.g. re-initialized in place) */
    lgb_lock(l[0], 10, 0x1234000, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, 0x8000, 0);
    lgb_order(l[0], 2, A(0), 10, 2, 3);
    l[1] = run_log(200, 0x7f0000000000, 50, "run-b");
    lgb_lock(l[1], 10, 0x1235000, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, 0x8000, 0);
    lgb_order(l[1], 2, 10, A(50), 4, 5);
    lg_analysis *a = lgb_analyze(l, 2, NULL);
    g_assert_cmpuint(a->findings->len, ==, 0);
    g_assert_cmpuint(a->filtered->len, ==, 0);
    lg_analysis_free(a);
    lgb_free(l[0]);
    lgb_free(l[1]);
}

static void test_inside_one_process_is_instance_business(void)
{
    /* Run a has the whole inversion, run b one half: one finding (the instance one),
     * not a second, cross-run one. */
    lgb *l[2];
    l[0] = run_log(100, 0x555500000000, 0, "run-a");
    lgb_order(l[0], 1, A(0), B(0), 2, 3);
    lgb_order(l[0], 2, B(0), A(0), 4, 5);
    l[1] = run_log(200, 0x7f0000000000, 50, "run-b");
    lgb_order(l[1], 2, A(50), B(50), 2, 3);
    lg_analysis *a = lgb_analyze(l, 2, NULL);
    g_assert_cmpuint(count_kind(a, LG_FIND_LOCK_ORDER_INVERSION, 0), ==, 1);
    g_assert_cmpuint(count_kind(a, LG_FIND_LOCK_ORDER_INVERSION, LG_FINDF_CROSS_RUN), ==, 0);
    lg_analysis_free(a);
    lgb_free(l[0]);
    lgb_free(l[1]);
}

static void test_gate_across_runs(void)
{
    /* Both runs took their half under the same global gate G: filtered. */
    lgb *l[2];
    uint64_t g0 = G(0), g1 = G(50);
    l[0] = run_log(100, 0x555500000000, 0, "run-a");
    lgb_ctx(l[0], 2, A(0), LG_MODE_EXCL, B(0), LG_MODE_EXCL, 0, 2, 3, &g0, 1, LG_MODE_EXCL);
    l[1] = run_log(200, 0x7f0000000000, 50, "run-b");
    lgb_ctx(l[1], 2, B(50), LG_MODE_EXCL, A(50), LG_MODE_EXCL, 0, 4, 5, &g1, 1, LG_MODE_EXCL);
    lg_analysis *a = lgb_analyze(l, 2, NULL);
    g_assert_cmpuint(a->findings->len, ==, 0);
    g_assert_cmpuint(a->filtered->len, ==, 1);
    lg_finding *f = g_ptr_array_index(a->filtered, 0);
    g_assert_cmpint(f->verdict, ==, LG_VERDICT_GATED);
    g_assert_true(f->flags & LG_FINDF_CROSS_RUN);
    lg_analysis_free(a);
    lgb_free(l[0]);
    lgb_free(l[1]);
}

static char *fingerprint_of(lgb *b)
{
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->findings->len, ==, 1);
    char *fp = g_strdup(((lg_finding *)g_ptr_array_index(a->findings, 0))->fingerprint);
    lg_analysis_free(a);
    return fp;
}

static void test_fingerprint_stable(void)
{
    /* the same program twice: other pid, base, lock ids; edges logged in the other
     * order (so the cycle is enumerated from the other lock) */
    lgb *x = run_log(100, 0x555500000000, 0, "run-a");
    lgb_order(x, 1, A(0), B(0), 2, 3);
    lgb_order(x, 2, B(0), A(0), 4, 5);
    lgb *y = run_log(999, 0x7f1200000000, 700, "run-b");
    lgb_order(y, 2, B(700), A(700), 4, 5);
    lgb_order(y, 1, A(700), B(700), 2, 3);
    /* a different program point for one acquisition */
    lgb *z = run_log(100, 0x555500000000, 0, "run-c");
    lgb_order(z, 1, A(0), B(0), 6, 3);
    lgb_order(z, 2, B(0), A(0), 4, 5);
    char *fx = fingerprint_of(x), *fy = fingerprint_of(y), *fz = fingerprint_of(z);
    g_assert_cmpuint(strlen(fx), ==, 16);
    g_assert_cmpstr(fx, ==, fy);
    g_assert_cmpstr(fx, !=, fz);

    /* reported together, the two runs' identical findings merge into one */
    lgb *both[2] = {x, y};
    lg_analysis *a = lgb_analyze(both, 2, NULL);
    g_assert_cmpuint(a->findings->len, ==, 1);
    g_assert_cmpuint(((lg_finding *)g_ptr_array_index(a->findings, 0))->occurrences, ==, 2);
    lg_analysis_free(a);
    g_free(fx), g_free(fy), g_free(fz);
    lgb_free(x), lgb_free(y), lgb_free(z);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cross_run/halves-in-two-runs", test_halves_in_two_runs);
    g_test_add_func("/cross_run/same-class-nested", test_same_class_nested_is_not_cross_run);
    g_test_add_func("/cross_run/inside-one-process", test_inside_one_process_is_instance_business);
    g_test_add_func("/cross_run/gate-across-runs", test_gate_across_runs);
    g_test_add_func("/cross_run/fingerprint-stable", test_fingerprint_stable);
    return g_test_run();
}
