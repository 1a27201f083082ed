/* Every output format, read back and checked field by field.  Stacks point into this
 * test program's own functions, so frames carry real function/file/line. */
#define _GNU_SOURCE
#include "analysis.h"
#include "formats.h"
#include "log_builder.h"

#include "lock_label.h"
#include "frames.h"

#include <json-glib/json-glib.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

/* Functions whose addresses serve as acquisition sites.  noinline + a body, so each
 * has its own code and pc+4 lies inside it. */
static volatile int sink;
__attribute__((noinline)) void lgt_take_a_then_b(void) { sink += 1; sink *= 3; sink ^= 5; }
__attribute__((noinline)) void lgt_take_b_then_a(void) { sink += 2; sink *= 5; sink ^= 7; }
__attribute__((noinline)) void lgt_init_locks(void) { sink += 3; sink *= 7; sink ^= 9; } enum { LGT_INIT_LINE = __LINE__ };
__attribute__((noinline)) void lgt_spawn(void) { sink += 4; sink *= 9; sink ^= 11; }

enum { A = 1, B = 2, C = 3, G = 4 };

/* Static "locks" (an array, as a program's lock table would be). */
char lgt_lock_table[4][64];

static int self_base(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(uint64_t *)data = info->dlpi_addr;
    return 1;
}

static lgb *symbolized_log(void)
{
    void (*const fns[4])(void) = {lgt_take_a_then_b, lgt_take_b_then_a, lgt_init_locks, lgt_spawn};
    lgb *b = lgb_formats_scenario("run-x", "/bin/test_formats", "alpha", fns, 4);
    lgb_end(b, LG_END_EXIT);
    return b;
}

static char *render(void (*fmt)(FILE *, const lg_analysis *, const lg_format_opts *),
                    lg_analysis *a, gboolean verbose, unsigned top)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts o = {.verbose = verbose, .top = top};
    fmt(f, a, &o);
    fclose(f);
    return buf;
}

static JsonObject *parse(const char *text, JsonParser **keep)
{
    JsonParser *p = json_parser_new();
    GError *err = NULL;
    if (!json_parser_load_from_data(p, text, -1, &err))
        g_error("invalid JSON: %s\n%s", err->message, text);
    *keep = p;
    JsonNode *root = json_parser_get_root(p);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    return json_node_get_object(root);
}

static void assert_hex(const char *s)
{
    g_assert_true(g_str_has_prefix(s, "0x"));
    g_assert_cmpuint(strlen(s), >, 2);
    for (const char *c = s + 2; *c; c++)
        g_assert_true(g_ascii_isxdigit(*c));
}

/* A frames array whose first frame is in `fn` of this file. */
static void check_frames(JsonArray *frames, const char *fn)
{
    g_assert_cmpuint(json_array_get_length(frames), >=, 1);
    JsonObject *fr = json_array_get_object_element(frames, 0);
    assert_hex(json_object_get_string_member(fr, "pc"));
    assert_hex(json_object_get_string_member(fr, "offset"));
    g_assert_nonnull(strstr(json_object_get_string_member(fr, "module"), "test_formats"));
    g_assert_cmpstr(json_object_get_string_member(fr, "function"), ==, fn);
    char *base = g_path_get_basename(json_object_get_string_member(fr, "file"));
    g_assert_cmpstr(base, ==, "test_formats.c");
    g_free(base);
    g_assert_cmpint(json_object_get_int_member(fr, "line"), >, 0);
    g_assert_false(json_object_get_boolean_member(fr, "inlined"));
}

