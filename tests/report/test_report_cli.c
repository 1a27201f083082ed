/* `lockgraph report` as users run it: the bad-log corpus (exit status and messages
 * that name file and offset), exit statuses with --fail-on and suppressions, output
 * files; and lg_report_check, which `lockgraph run --error-exitcode` relies on. */
#include "bad_logs.h"
#include "log_builder.h"
#include "commands.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static char *tmpdir;

typedef struct result {
    int status;
    char *out, *err;
} result;

static result run_tool(const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)LOCKGRAPH_BIN);
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    result r = {0};
    int wait = 0;
    GError *err = NULL;
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
                      &wait, &err))
        g_error("spawn %s: %s", LOCKGRAPH_BIN, err->message);
    g_assert_true(WIFEXITED(wait)); /* never a crash */
    r.status = WEXITSTATUS(wait);
    g_ptr_array_free(argv, TRUE);
    return r;
}

static void result_clear(result *r)
{
    g_free(r->out);
    g_free(r->err);
}

static void test_bad_logs(void)
{
    GPtrArray *logs = bad_logs_make();
    for (guint i = 0; i < logs->len; i++) {
        const bad_log *l = g_ptr_array_index(logs, i);
        char *path = g_build_filename(tmpdir, l->name, NULL);
        g_assert_true(g_file_set_contents(path, (const char *)l->bytes->data, l->bytes->len, NULL));
        const char *args[] = {"report", path, NULL};
        result r = run_tool(args);
        g_test_message("%s: status %d, stderr %s", l->name, r.status, r.err);
        char *where = g_strdup_printf("lockgraph: %s: offset %zu: ", path, l->offset);
        g_assert_true(g_str_has_prefix(r.err, where));
        g_assert_nonnull(strstr(r.err, l->expect));
        if (l->torn) {
            /* a warning; the records before it are reported normally (no findings) */
            g_assert_cmpint(r.status, ==, 0);
            g_assert_nonnull(strstr(r.out, "truncated (torn tail)"));
        } else {
            g_assert_cmpint(r.status, ==, 2);
        }
        g_free(where);
        result_clear(&r);
        g_free(path);
    }
    bad_logs_free(logs);
}

/* Two threads, two mutexes, the order 1 -> 2 and, if asked, 2 -> 1; no END yet. */
static lgb *pair_log(gboolean inversion)
{
    lgb *b = lgb_new();
    lgb_header(b, 9, "r", "/bin/x");
    lgb_thread(b, 1, 9, 0, 0, "main");
    lgb_thread(b, 2, 10, 1, 0, "w");
    lgb_mutex(b, 1);
    lgb_mutex(b, 2);
    lgb_order(b, 1, 1, 2, 0, 0);
    if (inversion)
        lgb_order(b, 2, 2, 1, 0, 0);
    return b;
}

/* A log with an inversion (and a long hold if asked). */
static char *write_log(const char *name, gboolean inversion, gboolean long_hold)
{
    lgb *b = pair_log(inversion);
    if (long_hold) {
        lg_item h = {.thread = 1, .lock = 1, .other_lock = 0, .stack = 0, .other_stack = 0, .mode = LG_MODE_EXCL};
        lgb_finding(b, LG_FIND_LONG_HOLD, 0, 1500, "", 1, &h);
    }
    lgb_end(b, LG_END_EXIT);
    char *path = lgb_write(b, tmpdir, name);
    lgb_free(b);
    return path;
}

static int status_of(const char *const *args)
{
    result r = run_tool(args);
    int s = r.status;
    result_clear(&r);
    return s;
}

