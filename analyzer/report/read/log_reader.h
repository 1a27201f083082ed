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
 *  - LG_READ_OK: *out is the whole log, *message is NULL.
 */
#ifndef LOCKGRAPH_LOG_READER_H
#define LOCKGRAPH_LOG_READER_H

#include <stddef.h>

#include "model.h"

typedef enum lg_read_status {
    LG_READ_OK = 0,
    LG_READ_TORN = 1,
    LG_READ_ERROR = 2
} lg_read_status;

lg_read_status lg_log_read_buffer(const char *name, const unsigned char *buf, size_t len,
                                  unsigned index, lg_process **out, char **message);
lg_read_status lg_log_read_file(const char *path, unsigned index, lg_process **out,
                                char **message);

#endif
