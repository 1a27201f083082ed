/* Stable names of the log's enumerations: the strings users and scripts see (finding
 * kinds and flags, END reasons, lock kinds and subkinds, modes).  Part of the
 * user-visible contract.
 *
 * Every table here is expanded from the X-macro list beside the values in
 * log_format.h, so a name cannot drift from its value or be typed twice: reports,
 * JSON, messages, live reports and `lockgraph dump --names` (which the Python test
 * drivers read) all print from these.
 *
 * No allocation, no locking, no libc beyond string functions: the shim calls these from its
 * reporter, where a signal handler may run.  Lookups are linear in the (tiny) lists.
 */
#ifndef LOCKGRAPH_NAMES_H
#define LOCKGRAPH_NAMES_H

#include <stdint.h>

const char *lg_finding_kind_name(int kind);  /* "lock-order-inversion", ...; "unknown" */
int lg_finding_kind_from_name(const char *s); /* 0 if unknown */
/* "lock-order-inversion, deadlock, ..., long-hold": every kind, in value order, for
 * messages that tell the user what is allowed. */
const char *lg_finding_kind_list(void);

const char *lg_mode_name(int mode);           /* "mutex", "read", "write", "spin" */
const char *lg_lock_kind_name(int kind);      /* "mutex", "rwlock", "spinlock", "mtx", "file" */
const char *lg_subkind_name(int subkind);     /* "normal", "recursive", ... "prefer-reader" */
const char *lg_end_reason_name(int reason);   /* "exit", "deadlock", "exec"; "unknown" */
const char *lg_untraced_reason_name(int reason); /* "static", "setid"; "unknown" */

/* Finding flags, in bit order: the i-th flag (i from 0) that reports print (the
 * log-only markers, LG_FINDF_LOG_ONLY, are skipped).  Returns its name and sets
 * *bit, or NULL past the last one.  Iterate with `for (i = 0; (n = ...(i, &b)); i++)`. */
const char *lg_finding_flag_at(unsigned i, uint32_t *bit);

/* The name OpenMP's critical section has in the program, from the symbol of its
 * lock: GCC's `#pragma omp critical(NAME)` locks the common symbol
 * .gomp_critical_user_NAME (clang's: .gomp_critical_user_NAME.var), and the shim
 * models the unnamed section by its object lg_omp_critical (shim/hooks/omp.c).
 * Writes "omp critical(NAME)" or "omp critical" into out (NUL-terminated, cut to
 * cap) and returns its length; 0 for any other symbol.  Live and offline reports
 * name these locks alike through it. */
unsigned lg_omp_critical_name(const char *sym, char *out, unsigned cap);

/* Every row of every list, for `lockgraph dump --names`: calls row() once per row,
 * list by list, with the list's name ("kind", "flag", "end", "lock-kind", "subkind",
 * "mode", "untraced"), the value as the log holds it, and the name.  Log-only flags included. */
void lg_names_each(void (*line)(const char *list, unsigned value, const char *name, void *ctx),
                   void *ctx);

#endif
