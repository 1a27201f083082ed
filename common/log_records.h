/* One plain struct, one encoder and one decoder per log record type (log_format.h),
 * plus the framing walk over a whole log: the only place where record bytes are laid
 * out or taken apart.  The shim encodes through it; the reader, the run index, the
 * unit-test fake, the fuzz target and `lockgraph dump --format records` (which the
 * Python drivers read) decode through it.
 *
 * Invariants
 *  - No allocation and no locking anywhere here: the shim encodes with its graph
 *    lock held, on stack buffers.  Encoders never write a truncated record: a record
 *    that does not fit sets lg_enc.overflow and lg_enc_finish returns 0.
 *  - A record with a list (STACK pcs, MODULE segments, THREAD_EXIT locks, CHAIN,
 *    FINDING items, STATS, LOSSES, WAITS) is encoded in two steps: lg_encode_X writes the
 *    fixed fields and the count `n` from the struct, then the caller appends exactly
 *    n items with lg_encode_X_item, then calls lg_enc_finish.  The item structs are
 *    the same ones the decoder returns, so the two halves cannot disagree.
 *  - Decoding never reads outside [payload, payload + len) and copies nothing:
 *    strings and lists are pointers into the payload plus counts (strings are not
 *    NUL-terminated); list items are read with lg_log_X_item(r, i), O(1) each.
 *    A count is checked against the bytes left before anything trusts it.
 *  - A payload decodes only if it holds exactly its type's fields.  On failure the
 *    error says what was expected, which field and at which payload byte.
 *  - Ids are not checked against earlier records here (that needs the whole log:
 *    the reader's model does it).
 */
#ifndef LOCKGRAPH_LOG_RECORDS_H
#define LOCKGRAPH_LOG_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "cycle_rules.h" /* lg_held_lock: a CHAIN item */
#include "log_codec.h"
#include "log_format.h"

/* A string or byte string inside a record: not NUL-terminated. */
typedef struct lg_bytes {
    const unsigned char *p;
    uint32_t n;
} lg_bytes;

/* The bytes of a C string (NULL encodes as ""). */
lg_bytes lg_bytes_of(const char *s);

/* Encoded size of one list item (decoders check counts against these). */
#define LG_ITEM_SIZE_PC 8u        /* STACK pc, THREAD_EXIT lock id */
#define LG_ITEM_SIZE_SEGMENT 16u  /* MODULE {vaddr, memsz} */
#define LG_ITEM_SIZE_CHAIN 9u     /* CHAIN {lock_id, mode} */
#define LG_ITEM_SIZE_FINDING 29u  /* FINDING item */
#define LG_ITEM_SIZE_STATS 56u    /* STATS item */
#define LG_ITEM_SIZE_LOSS 12u     /* LOSSES {counter, value} */
#define LG_ITEM_SIZE_WAIT 21u     /* WAITS {thread_serial, flags, waited_ns, held_ns} */

typedef struct lg_log_header {
    uint32_t pid, ppid;
    uint64_t mono_ns, real_ns;
    uint32_t stack_depth, flags; /* LG_HDRF_* */
    lg_bytes run_id, exe, cmdline; /* cmdline: arguments separated by NUL bytes */
} lg_log_header;

typedef struct lg_log_segment {
    uint64_t vaddr, memsz; /* PT_LOAD range relative to the module's base */
} lg_log_segment;

typedef struct lg_log_module {
    uint32_t module_id;
    uint64_t base, ts;
    lg_bytes path, build_id;
    uint32_t nseg;
    const unsigned char *segs; /* decoded: nseg items */
} lg_log_module;

typedef struct lg_log_module_unload {
    uint32_t module_id;
    uint64_t ts;
} lg_log_module_unload;

typedef struct lg_log_stack_cut {
    uint32_t stack_id;
} lg_log_stack_cut;

typedef struct lg_log_stack {
    uint32_t stack_id, n;
    const unsigned char *pcs; /* decoded: n u64 call sites, innermost first */
} lg_log_stack;

typedef struct lg_log_thread {
    uint32_t serial, tid, creator_serial, create_stack_id;
    uint64_t ts;
    lg_bytes name;
} lg_log_thread;

typedef struct lg_log_thread_exit {
    uint32_t serial;
    uint64_t ts;
    lg_bytes name;
    uint32_t n;
    const unsigned char *locks; /* decoded: n u64 ids of locks still held */
} lg_log_thread_exit;

typedef struct lg_log_lock {
    uint64_t lock_id, addr;
    uint32_t generation;
    uint8_t kind, subkind; /* lg_lock_kind, lg_lock_subkind */
    uint16_t flags;        /* reserved, 0 */
    uint32_t first_stack_id;
    uint64_t ts;
    uint8_t class_type; /* lg_class_type */
    uint32_t class_module_id;
    uint64_t class_offset;
    uint32_t class_stack_id;
} lg_log_lock;

