/* "Reported once": a set of 64-bit keys (signatures of cycles and deadlocks,
 * acquisition sites) that says whether a key is new.  One per kind of report:
 * the graph's cycles (graph.c), the watchdog's deadlocks (waitfor.c), long-hold
 * sites (detector.c).
 *
 * Invariants
 *  - A key once added stays: nothing is ever removed.
 *  - Without memory a key is not remembered and reads as new: a report repeated
 *    beats a report missed.
 *  - No internal locking: each set is serialized by its owner (the graph lock, or
 *    the one watchdog thread).
 *  - Cost: O(1) expected per call; one arena node (24 bytes) per key, and the
 *    buckets double as keys arrive (hmap.h).
 */
#ifndef LOCKGRAPH_SEEN_H
#define LOCKGRAPH_SEEN_H

#include <stdint.h>

#include "hmap.h"

struct lg_seen {
    struct lg_hmap map;
};

/* 1 if key was added before. */
int lg_seen_has(const struct lg_seen *s, uint64_t key);
/* Adds key; 1 if it was new (the first time: report it), 0 if seen before. */
int lg_seen_add(struct lg_seen *s, uint64_t key);

#endif
