/* The wording of what a report did not see: programs that ran without the shim
 * (UNTRACED records).  Every format says it the same way, from here, so that
 * "0 findings" is never read as "checked".
 *
 * Invariants: pure functions of the model; the strings are newly allocated (g_free).
 */
#ifndef LOCKGRAPH_COVERAGE_NOTES_H
#define LOCKGRAPH_COVERAGE_NOTES_H

#include "model.h"

/* "why" part: "statically linked", "setuid/setgid, the loader ignores LD_PRELOAD",
 * or "reason N" for a reason this build does not know. */
char *lg_untraced_why(const lg_untraced *u);
/* "/usr/bin/foo was not traced: statically linked" */
char *lg_untraced_message(const lg_untraced *u);

#endif
