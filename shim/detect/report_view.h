/* The live report of a finding, as the host receives it (host.h: struct lg_report).
 *
 * The core's finding (records.h) refers to its own records: lock records, stack
 * ids, thread serials.  Before the host sees it, this module turns it into plain
 * data: each stack as its pc array, each lock as id/kind/address plus the stack of
 * its first use, each thread as serial/tid/name.  So the host prints and filters
 * without reading the core's tables or taking its locks.
 *
 * Invariants
 *  - Called with no core lock held (host.h rule 1): lg_plat_report may unwind or
 *    enter ld.so.  Reading the tables needs no lock: stacks, lock records and
 *    threads are published before their ids are, and never freed.
 *  - No allocation per report: the items go into a per-thread buffer that grows by
 *    doubling (lg_map) and is kept; without memory the report is left out (the
 *    FINDING record was written already).
 *  - Complexity: O(n) for a finding of n items.
 */
#ifndef LOCKGRAPH_REPORT_VIEW_H
#define LOCKGRAPH_REPORT_VIEW_H

#include "records.h"

/* Builds the view of f and calls lg_plat_report with it. */
void lg_report_live(const struct lg_live_finding *f);

#endif
