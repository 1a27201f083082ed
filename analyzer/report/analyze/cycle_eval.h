/* Turning one cycle of a lock-order graph into a finding (or a filtered cycle) by
 * asking the shared rules (cycle_rules.h) -- never by deciding anything here.
 *
 * Invariants
 *  - Instance mode: thread identities are serials and held locks are lock ids of the
 *    one process the cycle lives in.
 *  - Class mode (cross-run): a thread is identified by (log index, serial), interned
 *    to a dense 32-bit number because the rules take 32-bit thread ids; held locks
 *    are identified by class (class_ids: class key -> id), so a gate lock that is
 *    the same global in two runs gates both.
 */
#ifndef LOCKGRAPH_CYCLE_EVAL_H
#define LOCKGRAPH_CYCLE_EVAL_H

#include <glib.h>

#include "findings.h"

/* One way an edge of the cycle was seen. */
typedef struct lg_cand {
    const lg_process *proc;
    const lg_lock *from, *to;
    const lg_context *ctx;
} lg_cand;

typedef struct lg_cycle_eval_ctx {
    gboolean by_class;
    GHashTable *class_ids;  /* class key -> GUINT_TO_POINTER(id) (class mode) */
    GHashTable *thread_ids; /* &(gint64)(log index << 32 | serial) -> id (class mode;
                               filled on demand; keys g_free'd) */
    uint64_t rule_budget;   /* 0: the rules' default */
    uint64_t work;          /* sum of lg_rule_result.work of the cycles evaluated */
} lg_cycle_eval_ctx;

/* Evaluates the cycle whose edge i has the candidates cands[i] (lg_cand) and whose
 * lock i is described by rlocks[i].  Returns a new lock-order-inversion finding;
 * its verdict says whether it is reported (LG_VERDICT_DEADLOCK) or filtered, and
 * gate_lock / rw_lock say which lock made it so. */
lg_finding *lg_cycle_evaluate(lg_cycle_eval_ctx *c, const lg_rule_lock *rlocks,
                              GArray *const *cands, uint32_t n);

/* lg_rules_evaluate's answer for a cycle whose every edge has exactly one context
 * (the choice is forced), computed in O(n + held locks) instead of the rules' O(n^2)
 * pairwise search: the same verdict, flags, gate and rw_lock, budget included (a
 * search the rules would cut short is answered as they answer it).  A hand-over-hand
 * walk over n locks is such a cycle.  chosen (may be NULL) gets zeros. */
void lg_rules_evaluate_forced(const lg_rule_lock *locks, const lg_rule_edge *edges, uint32_t n,
                              uint32_t *chosen, uint64_t budget, lg_rule_result *out);

/* Cycles at least this long with one context per edge use lg_rules_evaluate_forced. */
#define LG_FORCED_MIN 64u

#endif
