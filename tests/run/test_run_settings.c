/* Tests of analyzer/run/run_settings.c: the settings table (common/settings.def,
 * shared with the shim) agrees with the settings table of docs/cli.md, and values
 * are checked the way the docs say. */
#include "run_settings.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

/* One row of the "Settings" table of docs/cli.md, e.g.
 * "| `--stack-depth N` | `LOCKGRAPH_STACK_DEPTH` | `32` | frames ... (1..256) |". */
typedef struct doc_row {
    char *flag_cell; /* "--stack-depth N" */
    char *env;       /* "LOCKGRAPH_STACK_DEPTH" */
    char *dflt;      /* "`32`", "off", "none" */
    char *meaning;
} doc_row;

static void doc_row_free(gpointer p)
{
    doc_row *r = p;
    g_free(r->flag_cell);
    g_free(r->env);
    g_free(r->dflt);
    g_free(r->meaning);
    g_free(r);
}

static char *docs_text(void)
{
    char *path = g_build_filename(LG_DOCS_DIR, "cli.md", NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_free(path);
    return text;
}

/* flag (without "--") -> doc_row, for the rows that have a flag. */
static GHashTable *docs_settings(void)
{
    char *text = docs_text();
    GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, doc_row_free);
    GRegex *re = g_regex_new("^\\| `(--([a-z-]+)[^`]*)` \\| `(LOCKGRAPH_[A-Z_]+)[^`]*` \\| "
                             "([^|]*) \\| (.*) \\|$",
                             G_REGEX_MULTILINE, 0, NULL);
    GMatchInfo *mi = NULL;
    g_regex_match(re, text, 0, &mi);
    while (g_match_info_matches(mi)) {
        doc_row *r = g_new0(doc_row, 1);
        r->flag_cell = g_match_info_fetch(mi, 1);
        r->env = g_match_info_fetch(mi, 3);
        r->dflt = g_match_info_fetch(mi, 4);
        r->meaning = g_match_info_fetch(mi, 5);
        g_hash_table_insert(map, g_match_info_fetch(mi, 2), r);
        g_match_info_next(mi, NULL);
    }
    g_match_info_free(mi);
    g_regex_unref(re);
    g_free(text);
    return map;
}

/* Every variable named in the first two columns of the settings table. */
static GHashTable *docs_variables(void)
{
    char *text = docs_text();
    GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GRegex *re = g_regex_new("^\\|.*? \\| `(LOCKGRAPH_[A-Z_]+)", G_REGEX_MULTILINE, 0, NULL);
    GMatchInfo *mi = NULL;
    g_regex_match(re, text, 0, &mi);
    while (g_match_info_matches(mi)) {
        g_hash_table_add(set, g_match_info_fetch(mi, 1));
        g_match_info_next(mi, NULL);
    }
    g_match_info_free(mi);
    g_regex_unref(re);
    g_free(text);
    return set;
}

/* common/settings.def is both the launcher's table and the shim's: docs/cli.md must
 * give each setting its flag, variable, default and range (and choices). */
