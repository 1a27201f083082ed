/* Address -> lock record map.
 *
 * Invariants
 *  - Lookups are lock-free (acquire loads of the table pointer and slots); inserts,
 *    replacements and growth happen under the table lock.
 *  - A slot, once used, always holds some record for that address: a retired
 *    instance is replaced in place by its successor, so probe chains never break.
 *  - Growth rehashes into a table twice the size and publishes it; the old table is
 *    discarded (zero-filled, still mapped), so a reader still probing it finds
 *    nothing and falls back to the locked path, which consults the current table.
 */
#ifndef LOCKGRAPH_LOCK_TABLE_H
#define LOCKGRAPH_LOCK_TABLE_H

#include "state.h"

/* Live record for addr, or NULL (absent or retired). */
struct lg_lockrec *lg_table_find(uintptr_t addr);
/* Under the table lock: the live record for addr, or a new one made by `make`
 * (which returns it filled; it is called with the table lock held and must not
 * unwind).  `made` tells which happened. */
typedef struct lg_lockrec *(*lg_make_fn)(uintptr_t addr, struct lg_lockrec *prev, void *arg);
struct lg_lockrec *lg_table_get(uintptr_t addr, lg_make_fn make, void *arg, int *made);
/* Calls fn on every live record whose address is in [lo, hi) (under the table lock). */
void lg_table_range(uintptr_t lo, uintptr_t hi, void (*fn)(struct lg_lockrec *, void *), void *arg);
/* Calls fn on every record ever created (for statistics), in id order. */
void lg_table_each(void (*fn)(struct lg_lockrec *, void *), void *arg);
uint32_t lg_table_count(void);
struct lg_lockrec *lg_table_by_id(uint32_t id);
void lg_table_after_fork(void);

#endif
