/* The one grammar of --fail-on, shared by `lockgraph report` and `lockgraph run`
 * (which hands the run's logs to the report's check), so the two can never disagree
 * about what is a failing finding.  docs/cli.md, "Finding kinds", is its prose.
 *
 * Grammar: a comma-separated list of items, each (spaces around it ignored) a
 * finding kind name (names.h), `all` (every kind) or `none` (no kind).  The set is
 * the union of the items, so order does not matter: `deadlock,all` is every kind,
 * `none,deadlock` is deadlock alone, `none` fails on nothing.  An empty list or item
 * (`deadlock,,long-hold`) and an unknown name are errors.  Without --fail-on the set
 * is LG_FAIL_ON_DEFAULT.
 *
 * No allocation, libc only; linear in the length of the list.
 */
#ifndef LOCKGRAPH_FAIL_ON_H
#define LOCKGRAPH_FAIL_ON_H

#include <stddef.h>
#include <stdint.h>

#include "log_format.h"

/* A set of finding kinds: bit (1 << kind) for each kind in it. */
typedef uint32_t lg_kind_set;
#define LG_KIND_BIT(kind) ((lg_kind_set)1 << (kind))
#define LG_KIND_SET_ALL (((lg_kind_set)1 << (LG_FIND_KIND_MAX + 1)) - 2) /* kinds 1..MAX */
/* Every kind but long-hold: a long hold is a performance hint, not a bug. */
#define LG_FAIL_ON_DEFAULT (LG_KIND_SET_ALL & ~LG_KIND_BIT(LG_FIND_LONG_HOLD))

/* Parses spec into *set.  Returns 1, or 0 with a one-line message in err (at most
 * errlen bytes, NUL-terminated) that starts with "--fail-on: " and names the bad
 * item and what is allowed. */
int lg_fail_on_parse(const char *spec, lg_kind_set *set, char *err, size_t errlen);

static inline int lg_kind_set_has(lg_kind_set set, int kind)
{
    return kind > 0 && kind <= LG_FIND_KIND_MAX && (set & LG_KIND_BIT(kind)) != 0;
}

#endif
