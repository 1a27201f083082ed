/* The rules that decide whether a cycle in the lock-order graph can deadlock.
 *
 * One implementation, used live by the shim and offline by the analyzer, so the two
 * never disagree (docs/rules.md states them for users).
 *
 * A cycle is L0 -> L1 -> ... -> Ln-1 -> L0; edge i goes from locks[i] (held) to
 * locks[(i+1) % n] (acquired).  Each edge comes with the contexts in which it was
 * seen: the thread, the modes, whether the acquisition was a trylock or timed, and
 * the complete set of locks the thread held at that moment (which includes locks[i]).
 *
 * The cycle can deadlock iff one context per edge can be chosen such that
 *   (1) no chosen context is a trylock (a trylock never waits);
 *   (2) no two chosen contexts hold a common lock in conflicting modes (a "gate":
 *       two threads cannot both be inside it; read+read does not conflict);
 *   (3) at no lock of the cycle does a reader wait on a lock held for reading when
 *       the lock prefers readers (glibc's default rwlock grants it at once).
 * Among feasible choices the best is preferred: pairwise distinct threads first,
 * then no timed acquisition.  If the best needs repeated threads the result is
 * flagged LG_FINDF_SINGLE_THREAD, if it needs a timed lock LG_FINDF_TIMED.
 *
 * Invariants: no allocation, no locking, no libc beyond memset; the search is
 * iterative (cycle length is unbounded) and bounded by a step budget, after which the
 * cycle is treated as feasible and flagged LG_FINDF_BUDGET (report rather than miss).
 */
#ifndef LOCKGRAPH_CYCLE_RULES_H
#define LOCKGRAPH_CYCLE_RULES_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_held_lock {
    uint64_t lock; /* lock id */
    uint8_t mode;  /* enum lg_mode */
} lg_held_lock;

typedef struct lg_rule_ctx {
    uint32_t thread;         /* thread identity (serial; analyzer: unique across processes) */
    uint8_t from_mode;       /* mode the edge's source lock was held in */
    uint8_t to_mode;         /* mode the edge's target lock was requested in */
    uint16_t flags;          /* LG_CTXF_TRY, LG_CTXF_TIMED */
    const lg_held_lock *held;/* every lock held at the acquisition (source included) */
    uint32_t nheld;
} lg_rule_ctx;

typedef struct lg_rule_edge {
    const lg_rule_ctx *ctx;
    uint32_t nctx;
} lg_rule_edge;

typedef struct lg_rule_lock {
    uint64_t lock;
    uint8_t kind;    /* enum lg_lock_kind */
    uint8_t subkind; /* enum lg_lock_subkind (rwlock preference) */
} lg_rule_lock;

enum lg_verdict {
    LG_VERDICT_DEADLOCK = 0,    /* can deadlock: report */
    LG_VERDICT_TRYLOCK = 1,     /* an edge was only ever taken by trylock */
    LG_VERDICT_GATED = 2,       /* every choice shares a gate lock */
    LG_VERDICT_READER_PREF = 3  /* only possible with a reader waiting on readers */
};

typedef struct lg_rule_result {
    enum lg_verdict verdict;
    uint32_t flags;    /* LG_FINDF_SINGLE_THREAD | LG_FINDF_TIMED | LG_FINDF_BUDGET */
    uint64_t gate;     /* GATED: a lock that gates the cycle */
    uint32_t rw_lock;  /* READER_PREF: index into locks[] of a lock where it happens */
    uint64_t work;     /* how much the search did (contexts compared, over all its
                          passes): lets a caller bound the work of many cycles */
} lg_rule_result;

/* The step budget when evaluate's budget is 0. */
#define LG_RULES_DEFAULT_BUDGET 200000u

/* Scratch the evaluation needs for a cycle of n locks: pass a buffer of at least
 * lg_rules_scratch_size(n) bytes, aligned for uint32_t. */
size_t lg_rules_scratch_size(uint32_t n);

/* Evaluates the cycle.  chosen (n entries, may be NULL) receives, for a deadlock
 * verdict, the index of the chosen context of each edge.  budget: maximum search
 * steps (0 = default). */
void lg_rules_evaluate(const lg_rule_lock *locks, const lg_rule_edge *edges, uint32_t n,
                       void *scratch, uint32_t *chosen, uint64_t budget,
                       lg_rule_result *out);

const char *lg_verdict_name(enum lg_verdict v);

#endif
