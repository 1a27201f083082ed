/* Applying a suppression file (docs/suppressions.md) to the report's findings.
 * Line syntax and matching live in suppression_rules.h; this file only reads the
 * file and walks a finding's frames. */
#ifndef LOCKGRAPH_SUPPRESSIONS_H
#define LOCKGRAPH_SUPPRESSIONS_H

#include "findings.h"

typedef struct lg_suppressions lg_suppressions;

/* NULL with *error ("lockgraph: FILE:LINE: expected ...") on failure. */
lg_suppressions *lg_suppressions_load(const char *path, char **error);
lg_suppressions *lg_suppressions_parse(const char *name, const char *text, char **error);
void lg_suppressions_free(lg_suppressions *s);

/* Sets `suppressed` on every matching finding and recounts. */
void lg_suppressions_apply(const lg_suppressions *s, lg_analysis *a);

#endif
