/* The stack depot (stack_depot.h states what it owns and its invariants). */
#include "stack_depot.h"
#include "hmap.h"

#include <stdatomic.h>

#define WAYS 4u

static struct slot {
    _Atomic uint64_t key;
    _Atomic uint32_t stack;
    uint32_t pad;
} depot[LG_DEPOT_SLOTS] __attribute__((aligned(64)));

static _Atomic uint64_t hits, stores;

uint64_t lg_depot_key(uintptr_t pc, uint8_t kind, uint8_t mode, uint8_t ctxflags,
                      uintptr_t held_pc, uint8_t held_kind, uint8_t held_mode)
{
    if (!pc || !held_pc)
        return 0;
    uint64_t k = lg_mix64((uint64_t)pc ^ 0x5d3e9a17c4f2b601ull);
    k = lg_mix64(k ^ (uint64_t)held_pc);
    k = lg_mix64(k ^ ((uint64_t)kind | (uint64_t)mode << 8 | (uint64_t)(ctxflags & 3u) << 16 |
                      (uint64_t)held_kind << 24 | (uint64_t)held_mode << 32));
    return k ? k : 1;
}

static struct slot *bucket(uint64_t key)
{
    return &depot[(key >> 20) % (LG_DEPOT_SLOTS / WAYS) * WAYS];
}

uint32_t lg_depot_find(uint64_t key)
{
    struct slot *b = bucket(key);
    for (unsigned i = 0; i < WAYS; i++) {
        if (atomic_load_explicit(&b[i].key, memory_order_acquire) != key)
            continue;
        uint32_t s = atomic_load_explicit(&b[i].stack, memory_order_acquire);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&b[i].key, memory_order_relaxed) != key || !s)
            return 0;
        atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
        return s;
    }
    return 0;
}

void lg_depot_put(uint64_t key, uint32_t stack)
{
    struct slot *b = bucket(key);
    struct slot *s = NULL;
    for (unsigned i = 0; i < WAYS; i++) {
        uint64_t k = atomic_load_explicit(&b[i].key, memory_order_relaxed);
        if (k == key)
            return; /* another thread stored this path first */
        if (!k && !s)
            s = &b[i];
    }
    if (!s)
        s = &b[key % WAYS]; /* full: evict */
    atomic_store_explicit(&s->key, 0, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&s->stack, stack, memory_order_relaxed);
    atomic_store_explicit(&s->key, key, memory_order_release);
    atomic_fetch_add_explicit(&stores, 1, memory_order_relaxed);
}

uint64_t lg_depot_hits(void) { return atomic_load_explicit(&hits, memory_order_relaxed); }
uint64_t lg_depot_stores(void) { return atomic_load_explicit(&stores, memory_order_relaxed); }
