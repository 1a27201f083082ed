/* Suppression file syntax, glob matching, and what a rule suppresses in a report. */
#include "analysis.h"
#include "log_builder.h"
#include "suppression_rules.h"
#include "suppressions.h"

#include <string.h>

static volatile int sink;
__attribute__((noinline)) void lgs_first_order(void) { sink += 1; sink *= 3; sink ^= 5; }
__attribute__((noinline)) void lgs_second_order(void) { sink += 2; sink *= 5; sink ^= 7; }

static int parse(const char *line, lg_supp_rule *r, const char **err)
{
    return lg_supp_parse_line(line, strlen(line), r, err);
}

static void test_parse(void)
{
    lg_supp_rule r;
    const char *err = NULL;
    g_assert_cmpint(parse("", &r, &err), ==, 0);
    g_assert_cmpint(parse("   # a comment", &r, &err), ==, 0);
    g_assert_cmpint(parse("lock-order-inversion:ns::Cache::*", &r, &err), ==, 1);
    g_assert_cmpint(r.kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpint(r.target, ==, LG_SUPP_FUNCTION);
    g_assert_cmpuint(r.pattern_len, ==, strlen("ns::Cache::*"));
    g_assert_cmpint(memcmp(r.pattern, "ns::Cache::*", r.pattern_len), ==, 0);
    g_assert_cmpint(parse("  deadlock:function:worker_*  \r", &r, &err), ==, 1);
    g_assert_cmpint(r.kind, ==, LG_FIND_DEADLOCK);
    g_assert_cmpint(r.target, ==, LG_SUPP_FUNCTION);
    g_assert_cmpuint(r.pattern_len, ==, strlen("worker_*"));
    g_assert_cmpint(parse("*:file:third_party/*", &r, &err), ==, 1);
    g_assert_cmpint(r.kind, ==, 0);
    g_assert_cmpint(r.target, ==, LG_SUPP_FILE);
    g_assert_cmpint(parse("fingerprint:0123abcdEF456789", &r, &err), ==, 1);
    g_assert_cmpint(r.target, ==, LG_SUPP_FINGERPRINT);

    const char *bad[] = {"no-colon-here", "not-a-kind:foo", "deadlock:", "deadlock:file:",
                         "fingerprint:xyz", "fingerprint:", ":foo"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        err = NULL;
        g_assert_cmpint(parse(bad[i], &r, &err), ==, -1);
        g_assert_nonnull(err);
        g_assert_true(g_str_has_prefix(err, "expected"));
    }
}

static gboolean glob(const char *p, const char *t) { return lg_supp_glob(p, strlen(p), t); }

static void test_glob(void)
{
    g_assert_true(glob("*", ""));
    g_assert_true(glob("*", "anything/at all"));
    g_assert_true(glob("abc", "abc"));
    g_assert_false(glob("abc", "abcd"));
    g_assert_false(glob("abcd", "abc"));
    g_assert_true(glob("a?c", "abc"));
    g_assert_false(glob("a?c", "ac"));
    g_assert_true(glob("worker_*", "worker_ab"));
    g_assert_true(glob("*_ab", "worker_ab"));
    g_assert_true(glob("*ork*a*", "worker_ab"));
    g_assert_false(glob("*ork*z*", "worker_ab"));
    g_assert_true(glob("a*b*c", "aXbYbZc"));
    g_assert_true(glob("ns::*::lock", "ns::Cache::lock"));
    g_assert_false(glob("Worker*", "worker"));
    /* no exponential blow-up on adversarial patterns */
    g_assert_false(glob("*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

    lg_supp_rule r;
    const char *err;
    g_assert_cmpint(parse("*:file:lock*.c", &r, &err), ==, 1);
    g_assert_true(lg_supp_match_file(&r, "/src/project/lockgraph.c")); /* basename */
    g_assert_false(lg_supp_match_file(&r, "/src/lockdir/other.c"));
    g_assert_cmpint(parse("*:file:*/vendor/*", &r, &err), ==, 1);
    g_assert_true(lg_supp_match_file(&r, "/src/vendor/x.c")); /* whole path */
    g_assert_false(lg_supp_match_file(&r, "vendor.c"));
}

static lgb *inversion_log(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 77, "r", "/bin/t");
    lgb_module_self(b, 1);
    uint64_t pc1 = lgb_pc(lgs_first_order), pc2 = lgb_pc(lgs_second_order);
    lgb_stack(b, 1, 1, &pc1);
    lgb_stack(b, 2, 1, &pc2);
    lgb_thread(b, 1, 77, 0, 0, "main");
    lgb_thread(b, 2, 78, 1, 0, "w");
    lgb_mutex(b, 1);
    lgb_mutex(b, 2);
    lgb_order(b, 1, 1, 2, 1, 1);
    lgb_order(b, 2, 2, 1, 2, 2);
    lg_item h = {.thread = 1, .lock = 1, .other_lock = 0, .stack = 1, .other_stack = 0, .mode = LG_MODE_EXCL};
    lgb_finding(b, LG_FIND_LONG_HOLD, 0, 2000, "", 1, &h);
    return b;
}

/* (suppressed inversions, suppressed long-holds) for a suppression text */
static void check(const char *text, unsigned inv, unsigned hold)
{
    lgb *b = inversion_log();
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    lgb_free(b);
    char *err = NULL;
    lg_suppressions *s = lg_suppressions_parse("t.supp", text, &err);
    g_assert_null(err);
    g_assert_nonnull(s);
    lg_suppressions_apply(s, a);
    g_test_message("%s -> %u suppressed", text, a->nsuppressed);
    g_assert_cmpuint(a->nsuppressed, ==, inv + hold);
    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 1 - inv);
    g_assert_cmpuint(a->counts[LG_FIND_LONG_HOLD], ==, 1 - hold);
    lg_suppressions_free(s);
    lg_analysis_free(a);
}

static void test_apply(void)
{
    check("# nothing\n", 0, 0);
    check("lock-order-inversion:lgs_second_order\n", 1, 0);
    check("lock-order-inversion:function:lgs_*_order\n", 1, 0);
    check("deadlock:lgs_*\n", 0, 0);                /* other kind */
    check("*:lgs_first_order\n", 1, 1);             /* both findings have it */
    check("long-hold:file:test_suppressions.c\n", 0, 1);
    check("*:file:*/report/test_suppressions.c\n", 1, 1);
    check("*:file:other.c\n", 0, 0);
    check("*:lgs_nothing\n\n# trailing\n", 0, 0);

    /* by fingerprint, either case */
    lgb *b = inversion_log();
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    lgb_free(b);
    const char *fp = NULL;
    for (guint i = 0; i < a->findings->len; i++) {
        lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->kind == LG_FIND_LOCK_ORDER_INVERSION)
            fp = f->fingerprint;
    }
    char *upper = g_ascii_strup(fp, -1);
    char *line = g_strdup_printf("fingerprint:%s\n", upper);
    lg_analysis_free(a);
    check(line, 1, 0);
    g_free(line);
    g_free(upper);
}

static void test_errors_name_the_line(void)
{
    char *err = NULL;
    lg_suppressions *s = lg_suppressions_parse("my.supp", "# ok\ndeadlock:x\nbogus\n", &err);
    g_assert_null(s);
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(err, "lockgraph: my.supp:3: expected"));
    g_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/suppressions/parse", test_parse);
    g_test_add_func("/suppressions/glob", test_glob);
    g_test_add_func("/suppressions/apply", test_apply);
    g_test_add_func("/suppressions/errors-name-the-line", test_errors_name_the_line);
    return g_test_run();
}
