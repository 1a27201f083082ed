/* Reading one log file into an lg_process, with validation of every byte.
 *
 * Invariants
 *  - Never crashes, whatever the input (fuzzed: tests/fuzz/fuzz_log_reader.c).
 *  - LG_READ_ERROR: *out is NULL and *message is the complete error line
 *    "lockgraph: FILE: offset N: expected ..." (empty file, foreign file, future
 *    version, truncated file header, corrupt record before the end, id that refers to
 *    nothing defined before it).
 *  - LG_READ_TORN: the file ends inside a record or its last record fails its CRC;
 *    *out holds every record before it (p->truncated set) and *message is the
 *    warning line "lockgraph: FILE: offset N: log ends with a torn record ...".
 *  - LG_READ_OK: *out is the whole log; *message is NULL, or the warning line
 *    "lockgraph: FILE: offset N: log stops without an END record ..." when the log
 *    ends at a record boundary but was not finished (a kill, or a log that could not
 *    grow: the shim's file-size or disk-space stop).
 *  - LG_READ_NO_RECORD (lg_log_read_file only): the file is what a process killed
 *    between creating its log and writing its first bytes leaves (empty, or only
 *    zero bytes, with a log's name); *out is NULL and *message the line
 *    "lockgraph: FILE: offset 0: expected ..., found ...: no record: the process was
 *    killed before it wrote its first record?".  A warning when other logs were read,
 *    an error when nothing was (docs/cli.md).
 */
#ifndef LOCKGRAPH_LOG_READER_H
#define LOCKGRAPH_LOG_READER_H

#include <stddef.h>

#include "log_records.h"
#include "model.h"

typedef enum lg_read_status {
    LG_READ_OK = 0,
    LG_READ_TORN = 1,
    LG_READ_ERROR = 2,
    LG_READ_NO_RECORD = 3
} lg_read_status;

/* The walk both the model reader and `lockgraph dump --format records` use: the
 * file header, then each record framed (log_records.h), checked to be HEADER first
 * and only first, decoded and handed to fn in log order.  fn returns FALSE (with
 * *why, an "expected ..." text) to stop at that record as corruption.  The status
 * and *message are as above; *end says how the walk ended (LG_FRAME_END, _UNUSED,
 * _TORN or _CORRUPT), at which offset, after how many records. */
typedef gboolean (*lg_record_fn)(const lg_log_record *r, size_t off, void *ctx, char **why);
typedef struct lg_scan_end {
    lg_log_frame_status how;
    size_t offset;
    size_t nrecords;
    gboolean whole; /* LG_FRAME_TORN: the last record is whole but fails its CRC */
} lg_scan_end;
lg_read_status lg_log_scan(const char *name, const unsigned char *buf, size_t len,
                           lg_record_fn fn, void *ctx, lg_scan_end *end, char **message);

/* Is buf (the contents of the file path) what a process killed between creating its
 * log and writing its first bytes leaves: a name ending in ".log", and either no byte
 * or, in a whole number of the shim's 1 MiB chunks, only zero bytes after at most a
 * beginning of the 16-byte file header?  Then *message is the LG_READ_NO_RECORD line
 * (above).  O(len). */
gboolean lg_log_killed_at_birth(const char *path, const unsigned char *buf, size_t len,
                                char **message);

lg_read_status lg_log_read_buffer(const char *name, const unsigned char *buf, size_t len,
                                  unsigned index, lg_process **out, char **message);
lg_read_status lg_log_read_file(const char *path, unsigned index, lg_process **out,
                                char **message);

#endif
