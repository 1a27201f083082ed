/* Every log record the shim writes, encoded by common/log_records.h and handed to
 * lg_plat_log: the core is the log's one writer.
 *
 * Invariants
 *  - Each function encodes into a stack buffer (or, for a record too large for one,
 *    a buffer kept for the purpose) and writes one record; a record that does not
 *    fit is dropped and counted (LG_LOSS_RECORDS_DROPPED), never truncated.
 *  - lg_rec_stack .. lg_rec_end are called with the graph lock held: that lock makes
 *    the core the log's single writer and keeps its "define before use" order
 *    (state.h).  The host's records (HEADER, MODULE, MODULE_UNLOAD, and the end of an
 *    image) go through the functions at the bottom, which take the graph lock
 *    themselves, so the host never touches it (except the *_locked forms, for the
 *    host's part of a fork child's log, written under the lock: fork_log.h).
 */
#ifndef LOCKGRAPH_RECORDS_H
#define LOCKGRAPH_RECORDS_H

#include "caps.h"
#include "log_records.h"
#include "state.h"

struct lg_finding_item {
    uint32_t thread;
    struct lg_lockrec *lock, *other;
    uint32_t stack, other_stack;
    uintptr_t pc, other_pc;   /* for the live report when no stack was captured */
    uint8_t mode;             /* to_mode | from_mode << 4 for edges */
    uint8_t stack_first;      /* `stack` is its code path's first seen (LG_CTXF_STACK_FIRST) */
    /* deadlock items (the WAITS record): LG_WAITF_*, and for how long it had
     * waited and had held `lock` when the deadlock was confirmed */
    uint8_t wait_flags;
    uint64_t waited_ns, held_ns;
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
void lg_rec_stack_cut(uint32_t id);
void lg_rec_lock(const struct lg_lockrec *l, uint64_t ts, int class_type, uint32_t module,
                 uint64_t offset, uint32_t class_stack);
void lg_rec_retire(const struct lg_lockrec *l, uint64_t ts, int reason);
void lg_rec_edge(const struct lg_edge *e, uint64_t ts);
void lg_rec_chain(const struct lg_chain *c);
void lg_rec_context(const struct lg_edge *e, const struct lg_ctx *c, uint64_t ts);
void lg_rec_thread(const struct lg_thread *t, uint64_t ts);
void lg_rec_thread_exit(const struct lg_thread *t, uint64_t ts);
void lg_rec_finding(const struct lg_live_finding *f, uint64_t ts);
/* Statistics of every lock whose counters moved since the previous snapshot
 * (chunked into records), then the LOSSES record when a loss counter moved. */
void lg_rec_stats(uint64_t ts); /* the locks whose counters moved since the last call */
/* A fork child's log starts empty: its first snapshot lists every lock again. */
void lg_rec_stats_forget(void);
void lg_rec_end(uint64_t ts, int reason);
uint64_t lg_records_dropped(void);

/* ---- the host's records: each takes the graph lock (but the *_locked forms) ----- */
/* The first record of a new log (it also restarts the count of dropped records,
 * which is per log). */
void lg_rec_start(const lg_log_header *h);
/* The same with the graph lock already held (a fork child's log created when first
 * needed: detect/fork_log.h). */
void lg_rec_start_locked(const lg_log_header *h);
/* A loaded module; segs[0..m->nseg). */
void lg_rec_module(const lg_log_module *m, const lg_log_segment *segs);
void lg_rec_module_locked(const lg_log_module *m, const lg_log_segment *segs);
void lg_rec_module_unload(uint32_t module_id, uint64_t ts);
/* This image is about to exec `path`, which will run without the shim (reason:
 * LG_UNTRACED_*).  Written before the END record of the exec.  This and
 * lg_rec_finish leave a fork child's deferred log without its history (a short
 * log: detect/fork_log.h). */
void lg_rec_untraced(int reason, const char *path);
/* The image's last records: STATS, LOSSES and END, then lg_plat_log_end, all under
 * one hold of the graph lock so that no record lands after the file is cut. */
void lg_rec_finish(int reason);

#endif
