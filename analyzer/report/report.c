/* `lockgraph report` and lg_report_check: read logs, analyze, suppress, print,
 * and turn the result into the exit status (docs/cli.md). */
#include "coverage_notes.h"
#include "analysis.h"
#include "fail_on.h"
#include "formats.h"
#include "log_reader.h"
#include "names.h"
#include "commands.h"
#include "suppressions.h"
#include "symbol_cache.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EXIT_FINDINGS 1
#define EXIT_TROUBLE 2

/* The kinds that make the status 1 (fail_on.h); NULL spec = the default.  A bad
 * spec is one line on stderr. */
static gboolean parse_fail_on(const char *spec, lg_kind_set *fail)
{
    char err[512];
    *fail = LG_FAIL_ON_DEFAULT;
    if (spec && !lg_fail_on_parse(spec, fail, err, sizeof err)) {
        fprintf(stderr, "lockgraph: %s\n", err);
        return FALSE;
    }
    return TRUE;
}

/* Reads every log; returns the analysis and sets *trouble if any log was unreadable
 * (those are left out; the rest is still analyzed).  A file a process killed at
 * birth left (LG_READ_NO_RECORD) is a warning, and trouble only when no log at all
 * could be read: then there is nothing to report. */
static lg_analysis *analyze_logs(const char *const *logs, size_t nlogs, const lg_suppressions *supp,
                                 gboolean *trouble, size_t *nunborn)
{
    GPtrArray *procs = g_ptr_array_new_with_free_func((GDestroyNotify)lg_process_free);
    size_t unborn = 0;
    for (size_t i = 0; i < nlogs; i++) {
        lg_process *p = NULL;
        char *msg = NULL;
        lg_read_status st = lg_log_read_file(logs[i], procs->len, &p, &msg);
        if (msg)
            fprintf(stderr, "%s\n", msg);
        g_free(msg);
        if (st == LG_READ_ERROR)
            *trouble = TRUE;
        else if (st == LG_READ_NO_RECORD)
            unborn++;
        else
            g_ptr_array_add(procs, p);
    }
    if (unborn && procs->len == 0 && !*trouble) {
        fprintf(stderr, "lockgraph: no log holds a record: nothing to report\n");
        *trouble = TRUE;
    }
    if (nunborn)
        *nunborn = unborn;
    lg_analysis *a = lg_analyze(procs, NULL);
    if (supp)
        lg_suppressions_apply(supp, a);
    return a;
}

/* The suppressions of path (NULL: none) in *out.  FALSE (message printed) if the file
 * cannot be read or parsed. */
static gboolean load_suppressions(const char *path, lg_suppressions **out)
{
    *out = NULL;
    if (!path)
        return TRUE;
    char *msg = NULL;
    *out = lg_suppressions_load(path, &msg);
    if (!*out) {
        fprintf(stderr, "%s\n", msg);
        g_free(msg);
        return FALSE;
    }
    return TRUE;
}

typedef void (*emit_fn)(FILE *, const lg_analysis *, const lg_format_opts *);

/* The writer of the format called name, or NULL. */
static emit_fn format_by_name(const char *name)
{
    static const struct {
        const char *name;
        emit_fn emit;
    } formats[] = {{"text", lg_format_text}, {"json", lg_format_json},
                   {"sarif", lg_format_sarif}, {"dot", lg_format_dot},
                   {"html", lg_format_html},  {"junit", lg_format_junit}};
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
        if (strcmp(name, formats[i].name) == 0)
            return formats[i].emit;
    return NULL;
}

/* Writes the report to output (NULL: stdout).  FALSE (message printed) if output
 * cannot be opened; *trouble set if writing failed. */
static gboolean write_report(emit_fn emit, const lg_analysis *a, const lg_format_opts *fo,
                             const char *output, gboolean *trouble)
{
    FILE *out = output ? fopen(output, "w") : stdout;
    if (!out) {
        fprintf(stderr, "lockgraph report: %s: cannot write: %s\n", output, strerror(errno));
        return FALSE;
    }
    emit(out, a, fo);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "lockgraph report: %s: write error\n", output ? output : "stdout");
        *trouble = TRUE;
    }
    if (out != stdout)
        fclose(out);
    return TRUE;
}

static int status_of(const lg_analysis *a, lg_kind_set fail, gboolean trouble)
{
    if (trouble)
        return EXIT_TROUBLE;
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        if (lg_kind_set_has(fail, k) && a->counts[k])
            return EXIT_FINDINGS;
    return 0;
}

int lg_report_check(const char *const *logs, size_t nlogs, const char *fail_on,
                    const char *suppressions)
{
    lg_run_summary sum;
    return lg_report_summary(logs, nlogs, fail_on, suppressions, &sum);
}