static void test_table_matches_docs(void)
{
    GHashTable *docs = docs_settings();
    g_assert_cmpuint(g_hash_table_size(docs), ==, LG_N_SETTINGS);
    for (int i = 0; i < LG_N_SETTINGS; i++) {
        const lg_setting_def *d = &lg_setting_defs[i];
        const doc_row *r = g_hash_table_lookup(docs, d->flag);
        if (!r)
            g_error("docs/cli.md has no row for --%s", d->flag);
        g_assert_cmpstr(r->env, ==, d->env);
        g_assert_true(lg_setting_find(d->flag) == d);

        char buf[LG_SETTING_PATH_MAX];
        const char *dt = lg_setting_default_text(d, buf, sizeof buf);
        char *want = d->type == LG_SET_FLAG ? g_strdup(dt) /* "off" */
                     : dt ? g_strdup_printf("`%s`", dt) : g_strdup("none");
        if (strcmp(r->dflt, want) != 0)
            g_error("--%s: docs/cli.md says default %s, settings.def %s", d->flag, r->dflt, want);
        g_free(want);
        if (d->type == LG_SET_UINT) {
            char *range = g_strdup_printf("(%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
                                          d->min, d->max);
            if (!strstr(r->meaning, range))
                g_error("--%s: docs/cli.md does not state the range %s", d->flag, range);
            g_free(range);
        }
        if (d->type == LG_SET_CHOICE) {
            char **alts = g_strsplit(d->choices, "|", -1);
            char *escaped = g_strjoinv("\\|", alts);
            g_strfreev(alts);
            g_assert_nonnull(strstr(r->flag_cell, escaped));
            g_free(escaped);
        }

        /* --help names the variable and the default */
        char *help = lg_setting_help(d);
        g_assert_nonnull(strstr(help, d->env));
        if (dt && d->type != LG_SET_FLAG)
            g_assert_nonnull(strstr(help, dt));
        g_free(help);
    }
    g_assert_null(lg_setting_find("no-such-flag"));
    g_hash_table_destroy(docs);

    /* the shim reads no variable the table does not list, besides the two that
     * `lockgraph run` sets for it */
    GHashTable *vars = docs_variables();
    g_assert_true(g_hash_table_remove(vars, "LOCKGRAPH_RUN_ID"));
    g_assert_true(g_hash_table_remove(vars, "LOCKGRAPH_RUN_INDEX"));
    g_assert_cmpuint(g_hash_table_size(vars), ==, LG_N_SETTINGS);
    for (int i = 0; i < LG_N_SETTINGS; i++)
        g_assert_true(g_hash_table_contains(vars, lg_setting_defs[i].env));
    g_hash_table_destroy(vars);
}

static char *check(const char *flag, const char *value)
{
    const lg_setting_def *d = lg_setting_find(flag);
    g_assert_nonnull(d);
    GError *err = NULL;
    char *v = lg_setting_check(d, value, &err);
    if (!v) {
        g_assert_nonnull(err);
        /* Every message names the flag, so the user knows what to fix. */
        char *want = g_strdup_printf("--%s", flag);
        g_assert_nonnull(strstr(err->message, want));
        g_free(want);
        g_error_free(err);
    } else {
        g_assert_null(err);
    }
    return v;
}

static void expect_ok(const char *flag, const char *value, const char *canonical)
{
    char *v = check(flag, value);
    g_assert_cmpstr(v, ==, canonical);
    g_free(v);
}

static void expect_bad(const char *flag, const char *value)
{
    char *v = check(flag, value);
    if (v)
        g_error("--%s %s was accepted as '%s'", flag, value, v);
}

static void test_numbers(void)
{
    expect_ok("stack-depth", "32", "32");
    expect_ok("stack-depth", "1", "1");
    expect_ok("stack-depth", "256", "256");
    expect_ok("stack-depth", "007", "7");
    expect_bad("stack-depth", "0");
    expect_bad("stack-depth", "257");
    expect_bad("stack-depth", "-1");
    expect_bad("stack-depth", "12x");
    expect_bad("stack-depth", "");
    expect_bad("stack-depth", " 5");
    expect_ok("hold-threshold-ms", "0", "0");
    expect_bad("deadlock-ms", "0");
    expect_ok("deadlock-ms", "250", "250");
    expect_bad("deadlock-ms", "99999999999999999999");
    expect_ok("deadlock-exitcode", "255", "255");
    expect_bad("deadlock-exitcode", "256");
    expect_bad("deadlock-exitcode", "0");
    expect_ok("log-fd", "2", "2");
    expect_bad("log-fd", "two");
    expect_ok("log-fd", "1048576", "1048576"); /* the kernel's limit on descriptors */
    expect_bad("log-fd", "1048577");
}

