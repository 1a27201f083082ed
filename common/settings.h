/* The shim's settings as data: the table of settings.def, its compile-time
 * defaults and bounds, and the one parser both the shim (environment variables)
 * and `lockgraph run` (flags) check values with, so a value is valid for the flag
 * exactly when it is valid for the variable.
 *
 * Grammar of a value, by type:
 *   UINT    decimal digits only (no sign, no space), within min..max
 *   FLAG    1, yes, true, on / 0, no, false, off (any case)
 *   CHOICE  one of the choices, exactly
 *   PATH, FILE  non-empty, shorter than LG_SETTING_PATH_MAX bytes
 * An empty variable counts as unset (the shim's rule; docs/cli.md).
 *
 * No allocation, no locking, libc string functions only: the shim parses at
 * start-up inside the traced program.
 */
#ifndef LOCKGRAPH_SETTINGS_H
#define LOCKGRAPH_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum lg_setting_type {
    LG_SET_FLAG,   /* no argument; the variable is "1" */
    LG_SET_UINT,   /* decimal integer in [min, max] */
    LG_SET_CHOICE, /* one of `choices` ('|'-separated); the value is its index */
    LG_SET_PATH,   /* a file to be created */
    LG_SET_FILE    /* an existing readable file */
} lg_setting_type;

/* LG_SETTING_<ID>: index of each row in lg_setting_defs[]. */
enum lg_setting_id {
#define LG_SETTING(ID, ...) LG_SETTING_##ID,
#include "settings.def"
#undef LG_SETTING
    LG_N_SETTINGS
};

/* LG_DEFAULT_<ID>, LG_MIN_<ID>, LG_MAX_<ID>: for initializers and array sizes (the
 * shim's defaults before it has read its environment, and its unit tests). */
enum lg_setting_bounds {
#define LG_SETTING(ID, TYPE, flag, var, lo, hi, def, ...) \
    LG_DEFAULT_##ID = def, LG_MIN_##ID = lo, LG_MAX_##ID = hi,
#include "settings.def"
#undef LG_SETTING
};

/* The values of the CHOICE settings: the index of each choice in settings.def
 * (tests/common/test_settings.c holds the two in step). */
enum lg_trace_children { LG_TRACE_CHILDREN_YES = 0, LG_TRACE_CHILDREN_NO = 1 };
enum lg_on_deadlock { LG_ON_DEADLOCK_EXIT = 0, LG_ON_DEADLOCK_ABORT = 1, LG_ON_DEADLOCK_WAIT = 2 };

#define LG_SETTING_PATH_MAX 1024 /* bytes, with the terminating NUL */

typedef struct lg_setting_def {
    const char *flag;            /* long option, without "--" */
    const char *env;             /* variable the shim reads */
    lg_setting_type type;
    uint64_t min, max;           /* UINT (FLAG 0..1, CHOICE 0..n-1) */
    uint64_t def;                /* default value (see settings.def) */
    const char *def_text;        /* PATH, FILE: default path or NULL */
    const char *choices;         /* CHOICE: "a|b|c" */
    const char *arg_description; /* for --help ("N", "PATH", ...; NULL for FLAG) */
    const char *help;            /* for --help, without the variable and default */
} lg_setting_def;

extern const lg_setting_def lg_setting_defs[LG_N_SETTINGS];

/* Checks text against def's grammar and range (above).  Returns 1 and sets *value
 * (the number; 0/1 for FLAG; the choice's index for CHOICE; 0 for paths), or 0. */
int lg_setting_parse(const lg_setting_def *def, const char *text, uint64_t *value);

/* What a valid value looks like, for messages: "an integer in 1..256", "one of
 * yes, no", ...  Writes at most n bytes (NUL-terminated) to buf and returns buf. */
const char *lg_setting_expected(const lg_setting_def *def, char *buf, size_t n);

/* The default as a user writes it ("32", "yes", "lockgraph.%p.log", "off" for a
 * FLAG), or NULL when there is none.  Writes into buf like lg_setting_expected. */
const char *lg_setting_default_text(const lg_setting_def *def, char *buf, size_t n);

#endif
