/* The analysis pipeline: from read logs to the findings every format prints.
 *
 *   instance cycles (per process)  -> lock-order-inversion findings / filtered cycles
 *   class cycles (across processes) -> cross_run findings
 *   FINDING records (the shim)       -> deadlock, self-deadlock, bad-unlock,
 *                                       destroy-locked, long-hold, and live inversions
 *                                       not already found by the cycle analysis
 *
 * Invariants
 *  - Every verdict on a cycle comes from lg_rules_evaluate (via cycle_eval.h).
 *  - After lg_analyze, every finding has its fingerprint, and findings with the same
 *    kind and fingerprint have been merged into one (occurrences counts them).
 *  - Suppression is applied afterwards (lg_analysis_recount keeps counts right).
 */
#ifndef LOCKGRAPH_ANALYSIS_H
#define LOCKGRAPH_ANALYSIS_H

#include "findings.h"

typedef struct lg_analysis_opts {
    uint64_t max_cycles;  /* per graph; 0 = LG_CYCLES_DEFAULT_MAX */
    uint64_t max_steps;   /* per graph; 0 = LG_CYCLES_DEFAULT_STEPS */
    uint64_t rule_budget; /* per cycle; 0 = the rules' default */
    uint64_t graph_work;  /* the rules' total work per graph (lg_rule_result.work);
                             0 = LG_GRAPH_WORK_DEFAULT */
} lg_analysis_opts;

/* About 5 s of rule evaluation on a current core: beyond it a graph's remaining
 * cycles are not examined, and the report says so (LG_TRUNC_RULES). */
#define LG_GRAPH_WORK_DEFAULT 400000000ull

/* Takes ownership of procs (a GPtrArray of lg_process* with a free func). */
lg_analysis *lg_analyze(GPtrArray *procs, const lg_analysis_opts *opts);

/* Recomputes counts[] and nsuppressed from the findings' suppressed flags. */
void lg_analysis_recount(lg_analysis *a);

/* The stages, one file each; called by lg_analyze only. */
void lg_instance_cycles(lg_analysis *a, const lg_process *p, const lg_analysis_opts *o);
void lg_cross_run_cycles(lg_analysis *a, const lg_analysis_opts *o);
void lg_shim_findings(lg_analysis *a, const lg_process *p);

#endif