static void test_json(void)
{
    lgb *b = symbolized_log();
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_json, a, TRUE, 10);
    JsonParser *keep;
    JsonObject *root = parse(text, &keep);

    g_assert_cmpint(json_object_get_int_member(root, "schema_version"), ==, 1);
    JsonObject *sum = json_object_get_object_member(root, "summary");
    g_assert_cmpint(json_object_get_int_member(sum, "findings"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(sum, "filtered"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(sum, "suppressed"), ==, 0);
    g_assert_false(json_object_get_boolean_member(sum, "truncated"));
    JsonObject *by = json_object_get_object_member(sum, "by_kind");
    g_assert_cmpint(json_object_get_int_member(by, "lock-order-inversion"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(by, "long-hold"), ==, 0);

    JsonArray *inputs = json_object_get_array_member(root, "inputs");
    g_assert_cmpuint(json_array_get_length(inputs), ==, 1);
    JsonObject *in0 = json_array_get_object_element(inputs, 0);
    g_assert_cmpint(json_object_get_int_member(in0, "pid"), ==, 321);
    g_assert_cmpstr(json_object_get_string_member(in0, "run_id"), ==, "run-x");
    g_assert_cmpstr(json_object_get_string_member(in0, "exe"), ==, "/bin/test_formats");
    g_assert_false(json_object_get_boolean_member(in0, "truncated"));
    g_assert_cmpstr(json_object_get_string_member(in0, "end"), ==, "exit");

    JsonArray *findings = json_object_get_array_member(root, "findings");
    g_assert_cmpuint(json_array_get_length(findings), ==, 1);
    JsonObject *f = json_array_get_object_element(findings, 0);
    g_assert_cmpstr(json_object_get_string_member(f, "kind"), ==, "lock-order-inversion");
    const char *fp = json_object_get_string_member(f, "fingerprint");
    g_assert_cmpuint(strlen(fp), ==, 16);
    g_assert_cmpstr(fp, ==, ((lg_finding *)g_ptr_array_index(a->findings, 0))->fingerprint);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(f, "flags")), ==, 0);
    g_assert_nonnull(strstr(json_object_get_string_member(f, "message"), "lock-order inversion"));

    JsonArray *cycle = json_object_get_array_member(f, "cycle");
    g_assert_cmpuint(json_array_get_length(cycle), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *l = json_array_get_object_element(cycle, i);
        gint64 id = json_object_get_int_member(l, "id");
        g_assert_true(id == A || id == B);
        g_assert_cmpstr(json_object_get_string_member(l, "kind"), ==, "mutex");
        g_assert_cmpstr(json_object_get_string_member(l, "subkind"), ==, "normal");
        g_assert_true(g_str_has_prefix(json_object_get_string_member(l, "class"), "site:"));
        char *addr = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", (guint64)(0x10000 + id * 64));
        g_assert_cmpstr(json_object_get_string_member(l, "address"), ==, addr);
        g_free(addr);
        g_assert_true(json_object_has_member(l, "name"));
        check_frames(json_object_get_array_member(l, "first_use"), "lgt_init_locks");
        g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(l, "process"), "pid"), ==, 321);
    }
    JsonArray *edges = json_object_get_array_member(f, "edges");
    g_assert_cmpuint(json_array_get_length(edges), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *e = json_array_get_object_element(edges, i);
        gint64 from = json_object_get_int_member(e, "from"), to = json_object_get_int_member(e, "to");
        g_assert_cmpint(from, ==, i);
        g_assert_cmpint(to, ==, (i + 1) % 2);
        gint64 from_id = json_object_get_int_member(json_array_get_object_element(cycle, (guint)from), "id");
        JsonObject *t = json_object_get_object_member(e, "thread");
        const char *want_fn = from_id == A ? "lgt_take_a_then_b" : "lgt_take_b_then_a";
        g_assert_cmpint(json_object_get_int_member(t, "serial"), ==, from_id == A ? 2 : 3);
        g_assert_cmpint(json_object_get_int_member(t, "tid"), ==, from_id == A ? 322 : 323);
        g_assert_cmpstr(json_object_get_string_member(t, "name"), ==, from_id == A ? "alpha" : "beta");
        check_frames(json_object_get_array_member(t, "created_at"), "lgt_spawn");
        g_assert_cmpstr(json_object_get_string_member(e, "held_mode"), ==, "mutex");
        g_assert_cmpstr(json_object_get_string_member(e, "acquired_mode"), ==, "mutex");
        g_assert_false(json_object_get_boolean_member(e, "timed"));
        JsonObject *pr = json_object_get_object_member(e, "process");
        g_assert_cmpint(json_object_get_int_member(pr, "pid"), ==, 321);
        g_assert_cmpstr(json_object_get_string_member(pr, "run_id"), ==, "run-x");
        check_frames(json_object_get_array_member(e, "stack"), want_fn);
        check_frames(json_object_get_array_member(e, "held_stack"), "lgt_init_locks");
    }

    JsonArray *filtered = json_object_get_array_member(root, "filtered");
    g_assert_cmpuint(json_array_get_length(filtered), ==, 1);
    JsonObject *ff = json_array_get_object_element(filtered, 0);
    g_assert_cmpstr(json_object_get_string_member(ff, "reason"), ==, "gate-lock");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(ff, "cycle")), ==, 2);

    JsonArray *stats = json_object_get_array_member(root, "statistics");
    g_assert_cmpuint(json_array_get_length(stats), ==, 2);
    JsonObject *s0 = json_array_get_object_element(stats, 0); /* most contended first */
    g_assert_cmpint(json_object_get_int_member(s0, "contended"), ==, 20);
    JsonObject *s1 = json_array_get_object_element(stats, 1);
    g_assert_cmpint(json_object_get_int_member(s1, "acquisitions"), ==, 100);
    g_assert_cmpint(json_object_get_int_member(s1, "wait_total_ns"), ==, 5000000);
    g_assert_cmpint(json_object_get_int_member(s1, "hold_max_ns"), ==, 1000000);
    g_object_unref(keep);
    free(text);

    /* without --verbose no filtered list; --top limits the statistics */
    text = render(lg_format_json, a, FALSE, 1);
    root = parse(text, &keep);
    g_assert_false(json_object_has_member(root, "filtered"));
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "statistics")), ==, 1);
    g_object_unref(keep);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_sarif(void)
{
    lgb *b = symbolized_log();
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_sarif, a, FALSE, 10);
    JsonParser *keep;
    JsonObject *root = parse(text, &keep);
    g_assert_cmpstr(json_object_get_string_member(root, "version"), ==, "2.1.0");
    g_assert_true(g_str_has_prefix(json_object_get_string_member(root, "$schema"), "https://"));
    JsonArray *runs = json_object_get_array_member(root, "runs");
    g_assert_cmpuint(json_array_get_length(runs), ==, 1);
    JsonObject *run = json_array_get_object_element(runs, 0);
    JsonObject *driver = json_object_get_object_member(json_object_get_object_member(run, "tool"), "driver");
    g_assert_cmpstr(json_object_get_string_member(driver, "name"), ==, "lockgraph");
    g_assert_nonnull(json_object_get_string_member(driver, "version"));
    JsonArray *rules = json_object_get_array_member(driver, "rules");
    g_assert_cmpuint(json_array_get_length(rules), ==, LG_FIND_KIND_MAX);
    g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(rules, 0), "id"), ==,
                    "lock-order-inversion");
    JsonArray *results = json_object_get_array_member(run, "results");
    g_assert_cmpuint(json_array_get_length(results), ==, 1);
    JsonObject *r = json_array_get_object_element(results, 0);
    g_assert_cmpstr(json_object_get_string_member(r, "ruleId"), ==, "lock-order-inversion");
    g_assert_cmpint(json_object_get_int_member(r, "ruleIndex"), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(r, "level"), ==, "error");
    g_assert_nonnull(json_object_get_string_member(json_object_get_object_member(r, "message"), "text"));
    JsonObject *loc = json_array_get_object_element(json_object_get_array_member(r, "locations"), 0);
    JsonObject *phys = json_object_get_object_member(loc, "physicalLocation");
    const char *uri = json_object_get_string_member(json_object_get_object_member(phys, "artifactLocation"), "uri");
    g_assert_true(g_str_has_suffix(uri, "test_formats.c"));
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(phys, "region"), "startLine"), >, 0);
    JsonArray *flows = json_object_get_array_member(r, "codeFlows");
    g_assert_cmpuint(json_array_get_length(flows), ==, 1);
    JsonArray *tf = json_object_get_array_member(json_array_get_object_element(flows, 0), "threadFlows");
    g_assert_cmpuint(json_array_get_length(tf), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonArray *locs = json_object_get_array_member(json_array_get_object_element(tf, i), "locations");
        g_assert_cmpuint(json_array_get_length(locs), ==, 2);
        g_assert_true(json_object_has_member(json_array_get_object_element(locs, 0), "location"));
    }
    JsonObject *pf = json_object_get_object_member(r, "partialFingerprints");
    g_assert_cmpstr(json_object_get_string_member(pf, "lockgraph/v1"), ==,
                    ((lg_finding *)g_ptr_array_index(a->findings, 0))->fingerprint);
    g_object_unref(keep);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_sarif_unsymbolized_fallback(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 5, "r", "x");
    lgb_module(b, 1, 0x400000, "/nonexistent/prog", NULL, 0, 0x10000);
    uint64_t pc = 0x400321;
    lgb_stack(b, 1, 1, &pc);
    lgb_thread(b, 1, 5, 0, 0, "main");
    lgb_thread(b, 2, 6, 1, 0, "w");
    lgb_mutex(b, A);
    lgb_mutex(b, B);
    lgb_order(b, 1, A, B, 1, 1);
    lgb_order(b, 2, B, A, 1, 1);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_sarif, a, FALSE, 10);
    JsonParser *keep;
    JsonObject *root = parse(text, &keep);
    JsonObject *run = json_array_get_object_element(json_object_get_array_member(root, "runs"), 0);
    JsonObject *r = json_array_get_object_element(json_object_get_array_member(run, "results"), 0);
    JsonObject *loc = json_array_get_object_element(json_object_get_array_member(r, "locations"), 0);
    g_assert_false(json_object_has_member(loc, "physicalLocation"));
    JsonObject *ll = json_array_get_object_element(json_object_get_array_member(loc, "logicalLocations"), 0);
    g_assert_cmpstr(json_object_get_string_member(ll, "fullyQualifiedName"), ==, "prog+0x321");
    g_object_unref(keep);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_dot(void)
{
    lgb *b = symbolized_log();
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_dot, a, FALSE, 10);
    g_assert_true(g_str_has_prefix(text, "digraph lockgraph {"));
    g_assert_nonnull(strstr(text, "p0_l1 -> p0_l2 [color=red"));
    g_assert_nonnull(strstr(text, "p0_l2 -> p0_l1 [color=red"));
    g_assert_nonnull(strstr(text, "p0_l2 -> p0_l3 [style=dashed]"));
    g_assert_nonnull(strstr(text, "p0_l3 -> p0_l2 [style=dashed]"));
    g_assert_nonnull(strstr(text, "lgt_init_locks")); /* node labels name the first-use site */
    g_assert_nonnull(strstr(text, "label=\"L1: "));     /* ... after the lock's own id */
    g_assert_nonnull(strstr(text, "cluster_legend"));
    g_assert_true(g_str_has_suffix(text, "}\n"));
    /* by default only the cycles: the gate lock G is in none, nor its edges */
    g_assert_null(strstr(text, "p0_l4"));
    free(text);
    /* --graph all: the whole graph, the gate lock (held, in no edge) included */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts all = {.top = 10, .graph_all = TRUE};
    lg_format_dot(f, a, &all);
    fclose(f);
    g_assert_nonnull(strstr(buf, "p0_l4 [label=\"L4: "));
    g_assert_nonnull(strstr(buf, "p0_l1 -> p0_l2 [color=red"));
    free(buf);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_text(void)
{
    lgb *b = symbolized_log();
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *text = render(lg_format_text, a, TRUE, 10);
    g_assert_true(g_str_has_prefix(text, "lockgraph report: 1 log, 1 finding (lock-order-inversion: 1); "
                                         "1 filtered, 0 suppressed\n"));
    const char *want[] = {"lgt_take_a_then_b", "lgt_take_b_then_a", "lgt_spawn", "\"alpha\"", "\"beta\"",
                          "while holding", "Filtered cycles", "gate-lock", "Contention", "test_formats.c:"};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        if (!strstr(text, want[i]))
            g_error("text report lacks \"%s\":\n%s", want[i], text);
    /* the finding comes before the contention table, which lists B (20) before A (7) */
    g_assert_true(strstr(text, "#1 lock-order-inversion") < strstr(text, "Contention"));
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
}

