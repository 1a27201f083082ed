/* The shim's settings as `lockgraph run` sees them: one flag and one environment
 * variable each (docs/cli.md, "Settings"), with the value rules the launcher checks
 * before it starts anything.
 *
 * Invariants
 *  - The table is common/settings.def (settings.h: lg_setting_defs[]), the very one
 *    the shim reads its environment with; the launcher builds its options, --help and
 *    the child's environment from it alone, so a flag and its variable cannot drift
 *    apart, nor their ranges.
 *  - A value accepted by lg_setting_check is what the shim accepts too (the same
 *    parser, lg_setting_parse); the launcher only adds what it can check before PROG
 *    runs (a log directory exists, a suppression file is readable).  The canonical
 *    form it returns is what goes into the environment.
 */
#ifndef LOCKGRAPH_RUN_SETTINGS_H
#define LOCKGRAPH_RUN_SETTINGS_H

#include "settings.h"

#include <glib.h>

/* The entry for flag name (without "--"), or NULL. */
const lg_setting_def *lg_setting_find(const char *flag);

/* Checks `value` for `def`.  Returns the canonical value (g_free), or NULL and sets
 * *err to a message that names the flag and says what is allowed. */
char *lg_setting_check(const lg_setting_def *def, const char *value, GError **err);

/* The --help text of `def`: its help, then the variable, range and default in
 * brackets ("Frames captured per stack [LOCKGRAPH_STACK_DEPTH, 1..256, default 32]").
 * g_free. */
char *lg_setting_help(const lg_setting_def *def);

/* The value a setting has for PROG when the launcher sets none: the variable as
 * inherited, parsed as the shim parses it (the default when unset or invalid). */
uint64_t lg_setting_effective(const lg_setting_def *def, const char *inherited);

/* --fail-on: the grammar of common/fail_on.h.  Returns the list with the spaces
 * around its items removed (g_free), or NULL with *err naming the bad item. */
char *lg_fail_on_check(const char *value, GError **err);

/* An exit status flag (--error-exitcode): 1..255.  FALSE with *err otherwise. */
gboolean lg_exitcode_check(const char *flag, const char *value, int *out, GError **err);

#endif
