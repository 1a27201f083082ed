/* Test helper: builds lockgraph logs in memory with the real encoder (log_codec.h),
 * so tests exercise exactly the bytes the shim writes.
 *
 * Invariants
 *  - Records are appended in call order; timestamps increase by 1000 per record
 *    unless set explicitly (lgb_set_ts).
 *  - lgb_ctx creates the EDGE (once per from->to pair) and a CHAIN for the held set
 *    as needed, so a test states only "thread T took `to` while holding ...".
 *  - lgb_raw appends arbitrary bytes (for malformed logs).
 */
#ifndef LOCKGRAPH_TEST_LOG_BUILDER_H
#define LOCKGRAPH_TEST_LOG_BUILDER_H

#include <glib.h>
#include <stdint.h>

#include "cycle_rules.h"
#include "log_format.h"
#include "log_records.h"
#include "analysis.h"
#include "model.h"

typedef struct lgb lgb;

/* Starts a log with the file header (and nothing else). */
lgb *lgb_new(void);
void lgb_free(lgb *b);
GByteArray *lgb_bytes(lgb *b); /* borrowed */
/* Writes the log to dir/name; returns the path (g_free). */
char *lgb_write(lgb *b, const char *dir, const char *name);

void lgb_set_ts(lgb *b, uint64_t ts);
uint64_t lgb_ts(const lgb *b);

/* Raw record: type + payload exactly as given (CRC computed correctly). */
void lgb_record(lgb *b, uint16_t type, const void *payload, uint32_t len);
void lgb_raw(lgb *b, const void *bytes, size_t len);

void lgb_header(lgb *b, uint32_t pid, const char *run_id, const char *exe);
void lgb_module(lgb *b, uint32_t id, uint64_t base, const char *path, const char *build_id,
                uint64_t seg_vaddr, uint64_t seg_memsz);
/* The running test executable, with its real base and PT_LOAD segments, so PCs of
 * its functions symbolize (see lgb_pc). */
void lgb_module_self(lgb *b, uint32_t id);
uint64_t lgb_pc(void (*fn)(void));
void lgb_module_unload(lgb *b, uint32_t id);
void lgb_stack(lgb *b, uint32_t id, uint32_t n, const uint64_t *pcs);
void lgb_thread(lgb *b, uint32_t serial, uint32_t tid, uint32_t creator, uint32_t create_stack,
                const char *name);
void lgb_thread_exit(lgb *b, uint32_t serial);
void lgb_lock(lgb *b, uint64_t id, uint64_t addr, uint8_t kind, uint8_t subkind,
              uint32_t first_stack, uint8_t class_type, uint32_t class_module,
              uint64_t class_offset, uint32_t class_stack);
/* A mutex with no class information and no stack. */
void lgb_mutex(lgb *b, uint64_t id);
void lgb_edge(lgb *b, uint32_t id, uint64_t from, uint64_t to);
void lgb_chain(lgb *b, uint32_t id, uint32_t n, const lg_held_lock *held);
void lgb_context(lgb *b, uint32_t edge, uint32_t thread, uint32_t chain, uint8_t from_mode,
                 uint8_t to_mode, uint16_t flags, uint32_t stack, uint32_t held_stack);

/* Thread `thread` acquired `to` (to_mode) while holding `from` (from_mode) and the
 * extra locks gates[0..ngates) (mode gate_mode); flags: LG_CTXF_*. */
void lgb_ctx(lgb *b, uint32_t thread, uint64_t from, uint8_t from_mode, uint64_t to,
             uint8_t to_mode, uint16_t flags, uint32_t stack, uint32_t held_stack,
             const uint64_t *gates, uint32_t ngates, uint8_t gate_mode);
/* Shorthand: exclusive modes, no gates, no flags. */
void lgb_order(lgb *b, uint32_t thread, uint64_t from, uint64_t to, uint32_t stack,
               uint32_t held_stack);

void lgb_finding(lgb *b, uint8_t kind, uint16_t flags, uint64_t value, const char *detail,
                 uint32_t n, const lg_item *items);
/* The WAITS record of the deadlock FINDING just written: each item's thread,
 * wait_flags, waited_ns and held_ns. */
void lgb_waits(lgb *b, uint32_t n, const lg_item *items);
void lgb_stats(lgb *b, uint32_t n, const lg_lock_stats *s);
void lgb_end(lgb *b, uint8_t reason);
/* A LOSSES record: the shim's own counters (counter, value) pairs. */
void lgb_losses(lgb *b, uint32_t n, const lg_log_loss *l);
/* An UNTRACED record: this image execs `path`, which runs without the shim. */
void lgb_untraced(lgb *b, uint8_t reason, const char *path);

/* The formats tests' scenario: a log of pid 321 (run id, exe given) whose stacks
 * 1..n are the one-frame stacks of fns[0..n) (symbolized: functions of the test);
 * threads 1 "main", 2 thread2_name and 3 "beta", created at stack 4; mutexes 1..4
 * first used at stack 3; an inversion 1 <-> 2 (threads 2 and 3, stacks 1 and 2) and
 * a cycle 2 <-> 3 gated by lock 4 (filtered); statistics of locks 1 and 2.  No END. */
lgb *lgb_formats_scenario(const char *run_id, const char *exe, const char *thread2_name,
                          void (*const *fns)(void), uint32_t n);

/* Reads the built log back (asserting it is readable) as process `index`. */
lg_process *lgb_read(lgb *b, const char *name, unsigned index);

/* Reads logs[0..n) as processes 0..n-1 and analyzes them (default budgets unless
 * opts is given). */
lg_analysis *lgb_analyze(lgb *const *logs, unsigned n, const lg_analysis_opts *opts);

#endif
