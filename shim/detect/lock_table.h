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
 *  - A slot holds the record's address in its low 48 bits and a 16-bit tag of the
 *    lock address's hash (the hash's top bits; the index uses its low ones) in its
 *    top 16: a probe passes over another lock's slot without reading its record.  At
 *    the table's load (up to 3/4) a miss, which every new lock is, probes several
 *    slots; untagged, each was a cache miss on a record (a fifth of the cost of a
 *    first use, docs/performance.md).  Records come from the shim's own anonymous
 *    mappings, made without an address hint, which Linux places below 2^47 (x86-64
 *    and arm64, 4- or 5-level page tables alike); one that did not fit would not be
 *    tracked (lg_table_get returns NULL), never mis-read.
 * Complexity: expected O(1) probes per lookup, each a load from the slot array.
 */
#ifndef LOCKGRAPH_LOCK_TABLE_H
#define LOCKGRAPH_LOCK_TABLE_H

#include "state.h"

struct lg_table {
    size_t mask;
    size_t used;
    _Atomic uintptr_t slot[]; /* 0 (empty), or record | tag (lg_table_slot_of) */
};
extern _Atomic(struct lg_table *) lg_table_current;

_Static_assert(sizeof(uintptr_t) == 8, "lock table slots pack a tag above 48-bit addresses");
#define LG_TABLE_TAG_MASK (~(uintptr_t)0 << 48)

static inline size_t lg_table_hash(uintptr_t a)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}
/* The tag bits of a slot for a lock whose address hashed to h. */
static inline uintptr_t lg_table_tag(size_t h) { return (uintptr_t)h & LG_TABLE_TAG_MASK; }
static inline struct lg_lockrec *lg_table_rec(uintptr_t slot)
{
    return (struct lg_lockrec *)(slot & ~LG_TABLE_TAG_MASK);
}

/* The record in addr's slot, live or retired, or NULL: what a miss of
 * lg_table_find leaves behind (the misuse checks read a retired record's marks). */
static inline __attribute__((always_inline)) struct lg_lockrec *lg_table_find_any(uintptr_t addr)
{
    struct lg_table *t = atomic_load_explicit(&lg_table_current, memory_order_acquire);
    if (!t)
        return NULL;
    size_t h = lg_table_hash(addr);
    uintptr_t tag = lg_table_tag(h);
    for (size_t i = h;; i++) {
        uintptr_t v = atomic_load_explicit(&t->slot[i & t->mask], memory_order_acquire);
        if (!v)
            return NULL;
        if ((v & LG_TABLE_TAG_MASK) == tag && lg_table_rec(v)->addr == addr)
            return lg_table_rec(v);
    }
}
/* Live record for addr, or NULL (absent or retired).  Inline: every hook calls it. */
static inline __attribute__((always_inline)) struct lg_lockrec *lg_table_find(uintptr_t addr)
{
    struct lg_lockrec *r = lg_table_find_any(addr);
    return r && !(atomic_load_explicit(&r->flags, memory_order_relaxed) & LG_LR_DEAD) ? r : NULL;
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
