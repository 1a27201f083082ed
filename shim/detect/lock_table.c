#include "lock_table.h"
#include "arena.h"
#include "id_dir.h"
#include "tool_lock.h"

#include <stdatomic.h>

_Atomic(struct lg_table *) lg_table_current;
static lg_tool_lock table_lock;

/* Records by id, for statistics, the graph's components and replay: a directory
 * for every 32-bit id, so it grows without moving anything a reader might be
 * looking at. */
static LG_ID_DIR_OF(1u << (32 - LG_DIR_PAGE_BITS)) by_id;
static _Atomic uint32_t nrec;

static struct lg_table *new_table(size_t nslots)
{
    return lg_map(sizeof(struct lg_table) + nslots * sizeof(void *));
}

/* addr's slot in t: the one holding a record for addr, or the empty one ending its
 * probe chain. */
static _Atomic uintptr_t *probe(struct lg_table *t, uintptr_t addr)
{
    size_t h = lg_table_hash(addr);
    uintptr_t tag = lg_table_tag(h);
    for (size_t i = h;; i++) {
        _Atomic uintptr_t *s = &t->slot[i & t->mask];
        uintptr_t v = atomic_load_explicit(s, memory_order_relaxed);
        if (!v || ((v & LG_TABLE_TAG_MASK) == tag && lg_table_rec(v)->addr == addr))
            return s;
    }
}

static int grow(void)
{
    struct lg_table *old = atomic_load_explicit(&lg_table_current, memory_order_relaxed);
    size_t n = old ? (old->mask + 1) * 2 : 4096;
    struct lg_table *t = new_table(n);
    if (!t)
        return -1;
    t->mask = n - 1;
    if (old) {
        for (size_t i = 0; i <= old->mask; i++) {
            uintptr_t v = atomic_load_explicit(&old->slot[i], memory_order_relaxed);
            if (v) { /* the tag is the address's: it moves with the record */
                atomic_store_explicit(probe(t, lg_table_rec(v)->addr), v, memory_order_relaxed);
                t->used++;
            }
        }
    }
    atomic_store_explicit(&lg_table_current, t, memory_order_release);
    if (old)
        lg_discard(old, sizeof(struct lg_table) + (old->mask + 1) * sizeof(void *));
    return 0;
}

struct lg_lockrec *lg_table_get(uintptr_t addr, lg_make_fn make, void *arg, int *made)
{
    *made = 0;
    lg_tool_lock_take(&table_lock);
    struct lg_table *t = atomic_load_explicit(&lg_table_current, memory_order_relaxed);
    if (!t || (t->used + 1) * 4 > (t->mask + 1) * 3) {
        if (grow() != 0) {
            lg_tool_lock_give(&table_lock);
            return NULL;
        }
        t = atomic_load_explicit(&lg_table_current, memory_order_relaxed);
    }
    _Atomic uintptr_t *s = probe(t, addr);
    struct lg_lockrec *r = lg_table_rec(atomic_load_explicit(s, memory_order_relaxed));
    if (r && !(atomic_load_explicit(&r->flags, memory_order_relaxed) & LG_LR_DEAD)) {
        lg_tool_lock_give(&table_lock);
        return r;
    }
    struct lg_lockrec *n = make(addr, r, arg);
    if (n && ((uintptr_t)n & LG_TABLE_TAG_MASK))
        n = NULL; /* cannot be packed with its tag (see lock_table.h): left untracked */
    if (n) {
        n->id = atomic_fetch_add_explicit(&nrec, 1, memory_order_relaxed) + 1;
        lg_dir_set(&by_id, n->id, n); /* without memory: left out of by-id walks */
        if (!r)
            t->used++;
        atomic_store_explicit(s, (uintptr_t)n | lg_table_tag(lg_table_hash(addr)),
                              memory_order_release);
        *made = 1;
    }
    lg_tool_lock_give(&table_lock);
    return n;
}

void lg_table_each(void (*fn)(struct lg_lockrec *, void *), void *arg)
{
    uint32_t n = atomic_load_explicit(&nrec, memory_order_acquire);
    for (uint32_t id = 1; id <= n; id++) {
        struct lg_lockrec *r = lg_table_by_id(id);
        if (r)
            fn(r, arg);
    }
}

void lg_table_each_in_range(uintptr_t lo, uintptr_t hi,
                            void (*fn)(struct lg_lockrec *, void *), void *arg)
{
    struct lg_table *t = atomic_load_explicit(&lg_table_current, memory_order_acquire);
    if (!t)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        struct lg_lockrec *r = lg_table_rec(atomic_load_explicit(&t->slot[i], memory_order_acquire));
        if (r && r->addr >= lo && r->addr < hi &&
            (atomic_load_explicit(&r->flags, memory_order_relaxed) &
             (LG_LR_DEAD | LG_LR_DESTROYED)) != LG_LR_DEAD)
            fn(r, arg);
    }
}

size_t lg_table_slots(void)
{
    struct lg_table *t = atomic_load_explicit(&lg_table_current, memory_order_acquire);
    return t ? t->mask + 1 : 0;
}

uint32_t lg_table_count(void) { return atomic_load_explicit(&nrec, memory_order_relaxed); }

struct lg_lockrec *lg_table_by_id(uint32_t id) { return lg_dir_get(&by_id, id); }

void lg_table_after_fork(void) { lg_tool_lock_reset(&table_lock); }