typedef struct lg_log_lock_retire {
    uint64_t lock_id, ts;
    uint8_t reason; /* lg_retire_reason */
} lg_log_lock_retire;

typedef struct lg_log_edge {
    uint32_t edge_id;
    uint64_t from_lock, to_lock, ts;
} lg_log_edge;

typedef struct lg_log_chain {
    uint32_t chain_id, n;
    const unsigned char *locks; /* decoded: n lg_held_lock, oldest first */
} lg_log_chain;

typedef struct lg_log_context {
    uint32_t edge_id, thread_serial, chain_id;
    uint8_t from_mode, to_mode;
    uint16_t flags; /* LG_CTXF_* */
    uint32_t stack_id, held_stack_id;
    uint64_t ts;
} lg_log_context;

typedef struct lg_log_finding_item {
    uint32_t thread_serial;
    uint64_t lock_id, other_lock_id;
    uint32_t stack_id, other_stack_id;
    uint8_t mode; /* to_mode | from_mode << 4 */
} lg_log_finding_item;

typedef struct lg_log_finding {
    uint8_t kind;   /* lg_finding_kind */
    uint16_t flags; /* LG_FINDF_* */
    uint64_t ts, value;
    lg_bytes detail;
    uint32_t n;
    const unsigned char *items; /* decoded: n lg_log_finding_item */
} lg_log_finding;

typedef struct lg_log_lock_stats {
    uint64_t lock_id, acquisitions, contended, wait_total_ns, wait_max_ns, hold_total_ns,
        hold_max_ns;
} lg_log_lock_stats;

typedef struct lg_log_stats {
    uint64_t ts;
    uint32_t n;
    const unsigned char *items; /* decoded: n lg_log_lock_stats */
} lg_log_stats;

typedef struct lg_log_end {
    uint64_t ts;
    uint8_t reason; /* LG_END_* */
} lg_log_end;

typedef struct lg_log_loss {
    uint32_t counter; /* lg_loss_counter; readers keep counters they do not know */
    uint64_t value;
} lg_log_loss;

typedef struct lg_log_losses {
    uint64_t ts;
    uint32_t n;
    const unsigned char *items; /* decoded: n lg_log_loss */
} lg_log_losses;

typedef struct lg_log_wait {
    uint32_t thread_serial;
    uint8_t flags;      /* LG_WAITF_* */
    uint64_t waited_ns; /* how long it had been blocked when the deadlock was confirmed */
    uint64_t held_ns;   /* how long it had held the lock of the cycle it holds, 0 none */
} lg_log_wait;

typedef struct lg_log_waits {
    uint64_t ts;
    uint32_t n;
    const unsigned char *items; /* decoded: n lg_log_wait */
} lg_log_waits;

typedef struct lg_log_untraced {
    uint64_t ts;
    uint8_t reason; /* lg_untraced_reason; readers keep reasons they do not know */
    lg_bytes path;  /* the program exec'd, as resolved (PATH searched) */
} lg_log_untraced;
/* Any record, as the decoder returns it. */
typedef struct lg_log_record {
    uint16_t type; /* lg_rec_type */
    union {
        lg_log_header header;
        lg_log_module module;
        lg_log_module_unload module_unload;
        lg_log_stack stack;
        lg_log_thread thread;
        lg_log_thread_exit thread_exit;
        lg_log_lock lock;
        lg_log_lock_retire lock_retire;
        lg_log_edge edge;
        lg_log_chain chain;
        lg_log_context context;
        lg_log_finding finding;
        lg_log_stats stats;
        lg_log_end end;
        lg_log_losses losses;
        lg_log_waits waits;
        lg_log_stack_cut stack_cut;
        lg_log_untraced untraced;
    } u;
} lg_log_record;

/* "HEADER", "MODULE", ... ; "?" for a type outside 1..LG_REC_TYPE_MAX. */
const char *lg_log_type_name(unsigned type);
/* "records_dropped", "contexts_dropped", "searches_cut"; NULL for a counter this
 * version does not know. */
const char *lg_loss_counter_name(unsigned counter);

