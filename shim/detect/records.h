/* Log records emitted by the core, encoded per log_format.h and handed to
 * lg_plat_log.  Each function encodes into a caller-sized stack buffer and writes
 * one record; a record that does not fit is dropped (and counted), never truncated. */
#ifndef LOCKGRAPH_RECORDS_H
#define LOCKGRAPH_RECORDS_H

#include "state.h"

struct lg_finding_item {
    uint32_t thread;
    struct lg_lockrec *lock, *other;
    uint32_t stack, other_stack;
    uintptr_t pc, other_pc;   /* for the live report when no stack was captured */
    uint8_t mode;             /* to_mode | from_mode << 4 for edges */
};

struct lg_live_finding {
    struct lg_live_finding *next; /* pending list (graph.h) */
    uint8_t kind;
    uint16_t flags;
    uint64_t value;
    const char *detail;
    uint32_t n;
    struct lg_finding_item *items;
};

void lg_rec_stack(uint32_t id, const uintptr_t *pcs, uint32_t n);
void lg_rec_lock(const struct lg_lockrec *l, uint64_t ts, int class_type, uint32_t module,
                 uint64_t offset, uint32_t class_stack);
void lg_rec_retire(const struct lg_lockrec *l, uint64_t ts, int reason);
void lg_rec_edge(const struct lg_edge *e, uint64_t ts);
void lg_rec_chain(const struct lg_chain *c);
void lg_rec_context(const struct lg_edge *e, const struct lg_ctx *c, uint64_t ts);
void lg_rec_thread(const struct lg_thread *t, uint64_t ts);
void lg_rec_thread_exit(const struct lg_thread *t, uint64_t ts);
void lg_rec_finding(const struct lg_live_finding *f, uint64_t ts);
/* Statistics of every lock used since the last call (chunked into records). */
void lg_rec_stats(uint64_t ts);
void lg_rec_end(uint64_t ts, int reason);
uint64_t lg_records_dropped(void);

#endif
