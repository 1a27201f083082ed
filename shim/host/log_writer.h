/* The log file of this process image (docs/log-format.md).
 *
 * Invariants
 *  - One file per process image: created O_EXCL (a unique suffix when the name
 *    exists), O_NOFOLLOW, O_CLOEXEC, mode 0644, then moved to a high descriptor so
 *    the program's own fd juggling rarely meets it.
 *  - Records are copied into a MAP_SHARED mapping of the file, grown in 1 MiB
 *    chunks: a record is in the kernel's page cache the moment it is copied, so it
 *    survives SIGKILL, abort and _exit, and writing one costs no system call.  At
 *    exit (and exec, and the deadlock policy) the file is cut to its length; a
 *    killed process leaves zero padding after its last record, which the reader
 *    recognizes.  This file writes the 16-byte file header of a new log and
 *    encodes no record: the core does, and calls lg_plat_log and lg_plat_log_end
 *    with its graph lock held (records.h), so there is one writer and the file is
 *    never cut under a copy.
 *  - The descriptor is only used to grow the file; before that it is checked to
 *    still be our file (a daemon may close it or dup2 over it), and if not the file
 *    is reopened by path, leaving the program's descriptor alone.
 *  - A fork child unmaps the parent's log at the fork and creates its own only when
 *    the core first needs it (detect/fork_log.h: lg_plat_log_create_forked, with the
 *    graph lock held, so the HEADER is written with lg_rec_start_locked).
 */
#ifndef LOCKGRAPH_LOG_WRITER_H
#define LOCKGRAPH_LOG_WRITER_H

#include <stddef.h>

int lg_log_open(void);  /* 0, or -1 (then recording goes nowhere) */
/* Fork child (atfork handler): forget the parent's log; this image's own is
 * created when first needed (then the core calls lg_plat_log_create_forked). */
void lg_log_fork_child(void);
void lg_log_finish(int reason); /* statistics + END record */
/* The same at exec, unless this process is a vfork/posix_spawn child sharing the
 * parent's memory and log (then nothing: the log is the parent's). */
void lg_log_end_image(int reason);
/* 0 in a vfork/posix_spawn child, which shares the parent's memory and log. */
int lg_log_is_mine(void);
const char *lg_log_current_path(void); /* this image's log, or NULL */

#endif
