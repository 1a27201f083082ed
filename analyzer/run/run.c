/* `lockgraph run [OPTIONS] [--] PROG [ARGS...]`: runs PROG with the shim preloaded and
 * the settings passed as LOCKGRAPH_* variables, then decides the exit status.
 *
 * The launcher only translates flags into the environment (so a bare LD_PRELOAD of the
 * shim with the same variables behaves the same) and watches the outcome:
 *  - exit status: PROG's (128+N if signal N ended it), unless the run ended by the
 *    shim's deadlock policy (then that status, whatever --error-exitcode says), or
 *    --error-exitcode N is given and PROG or a program it exec'd ran untraced, or the
 *    run's logs hold a --fail-on finding (then N);
 *  - it learns which logs the run wrote from the run index (run_index.h), which is
 *    also how it notices that the shim never loaded.
 */
/* fcntl */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "log_format.h"
#include "names.h"
#include "prog_probe.h"
#include "run_child.h"
#include "run_env.h"
#include "run_index.h"
#include "run_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 2

static const char run_description[] =
    "Every option above also has an environment variable (in brackets), so\n"
    "LD_PRELOAD=liblockgraph.so PROG with the same variables behaves the same.\n"
    "An option given here overrides the variable; the variable applies otherwise.\n"
    "\n"
    "Exit status: PROG's own, or 128+N if signal N killed it; the deadlock exit\n"
    "code if the shim ended PROG after a deadlock; N from --error-exitcode if PROG\n"
    "or a program it exec'd ran without the shim (static, setuid), or if the logs\n"
    "of this run hold a finding of a --fail-on kind; 2 for a bad option or a\n"
    "missing shim or ASan runtime; 127 if PROG cannot be found, 126 if it cannot\n"
    "be executed.\n"
    "\n"
    "Environment read by the launcher only:\n"
    "  LOCKGRAPH_SHIM   path of liblockgraph.so (default: ../lib/liblockgraph.so\n"
    "                   relative to the lockgraph executable)\n"
    "Set for PROG: LD_PRELOAD (the shim prepended), LOCKGRAPH_RUN_ID,\n"
    "LOCKGRAPH_RUN_INDEX (see docs/cli.md).\n";

typedef struct run_opts {
    char *values[LG_N_SETTINGS]; /* as given; NULL = not given */
    gboolean flags[LG_N_SETTINGS];
    char *error_exitcode;
    char *fail_on;
    char *canon[LG_N_SETTINGS]; /* validated values for the environment */
    int error_status;               /* 0 = no --error-exitcode */
    char *fail_on_canon;
} run_opts;

static void run_opts_clear(run_opts *o)
{
    for (int i = 0; i < LG_N_SETTINGS; i++) {
        g_free(o->values[i]);
        g_free(o->canon[i]);
    }
    g_free(o->error_exitcode);
    g_free(o->fail_on);
    g_free(o->fail_on_canon);
}

static void usage_error(const char *msg)
{
    fprintf(stderr, "lockgraph run: %s\nTry 'lockgraph run --help' for more information.\n", msg);
}

/* Parses options up to PROG.  Returns FALSE on a usage error (already printed). */
static gboolean parse_options(run_opts *o, int *argc, char ***argv)
{
    GOptionEntry entries[LG_N_SETTINGS + 3];
    char *help[LG_N_SETTINGS + 1];
    memset(entries, 0, sizeof entries);
    for (int i = 0; i < LG_N_SETTINGS; i++) {
        const lg_setting_def *d = &lg_setting_defs[i];
        GOptionEntry *e = &entries[i];
        e->long_name = d->flag;
        e->description = help[i] = lg_setting_help(d);
        e->arg_description = d->arg_description;
        if (d->type == LG_SET_FLAG) {
            e->arg = G_OPTION_ARG_NONE;
            e->arg_data = &o->flags[i];
        } else {
            e->arg = (d->type == LG_SET_PATH || d->type == LG_SET_FILE) ? G_OPTION_ARG_FILENAME
                                                                         : G_OPTION_ARG_STRING;
            e->arg_data = &o->values[i];
        }
    }
    entries[LG_N_SETTINGS] = (GOptionEntry){
        "error-exitcode", 0, 0, G_OPTION_ARG_STRING, &o->error_exitcode,
        "After PROG ends, exit with N (1..255) if the logs of this run hold a finding of a "
        "--fail-on kind (launcher only)",
        "N"};
    help[LG_N_SETTINGS] = g_strdup_printf(
        "Finding kinds that count for --error-exitcode: comma-separated list of %s, all "
        "or none (default: all but long-hold; launcher only)",
        lg_finding_kind_list());
    entries[LG_N_SETTINGS + 1] = (GOptionEntry){
        "fail-on", 0, 0, G_OPTION_ARG_STRING, &o->fail_on, help[LG_N_SETTINGS], "KINDS"};

    GOptionContext *ctx = g_option_context_new("[--] PROG [ARGS...]");
    g_option_context_set_summary(ctx, "Run PROG with the lockgraph shim preloaded and record "
                                      "its lock-order graph to a log per process.");
    g_option_context_set_description(ctx, run_description);
    /* Stop at PROG: everything after it belongs to PROG, even if it looks like ours. */
    g_option_context_set_strict_posix(ctx, TRUE);
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    gboolean ok = g_option_context_parse(ctx, argc, argv, &err);
    if (!ok) {
        usage_error(err->message);
        g_error_free(err);
    }
    g_option_context_free(ctx);
    for (int i = 0; i <= LG_N_SETTINGS; i++)
        g_free(help[i]);
    return ok;
}

