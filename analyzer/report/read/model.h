/* The in-memory image of one log: everything one traced process image recorded.
 *
 * Invariants
 *  - One lg_process per log file.  Every id a record cites refers to an object that
 *    exists in the same lg_process (the reader rejects logs where it does not), so
 *    lookups by id never fail for ids taken from the model itself; id 0 means "none".
 *  - Objects are owned by their lg_process and live until lg_process_free; pointers
 *    between them (and from findings) stay valid that long.
 *  - Lock class keys (lg_lock.class_key) never contain addresses: they are stable
 *    across runs of the same binaries, which is what cross-run matching relies on.
 */
#ifndef LOCKGRAPH_MODEL_H
#define LOCKGRAPH_MODEL_H

#include <glib.h>
#include <stdint.h>

#include "cycle_rules.h"
#include "log_format.h"
#include "log_records.h"

typedef struct lg_segment {
    uint64_t vaddr; /* relative to the module base */
    uint64_t memsz;
} lg_segment;

typedef struct lg_module {
    uint32_t id;
    uint64_t base;
    uint64_t load_ts;
    uint64_t unload_ts; /* UINT64_MAX while still mapped */
    char *path;
    unsigned char *build_id; /* raw bytes as recorded; build_id_len 0 = none */
    uint32_t build_id_len;
    char *build_id_hex; /* "" when the module has no build-id */
    uint32_t nseg;
    lg_segment *segs;
} lg_module;

typedef struct lg_model_stack {
    uint32_t id;
    uint32_t n;
    uint64_t *pcs; /* innermost first, call sites (return address - 1) */
    gboolean cut;  /* STACK_CUT: the frames above pcs are unknown */
} lg_model_stack;

typedef struct lg_model_thread {
    uint32_t serial;
    uint32_t tid;
    uint32_t creator;      /* serial of the creating thread, 0 for the main thread */
    uint32_t create_stack; /* stack id of pthread_create, 0 if unknown */
    uint64_t ts;
    uint64_t exit_ts;
    gboolean exited;
    char *name;
} lg_model_thread;

typedef struct lg_lock {
    uint64_t id;
    uint64_t addr;
    uint32_t generation;
    uint8_t kind;    /* enum lg_lock_kind */
    uint8_t subkind; /* enum lg_lock_subkind */
    uint16_t flags;  /* LOCK.flags (LG_LOCKF_*; unknown bits ignored) */
    uint32_t first_stack;
    uint64_t ts;
    uint8_t class_type;
    uint32_t class_module;
    uint64_t class_offset;
    uint32_t class_stack;
    char *class_key; /* see class_key.h */
    gboolean retired;
    uint8_t retire_reason;
} lg_lock;

typedef struct lg_model_chain {
    uint32_t id;
    uint32_t n;
    lg_held_lock *held; /* oldest first */
} lg_model_chain;

typedef struct lg_context {
    uint32_t thread; /* serial */
    uint32_t chain;
    uint8_t from_mode;
    uint8_t to_mode;
    uint16_t flags; /* LG_CTXF_* */
    uint32_t stack;      /* where `to` was acquired */
    uint32_t held_stack; /* where `from` had been acquired */
    uint64_t ts;
} lg_context;

typedef struct lg_model_edge {
    uint32_t id;
    uint64_t from;
    uint64_t to;
    uint64_t ts;
    GArray *ctxs; /* lg_context, in log order */
} lg_model_edge;

typedef struct lg_item {
    uint32_t thread;
    uint64_t lock;
    uint64_t other_lock;
    uint32_t stack;
    uint32_t other_stack;
    uint8_t mode;
    /* deadlock items, from the WAITS record after the FINDING (has_wait 0: none) */
    uint8_t has_wait, wait_flags; /* LG_WAITF_* */
    uint64_t waited_ns, held_ns;
} lg_item;

/* A FINDING record: what the shim reported live (item semantics: docs/log-format.md). */
typedef struct lg_shim_finding {
    uint8_t kind;
    uint16_t flags;
    uint64_t ts;
    uint64_t value;
    char *detail;
    uint32_t n;
    lg_item *items;
} lg_shim_finding;

typedef struct lg_lock_stats {
    uint64_t lock;
    uint64_t ts;
    uint64_t acquisitions, contended;
    uint64_t wait_total_ns, wait_max_ns;
    uint64_t hold_total_ns, hold_max_ns;
} lg_lock_stats;

