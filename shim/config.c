/* The shim's settings, read once from the environment at start-up (lg_init).
 *
 * Every row of common/settings.def is parsed with the parser `lockgraph run` checks
 * its flags with (settings.h), so a variable is valid exactly when the flag would
 * be.  An empty variable is unset.  An invalid one keeps the default and is named
 * in one warning line, printed once the report descriptor and --quiet are known.
 * No allocation: this runs inside the traced program before anything else.
 */
#define _GNU_SOURCE
#include "shim.h"
#include "detector.h"
#include "fmt.h"
#include "settings.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof((struct lg_settings *)0)->output == LG_SETTING_PATH_MAX &&
                   sizeof((struct lg_settings *)0)->suppressions == LG_SETTING_PATH_MAX,
               "a path setting holds what settings.h accepts");
_Static_assert(LG_N_SETTINGS <= 32, "the invalid settings are a 32-bit mask");

/* The values before the environment is read (and when the shim steps aside). */
struct lg_settings lg_settings = {
    .report_fd = LG_DEFAULT_LOG_FD,
    .trace_children = (int)LG_DEFAULT_TRACE_CHILDREN == (int)LG_TRACE_CHILDREN_YES,
    .on_deadlock = LG_DEFAULT_ON_DEADLOCK,
    .deadlock_exitcode = LG_DEFAULT_DEADLOCK_EXITCODE,
};

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void copy(char *dst, size_t n, const char *src)
{
    if (src) {
        strncpy(dst, src, n - 1);
        dst[n - 1] = 0;
    }
}

/* "LOCKGRAPH_STACK_DEPTH=abc is invalid (expected an integer in 1..256); using the
 * default 32" */
static void warn_invalid(const lg_setting_def *d, const char *value)
{
    char line[400], expected[128], dflt[LG_SETTING_PATH_MAX];
    struct lg_fmt f = {line, sizeof line, 0};
    const char *dt = lg_setting_default_text(d, dflt, sizeof dflt);
    lg_fmt_s(&f, d->env);
    lg_fmt_c(&f, '=');
    lg_fmt_s(&f, value);
    lg_fmt_s(&f, " is invalid (expected ");
    lg_fmt_s(&f, lg_setting_expected(d, expected, sizeof expected));
    lg_fmt_s(&f, dt ? "); using the default " : "); ignored");
    lg_fmt_s(&f, dt ? dt : "");
    lg_notice(line);
}

void lg_config_read(void)
{
    uint64_t v[LG_N_SETTINGS];
    const char *text[LG_N_SETTINGS], *raw[LG_N_SETTINGS];
    uint32_t invalid = 0;
    for (int i = 0; i < LG_N_SETTINGS; i++) {
        const lg_setting_def *d = &lg_setting_defs[i];
        raw[i] = env(d->env);
        text[i] = d->def_text;
        v[i] = d->def;
        if (raw[i] && lg_setting_parse(d, raw[i], &v[i]))
            text[i] = raw[i];
        else if (raw[i])
            invalid |= 1u << i, v[i] = d->def;
    }

    copy(lg_settings.output, sizeof lg_settings.output, text[LG_SETTING_OUTPUT]);
    lg_settings.quiet = (int)v[LG_SETTING_QUIET];
    lg_settings.report_fd = (int)v[LG_SETTING_LOG_FD];
    lg_settings.trace_children = v[LG_SETTING_TRACE_CHILDREN] == LG_TRACE_CHILDREN_YES;
    lg_settings.on_deadlock = (int)v[LG_SETTING_ON_DEADLOCK];
    lg_settings.deadlock_exitcode = (int)v[LG_SETTING_DEADLOCK_EXITCODE];
    lg_settings.snapshot_interval_ns = v[LG_SETTING_SNAPSHOT_INTERVAL_MS] * 1000000ull;
    copy(lg_settings.suppressions, sizeof lg_settings.suppressions, text[LG_SETTING_SUPPRESSIONS]);
    copy(lg_settings.run_id, sizeof lg_settings.run_id, env("LOCKGRAPH_RUN_ID"));
    copy(lg_settings.run_index, sizeof lg_settings.run_index, env("LOCKGRAPH_RUN_INDEX"));

    lg_cfg.stack_depth = (int)v[LG_SETTING_STACK_DEPTH];
    lg_cfg.hold_threshold_ns = v[LG_SETTING_HOLD_THRESHOLD_MS] * 1000000ull;
    lg_cfg.deadlock_ns = v[LG_SETTING_DEADLOCK_MS] * 1000000ull;

    for (int i = 0; i < LG_N_SETTINGS; i++)
        if (invalid & (1u << i))
            warn_invalid(&lg_setting_defs[i], raw[i]);
}
