/* What one `lockgraph run` recorded: the run index and the ending of its logs.
 *
 * The run index is a file the launcher creates empty and names in LOCKGRAPH_RUN_INDEX.
 * The shim appends one line per log it opens, in one write(2) on an O_APPEND
 * descriptor (so lines of concurrent processes never interleave):
 *
 *     <pid> TAB <absolute log path> LF
 *
 * pid is decimal, the process that opened the log.  A line without its LF (the writer
 * was killed mid-write, which one small write makes unlikely) is ignored.
 *
 * Invariants
 *  - Reading never fails on malformed lines: they are skipped.
 *  - The log scan reads record headers only (and the payload of END records), so it
 *    costs O(records) seeks, not a parse of the log.
 */
#ifndef LOCKGRAPH_RUN_INDEX_H
#define LOCKGRAPH_RUN_INDEX_H

#include <glib.h>

typedef struct lg_run_log {
    int pid;
    char *path;
} lg_run_log;

/* Creates an empty index file in the temporary directory (mode 0600).  Returns its
 * path (g_free) or NULL with *err. */
char *lg_run_index_create(GError **err);

/* Entries of the index in file order (lg_run_log*, owned by the array).  A missing or
 * unreadable file gives an empty array. */
GPtrArray *lg_run_index_read(const char *index_path);

/* Whether some entry was written by pid. */
gboolean lg_run_index_has_pid(const GPtrArray *entries, int pid);

/* The distinct log paths, in first-seen order, NULL-terminated (g_strfreev). */
char **lg_run_index_logs(const GPtrArray *entries);

/* The reason of the last valid END record of a log (LG_END_*), or 0 if it has none,
 * is not a lockgraph log, or cannot be read. */
int lg_log_end_reason(const char *log_path);

#endif
