#include "run_settings.h"

#include "fail_on.h"

#include <string.h>
#include <unistd.h>

const lg_setting_def *lg_setting_find(const char *flag)
{
    for (int i = 0; i < LG_N_SETTINGS; i++)
        if (strcmp(lg_setting_defs[i].flag, flag) == 0)
            return &lg_setting_defs[i];
    return NULL;
}

static char *check_file(const lg_setting_def *def, const char *value, GError **err)
{
    if (!g_file_test(value, G_FILE_TEST_IS_REGULAR) || access(value, R_OK) != 0) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: '%s' is not a readable file", def->flag, value);
        return NULL;
    }
    char *abs = g_canonicalize_filename(value, NULL);
    if (strlen(abs) >= LG_SETTING_PATH_MAX) { /* the shim could not hold it */
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: '%s' is longer than %d bytes", def->flag, abs, LG_SETTING_PATH_MAX - 1);
        g_free(abs);
        return NULL;
    }
    return abs;
}

/* The shim creates the log file but not directories, and a log it cannot create only
 * shows up as a line on PROG's stderr; so the directory must exist now, unless it
 * depends on the pid (a '%' in it), which only the shim can expand. */
static char *check_path(const lg_setting_def *def, const char *value, GError **err)
{
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
    uint64_t n;
    if (def->type == LG_SET_FLAG)
        value = "1";
    if (!lg_setting_parse(def, value, &n)) {
        char expected[128];
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--%s: invalid value '%s': expected %s", def->flag, value,
                    lg_setting_expected(def, expected, sizeof expected));
        return NULL;
    }
    switch (def->type) {
    case LG_SET_UINT:
        return g_strdup_printf("%" G_GUINT64_FORMAT, n);
    case LG_SET_FLAG:
    case LG_SET_CHOICE:
        return g_strdup(value);
    case LG_SET_PATH:
        return check_path(def, value, err);
    case LG_SET_FILE:
        return check_file(def, value, err);
    }
    return NULL;
}

char *lg_setting_help(const lg_setting_def *def)
{
    char dflt[LG_SETTING_PATH_MAX];
    const char *d = lg_setting_default_text(def, dflt, sizeof dflt);
    switch (def->type) {
    case LG_SET_FLAG:
        return g_strdup_printf("%s [%s=1]", def->help, def->env);
    case LG_SET_UINT:
        return g_strdup_printf("%s [%s, %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ", default %s]",
                               def->help, def->env, def->min, def->max, d);
    default:
        return d ? g_strdup_printf("%s [%s, default %s]", def->help, def->env, d)
                 : g_strdup_printf("%s [%s]", def->help, def->env);
    }
}

uint64_t lg_setting_effective(const lg_setting_def *def, const char *inherited)
{
    uint64_t n;
    if (inherited && *inherited && lg_setting_parse(def, inherited, &n))
        return n;
    return def->def;
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
