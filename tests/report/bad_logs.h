/* The malformed-log corpus: every class of bad input the reader must reject (or, for
 * torn tails, accept with a warning), generated with the real encoder so it can be
 * regenerated at any time (tests/data/bad_logs/README.md). */
#ifndef LOCKGRAPH_TEST_BAD_LOGS_H
#define LOCKGRAPH_TEST_BAD_LOGS_H

#include <glib.h>
#include <stddef.h>

typedef struct bad_log {
    const char *name;      /* file name, e.g. "empty.log" */
    GByteArray *bytes;
    int torn;              /* 1: reader warns and keeps `kept` records; 0: error */
    size_t offset;         /* the offset the message must name */
    const char *expect;    /* a substring the message must contain */
    size_t kept;           /* torn: records kept */
} bad_log;

/* All bad logs (free with bad_logs_free). */
GPtrArray *bad_logs_make(void);
void bad_logs_free(GPtrArray *logs);

#endif
