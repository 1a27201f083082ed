/* The one-line message of a finding, the same in every format (text, JSON, SARIF).
 *
 * The analysis hands over data only (kind, verdict, gate lock, rw-lock index, merged
 * counts); this is the one place that turns it into words, so a wording change is
 * made once and the analysis never needs the symbolizer to name a lock.
 *
 * Invariants
 *  - Pure function of the finding and the lock labels (resolve/lock_label.h): the
 *    same finding always reads the same.
 *  - A cycle the analysis found says which rule decided it (the verdict) and names
 *    its locks in cycle order, first lock repeated at the end.  A finding the shim
 *    reported reads the same for every finding of its kind; the shim's own text is
 *    the finding's `detail`, printed beside it.
 */
#ifndef LOCKGRAPH_FINDING_MESSAGE_H
#define LOCKGRAPH_FINDING_MESSAGE_H

#include "findings.h"

/* Newly allocated; never NULL.  A cycle of more than LG_MESSAGE_MAX_LOCKS locks is
 * named by its first and last locks and a count (the JSON lists every lock), so the
 * message stays short whatever the cycle's length. */
char *lg_finding_message(const lg_finding *f);

#define LG_MESSAGE_MAX_LOCKS 8

/* The labels of f's locks in order (g_strfreev), each lock_label.h's label followed,
 * when two or more locks of the finding share one class, by an instance tag " #k"
 * (k = 1, 2, ... in the finding's lock order) so that two heap locks made at one
 * site can be told apart.  O(locks). */
char **lg_finding_lock_labels(const lg_finding *f);

#endif
