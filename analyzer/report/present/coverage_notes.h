/* The wording of what a report did not see: programs that ran without the shim
 * (UNTRACED records), and libraries with locks the shim cannot see from which a
 * process recorded nothing (analyze/unseen_libs.h).  Every format says it the same way, from here, so that
 * "0 findings" is never read as "checked".
 *
 * Invariants: pure functions of the model; the strings are newly allocated (g_free).
 */
#ifndef LOCKGRAPH_COVERAGE_NOTES_H
#define LOCKGRAPH_COVERAGE_NOTES_H

#include "model.h"
#include "unseen_libs.h"

/* "why" part: "statically linked", "setuid/setgid, the loader ignores LD_PRELOAD",
 * or "reason N" for a reason this build does not know. */
char *lg_untraced_why(const lg_untraced *u);
/* "/usr/bin/foo was not traced: statically linked" */
char *lg_untraced_message(const lg_untraced *u);

/* "all" or "internal" (JSON). */
const char *lg_unseen_extent_name(const lg_unseen_note *n);
/* "pid 42 loaded /usr/lib/.../libQt5Core.so.5, whose locks (QMutex, ...) lockgraph
 * cannot see, and recorded none: 0 findings there does not mean checked" */
char *lg_unseen_message(const lg_process *p, const lg_unseen_note *n);

#endif