static void test_exit_statuses(void)
{
    char *clean = write_log("clean.log", FALSE, FALSE);
    char *inv = write_log("inv.log", TRUE, FALSE);
    char *hold = write_log("hold.log", FALSE, TRUE);
    /* unreadable: a foreign file (an empty .log is the trace of a process killed at
     * birth, a warning since test_killed_at_birth) */
    char *empty = g_build_filename(tmpdir, "zero.log", NULL);
    g_assert_true(g_file_set_contents(empty, "not a log\n", -1, NULL));

    g_assert_cmpint(status_of((const char *[]){"report", clean, NULL}), ==, 0);
    g_assert_cmpint(status_of((const char *[]){"report", inv, NULL}), ==, 1);
    g_assert_cmpint(status_of((const char *[]){"report", hold, NULL}), ==, 0);
    g_assert_cmpint(status_of((const char *[]){"report", "--fail-on", "all", hold, NULL}), ==, 1);
    g_assert_cmpint(status_of((const char *[]){"report", "--fail-on", "long-hold", hold, inv, NULL}), ==, 1);
    g_assert_cmpint(status_of((const char *[]){"report", "--fail-on", "deadlock,long-hold", inv, NULL}), ==, 0);
    g_assert_cmpint(status_of((const char *[]){"report", "--fail-on", "bogus", inv, NULL}), ==, 2);
    /* 2 wins over 1 across several logs */
    g_assert_cmpint(status_of((const char *[]){"report", inv, empty, NULL}), ==, 2);
    g_assert_cmpint(status_of((const char *[]){"report", "/nonexistent/x.log", NULL}), ==, 2);
    /* usage errors */
    g_assert_cmpint(status_of((const char *[]){"report", NULL}), ==, 2);
    g_assert_cmpint(status_of((const char *[]){"report", "--format", "xml", inv, NULL}), ==, 2);
    g_assert_cmpint(status_of((const char *[]){"report", "--no-such-flag", inv, NULL}), ==, 2);
    g_assert_cmpint(status_of((const char *[]){"frobnicate", NULL}), ==, 2);
    g_assert_cmpint(status_of((const char *[]){"--version", NULL}), ==, 0);
    g_assert_cmpint(status_of((const char *[]){"--help", NULL}), ==, 0);
    for (const char *const *f = (const char *[]){"text", "json", "sarif", "dot", NULL}; *f; f++)
        g_assert_cmpint(status_of((const char *[]){"report", "--format", *f, inv, NULL}), ==, 1);

    /* the same answers through the API the launcher uses */
    const char *one[] = {inv};
    g_assert_cmpint(lg_report_check(one, 1, NULL, NULL), ==, 1);
    g_assert_cmpint(lg_report_check(one, 1, "long-hold", NULL), ==, 0);
    g_assert_cmpint(lg_report_check((const char *[]){hold}, 1, NULL, NULL), ==, 0);
    g_assert_cmpint(lg_report_check((const char *[]){hold}, 1, "all", NULL), ==, 1);
    g_assert_cmpint(lg_report_check((const char *[]){inv, empty}, 2, NULL, NULL), ==, 2);
    g_assert_cmpint(lg_report_check((const char *[]){clean}, 1, NULL, NULL), ==, 0);

    /* suppressing the inversion makes it pass, and is counted */
    char *supp = g_build_filename(tmpdir, "all.supp", NULL);
    g_assert_true(g_file_set_contents(supp, "# everything\n*:file:*\nlock-order-inversion:*\n", -1, NULL));
    char *fpsupp = NULL;
    result r = run_tool((const char *[]){"report", "--format", "json", inv, NULL});
    const char *fp = strstr(r.out, "\"fingerprint\" : \"");
    g_assert_nonnull(fp);
    fpsupp = g_strdup_printf("fingerprint:%.16s\n", fp + strlen("\"fingerprint\" : \""));
    result_clear(&r);
    char *fpfile = g_build_filename(tmpdir, "fp.supp", NULL);
    g_assert_true(g_file_set_contents(fpfile, fpsupp, -1, NULL));
    r = run_tool((const char *[]){"report", "--suppressions", fpfile, inv, NULL});
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "lockgraph report: 1 log, 0 findings; 0 filtered, 1 suppressed"));
    result_clear(&r);
    g_assert_cmpint(lg_report_check(one, 1, NULL, fpfile), ==, 0);
    /* a function glob cannot match unsymbolized frames: still failing */
    g_assert_cmpint(lg_report_check(one, 1, NULL, supp), ==, 1);
    char *badsupp = g_build_filename(tmpdir, "bad.supp", NULL);
    g_assert_true(g_file_set_contents(badsupp, "deadlock:x\nwhat is this\n", -1, NULL));
    r = run_tool((const char *[]){"report", "--suppressions", badsupp, inv, NULL});
    g_assert_cmpint(r.status, ==, 2);
    char *want = g_strdup_printf("lockgraph: %s:2: expected", badsupp);
    g_assert_true(g_str_has_prefix(r.err, want));
    g_free(want);
    result_clear(&r);

    /* -o writes the report to a file and nothing to stdout */
    char *out = g_build_filename(tmpdir, "out.json", NULL);
    r = run_tool((const char *[]){"report", "--format", "json", "-o", out, inv, NULL});
    g_assert_cmpint(r.status, ==, 1);
    g_assert_cmpstr(r.out, ==, "");
    result_clear(&r);
    char *content = NULL;
    g_assert_true(g_file_get_contents(out, &content, NULL, NULL));
    g_assert_nonnull(strstr(content, "\"schema_version\" : 1"));
    g_free(content);

    g_free(out), g_free(badsupp), g_free(fpfile), g_free(fpsupp), g_free(supp);
    g_free(clean), g_free(inv), g_free(hold), g_free(empty);
}

