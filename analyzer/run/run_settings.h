/* The shim's settings as `lockgraph run` sees them: one flag and one environment
 * variable each (docs/cli.md, "Settings"), with the value rules the launcher checks
 * before it starts anything.
 *
 * Invariants
 *  - lg_run_settings[] lists every shim setting exactly once, in docs/cli.md order; the
 *    launcher builds its options and the child's environment from this table alone,
 *    so a flag and its variable cannot drift apart.
 *  - A value accepted by lg_setting_check is what the shim accepts too; the canonical
 *    form it returns is what goes into the environment.
 */
#ifndef LOCKGRAPH_RUN_SETTINGS_H
#define LOCKGRAPH_RUN_SETTINGS_H

#include <glib.h>

typedef enum lg_setting_type {
    LG_SET_FLAG,   /* no argument; sets the variable to "1" */
    LG_SET_UINT,   /* decimal integer in [min, max] */
    LG_SET_CHOICE, /* one of `choices` ('|'-separated) */
    LG_SET_PATH,   /* a file to be created, in an existing directory (unless the
                      directory part contains a '%' pattern) */
    LG_SET_FILE    /* an existing readable file; made absolute (children may chdir) */
} lg_setting_type;

typedef struct lg_setting_def {
    const char *flag;            /* long option, without "--" */
    const char *env;             /* variable the shim reads */
    lg_setting_type type;
    guint64 min, max;            /* LG_SET_UINT */
    const char *choices;         /* LG_SET_CHOICE */
    const char *arg_description; /* for --help */
    const char *help;            /* for --help */
} lg_setting_def;

#define LG_RUN_N_SETTINGS 10
extern const lg_setting_def lg_run_settings[LG_RUN_N_SETTINGS];

/* The entry for flag name (without "--"), or NULL. */
const lg_setting_def *lg_setting_find(const char *flag);

/* Checks `value` for `def`.  Returns the canonical value (g_free), or NULL and sets
 * *err to a message that names the flag and says what is allowed. */
char *lg_setting_check(const lg_setting_def *def, const char *value, GError **err);

/* --fail-on: the grammar of common/fail_on.h.  Returns the list with the spaces
 * around its items removed (g_free), or NULL with *err naming the bad item. */
char *lg_fail_on_check(const char *value, GError **err);

/* An exit status flag (--error-exitcode): 1..255.  FALSE with *err otherwise. */
gboolean lg_exitcode_check(const char *flag, const char *value, int *out, GError **err);

#endif