/* Checks every given value; fills o->canon.  FALSE on the first bad one (printed). */
static gboolean validate(run_opts *o)
{
    GError *err = NULL;
    for (int i = 0; i < LG_N_SETTINGS; i++) {
        const lg_setting_def *d = &lg_setting_defs[i];
        const char *v = d->type == LG_SET_FLAG ? (o->flags[i] ? "1" : NULL) : o->values[i];
        if (!v)
            continue;
        o->canon[i] = lg_setting_check(d, v, &err);
        if (!o->canon[i])
            goto bad;
        /* The shim writes to this descriptor in PROG, which inherits ours: it has to
         * be open here. */
        if (i == LG_SETTING_LOG_FD && fcntl(atoi(o->canon[i]), F_GETFD) < 0) {
            g_set_error(&err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--log-fd: descriptor %s is not open", o->canon[i]);
            goto bad;
        }
    }
    if (o->error_exitcode &&
        !lg_exitcode_check("error-exitcode", o->error_exitcode, &o->error_status, &err))
        goto bad;
    if (o->fail_on) {
        o->fail_on_canon = lg_fail_on_check(o->fail_on, &err);
        if (!o->fail_on_canon)
            goto bad;
        if (!o->error_exitcode)
            fprintf(stderr, "lockgraph: warning: --fail-on has no effect without "
                            "--error-exitcode\n");
    }
    return TRUE;
bad:
    usage_error(err->message);
    g_error_free(err);
    return FALSE;
}

/* The text PROG will see for a setting: ours if given, else the inherited variable. */
static const char *effective_text(const run_opts *o, enum lg_setting_id id)
{
    return o->canon[id] ? o->canon[id] : g_getenv(lg_setting_defs[id].env);
}

/* A setting's value as the shim parses it (settings.h): the default when the
 * variable is unset or invalid, as the shim falls back. */
static uint64_t effective(const run_opts *o, enum lg_setting_id id)
{
    return lg_setting_effective(&lg_setting_defs[id], effective_text(o, id));
}

/* Did the shim's deadlock policy end PROG?  It writes an END record with reason
 * deadlock, then exits with the deadlock exit code or aborts, as configured. */
static gboolean ended_by_deadlock_policy(const run_opts *o, char **logs, int wait_status)
{
    uint64_t policy = effective(o, LG_SETTING_ON_DEADLOCK);
    gboolean aborts = policy == LG_ON_DEADLOCK_ABORT, waits = policy == LG_ON_DEADLOCK_WAIT;
    gboolean status_fits =
        (!aborts && !waits && WIFEXITED(wait_status) &&
         (uint64_t)WEXITSTATUS(wait_status) == effective(o, LG_SETTING_DEADLOCK_EXITCODE)) ||
        (aborts && WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGABRT);
    if (!status_fits)
        return FALSE;
    for (int i = 0; logs[i]; i++)
        if (lg_log_end_reason(logs[i]) == LG_END_DEADLOCK)
            return TRUE;
    return FALSE;
}

/* Builds PROG's environment.  NULL (message printed) if something it needs is missing. */
static char **build_environment(const run_opts *o, const lg_prog_info *info, const char *shim,
                                const char *index_path)
{
    char *asan = NULL;
    if (info->asan_soname) {
        /* ASan insists on being the first library in the process: preloading the
         * shim alone would make it abort ("ASan runtime does not come first"). */
        asan = lg_find_library(info, info->asan_soname);
        if (!asan) {
            fprintf(stderr,
                    "lockgraph run: %s needs the ASan runtime %s, which must be preloaded "
                    "before the shim, but it was not found (searched the program's "
                    "RPATH/RUNPATH, LD_LIBRARY_PATH, the ld.so cache, the default "
                    "directories and the compiler); add its directory to LD_LIBRARY_PATH\n",
                    info->path, info->asan_soname);
            return NULL;
        }
    }
    char **env = g_get_environ();
    if (!asan)
        asan = lg_preload_find_asan(g_environ_getenv(env, "LD_PRELOAD"));
    for (int i = 0; i < LG_N_SETTINGS; i++)
        if (o->canon[i])
            env = g_environ_setenv(env, lg_setting_defs[i].env, o->canon[i], TRUE);
    const char *first[3] = {asan ? asan : shim, asan ? shim : NULL, NULL};
    char *preload = lg_preload_compose(first, g_environ_getenv(env, "LD_PRELOAD"));
    env = g_environ_setenv(env, "LD_PRELOAD", preload, TRUE);
    char *run_id = lg_run_id_new();
    env = g_environ_setenv(env, "LOCKGRAPH_RUN_ID", run_id, TRUE);
    env = g_environ_setenv(env, "LOCKGRAPH_RUN_INDEX", index_path, TRUE);
    g_free(run_id);
    g_free(preload);
    g_free(asan);
    return env;
}

static void print_logs(char **logs)
{
    guint n = g_strv_length(logs);
    if (n == 0)
        return;
    fprintf(stderr, "lockgraph: %u log%s written:", n, n == 1 ? "" : "s");
    for (guint i = 0; i < n; i++)
        fprintf(stderr, " %s", logs[i]);
    fprintf(stderr, "\n");
}

/* How to look at the logs: the paths, or the --output pattern when there are many. */
static char *report_hint(const run_opts *o, char **logs)
{
    guint n = g_strv_length(logs);
    if (n <= 3)
        return g_strjoinv(" ", logs);
    const char *pattern = effective_text(o, LG_SETTING_OUTPUT);
    if (!pattern || !strstr(pattern, "%p"))
        return g_strjoinv(" ", logs);
    char **parts = g_strsplit(pattern, "%p", -1);
    char *glob = g_strjoinv("*", parts);
    g_strfreev(parts);
    return glob;
}

/* "2 findings (lock-order-inversion: 1, deadlock: 1)" */
static char *count_text(unsigned n, const unsigned *by_kind, const char *what)
{
    GString *g = g_string_new(NULL);
    g_string_append_printf(g, "%u %s%s", n, what, n == 1 ? "" : "s");
    const char *sep = " (";
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        if (by_kind[k]) {
            g_string_append_printf(g, "%s%s: %u", sep, lg_finding_kind_name(k), by_kind[k]);
            sep = ", ";
        }
    if (n)
        g_string_append_c(g, ')');
    return g_string_free(g, FALSE);
}

/* Exit status once PROG has ended (see the top of this file for the order).  Prints
 * the run's closing line (unless quiet) and, quiet or not, one line explaining a
 * status that lockgraph imposed.  untraced: why PROG was not traced, or NULL. */
static int decide_status(const run_opts *o, const char *prog, char **logs, int wait_status,
                         const char *untraced)
{
    gboolean quiet = effective(o, LG_SETTING_QUIET) != 0;
    int status = lg_wait_status_to_exit(wait_status);
    lg_run_summary sum;
    memset(&sum, 0, sizeof sum);
    char *hint = NULL;
    /* the analysis costs what a report costs: only for a line that is printed or a
     * status that depends on it */
    if (logs[0] && (!quiet || o->error_status)) {
        const char *supp = effective_text(o, LG_SETTING_SUPPRESSIONS);
        lg_report_summary((const char *const *)logs, g_strv_length(logs), o->fail_on_canon,
                          supp && *supp ? supp : NULL, &sum);
        hint = report_hint(o, logs);
        if (!quiet) {
            char *counts = count_text(sum.findings, sum.by_kind, "finding");
            fprintf(stderr, "lockgraph: %s in %u log%s; see lockgraph report %s\n", counts,
                    sum.logs, sum.logs == 1 ? "" : "s", hint);
            g_free(counts);
        }
    }
    if (ended_by_deadlock_policy(o, logs, wait_status)) {
        static const char *const policy[] = {"exit", "abort", "wait"};
        uint64_t p = effective(o, LG_SETTING_ON_DEADLOCK);
        fprintf(stderr, "lockgraph: exit status %d: the shim ended %s after a deadlock "
                        "(--on-deadlock=%s)\n", status, prog,
                p < G_N_ELEMENTS(policy) ? policy[p] : "?");
        goto out;
    }
    if (!o->error_status)
        goto out;
    if (untraced) {
        fprintf(stderr, "lockgraph: exit status %d: %s was not traced (%s); nothing was "
                        "checked (--error-exitcode)\n", o->error_status, prog, untraced);
        status = o->error_status;
    } else if (sum.untraced) {
        /* a program of the run went unchecked: the run as a whole was not checked */
        fprintf(stderr, "lockgraph: exit status %d: %s%s; nothing was checked in it "
                        "(--error-exitcode)\n", o->error_status, sum.untraced_first,
                sum.untraced > 1 ? " (and more programs)" : "");
        status = o->error_status;
    } else if (sum.unreadable || sum.status == 2) {
        fprintf(stderr, "lockgraph: exit status %d: %u of the run's logs could not be read; "
                        "they were not checked (--error-exitcode)\n", o->error_status,
                sum.unreadable ? sum.unreadable : g_strv_length(logs));
        status = o->error_status;
    } else if (sum.failing) {
        char *counts = count_text(sum.failing, sum.by_kind, "finding");
        fprintf(stderr, "lockgraph: exit status %d: %s of a --fail-on kind; see lockgraph "
                        "report %s\n", o->error_status, counts, hint ? hint : "");
        g_free(counts);
        status = o->error_status;
    }
out:
    g_free(hint);
    return status;
}

int lg_run_main(int argc, char **argv)
{
    g_set_prgname("lockgraph run");
    run_opts o;
    memset(&o, 0, sizeof o);
    int ret = EXIT_USAGE;
    lg_prog_info info;
    memset(&info, 0, sizeof info);
    char *shim = NULL, *index_path = NULL;
    char **env = NULL;

    if (!parse_options(&o, &argc, &argv) || !validate(&o))
        goto out;
    int first = 1;
    if (first < argc && strcmp(argv[first], "--") == 0)
        first++;
    if (first >= argc) {
        usage_error("missing PROG");
        goto out;
    }
    char **prog_argv = argv + first;
    const char *prog = prog_argv[0];

    GError *err = NULL;
    if (!lg_prog_probe(prog, &info, &err)) {
        fprintf(stderr, "lockgraph run: %s\n", err->message);
        g_error_free(err);
        ret = 127;
        goto out;
    }
    shim = lg_shim_path(&err);
    if (!shim || access(shim, R_OK) != 0) {
        fprintf(stderr, "lockgraph run: the shim is not at %s (set LOCKGRAPH_SHIM to "
                        "the path of liblockgraph.so)\n",
                shim ? shim : err->message);
        g_clear_error(&err);
        goto out;
    }

    gboolean warned = FALSE;
    if (info.is_static) {
        fprintf(stderr, "lockgraph: warning: %s is statically linked: the shim cannot "
                        "load into it; nothing will be recorded\n", prog);
        warned = TRUE;
    } else if (info.is_setid) {
        fprintf(stderr, "lockgraph: warning: %s is setuid/setgid: the dynamic loader "
                        "ignores LD_PRELOAD for it; nothing will be recorded\n", prog);
        warned = TRUE;
    }

    index_path = lg_run_index_create(&err);
    if (!index_path) {
        fprintf(stderr, "lockgraph run: cannot create the run index: %s\n", err->message);
        g_error_free(err);
        goto out;
    }
    env = build_environment(&o, &info, shim, index_path);
    if (!env)
        goto out;

    pid_t pid = 0;
    int wait_status = 0, exec_errno = 0;
    if (!lg_run_child(prog_argv, env, &pid, &wait_status, &exec_errno, &err)) {
        fprintf(stderr, "lockgraph run: %s\n", err->message);
        g_error_free(err);
        ret = exec_errno == ENOENT ? 127 : 126;
        goto out;
    }

    GPtrArray *entries = lg_run_index_read(index_path);
    char **logs = lg_run_index_logs(entries);
    const char *untraced = info.is_static ? "statically linked"
                           : info.is_setid ? "setuid/setgid, the loader ignores LD_PRELOAD"
                                           : NULL;
    if (!lg_run_index_has_pid(entries, (int)pid)) {
        if (!warned)
            fprintf(stderr, "lockgraph: warning: the shim did not load into %s (statically "
                            "linked or setuid?); nothing was recorded\n", prog);
        if (!untraced)
            untraced = "the shim did not load into it";
    }
    if (!effective(&o, LG_SETTING_QUIET))
        print_logs(logs);
    ret = decide_status(&o, prog, logs, wait_status, untraced);
    g_strfreev(logs);
    g_ptr_array_unref(entries);

out:
    if (index_path)
        g_unlink(index_path);
    g_free(index_path);
    g_strfreev(env);
    g_free(shim);
    lg_prog_info_clear(&info);
    run_opts_clear(&o);
    return ret;
}