/* contents of a file that is n bytes long and holds only zero bytes */
static char *zero_file(const char *name, size_t n, const char *start)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    char *bytes = g_malloc0(n ? n : 1);
    if (start)
        memcpy(bytes, start, strlen(start));
    g_assert_true(g_file_set_contents(path, bytes, (gssize)n, NULL));
    g_free(bytes);
    return path;
}

/* The empty or zero-filled log of a process killed between creating its log and
 * writing its first bytes (docs/log-format.md "Killed at birth"): a warning naming
 * it, no status 2 when another log was read; still status 2 alone (nothing to
 * report), and a foreign or corrupt file is still an error. */
static void test_killed_at_birth(void)
{
    char *clean = write_log("kb-clean.log", FALSE, FALSE);
    char *inv = write_log("kb-inv.log", TRUE, FALSE);
    char *zeros = zero_file("kb.123.log", 1u << 20, NULL);
    char *empty = zero_file("kb.124.log", 0, NULL);
    char *magic = zero_file("kb.125.log", 1u << 20, "LOCKG"); /* cut in the file header */
    char *foreign = zero_file("kb-foreign.log", 1u << 20, "\x01");
    char *odd = zero_file("kb-odd.log", 4096, NULL);      /* not a whole chunk */
    char *named = zero_file("kb-zeros.bin", 1u << 20, NULL); /* not a log's name */

    result r = run_tool((const char *[]){"report", clean, zeros, empty, magic, NULL});
    g_test_message("stderr %s", r.err);
    g_assert_cmpint(r.status, ==, 0);
    for (const char *const *f = (const char *[]){zeros, empty, magic, NULL}; *f; f++) {
        char *want = g_strdup_printf("lockgraph: %s: offset 0: expected a lockgraph log", *f);
        const char *at = strstr(r.err, want);
        g_assert_nonnull(at);
        const char *eol = strchr(at, '\n');
        char *line = g_strndup(at, eol ? (gsize)(eol - at) : strlen(at));
        g_assert_nonnull(strstr(line, "no record: the process was killed before it wrote its "
                                      "first record?"));
        g_free(line);
        g_free(want);
    }
    g_assert_nonnull(strstr(r.err, "found only zero bytes"));
    g_assert_nonnull(strstr(r.err, "found an empty file"));
    g_assert_true(g_str_has_prefix(r.out, "lockgraph report: 1 log, 0 findings"));
    result_clear(&r);
    g_assert_cmpint(status_of((const char *[]){"report", inv, zeros, NULL}), ==, 1);
    g_assert_cmpint(lg_report_check((const char *[]){clean, zeros, empty}, 3, NULL, NULL), ==, 0);
    g_assert_cmpint(lg_report_check((const char *[]){inv, empty}, 2, NULL, NULL), ==, 1);

    /* alone: nothing to report */
    r = run_tool((const char *[]){"report", zeros, NULL});
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.err, "no record: the process was killed"));
    g_assert_nonnull(strstr(r.err, "lockgraph: no log holds a record: nothing to report"));
    result_clear(&r);
    g_assert_cmpint(status_of((const char *[]){"report", zeros, empty, NULL}), ==, 2);
    g_assert_cmpint(lg_report_check((const char *[]){zeros}, 1, NULL, NULL), ==, 2);

    /* not that trace: the error with its offset, status 2 */
    for (const char *const *f = (const char *[]){foreign, odd, named, NULL}; *f; f++) {
        r = run_tool((const char *[]){"report", clean, *f, NULL});
        g_test_message("%s: stderr %s", *f, r.err);
        g_assert_cmpint(r.status, ==, 2);
        char *want = g_strdup_printf("lockgraph: %s: offset 0: expected a lockgraph log (magic "
                                     "\"LOCKGRPH\"), found a foreign file", *f);
        g_assert_true(g_str_has_prefix(r.err, want));
        g_assert_null(strstr(r.err, "no record"));
        g_free(want);
        result_clear(&r);
    }

    /* dump: the same warning; the records format says "unborn" */
    r = run_tool((const char *[]){"dump", "--format", "records", zeros, NULL});
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "log how=unborn offset=0 records=0"));
    g_assert_nonnull(strstr(r.err, "no record"));
    result_clear(&r);
    g_assert_cmpint(status_of((const char *[]){"dump", clean, zeros, NULL}), ==, 0);
    g_assert_cmpint(status_of((const char *[]){"dump", zeros, NULL}), ==, 2);

    g_free(clean), g_free(inv), g_free(zeros), g_free(empty), g_free(magic);
    g_free(foreign), g_free(odd), g_free(named);
}