/* ---- encoders: begin the record in buf, write its fixed fields ------------------ */
void lg_encode_header(lg_enc *e, void *buf, size_t cap, const lg_log_header *r);
void lg_encode_module(lg_enc *e, void *buf, size_t cap, const lg_log_module *r);
void lg_encode_module_item(lg_enc *e, const lg_log_segment *s);
void lg_encode_module_unload(lg_enc *e, void *buf, size_t cap, const lg_log_module_unload *r);
void lg_encode_stack(lg_enc *e, void *buf, size_t cap, const lg_log_stack *r);
void lg_encode_stack_item(lg_enc *e, uint64_t pc);
void lg_encode_stack_cut(lg_enc *e, void *buf, size_t cap, const lg_log_stack_cut *r);
void lg_encode_thread(lg_enc *e, void *buf, size_t cap, const lg_log_thread *r);
void lg_encode_thread_exit(lg_enc *e, void *buf, size_t cap, const lg_log_thread_exit *r);
void lg_encode_thread_exit_item(lg_enc *e, uint64_t lock_id);
void lg_encode_lock(lg_enc *e, void *buf, size_t cap, const lg_log_lock *r);
void lg_encode_lock_retire(lg_enc *e, void *buf, size_t cap, const lg_log_lock_retire *r);
void lg_encode_edge(lg_enc *e, void *buf, size_t cap, const lg_log_edge *r);
void lg_encode_chain(lg_enc *e, void *buf, size_t cap, const lg_log_chain *r);
void lg_encode_chain_item(lg_enc *e, const lg_held_lock *l);
void lg_encode_context(lg_enc *e, void *buf, size_t cap, const lg_log_context *r);
void lg_encode_finding(lg_enc *e, void *buf, size_t cap, const lg_log_finding *r);
void lg_encode_finding_item(lg_enc *e, const lg_log_finding_item *it);
void lg_encode_stats(lg_enc *e, void *buf, size_t cap, const lg_log_stats *r);
void lg_encode_stats_item(lg_enc *e, const lg_log_lock_stats *s);
void lg_encode_end(lg_enc *e, void *buf, size_t cap, const lg_log_end *r);
void lg_encode_losses(lg_enc *e, void *buf, size_t cap, const lg_log_losses *r);
void lg_encode_losses_item(lg_enc *e, const lg_log_loss *l);
void lg_encode_waits(lg_enc *e, void *buf, size_t cap, const lg_log_waits *r);
void lg_encode_waits_item(lg_enc *e, const lg_log_wait *w);
void lg_encode_untraced(lg_enc *e, void *buf, size_t cap, const lg_log_untraced *r);

/* ---- decoders ------------------------------------------------------------------- */

/* What went wrong, and where: `at` is a payload byte (lg_log_decode) or a file
 * offset (lg_log_check_file_header, lg_log_next_frame); `what` reads
 * "expected ..., found ..." and needs no prefix but the file name and offset. */
typedef struct lg_log_error {
    size_t at;
    char what[240];
} lg_log_error;

/* Decodes one payload of `type`.  0, or -1 with *err. */
int lg_log_decode(uint16_t type, const void *payload, size_t len, lg_log_record *out,
                     lg_log_error *err);

/* List items of decoded records (i < n). */
lg_log_segment lg_log_module_item(const lg_log_module *r, uint32_t i);
uint64_t lg_log_stack_item(const lg_log_stack *r, uint32_t i);
uint64_t lg_log_thread_exit_item(const lg_log_thread_exit *r, uint32_t i);
lg_held_lock lg_log_chain_item(const lg_log_chain *r, uint32_t i);
lg_log_finding_item lg_log_finding_item_at(const lg_log_finding *r, uint32_t i);
lg_log_lock_stats lg_log_stats_item(const lg_log_stats *r, uint32_t i);
lg_log_loss lg_log_losses_item(const lg_log_losses *r, uint32_t i);
lg_log_wait lg_log_waits_item(const lg_log_waits *r, uint32_t i);

/* ---- framing: the walk over a whole log ----------------------------------------- */

/* The 16-byte file header: 0, or -1 with *err (empty file, foreign file, short
 * header, other version; err->at is the file offset the docs promise). */
int lg_log_check_file_header(const unsigned char *buf, size_t len, lg_log_error *err);

typedef enum lg_log_frame_status {
    LG_FRAME_RECORD = 0, /* *f is a whole record whose CRC matches */
    LG_FRAME_END,        /* off == len: the log ends after its last record */
    LG_FRAME_UNUSED,     /* only zero bytes from off: a process that did not finish */
    LG_FRAME_TORN,       /* the file ends inside the record at off, or that record is
                            the last one and fails its CRC: a process killed mid-copy */
    LG_FRAME_CORRUPT     /* anything else wrong at off; *err says what */
} lg_log_frame_status;

typedef struct lg_log_frame {
    size_t off;   /* of the record header */
    size_t next;  /* of the record after it */
    lg_rec_header h;
    const unsigned char *payload; /* NULL unless the record is whole (LG_FRAME_RECORD,
                                     or LG_FRAME_TORN by its CRC) */
} lg_log_frame;

/* The record at off (off >= LG_FILE_HEADER_SIZE, at a record boundary).  The
 * record-type range, reserved field, length bound and CRC are checked here; the
 * payload is not decoded.  O(record) except LG_FRAME_UNUSED/TORN detection, which
 * stops at the first non-zero byte. */
lg_log_frame_status lg_log_next_frame(const unsigned char *buf, size_t len, size_t off, lg_log_frame *f,
                                  lg_log_error *err);

#endif
