/* A deadlock FINDING followed by its WAITS record: the report's deadlock edges carry
 * the modes, the timed flag of each thread's wait, and how long each thread had
 * waited and held (text and JSON); without WAITS they stay unknown (older logs). */
#define _GNU_SOURCE
#include "analysis.h"
#include "formats.h"
#include "log_builder.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

static volatile int sink;
__attribute__((noinline)) void lgw_block_on_b(void) { sink += 1; sink *= 3; }
__attribute__((noinline)) void lgw_block_on_a(void) { sink += 2; sink *= 5; }

enum { A = 1, B = 2 };

/* Threads 2 and 3 deadlocked on A and B; thread 3's wait is timed when `timed`. */
static lgb *deadlock_log(gboolean with_waits, gboolean timed)
{
    lgb *b = lgb_new();
    lgb_header(b, 90, "run-w", "/bin/test_deadlock_waits");
    lgb_module_self(b, 1);
    uint64_t pc1 = lgb_pc(lgw_block_on_b), pc2 = lgb_pc(lgw_block_on_a);
    lgb_stack(b, 1, 1, &pc1);
    lgb_stack(b, 2, 1, &pc2);
    lgb_thread(b, 1, 90, 0, 0, "main");
    lgb_thread(b, 2, 91, 1, 1, "t2");
    lgb_thread(b, 3, 92, 1, 1, "t3");
    lgb_lock(b, A, 0x10040, LG_KIND_MUTEX, 0, 1, LG_CLASS_SITE, 0, 0, 1);
    lgb_lock(b, B, 0x10080, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, 2, LG_CLASS_SITE, 0, 0, 2);
    /* t2 holds A, waits for B (write); t3 holds B (read), waits for A */
    lg_item it[2] = {
        {.thread = 2, .lock = A, .other_lock = B, .stack = 1, .other_stack = 2,
         .mode = LG_MODE_WRITE | LG_MODE_EXCL << 4, .wait_flags = 0,
         .waited_ns = 1500000000ull, .held_ns = 2250000000ull},
        {.thread = 3, .lock = B, .other_lock = A, .stack = 2, .other_stack = 1,
         .mode = LG_MODE_EXCL | LG_MODE_READ << 4,
         .wait_flags = timed ? LG_WAITF_TIMED : 0, .waited_ns = 1400000000ull,
         .held_ns = 0}};
    lgb_finding(b, LG_FIND_DEADLOCK, timed ? LG_FINDF_TIMED : 0, 0, "", 2, it);
    if (with_waits)
        lgb_waits(b, 2, it);
    lgb_end(b, LG_END_DEADLOCK);
    return b;
}

static char *render(lg_analysis *a, void (*fmt)(FILE *, const lg_analysis *, const lg_format_opts *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts o = {.verbose = FALSE, .top = 10};
    fmt(f, a, &o);
    fclose(f);
    return buf;
}

/* The deadlock finding's edges, parsed from the JSON report. */
static JsonArray *deadlock_edges(JsonParser *p, const char *json)
{
    GError *err = NULL;
    g_assert_true(json_parser_load_from_data(p, json, -1, &err));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
    JsonArray *fs = json_object_get_array_member(root, "findings");
    for (guint i = 0; i < json_array_get_length(fs); i++) {
        JsonObject *f = json_array_get_object_element(fs, i);
        if (!strcmp(json_object_get_string_member(f, "kind"), "deadlock"))
            return json_object_get_array_member(f, "edges");
    }
    g_assert_not_reached();
}

static JsonObject *edge_of_thread(JsonArray *edges, const char *name)
{
    for (guint i = 0; i < json_array_get_length(edges); i++) {
        JsonObject *e = json_array_get_object_element(edges, i);
        JsonObject *t = json_object_get_object_member(e, "thread");
        if (!strcmp(json_object_get_string_member(t, "name"), name))
            return e;
    }
    g_assert_not_reached();
}

static void test_waits_reach_json_and_text(void)
{
    lgb *b = deadlock_log(TRUE, TRUE);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->counts[LG_FIND_DEADLOCK], ==, 1);
    char *json = render(a, lg_format_json);
    JsonParser *p = json_parser_new();
    JsonArray *edges = deadlock_edges(p, json);
    g_assert_cmpuint(json_array_get_length(edges), ==, 2);
    JsonObject *e2 = edge_of_thread(edges, "t2"), *e3 = edge_of_thread(edges, "t3");
    /* modes from the shim, not null */
    g_assert_cmpstr(json_object_get_string_member(e2, "held_mode"), ==, "mutex");
    g_assert_cmpstr(json_object_get_string_member(e2, "acquired_mode"), ==, "write");
    g_assert_cmpstr(json_object_get_string_member(e3, "held_mode"), ==, "read");
    /* only t3's wait is timed */
    g_assert_false(json_object_get_boolean_member(e2, "timed"));
    g_assert_true(json_object_get_boolean_member(e3, "timed"));
    g_assert_cmpstr(json_object_get_string_member(e2, "wait"), ==, "lock");
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(e2, "waited_ms"), 1500.0, 1e-6);
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(e2, "held_ms"), 2250.0, 1e-6);
    g_assert_true(json_object_get_null_member(e3, "held_ms"));
    g_object_unref(p);

    char *text = render(a, lg_format_text);
    g_assert_nonnull(strstr(text, "blocked for 1500.000 ms, holding L"));
    g_assert_nonnull(strstr(text, "for 2250.000 ms"));
    g_assert_nonnull(strstr(text, "blocked for 1400.000 ms (with a timeout: it ends by itself)"));
    g_free(text);
    g_free(json);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_without_waits_unknown(void)
{
    lgb *b = deadlock_log(FALSE, FALSE);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *json = render(a, lg_format_json);
    JsonParser *p = json_parser_new();
    JsonArray *edges = deadlock_edges(p, json);
    JsonObject *e2 = edge_of_thread(edges, "t2");
    g_assert_false(json_object_has_member(e2, "waited_ms"));
    g_assert_false(json_object_has_member(e2, "wait"));
    g_assert_false(json_object_get_boolean_member(e2, "timed"));
    g_object_unref(p);
    char *text = render(a, lg_format_text);
    g_assert_null(strstr(text, "blocked for"));
    g_free(text);
    g_free(json);
    lg_analysis_free(a);
    lgb_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/deadlock_waits/json_and_text", test_waits_reach_json_and_text);
    g_test_add_func("/deadlock_waits/without_waits", test_without_waits_unknown);
    return g_test_run();
}
