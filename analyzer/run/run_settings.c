#include "run_settings.h"

#include "fail_on.h"

#include <string.h>
#include <unistd.h>

/* 24 hours: far above any useful threshold, low enough that the shim's arithmetic in
 * nanoseconds cannot overflow. */
#define DAY_MS 86400000u

const lg_setting_def lg_run_settings[LG_RUN_N_SETTINGS] = {
    {"output", "LOCKGRAPH_OUTPUT", LG_SET_PATH, 0, 0, NULL, "PATH",
     "Log file per process image; %p is replaced by the pid "
     "[LOCKGRAPH_OUTPUT, default lockgraph.%p.log]"},
    {"stack-depth", "LOCKGRAPH_STACK_DEPTH", LG_SET_UINT, 1, 256, NULL, "N",
     "Frames captured per stack, 1..256 [LOCKGRAPH_STACK_DEPTH, default 32]"},
    {"quiet", "LOCKGRAPH_QUIET", LG_SET_FLAG, 0, 0, NULL, NULL,
     "No live reports on stderr; the log still gets everything [LOCKGRAPH_QUIET=1]"},
    {"log-fd", "LOCKGRAPH_LOG_FD", LG_SET_UINT, 0, G_MAXINT, NULL, "N",
     "Descriptor for live reports [LOCKGRAPH_LOG_FD, default 2]"},
    {"trace-children", "LOCKGRAPH_TRACE_CHILDREN", LG_SET_CHOICE, 0, 0, "yes|no", "yes|no",
     "Trace exec'd programs too (fork children always are) "
     "[LOCKGRAPH_TRACE_CHILDREN, default yes]"},
    {"deadlock-ms", "LOCKGRAPH_DEADLOCK_MS", LG_SET_UINT, 1, DAY_MS, NULL, "N",
     "Milliseconds threads must stay blocked in a cycle before it is a deadlock "
     "[LOCKGRAPH_DEADLOCK_MS, default 1000]"},
    {"on-deadlock", "LOCKGRAPH_ON_DEADLOCK", LG_SET_CHOICE, 0, 0, "exit|abort|wait",
     "exit|abort|wait",
     "What to do after reporting a real deadlock [LOCKGRAPH_ON_DEADLOCK, default exit]"},
    {"deadlock-exitcode", "LOCKGRAPH_DEADLOCK_EXITCODE", LG_SET_UINT, 1, 255, NULL, "N",
     "Exit status for --on-deadlock=exit, 1..255 "
     "[LOCKGRAPH_DEADLOCK_EXITCODE, default 86]"},
    {"hold-threshold-ms", "LOCKGRAPH_HOLD_THRESHOLD_MS", LG_SET_UINT, 0, DAY_MS, NULL, "N",
     "Report locks held longer than N ms; 0 disables "
     "[LOCKGRAPH_HOLD_THRESHOLD_MS, default 1000]"},
    {"suppressions", "LOCKGRAPH_SUPPRESSIONS", LG_SET_FILE, 0, 0, NULL, "FILE",
     "Suppression file (docs/suppressions.md) [LOCKGRAPH_SUPPRESSIONS]"},
};

const lg_setting_def *lg_setting_find(const char *flag)
{
    for (int i = 0; i < LG_RUN_N_SETTINGS; i++)
        if (strcmp(lg_run_settings[i].flag, flag) == 0)
            return &lg_run_settings[i];
    return NULL;
}

static char *check_uint(const lg_setting_def *def, const char *value, GError **err)
{
    guint64 n;
    /* g_ascii_string_to_unsigned rejects signs, spaces, empty strings and
     * trailing garbage, which is the strictness we want for flags. */
    if (!g_ascii_string_to_unsigned(value, 10, def->min, def->max, &n, NULL)) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: invalid value '%s': expected an integer in %" G_GUINT64_FORMAT
                    "..%" G_GUINT64_FORMAT,
                    def->flag, value, def->min, def->max);
        return NULL;
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT, n);
}

static char *check_choice(const lg_setting_def *def, const char *value, GError **err)
{
    char **choices = g_strsplit(def->choices, "|", -1);
    gboolean ok = g_strv_contains((const char *const *)choices, value);
    g_strfreev(choices);
    if (!ok) {
        char *list = g_strdelimit(g_strdup(def->choices), "|", ',');
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: invalid value '%s': expected one of %s", def->flag, value, list);
        g_free(list);
        return NULL;
    }
    return g_strdup(value);
}

static char *check_file(const lg_setting_def *def, const char *value, GError **err)
{
    if (!*value || !g_file_test(value, G_FILE_TEST_IS_REGULAR) || access(value, R_OK) != 0) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: '%s' is not a readable file", def->flag, value);
        return NULL;
    }
    return g_canonicalize_filename(value, NULL);
}

/* The shim creates the log file but not directories, and a log it cannot create only
 * shows up as a line on PROG's stderr; so the directory must exist now, unless it
 * depends on the pid (a '%' in it), which only the shim can expand. */
static char *check_path(const lg_setting_def *def, const char *value, GError **err)
{
    if (!*value) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: the path must not be empty", def->flag);
        return NULL;
    }
    char *dir = g_path_get_dirname(value);
    gboolean ok = strchr(dir, '%') || g_file_test(dir, G_FILE_TEST_IS_DIR);
    if (!ok)
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: directory '%s' does not exist", def->flag, dir);
    g_free(dir);
    return ok ? g_strdup(value) : NULL;
}

char *lg_setting_check(const lg_setting_def *def, const char *value, GError **err)
{
    switch (def->type) {
    case LG_SET_FLAG:
        return g_strdup("1");
    case LG_SET_UINT:
        return check_uint(def, value, err);
    case LG_SET_CHOICE:
        return check_choice(def, value, err);
    case LG_SET_PATH:
        return check_path(def, value, err);
    case LG_SET_FILE:
        return check_file(def, value, err);
    }
    return NULL;
}

char *lg_fail_on_check(const char *value, GError **err)
{
    char msg[512];
    lg_kind_set set;
    if (!lg_fail_on_parse(value, &set, msg, sizeof msg)) {
        g_set_error_literal(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
        return NULL;
    }
    char **items = g_strsplit(value, ",", -1);
    for (char **p = items; *p; p++)
        g_strstrip(*p);
    char *out = g_strjoinv(",", items);
    g_strfreev(items);
    return out;
}

gboolean lg_exitcode_check(const char *flag, const char *value, int *out, GError **err)
{
    guint64 n;
    if (!g_ascii_string_to_unsigned(value, 10, 1, 255, &n, NULL)) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: invalid value '%s': expected an exit status in 1..255", flag, value);
        return FALSE;
    }
    *out = (int)n;
    return TRUE;
}