/* The shim's own losses (LOSSES): the latest record wins, counters this version does
 * not know are ignored, and both the text and the JSON report say what was lost. */
static void test_losses(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 77, "r", "/bin/lossy");
    lgb_mutex(b, 1);
    lgb_losses(b, 1, (lg_log_loss[]){{LG_LOSS_RECORDS_DROPPED, 1}});
    lgb_losses(b, 4, (lg_log_loss[]){{LG_LOSS_RECORDS_DROPPED, 3},
                                     {LG_LOSS_CONTEXTS_DROPPED, 5},
                                     {LG_LOSS_SEARCHES_CUT, 2},
                                     {999, 42}});
    lgb_end(b, LG_END_EXIT);
    lgb *clean = lgb_new();
    lgb_header(clean, 78, "r", "/bin/clean");
    lgb_end(clean, LG_END_EXIT);
    lgb *logs[2] = {b, clean};
    lg_analysis *a = lgb_analyze(logs, 2, NULL);

    char *text = render(lg_format_text, a, FALSE, 10);
    const char *want[] = {"lockgraph: the log of pid 77 lost 3 records",
                          "lockgraph: pid 77 did not record 5 contexts",
                          "lockgraph: pid 77 cut 2 live cycle searches short"};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        if (!strstr(text, want[i]))
            g_error("text report lacks \"%s\":\n%s", want[i], text);
    g_assert_null(strstr(text, "pid 78 "));
    g_assert_null(strstr(text, "999"));
    free(text);

    text = render(lg_format_json, a, FALSE, 10);
    JsonParser *keep;
    JsonObject *root = parse(text, &keep);
    JsonArray *inputs = json_object_get_array_member(root, "inputs");
    JsonObject *lossy = json_object_get_object_member(json_array_get_object_element(inputs, 0), "losses");
    g_assert_cmpint(json_object_get_int_member(lossy, "records_dropped"), ==, 3);
    g_assert_cmpint(json_object_get_int_member(lossy, "contexts_dropped"), ==, 5);
    g_assert_cmpint(json_object_get_int_member(lossy, "searches_cut"), ==, 2);
    g_assert_cmpuint(json_object_get_size(lossy), ==, 3);
    JsonObject *none = json_object_get_object_member(json_array_get_object_element(inputs, 1), "losses");
    g_assert_cmpint(json_object_get_int_member(none, "records_dropped"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(none, "contexts_dropped"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(none, "searches_cut"), ==, 0);
    g_object_unref(keep);
    free(text);
    lg_analysis_free(a);
    lgb_free(b);
    lgb_free(clean);
}

static void test_lock_names(void)
{
    uint64_t base = 0;
    dl_iterate_phdr(self_base, &base);
    lgb *b = lgb_new();
    lgb_header(b, 5, "r", "x");
    lgb_module_self(b, 1);
    uint64_t pcs[2] = {lgb_pc(lgt_init_locks), lgb_pc(lgt_spawn)};
    lgb_stack(b, 1, 2, pcs);
    uint64_t off0 = (uint64_t)(uintptr_t)&lgt_lock_table[0] - base;
    uint64_t off2 = (uint64_t)(uintptr_t)&lgt_lock_table[2] - base;
    lgb_lock(b, 1, base + off0, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, off0, 0);
    lgb_lock(b, 2, base + off2, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, off2, 0);
    lgb_lock(b, 3, 0x7000, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, 1, LG_CLASS_SITE, 0, 0, 1);
    lg_process *p = lgb_read(b, "t.log", 0);
    char *n0 = lg_lock_name(p, lg_process_lock(p, 1));
    char *n2 = lg_lock_name(p, lg_process_lock(p, 2));
    char *n3 = lg_lock_name(p, lg_process_lock(p, 3));
    g_assert_cmpstr(n0, ==, "lgt_lock_table");
    g_assert_cmpstr(n2, ==, "lgt_lock_table+0x80"); /* which element */
    g_assert_null(n3);                             /* a heap lock has no symbol */
    char *l3 = lg_lock_label(p, lg_process_lock(p, 3));
    char *want = g_strdup_printf("rwlock 0x7000 first used in lgt_init_locks (test_formats.c:%d)", LGT_INIT_LINE);
    g_assert_cmpstr(l3, ==, want);
    g_free(n0), g_free(n2), g_free(n3), g_free(l3), g_free(want);
    lg_process_free(p);
    lgb_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/formats/json", test_json);
    g_test_add_func("/formats/sarif", test_sarif);
    g_test_add_func("/formats/sarif-unsymbolized", test_sarif_unsymbolized_fallback);
    g_test_add_func("/formats/dot", test_dot);
    g_test_add_func("/formats/text", test_text);
    g_test_add_func("/formats/lock-names", test_lock_names);
    g_test_add_func("/formats/losses", test_losses);
    return g_test_run();
}