/* A log that stops at a record boundary without END (the shim cut it to its last
 * record when it could not grow: ulimit -f, full disk): warned about on stderr and
 * in the text report, read normally, status by the findings. */
static void test_stopped_log(void)
{
    lgb *b = pair_log(TRUE);
    char *path = lgb_write(b, tmpdir, "stopped.log");
    size_t len = lgb_bytes(b)->len;
    lgb_free(b);
    result r = run_tool((const char *[]){"report", path, NULL});
    g_test_message("stderr %s\nstdout %s", r.err, r.out);
    g_assert_cmpint(r.status, ==, 1);
    char *want = g_strdup_printf("lockgraph: %s: offset %zu: log stops without an END record "
                                 "(the process was killed, or its log could not grow: file-size "
                                 "limit or full disk", path, len);
    g_assert_true(g_str_has_prefix(r.err, want));
    g_free(want);
    g_assert_nonnull(strstr(r.out, "warning: the log stops without an END record: the process "
                                   "was killed, or its log could not grow (file-size limit or "
                                   "full disk"));
    result_clear(&r);
    /* a finished log has neither */
    char *clean = write_log("stopped-clean.log", FALSE, FALSE);
    r = run_tool((const char *[]){"report", clean, NULL});
    g_assert_cmpint(r.status, ==, 0);
    g_assert_null(strstr(r.err, "without an END record"));
    g_assert_null(strstr(r.out, "without an END record"));
    result_clear(&r);
    g_free(clean);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("lg-report-cli-XXXXXX", NULL);
    g_test_add_func("/report_cli/bad-logs", test_bad_logs);
    g_test_add_func("/report_cli/exit-statuses", test_exit_statuses);
    g_test_add_func("/report_cli/killed-at-birth", test_killed_at_birth);
    g_test_add_func("/report_cli/stopped-log", test_stopped_log);
    int rc = g_test_run();
    /* remove what the tests wrote */
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(tmpdir, n, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return rc;
}
