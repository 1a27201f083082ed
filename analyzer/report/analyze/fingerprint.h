/* Finding fingerprints: the identity of a finding across runs, builds at different
 * addresses, and reports (SARIF partialFingerprints, suppressions "fingerprint:").
 *
 * Invariants
 *  - Computed only from the finding kind and, for each edge, the signatures
 *    (frames.h: lg_frame_user_signature, function@file-basename without system-header
 *    levels, or module-basename+0xoffset when unsymbolized) of the first LG_FP_FRAMES
 *    frames of the program's own code in its acquisition stack and in its held-lock
 *    stack; for single-lock kinds also the lock's first-use site.  "The program's own
 *    code": frames of system libraries (libc, libstdc++, libgcc, ld.so, libpthread),
 *    of the shim and of unknown modules, the C runtime's entry frames (start_thread,
 *    clone, _start, ...) and frames wholly inside system headers never enter the hash,
 *    so installing debug packages or moving code within a file changes nothing.
 *    Never addresses, pids, PCs, lock ids or line numbers.
 *  - Invariant under rotation of a cycle: the lexicographically smallest rotation of
 *    the edges' signatures is hashed, found in O(n) comparisons (lg_min_rotation).
 *  - 64-bit FNV-1a, printed as 16 lowercase hex digits.
 */
#ifndef LOCKGRAPH_FINGERPRINT_H
#define LOCKGRAPH_FINGERPRINT_H

#include "findings.h"

#define LG_FP_FRAMES 4

/* Start of the lexicographically least rotation of the string sequence s[0..n)
 * (Booth's algorithm: O(n) string comparisons). */
guint lg_min_rotation(const char *const *s, guint n);
/* The same, adding the number of string comparisons made to *comparisons: at most
 * 4n (the doubled sequence's 2n letters, each compared at most twice amortized), so
 * tests can check linearity by counting rather than timing. */
guint lg_min_rotation_counted(const char *const *s, guint n, uint64_t *comparisons);

/* Fills f->fingerprint. */
void lg_fingerprint_compute(lg_finding *f);

#endif
