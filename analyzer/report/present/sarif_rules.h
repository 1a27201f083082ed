/* The SARIF rule (reportingDescriptor) of each finding kind: what code scanning shows
 * beside a result -- a short and a full description, help in text and Markdown (what
 * the kind means, why it matters, what to do), the default level, and the
 * properties GitHub reads (tags, precision, problem.severity).
 *
 * Invariants
 *  - The table is keyed by kind name (common/log_format.h), so an entry written
 *    before its kind exists is harmless and a kind with no entry still gets a valid,
 *    generic rule (lg_sarif_rule_is_generic says so; a unit test requires that no
 *    known kind is generic).
 *  - Texts are constant: no address, pid or path of the machine that ran the report.
 *  - O(kinds) per lookup; the table is a handful of rows.
 */
#ifndef LOCKGRAPH_SARIF_RULES_H
#define LOCKGRAPH_SARIF_RULES_H

#include <glib.h>
#include "json_stream.h"

typedef struct lg_sarif_rule {
    const char *kind;       /* finding kind name, the rule id */
    const char *name;       /* PascalCase rule name */
    const char *level;      /* SARIF default level: error, warning or note */
    const char *severity;   /* GitHub problem.severity: error, warning or recommendation */
    const char *precision;  /* GitHub precision: very-high, high, medium or low */
    const char *tags[5];    /* NULL-terminated */
    const char *short_description;
    const char *full_description;
    const char *help_text;
    const char *help_markdown;
} lg_sarif_rule;

/* The rule of a finding kind (1..LG_FIND_KIND_MAX); never NULL. */
const lg_sarif_rule *lg_sarif_rule_of(int kind);
/* Is r the generic rule given to a kind the table does not describe? */
gboolean lg_sarif_rule_is_generic(const lg_sarif_rule *r);

/* Adds the reportingDescriptor of `kind` (an object) to b. */
void lg_sarif_rule_build(lg_jstream *b, int kind);

#endif