int lg_report_main(int argc, char **argv)
{
    char *format = NULL, *output = NULL, *supp_path = NULL, *fail_on = NULL, *graph = NULL;
    char *source_root = NULL;
    gboolean verbose = FALSE, no_symbols = FALSE;
    gint top = 10;
    char **logs = NULL;
    GOptionEntry entries[] = {
        {"format", 0, 0, G_OPTION_ARG_STRING, &format, "Output format: text (default), json, sarif, dot, html, junit", "FORMAT"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the report to FILE (default: stdout)", "FILE"},
        {"suppressions", 0, 0, G_OPTION_ARG_FILENAME, &supp_path, "Suppression file (docs/suppressions.md)", "FILE"},
        {"fail-on", 0, 0, G_OPTION_ARG_STRING, &fail_on, "Finding kinds that make the exit status 1: comma-separated kinds, all or none (default: all but long-hold)", "KINDS"},
        {"verbose", 0, 0, G_OPTION_ARG_NONE, &verbose, "Also list the cycles the rules filtered out, and why; show the runtime frames below each thread's entry and every lock and edge of a long cycle", NULL},
        {"top", 0, 0, G_OPTION_ARG_INT, &top, "Rows of the contention table (default 10)", "N"},
        {"no-symbols", 0, 0, G_OPTION_ARG_NONE, &no_symbols, "Do not read debug information; print module+offset", NULL},
        {"graph", 0, 0, G_OPTION_ARG_STRING, &graph, "dot: cycles (default: the locks and edges of reported and filtered cycles) or all (the whole lock-order graph)", "cycles|all"},
        {"source-root", 0, 0, G_OPTION_ARG_FILENAME, &source_root, "sarif: file URIs relative to DIR (default: the git toplevel of the sources, if any)", "DIR"},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &logs, NULL, "LOG..."},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_set_prgname("lockgraph report");
    GOptionContext *ctx = g_option_context_new("- analyze lockgraph logs (exit status: 0 clean, 1 findings, 2 trouble)");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int rc = 0;
    lg_suppressions *supp = NULL;
    lg_analysis *a = NULL;
    lg_kind_set fail;

    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "lockgraph report: %s (see lockgraph report --help)\n", err->message);
        g_error_free(err);
        rc = EXIT_TROUBLE;
        goto done;
    }
    if (!logs || !logs[0]) {
        fprintf(stderr, "lockgraph report: expected at least one LOG (see lockgraph report --help)\n");
        rc = EXIT_TROUBLE;
        goto done;
    }
    const char *fmt = format ? format : "text";
    emit_fn emit = format_by_name(fmt);
    if (!emit) {
        fprintf(stderr, "lockgraph report: --format: expected text, json, sarif, dot, html or junit; found \"%s\"\n", fmt);
        rc = EXIT_TROUBLE;
        goto done;
    }
    if (graph && strcmp(graph, "cycles") != 0 && strcmp(graph, "all") != 0) {
        fprintf(stderr, "lockgraph report: --graph: expected cycles or all; found \"%s\"\n", graph);
        rc = EXIT_TROUBLE;
        goto done;
    }
    if (top < 0) {
        fprintf(stderr, "lockgraph report: --top: expected a number >= 0, found %d\n", top);
        rc = EXIT_TROUBLE;
        goto done;
    }
    if (!parse_fail_on(fail_on, &fail)) {
        rc = EXIT_TROUBLE;
        goto done;
    }
    if (!load_suppressions(supp_path, &supp)) {
        rc = EXIT_TROUBLE;
        goto done;
    }
    if (no_symbols)
        lg_symbols_set_enabled(FALSE);

    gboolean trouble = FALSE;
    a = analyze_logs((const char *const *)logs, g_strv_length(logs), supp, &trouble, NULL);
    lg_format_opts fo = {.verbose = verbose, .top = (unsigned)top,
                         .graph_all = graph && strcmp(graph, "all") == 0,
                         .source_root = source_root};
    if (!write_report(emit, a, &fo, output, &trouble)) {
        rc = EXIT_TROUBLE;
        goto done;
    }
    rc = status_of(a, fail, trouble);

done:
    lg_analysis_free(a);
    lg_suppressions_free(supp);
    lg_symbols_reset();
    g_option_context_free(ctx);
    g_free(format);
    g_free(output);
    g_free(supp_path);
    g_free(fail_on);
    g_free(graph);
    g_free(source_root);
    g_strfreev(logs);
    return rc;
}

int lg_report_summary(const char *const *logs, size_t nlogs, const char *fail_on,
                      const char *suppressions, lg_run_summary *out)
{
    G_STATIC_ASSERT(LG_FIND_KIND_MAX < G_N_ELEMENTS(out->by_kind));
    memset(out, 0, sizeof *out);
    out->status = EXIT_TROUBLE;
    lg_kind_set fail;
    if (!parse_fail_on(fail_on, &fail))
        return out->status;
    lg_suppressions *supp = NULL;
    if (!load_suppressions(suppressions, &supp))
        return out->status;
    gboolean trouble = FALSE;
    size_t unborn = 0;
    lg_analysis *a = analyze_logs(logs, nlogs, supp, &trouble, &unborn);
    out->logs = a->procs->len;
    /* a log left by a process killed at birth is no unreadable log */
    out->unreadable = (unsigned)(nlogs - unborn) - a->procs->len;
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        out->by_kind[k] = a->counts[k];
        out->findings += a->counts[k];
        if (lg_kind_set_has(fail, k))
            out->failing += a->counts[k];
    }
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        for (guint k = 0; k < p->untraced->len; k++) {
            if (!out->untraced++) {
                char *m = lg_untraced_message(g_ptr_array_index(p->untraced, k));
                g_strlcpy(out->untraced_first, m, sizeof out->untraced_first);
                g_free(m);
            }
        }
    }
    out->status = status_of(a, fail, trouble);
    lg_analysis_free(a);
    lg_suppressions_free(supp);
    lg_symbols_reset();
    return out->status;
}
