/* What the report says: findings, filtered cycles and the contention table, as
 * produced by the analysis and consumed by every output format.
 *
 * Invariants
 *  - A finding's locks and edges point into the lg_process objects of the analysis
 *    inputs; they stay valid while those processes live.
 *  - Cycle findings (lock-order-inversion, deadlock): edge i goes from locks[edges[i].from]
 *    (held) to locks[edges[i].to] (acquired), and for an analyzer-found cycle
 *    edges[i].from == i, edges[i].to == (i + 1) % n.
 *  - Other kinds have one edge whose `to` is -1, and one lock (none if the shim's
 *    record named no lock; `from` is then -1).  Shim deadlock edges may also have
 *    from = -1 (a blocked thread that holds nothing).
 *  - fingerprint is 16 lowercase hex digits, computed by fingerprint.h only.
 *  - A finding is data only: no text is built here or in the analysis.  Its message
 *    is worded from these fields by present/finding_message.h.
 */
#ifndef LOCKGRAPH_FINDINGS_H
#define LOCKGRAPH_FINDINGS_H

#include <glib.h>
#include <stdint.h>

#include "cycle_rules.h"
#include "log_format.h"
#include "model.h"

typedef struct lg_flock {
    const lg_process *proc;
    const lg_lock *lock;
} lg_flock;

typedef struct lg_fedge {
    int from, to; /* indices into the finding's locks; to = -1: none */
    const lg_process *proc;
    uint32_t thread;     /* serial in proc; 0 unknown */
    uint32_t stack;      /* where `to` was acquired (or the finding's site) */
    uint32_t held_stack; /* where `from` had been acquired; 0 unknown */
    uint8_t held_mode, acquired_mode;
    uint16_t ctx_flags; /* LG_CTXF_* */
    uint64_t ts;        /* time used to place the stacks' PCs in modules */
    /* deadlock edges of a log with WAITS records (has_wait 0: unknown) */
    uint8_t has_wait, wait_flags; /* LG_WAITF_* */
    uint64_t waited_ns, held_ns;  /* the thread had waited, had held `from`, this long */
} lg_fedge;

typedef struct lg_finding {
    int kind;                /* enum lg_finding_kind */
    uint32_t flags;          /* LG_FINDF_* */
    enum lg_verdict verdict; /* LG_VERDICT_DEADLOCK unless this is a filtered cycle */
    uint64_t gate;           /* GATED: gate lock id (instance id, or class id) */
    lg_flock gate_lock;      /* GATED: a lock with that id (or of that class) as one of the
                                cycle's contexts held it; lock NULL if none is known */
    uint32_t rw_lock;        /* READER_PREF: index into locks of the rwlock that prefers
                                readers */
    char *detail;            /* shim's detail text, may be NULL */
    GArray *locks;           /* lg_flock */
    GArray *edges;           /* lg_fedge */
    uint64_t value;          /* long-hold: longest hold in ms */
    uint64_t count;          /* long-hold: number of reports merged */
    unsigned occurrences;    /* identical findings (same fingerprint) merged in */
    GPtrArray *merged;       /* lg_finding* (owned), NULL if none: cycles merged in under
                                the same fingerprint that are distinct cycles of the same
                                process (other lock instances): kept so that merging
                                never hides a second bug; at most LG_MERGED_MAX */
    gboolean from_shim;
    gboolean suppressed;
    char fingerprint[17];
} lg_finding;

#define LG_MERGED_MAX 1000u

/* Why an analysis is truncated (lg_analysis.truncated_why). */
#define LG_TRUNC_CYCLES 1u /* max_cycles reported cycles in one graph */
#define LG_TRUNC_STEPS 2u  /* the enumeration's edge-visit budget */
#define LG_TRUNC_RULES 4u  /* the rules' total work budget for one graph */

lg_finding *lg_finding_new(int kind);
void lg_finding_free(lg_finding *f);
/* Index of (proc, lock) in f->locks, appending it if absent. */
int lg_finding_lock_index(lg_finding *f, const lg_process *proc, const lg_lock *lock);
/* The set of lock ids of a single-process finding, sorted, as a string key. */
char *lg_finding_lock_set_key(const lg_finding *f);
/* Is f a cycle finding (the shape described at the top: locks in cycle order)? */
static inline gboolean lg_finding_is_cycle(const lg_finding *f)
{
    return f->kind == LG_FIND_LOCK_ORDER_INVERSION || f->kind == LG_FIND_DEADLOCK;
}

typedef struct lg_stat_row {
    const lg_process *proc;
    const lg_lock *lock;
    const lg_lock_stats *s;
} lg_stat_row;

typedef struct lg_analysis {
    GPtrArray *procs;      /* lg_process* (borrowed) */
    GPtrArray *findings;   /* lg_finding*, reported ones, suppressed included (flagged) */
    GPtrArray *filtered;   /* lg_finding*, cycles the rules ruled out */
    GArray *stats;         /* lg_stat_row, sorted by contention */
    gboolean truncated;    /* cycle enumeration hit its budget somewhere */
    unsigned truncated_why;/* LG_TRUNC_* bits: which budget */
    uint64_t cycle_limit;  /* LG_TRUNC_CYCLES: the reported-cycle budget that was hit */
    uint64_t unexamined_nodes;  /* when truncated: every cycle not examined lies among
                                   these locks (lock classes, across runs), summed over
                                   the graphs that stopped (lg_cycle_stats) */
    uint64_t unexamined_groups; /* ... in this many strongly connected groups */
    uint64_t filtered_repeats; /* filtered cycles over the same lock classes, with the
                                  same verdict, as one already listed: counted in its
                                  occurrences, not listed again */
    uint64_t cycles;       /* cycles examined */
    unsigned counts[LG_FIND_KIND_MAX + 1]; /* unsuppressed findings per kind */
    unsigned nsuppressed;
    unsigned nfiltered_by[4]; /* per enum lg_verdict (index 0 unused) */
} lg_analysis;

void lg_analysis_free(lg_analysis *a);



/* The names of the finding flags set in flags that reports print (names.h), in bit
 * order.  Returns a NULL-terminated array of static strings (g_free the array only). */
const char **lg_finding_flag_names(uint32_t flags);
#endif
