/* The detection core's limits, each with its reason, and the self-counters that say
 * when one was reached.  (Named caps.h, not limits.h: this directory is on the
 * include path of everything that links the core, where a limits.h would shadow
 * <limits.h>.)
 *
 * Every limit here bounds memory or the work done under the graph lock.  Reaching
 * one never changes what the program does; it costs completeness, and that cost is
 * counted (lg_loss_count) and written to the log as a LOSSES record
 * (log_format.h, lg_loss_counter), which `lockgraph report` prints, the way mutrace
 * reports its hash collisions: a report never looks more complete than it is.
 *
 * Invariants: the counters are relaxed atomics, counted from any thread, read when
 * the statistics are written (records.c); nothing here allocates or locks.
 */
#ifndef LOCKGRAPH_CAPS_H
#define LOCKGRAPH_CAPS_H

#include <stdint.h>

#include "log_format.h"
#include "settings.h"

/* Frames per captured stack: LG_MAX_DEPTH (detector.h) is the top of the
 * stack-depth setting's range (common/settings.def, LG_MAX_STACK_DEPTH).  Stacks are
 * captured on the slow path into arrays of this size on the thread's stack. */

/* Contexts stored per edge.  Each distinct (thread, chain, modes, flags) way an edge
 * happened is a context; the rules search their combinations (docs/rules.md), so a
 * hot edge taken from thousands of threads or chains must not make every search on
 * it unbounded.  Past the cap a new context is counted (LG_LOSS_CONTEXTS_DROPPED),
 * not stored and not logged, so the report sees only the first LG_MAX_CTX. */
#define LG_MAX_CTX 1024

/* Work bounds of one event (a new edge or context), all under the graph lock: path
 * search steps, cycles evaluated, and rule-search steps per cycle.  Past the first
 * two the event stops looking (LG_LOSS_SEARCHES_CUT: the live check may miss a
 * cycle; the offline report enumerates every cycle with its own, larger bounds).
 * Past the third the cycle is reported conservatively (LG_FINDF_BUDGET on the
 * finding itself). */
#define LG_CYCLE_STEP_BUDGET 100000u
#define LG_CYCLE_MAX_PER_EVENT 64u
#define LG_RULES_BUDGET 20000u

/* STACK records carry at most this many frames (no captured stack is longer), so
 * one fits a stack buffer. */
#define LG_STACK_RECORD_MAX LG_MAX_STACK_DEPTH

/* Locks per STATS record: the statistics are chunked so that one record fits a
 * static buffer, whatever the number of locks. */
#define LG_STATS_PER_RECORD 256

/* Counts one loss (a relaxed atomic add; any thread, any lock state). */
void lg_loss_count(enum lg_loss_counter which);
uint64_t lg_loss_get(enum lg_loss_counter which);

#endif
