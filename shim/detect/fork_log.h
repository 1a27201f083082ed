/* A fork child's log, written when the child first needs it.
 *
 * A fork child inherits everything its parent recorded (threads, locks, stacks,
 * chains, the order graph) and its log must stand alone: any record it writes may
 * cite that history.  Copying the history into the child's log at the fork cost time
 * in proportion to it (~0.1 s with 100 000 locks) in every child, also in the many
 * that exec or _exit at once.  So nothing is written at the fork: the log is
 * deferred.  The history is written the first time the child takes the graph lock
 * (lg_graph_lock): every record that can cite the history, and every change to the
 * history, is made under that lock, so the replay happens before the change its
 * caller is about to make and writes the history exactly as it is at that moment.
 * The ends of an image cite nothing (UNTRACED, END): they take the lock with
 * lg_graph_lock_quiet and lg_fork_log_ends, which gives a child whose log is still
 * deferred a short log, HEADER [UNTRACED] END, without statistics (they would only
 * repeat the parent's counters plus the child's acquisitions of known locks on known
 * chains); the parent's log holds the history.  Records that follow a short log's END
 * (an exec that failed) write the history first, as in a deferred log.
 *
 * Invariants
 *  - lg_fork_log_state is written in the fork child's atfork handler (one thread, every
 *    shim lock reset) and otherwise only under the graph lock; it is read under it.
 *  - The replay runs under the graph lock, on the thread that took it, with its
 *    reentrancy guard set: a signal handler on that thread is forwarded untracked, and
 *    the replay itself calls no pthread function, no allocator of the program's and no
 *    ld.so function (the host creates the file with plain system calls), so it is as
 *    safe in a child of a multithreaded parent as the atfork handler was.
 *  - One change is made before its caller takes the graph lock: a lock's dead mark
 *    (detector.c retire_record).  A replay that meets a lock being retired writes its
 *    LOCK_RETIRE, and the retire then writes it again with the true reason; the
 *    reader keeps the last.
 *
 * Complexity: O(1) at the fork; O(history) once, at the child's first need.
 */
#ifndef LOCKGRAPH_FORK_LOG_H
#define LOCKGRAPH_FORK_LOG_H

enum {
    LG_FORK_LOG_WRITTEN = 0, /* the log has the history (every log that is not a deferred fork child's) */
    LG_FORK_LOG_DEFERRED,    /* fork child: nothing written, no file yet */
    LG_FORK_LOG_SHORT,       /* fork child: HEADER (and what ended the image) but no history */
};
extern int lg_fork_log_state;

/* In the fork child's atfork handler, after the host forgot the parent's log. */
void lg_fork_log_defer(void);
/* Graph lock held, state not WRITTEN: create the log if need be and write the
 * history into it (lg_graph_lock calls this). */
void lg_fork_log_write_history(void);
/* Graph lock held (lg_graph_lock_quiet), about to write the end of an image: a
 * deferred log gets its HEADER now.  1 if the log holds the history (statistics
 * belong in it), 0 for a short log. */
int lg_fork_log_ends(void);

#endif
