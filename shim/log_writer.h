/* The log file of this process image (docs/log-format.md).
 *
 * Invariants
 *  - One file per process image: created O_EXCL (a unique suffix when the name
 *    exists), O_NOFOLLOW, O_CLOEXEC, O_APPEND, mode 0644, then moved to a high
 *    descriptor so the program's own fd juggling rarely meets it.
 *  - Every record is one write(2) (raw syscall: not a cancellation point), so what
 *    was recorded survives SIGKILL and _exit.
 *  - Before each write the descriptor is checked to still be our file (a daemon may
 *    close it or dup2 over it); if not, the file is reopened by path for appending,
 *    and the program's descriptor is left alone.
 */
#ifndef LOCKGRAPH_LOG_WRITER_H
#define LOCKGRAPH_LOG_WRITER_H

#include <stddef.h>

int lg_log_open(int forked);  /* 0, or -1 (then recording goes nowhere) */
void lg_log_finish(int reason); /* statistics + END record */
/* The same at exec, unless this process is a vfork/posix_spawn child sharing the
 * parent's memory and log (then nothing: the log is the parent's). */
void lg_log_end_image(int reason);
const char *lg_log_path(void);

#endif