typedef struct lg_process {
    char *path;     /* the log file */
    unsigned index; /* position among the report's inputs */
    gboolean has_header;
    uint32_t pid, ppid, stack_depth, hflags;
    uint64_t mono_ns, real_ns;
    char *run_id, *exe, *cmdline; /* cmdline: arguments joined with spaces */
    gboolean has_end;
    uint8_t end_reason;
    uint64_t end_ts;
    gboolean truncated; /* the log ended with a torn record */
    size_t nrecords;    /* records accepted */

    GPtrArray *modules;     /* lg_module*, in load order (owns) */
    GHashTable *module_ids; /* u32 id -> lg_module* */
    GHashTable *stacks;     /* u32 id -> lg_model_stack* (owns) */
    GPtrArray *threads;     /* lg_model_thread*, in start order (owns) */
    GHashTable *thread_ids; /* u32 serial -> lg_model_thread* */
    GPtrArray *locks;       /* lg_lock*, in first-use order (owns) */
    GHashTable *lock_ids;   /* u64 id -> lg_lock* */
    GHashTable *chains;     /* u32 id -> lg_model_chain* (owns) */
    GPtrArray *edges;       /* lg_model_edge*, in log order (owns) */
    GHashTable *edge_ids;   /* u32 id -> lg_model_edge* */
    GPtrArray *findings;    /* lg_shim_finding* (owns) */
    GHashTable *stats;      /* u64 lock id -> lg_lock_stats* (latest snapshot; owns) */
    /* What the shim itself lost (the latest LOSSES record; all 0 when none), indexed
     * by lg_loss_counter.  Counters this reader does not know are ignored. */
    uint64_t losses[LG_LOSS_COUNTER_MAX + 1];
    /* Programs this image exec'd that ran without the shim (UNTRACED records, in log
     * order; owns). */
    GPtrArray *untraced; /* lg_untraced* */
} lg_process;

/* An UNTRACED record: `path` ran untraced, for `reason` (lg_untraced_reason; a
 * reason this reader does not know is kept as its number). */
typedef struct lg_untraced {
    char *path;
    uint8_t reason;
    uint64_t ts;
} lg_untraced;

lg_process *lg_process_new(const char *path, unsigned index);
void lg_process_free(lg_process *p);

const lg_module *lg_process_module(const lg_process *p, uint32_t id);
const lg_model_stack *lg_process_stack(const lg_process *p, uint32_t id);
const lg_model_thread *lg_process_thread(const lg_process *p, uint32_t serial);
const lg_lock *lg_process_lock(const lg_process *p, uint64_t id);
const lg_model_chain *lg_process_chain(const lg_process *p, uint32_t id);

/* The module mapped at pc at time ts (the latest-loaded one whose PT_LOAD segments
 * cover pc and that was mapped at ts; if none was mapped at ts, the latest one that
 * ever covered pc).  NULL if no module covers pc. */
const lg_module *lg_process_module_at(const lg_process *p, uint64_t pc, uint64_t ts);

/* Adders used by the reader.  Each takes ownership of its argument on success and
 * on failure; on failure it returns FALSE and sets *why to "expected ..." text. */
gboolean lg_process_add_module(lg_process *p, lg_module *m, char **why);
gboolean lg_process_unload_module(lg_process *p, uint32_t id, uint64_t ts, char **why);
gboolean lg_process_add_stack(lg_process *p, lg_model_stack *s, char **why);
gboolean lg_process_add_thread(lg_process *p, lg_model_thread *t, char **why);
gboolean lg_process_exit_thread(lg_process *p, uint32_t serial, uint64_t ts, const char *name,
                                const uint64_t *held, uint32_t nheld, char **why);
gboolean lg_process_add_lock(lg_process *p, lg_lock *l, char **why);
gboolean lg_process_retire_lock(lg_process *p, uint64_t id, uint64_t ts, uint8_t reason,
                                char **why);
gboolean lg_process_add_edge(lg_process *p, lg_model_edge *e, char **why);
gboolean lg_process_add_chain(lg_process *p, lg_model_chain *c, char **why);
gboolean lg_process_add_context(lg_process *p, uint32_t edge_id, const lg_context *c,
                                char **why);
gboolean lg_process_add_finding(lg_process *p, lg_shim_finding *f, char **why);
/* A WAITS record: completes the items of the deadlock finding just added (the same
 * threads in the same order); anything else is a malformed log. */
gboolean lg_process_add_waits(lg_process *p, const lg_log_waits *w, char **why);
gboolean lg_process_add_stats(lg_process *p, const lg_lock_stats *s, uint32_t n, char **why);

void lg_module_free(lg_module *m);
void lg_stack_free(lg_model_stack *s);
void lg_thread_free(lg_model_thread *t);
void lg_lock_free(lg_lock *l);
void lg_chain_free(lg_model_chain *c);
void lg_edge_free(lg_model_edge *e);
void lg_shim_finding_free(lg_shim_finding *f);

#endif
