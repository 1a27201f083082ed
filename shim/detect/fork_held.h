/* Locks held at a fork by threads the fork child does not have.
 *
 * Only the forking thread goes on in a fork child: a lock that another parent thread
 * held at the fork stays locked there for good, and a child that takes it hangs.  At
 * the fork, in the child, lg_fork_held_snapshot copies the other threads' held
 * entries into a table, marks their records LG_LR_FORK_HELD and captures the fork's
 * stack (only when there is such a lock).  The child's first wait for a marked lock
 * (lg_block_begin) or acquisition of one (the mark sends it off the fast path)
 * reports fork-held-lock (misuse.h, F1-F2) with the fork's stack and the holder's
 * acquisition stack; the report clears the mark.
 *
 * Invariants
 *  - The snapshot costs O(threads + locks they held at the fork), never the history;
 *    a child that never takes such a lock (or execs at once) pays nothing more.
 *  - The table is written only in the child while it is single-threaded (the atfork
 *    handler), then only read; it holds at most LG_FORK_HELD_MAX entries: a lock
 *    past that is not marked (never reported, never falsely).  Entries of an earlier
 *    fork whose lock is still marked are kept (a grandchild inherits the hold).
 *  - Raw return addresses only at the fork: the stack is interned at the report
 *    (the child's log is not open yet when the snapshot runs).
 */
#ifndef LOCKGRAPH_FORK_HELD_H
#define LOCKGRAPH_FORK_HELD_H

#include "state.h"

#define LG_FORK_HELD_MAX 256

/* In the fork child, before the other threads are marked gone: self is the forking
 * thread (its own holds stay valid and are not recorded). */
void lg_fork_held_snapshot(struct lg_thread *self);
/* t meets the marked lock l: blocks (about to wait for it) or takes it in mode. */
void lg_fork_held_use(struct lg_thread *t, struct lg_lockrec *l, uint8_t mode, int blocks);
/* Entries in the table (tests). */
uint32_t lg_fork_held_count(void);

#endif
