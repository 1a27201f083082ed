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

struct lg_table {
    size_t mask;
    size_t used;
    _Atomic(struct lg_lockrec *) slot[];
};
extern _Atomic(struct lg_table *) lg_table_current;

static inline size_t lg_table_hash(uintptr_t a)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}

/* Live record for addr, or NULL (absent or retired).  Inline: every hook calls it. */
static inline __attribute__((always_inline)) struct lg_lockrec *lg_table_find(uintptr_t addr)
{
    struct lg_table *t = atomic_load_explicit(&lg_table_current, memory_order_acquire);
    if (!t)
        return NULL;
    for (size_t i = lg_table_hash(addr);; i++) {
        struct lg_lockrec *r = atomic_load_explicit(&t->slot[i & t->mask], memory_order_acquire);
        if (!r)
            return NULL;
        if (r->addr == addr)
            return (atomic_load_explicit(&r->flags, memory_order_relaxed) & LG_LR_DEAD) ? NULL : r;
    }
}
/* The record in addr's slot, live or retired, or NULL: what a miss of
 * lg_table_find leaves behind (the misuse checks read a retired record's marks). */
static inline struct lg_lockrec *lg_table_find_any(uintptr_t addr)
{
    struct lg_table *t = atomic_load_explicit(&lg_table_current, memory_order_acquire);
    if (!t)
        return NULL;
    for (size_t i = lg_table_hash(addr);; i++) {
        struct lg_lockrec *r = atomic_load_explicit(&t->slot[i & t->mask], memory_order_acquire);
        if (!r || r->addr == addr)
            return r;
    }
}
/* Under the table lock: the live record for addr, or a new one made by `make`
 * (which returns it filled; it is called with the table lock held and must not
 * unwind).  `made` tells which happened. */
typedef struct lg_lockrec *(*lg_make_fn)(uintptr_t addr, struct lg_lockrec *prev, void *arg);
struct lg_lockrec *lg_table_get(uintptr_t addr, lg_make_fn make, void *arg, int *made);
/* Calls fn on every record ever created (for statistics), in id order. */
void lg_table_each(void (*fn)(struct lg_lockrec *, void *), void *arg);
/* Calls fn on every live record whose address lies in [lo, hi), and on every
 * retired one still marked LG_LR_DESTROYED (its mark must go with the memory), by
 * a walk of the current table's slots: O(table size) whatever the size of the range.  A record
 * inserted by another thread during the walk may be missed (the caller frees the
 * memory it would live in: a use after free of the program's). */
void lg_table_each_in_range(uintptr_t lo, uintptr_t hi,
                            void (*fn)(struct lg_lockrec *, void *), void *arg);
/* Slots of the current table (0 before the first lock): the cost of that walk. */
size_t lg_table_slots(void);
uint32_t lg_table_count(void);
struct lg_lockrec *lg_table_by_id(uint32_t id);
void lg_table_after_fork(void);

#endif
