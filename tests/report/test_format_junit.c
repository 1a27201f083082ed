/* `--format junit`: a well-formed JUnit document whose failed test cases are the
 * reported findings, with the finding's text as the failure body, passing cases for
 * the kinds with no finding, and every user-derived string escaped. */
#define _GNU_SOURCE
#include "analysis.h"
#include "formats.h"
#include "log_builder.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

static volatile int sink;
__attribute__((noinline)) void lgj_take_a_then_b(void) { sink += 1; sink *= 3; }
__attribute__((noinline)) void lgj_take_b_then_a(void) { sink += 2; sink *= 5; }

enum { A = 1, B = 2 };

/* A log with one inversion A->B / B->A, and a self-deadlock finding whose shim
 * detail carries XML metacharacters and a control character. */
static lgb *inversion_log(const char *thread_name)
{
    lgb *b = lgb_new();
    lgb_header(b, 77, "run-j", "/bin/test_format_junit");
    lgb_module_self(b, 1);
    uint64_t pc1 = lgb_pc(lgj_take_a_then_b), pc2 = lgb_pc(lgj_take_b_then_a);
    lgb_stack(b, 1, 1, &pc1);
    lgb_stack(b, 2, 1, &pc2);
    lgb_thread(b, 1, 77, 0, 0, "main");
    lgb_thread(b, 2, 78, 1, 1, thread_name);
    lgb_thread(b, 3, 79, 1, 1, "beta");
    lgb_lock(b, A, 0x10040, LG_KIND_MUTEX, 0, 1, LG_CLASS_SITE, 0, 0, 1);
    lgb_lock(b, B, 0x10080, LG_KIND_MUTEX, 0, 2, LG_CLASS_SITE, 0, 0, 2);
    lgb_order(b, 2, A, B, 1, 2);
    lgb_order(b, 3, B, A, 2, 1);
    lg_item it = {.lock = A, .thread = 2, .stack = 1, .other_stack = 2};
    lgb_finding(b, LG_FIND_SELF_DEADLOCK, 0, 0, "re-lock of <a&b> \"q\" \x01 here", 1, &it);
    lgb_end(b, LG_END_EXIT);
    return b;
}

static char *render_junit(lg_analysis *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_format_opts o = {.verbose = FALSE, .top = 10};
    lg_format_junit(f, a, &o);
    fclose(f);
    return buf;
}

/* What the parser saw: test cases by name, failures, and the suite's counts. */
typedef struct {
    int depth_suite, suites;
    unsigned attr_tests, attr_failures;
    unsigned cases, failed_cases;
    GString *names, *bodies;
    gboolean in_failure;
} seen;

static const char *attr(const char **names, const char **values, const char *want)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], want) == 0)
            return values[i];
    return NULL;
}

static void on_start(GMarkupParseContext *c, const char *el, const char **an, const char **av,
                     gpointer data, GError **err)
{
    (void)c, (void)err;
    seen *s = data;
    if (strcmp(el, "testsuite") == 0) {
        s->suites++;
        s->attr_tests = (unsigned)atoi(attr(an, av, "tests"));
        s->attr_failures = (unsigned)atoi(attr(an, av, "failures"));
    } else if (strcmp(el, "testcase") == 0) {
        s->cases++;
        g_string_append_printf(s->names, "%s|%s\n", attr(an, av, "classname"), attr(an, av, "name"));
    } else if (strcmp(el, "failure") == 0) {
        s->failed_cases++;
        s->in_failure = TRUE;
        g_string_append_printf(s->bodies, "message=%s\n", attr(an, av, "message"));
    }
}

static void on_end(GMarkupParseContext *c, const char *el, gpointer data, GError **err)
{
    (void)c, (void)err;
    if (strcmp(el, "failure") == 0)
        ((seen *)data)->in_failure = FALSE;
}

static void on_text(GMarkupParseContext *c, const char *text, gsize len, gpointer data, GError **err)
{
    (void)c, (void)err;
    seen *s = data;
    if (s->in_failure)
        g_string_append_len(s->bodies, text, (gssize)len);
}

