/* The suppression file's line syntax and glob matching (docs/suppressions.md).
 *
 * Deliberately plain C with no allocation and no glib, so the shim can parse the
 * same file with the same code (both link it from common/) and never disagree
 * with `lockgraph report` about what a line means.
 *
 * Invariants
 *  - A parsed rule points into the caller's line buffer (no copies): keep the line
 *    alive as long as the rule.
 *  - Globs: `*` matches any run of characters (including none and `/`), `?` one
 *    character, everything else itself, case-sensitively.  Matching is iterative
 *    (no recursion) and linear in practice.
 */
#ifndef LOCKGRAPH_SUPPRESSION_RULES_H
#define LOCKGRAPH_SUPPRESSION_RULES_H

#include <stddef.h>

enum lg_supp_target {
    LG_SUPP_FUNCTION = 1,   /* `kind:GLOB` or `kind:function:GLOB` */
    LG_SUPP_FILE = 2,       /* `kind:file:GLOB` */
    LG_SUPP_FINGERPRINT = 3 /* `fingerprint:HEX` (any kind) */
};

typedef struct lg_supp_rule {
    int kind; /* enum lg_finding_kind, 0 = any (`*`) */
    int target;
    const char *pattern; /* not NUL-terminated */
    size_t pattern_len;
} lg_supp_rule;

/* Parses one line (without its newline).  Returns 1 and fills *out for a rule, 0 for
 * a blank or comment line, -1 for a malformed line with *error set to a static
 * "expected ..." text. */
int lg_supp_parse_line(const char *line, size_t len, lg_supp_rule *out, const char **error);

/* 1 if text matches the glob pattern[0..len), else 0. */
int lg_supp_glob(const char *pattern, size_t len, const char *text);

/* File patterns without a '/' are matched against the basename of path; with a '/',
 * against the whole path. */
int lg_supp_match_file(const lg_supp_rule *r, const char *path);

#endif
