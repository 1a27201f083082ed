/* Stacks whose outer frames are unknown ("cut"): a held lock's stack that could
 * only be kept to its call site, because the function that took the lock had
 * returned before the slow path looked (detector.c held_stacks).  The log says so
 * with a STACK_CUT record after the STACK, and live reports print it.
 *
 * Invariants
 *  - A stack id once cut stays cut (a cut stack is the call site alone, which a
 *    full capture never produces: every real stack has the thread's entry below).
 *  - Called with the graph lock held (mark, replay) or with no lock for the read
 *    (is_cut): the bitmap only grows, and is published after it is copied.
 *  - Cost: one bit per stack id, grown by doubling; O(1) mark and test.
 */
#ifndef LOCKGRAPH_STACK_CUT_H
#define LOCKGRAPH_STACK_CUT_H

#include <stdint.h>

/* Marks stack id as cut and logs it the first time. */
void lg_stack_mark_cut(uint32_t id);
/* 1 if stack id was marked cut. */
int lg_stack_is_cut(uint32_t id);
/* Fork child: the marks again, after the stacks (graph.c lg_graph_replay_stacks). */
void lg_stack_cut_replay(void);

#endif