static void parse_junit(const char *xml, seen *s)
{
    GMarkupParser p = {.start_element = on_start, .end_element = on_end, .text = on_text};
    memset(s, 0, sizeof *s);
    s->names = g_string_new(NULL);
    s->bodies = g_string_new(NULL);
    GMarkupParseContext *ctx = g_markup_parse_context_new(&p, 0, s, NULL);
    GError *err = NULL;
    /* GMarkup takes no XML declaration line: skip it (it is checked below) */
    g_assert_true(g_str_has_prefix(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    const char *body = strchr(xml, '\n') + 1;
    if (!g_markup_parse_context_parse(ctx, body, -1, &err) ||
        !g_markup_parse_context_end_parse(ctx, &err))
        g_error("not well-formed: %s\n%s", err->message, xml);
    g_markup_parse_context_free(ctx);
}

static void test_findings_are_failed_cases(void)
{
    lgb *b = inversion_log("alpha");
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    g_assert_cmpuint(a->counts[LG_FIND_LOCK_ORDER_INVERSION], ==, 1);
    g_assert_cmpuint(a->counts[LG_FIND_SELF_DEADLOCK], ==, 1);
    char *xml = render_junit(a);
    seen s;
    parse_junit(xml, &s);
    g_assert_cmpint(s.suites, ==, 1);
    /* two failures, and one passing case for each other kind */
    g_assert_cmpuint(s.failed_cases, ==, 2);
    g_assert_cmpuint(s.attr_failures, ==, 2);
    g_assert_cmpuint(s.cases, ==, (unsigned)LG_FIND_KIND_MAX - 2 + 2);
    g_assert_cmpuint(s.attr_tests, ==, s.cases);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        char *want = g_strdup_printf("lockgraph.%s|%s %s\n", lg_finding_kind_name(f->kind),
                                     lg_finding_kind_name(f->kind), f->fingerprint);
        g_assert_nonnull(strstr(s.names->str, want));
        g_free(want);
    }
    char *clean = g_strdup_printf("lockgraph.%s|no %s\n", lg_finding_kind_name(LG_FIND_DEADLOCK),
                                  lg_finding_kind_name(LG_FIND_DEADLOCK));
    g_assert_nonnull(strstr(s.names->str, clean));
    g_free(clean);
    /* the failure body is the text report: both stacks name this file's functions */
    g_assert_nonnull(strstr(s.bodies->str, "lgj_take_a_then_b"));
    g_assert_nonnull(strstr(s.bodies->str, "lgj_take_b_then_a"));
    g_assert_nonnull(strstr(s.bodies->str, "while holding"));
    /* the hostile detail arrives intact after unescaping, the control byte replaced */
    g_assert_nonnull(strstr(s.bodies->str, "<a&b> \"q\" \xEF\xBF\xBD here"));
    g_assert_null(strchr(xml, '\x01'));
    g_string_free(s.names, TRUE), g_string_free(s.bodies, TRUE);
    free(xml);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_clean_run_lists_what_was_checked(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 5, "run-c", "/bin/clean");
    lgb_thread(b, 1, 5, 0, 0, "main");
    lgb_end(b, LG_END_EXIT);
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *xml = render_junit(a);
    seen s;
    parse_junit(xml, &s);
    g_assert_cmpuint(s.failed_cases, ==, 0);
    g_assert_cmpuint(s.attr_failures, ==, 0);
    g_assert_cmpuint(s.cases, ==, (unsigned)LG_FIND_KIND_MAX);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        char *want = g_strdup_printf("|no %s\n", lg_finding_kind_name(k));
        g_assert_nonnull(strstr(s.names->str, want));
        g_free(want);
    }
    g_string_free(s.names, TRUE), g_string_free(s.bodies, TRUE);
    free(xml);
    lg_analysis_free(a);
    lgb_free(b);
}

static void test_hostile_thread_name_is_escaped(void)
{
    lgb *b = inversion_log("</failure><x a='1'>&");
    lg_analysis *a = lgb_analyze(&b, 1, NULL);
    char *xml = render_junit(a);
    seen s;
    parse_junit(xml, &s); /* aborts if the name broke the document */
    g_assert_cmpuint(s.failed_cases, ==, 2);
    g_assert_nonnull(strstr(s.bodies->str, "</failure><x a='1'>&"));
    g_string_free(s.names, TRUE), g_string_free(s.bodies, TRUE);
    free(xml);
    lg_analysis_free(a);
    lgb_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/report/junit/findings-are-failed-cases", test_findings_are_failed_cases);
    g_test_add_func("/report/junit/clean-run-lists-what-was-checked",
                    test_clean_run_lists_what_was_checked);
    g_test_add_func("/report/junit/hostile-thread-name-is-escaped",
                    test_hostile_thread_name_is_escaped);
    return g_test_run();
}