static void test_choices_and_flags(void)
{
    expect_ok("trace-children", "yes", "yes");
    expect_ok("trace-children", "no", "no");
    expect_bad("trace-children", "maybe");
    expect_bad("trace-children", "NO");
    expect_ok("on-deadlock", "exit", "exit");
    expect_ok("on-deadlock", "abort", "abort");
    expect_ok("on-deadlock", "wait", "wait");
    expect_bad("on-deadlock", "ignore");
    expect_ok("quiet", NULL, "1");
    expect_ok("output", "lg.%p.log", "lg.%p.log");
    expect_ok("output", "/tmp/lg.%p.log", "/tmp/lg.%p.log");
    expect_ok("output", "/tmp/run-%p/lg.log", "/tmp/run-%p/lg.log"); /* only the shim knows */
    expect_bad("output", "/nonexistent-lockgraph-dir/lg.%p.log");
    expect_bad("output", "");
}

static void test_suppressions_file(void)
{
    char *dir = g_dir_make_tmp("lgsettings-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *file = g_build_filename(dir, "supp.txt", NULL);
    g_assert_true(g_file_set_contents(file, "# none\n", -1, NULL));
    char *cwd = g_get_current_dir();
    g_assert_cmpint(g_chdir(dir), ==, 0);
    /* Relative in, absolute out: PROG and its children may change directory. */
    char *v = check("suppressions", "supp.txt");
    g_assert_nonnull(v);
    g_assert_true(g_path_is_absolute(v));
    g_assert_true(g_file_test(v, G_FILE_TEST_IS_REGULAR));
    char *bn = g_path_get_basename(v);
    g_assert_cmpstr(bn, ==, "supp.txt");
    g_free(bn);
    g_free(v);
    expect_bad("suppressions", "missing.txt");
    expect_bad("suppressions", dir); /* a directory is not a suppression file */
    g_assert_cmpint(g_chdir(cwd), ==, 0);
    g_unlink(file);
    g_rmdir(dir);
    g_free(cwd);
    g_free(file);
    g_free(dir);
}

static void test_fail_on(void)
{
    GError *err = NULL;
    char *v = lg_fail_on_check("all", &err);
    g_assert_cmpstr(v, ==, "all");
    g_free(v);
    v = lg_fail_on_check("deadlock, lock-order-inversion", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(v, ==, "deadlock,lock-order-inversion");
    g_free(v);
    v = lg_fail_on_check("deadlock,races", &err);
    g_assert_null(v);
    g_assert_nonnull(strstr(err->message, "races"));
    g_clear_error(&err);
    v = lg_fail_on_check("", &err);
    g_assert_null(v);
    g_clear_error(&err);
    /* the report's grammar (common/fail_on.h): none and all anywhere in the list */
    v = lg_fail_on_check("none", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(v, ==, "none");
    g_free(v);
    v = lg_fail_on_check("deadlock,all", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(v, ==, "deadlock,all");
    g_free(v);
}

static void test_exitcode(void)
{
    GError *err = NULL;
    int n = 0;
    g_assert_true(lg_exitcode_check("error-exitcode", "66", &n, &err));
    g_assert_cmpint(n, ==, 66);
    g_assert_false(lg_exitcode_check("error-exitcode", "0", &n, &err));
    g_assert_nonnull(strstr(err->message, "--error-exitcode"));
    g_clear_error(&err);
    g_assert_false(lg_exitcode_check("error-exitcode", "256", &n, &err));
    g_clear_error(&err);
    g_assert_false(lg_exitcode_check("error-exitcode", "x", &n, &err));
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/run-settings/table-matches-docs", test_table_matches_docs);
    g_test_add_func("/run-settings/numbers", test_numbers);
    g_test_add_func("/run-settings/choices-and-flags", test_choices_and_flags);
    g_test_add_func("/run-settings/suppressions-file", test_suppressions_file);
    g_test_add_func("/run-settings/fail-on", test_fail_on);
    g_test_add_func("/run-settings/exitcode", test_exitcode);
    return g_test_run();
}
