#include "validated.h"
#include "arena.h"

#include <stdatomic.h>
#include <stddef.h>

struct slot {
    _Atomic uint64_t key;
    _Atomic uint32_t first, second;
};

static _Atomic(struct slot *) table;
static _Atomic uint64_t count, full;

static struct slot *get_table(int make)
{
    struct slot *t = atomic_load_explicit(&table, memory_order_acquire);
    if (t || !make)
        return t;
    struct slot *n = lg_map((size_t)LG_VALIDATED_SLOTS * sizeof *n);
    if (!n)
        return NULL;
    if (!atomic_compare_exchange_strong_explicit(&table, &t, n, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        /* another thread's table won: ours is given back (the mapping stays, empty) */
        lg_discard(n, (size_t)LG_VALIDATED_SLOTS * sizeof *n);
        return t;
    }
    return n;
}

static inline uint32_t home(uint64_t key) { return (uint32_t)(key ^ key >> 29); }

int lg_validated_skip(uint64_t key, uint32_t serial)
{
    struct slot *t = get_table(0);
    if (!t)
        return 0;
    uint32_t i = home(key);
    for (uint32_t p = 0; p < LG_VALIDATED_PROBES; p++, i++) {
        struct slot *s = &t[i & (LG_VALIDATED_SLOTS - 1)];
        uint64_t k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k == key) {
            uint32_t a = atomic_load_explicit(&s->first, memory_order_acquire);
            uint32_t b = atomic_load_explicit(&s->second, memory_order_acquire);
            return a == serial || b == serial || (a && b);
        }
        if (!k)
            return 0;
    }
    return 0;
}

void lg_validated_note(uint64_t key, uint32_t serial)
{
    struct slot *t = get_table(1);
    if (!t)
        return;
    uint32_t i = home(key);
    for (uint32_t p = 0; p < LG_VALIDATED_PROBES; p++, i++) {
        struct slot *s = &t[i & (LG_VALIDATED_SLOTS - 1)];
        uint64_t k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (!k) {
            if (atomic_compare_exchange_strong_explicit(&s->key, &k, key, memory_order_acq_rel,
                                                        memory_order_acquire)) {
                atomic_store_explicit(&s->first, serial, memory_order_release);
                atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
                return;
            }
            /* lost the slot: k is now its key */
        }
        if (k == key) {
            uint32_t a = atomic_load_explicit(&s->first, memory_order_acquire);
            uint32_t zero = 0;
            /* a == 0: the inserter has not named itself yet; this thread stays
             * unnamed (it validates again when it meets the key: harmless) */
            if (a && a != serial)
                atomic_compare_exchange_strong_explicit(&s->second, &zero, serial,
                                                        memory_order_acq_rel,
                                                        memory_order_relaxed);
            return;
        }
    }
    atomic_fetch_add_explicit(&full, 1, memory_order_relaxed);
}

uint64_t lg_validated_count(void) { return atomic_load(&count); }
uint64_t lg_validated_full(void) { return atomic_load(&full); }
