/* Finding fingerprints: the identity of a finding across runs, builds at different
 * addresses, and reports (SARIF partialFingerprints, suppressions "fingerprint:").
 *
 * Invariants
 *  - Computed only from the finding kind and, for each edge, the signatures
 *    (frames.h: function@file-basename, or module-basename+0xoffset when
 *    unsymbolized) of the first LG_FP_FRAMES frames of its acquisition stack and of
 *    its held-lock stack; for single-lock kinds also the lock's first-use site.
 *    Never addresses, pids, PCs, lock ids or line numbers.
 *  - Invariant under rotation of a cycle: the lexicographically smallest rotation of
 *    the edges' signatures is hashed.
 *  - 64-bit FNV-1a, printed as 16 lowercase hex digits.
 */
#ifndef LOCKGRAPH_FINGERPRINT_H
#define LOCKGRAPH_FINGERPRINT_H

#include "findings.h"

#define LG_FP_FRAMES 4

/* Fills f->fingerprint. */
void lg_fingerprint_compute(lg_finding *f);

#endif
