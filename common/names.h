/* Stable names of the log's enumerations: the strings users and scripts see
 * (finding kinds, modes, lock kinds).  Part of the user-visible contract. */
#ifndef LOCKGRAPH_NAMES_H
#define LOCKGRAPH_NAMES_H

const char *lg_finding_kind_name(int kind);  /* "lock-order-inversion", ...; "unknown" */
int lg_finding_kind_from_name(const char *s); /* 0 if unknown */
const char *lg_mode_name(int mode);           /* "mutex", "read", "write", "spin" */
const char *lg_lock_kind_name(int kind);      /* "mutex", "rwlock", "spinlock", "mtx", "file" */
const char *lg_subkind_name(int subkind);     /* "normal", "recursive", ... "prefer-reader" */

#endif
