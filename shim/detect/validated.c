#include "validated.h"
#include "arena.h"

#include <stdatomic.h>
#include <stddef.h>

/* A slot is one word: the key's high 48 bits, a 15-bit tag of the first thread that
 * validated it (its serial mod 32767, plus 1, so a used slot is never 0) and a bit
 * saying a second, different tag validated it too.  One word, so every update is
 * one CAS and a reader sees a slot whole. */
#define TAG_MASK 0x7fffull
#define SECOND 0x8000ull
#define KEY_MASK (~0xffffull)

static _Atomic(_Atomic uint64_t *) level[LG_VALIDATED_LEVELS];
static _Atomic int nlevels;
static _Atomic uint32_t used[LG_VALIDATED_LEVELS]; /* keys stored in each level */
static _Atomic uint64_t full;

static inline uint64_t tag_of(uint32_t serial) { return serial % TAG_MASK + 1; }
static inline size_t level_slots(int lv) { return (size_t)1 << (LG_VALIDATED_LEVEL0_BITS + lv); }
static inline size_t home(uint64_t key) { return (size_t)(key ^ key >> 29); }

/* The slot holding key in level lv, or NULL (also when it is not there). */
static _Atomic uint64_t *find_in(int lv, uint64_t key)
{
    _Atomic uint64_t *t = atomic_load_explicit(&level[lv], memory_order_acquire);
    if (!t)
        return NULL;
    size_t mask = level_slots(lv) - 1, i = home(key);
    for (uint32_t p = 0; p < LG_VALIDATED_PROBES; p++, i++) {
        uint64_t w = atomic_load_explicit(&t[i & mask], memory_order_acquire);
        if (!w)
            return NULL;
        if ((w & KEY_MASK) == (key & KEY_MASK))
            return &t[i & mask];
    }
    return NULL;
}

static _Atomic uint64_t *find(uint64_t key)
{
    for (int lv = atomic_load_explicit(&nlevels, memory_order_acquire); lv-- > 0;) {
        _Atomic uint64_t *s = find_in(lv, key);
        if (s)
            return s;
    }
    return NULL;
}

int lg_validated_skip(uint64_t key, uint32_t serial)
{
    _Atomic uint64_t *s = find(key);
    if (!s)
        return 0;
    uint64_t w = atomic_load_explicit(s, memory_order_acquire);
    return (w & TAG_MASK) == tag_of(serial) || (w & SECOND);
}

/* A second, different thread: set the bit (once; losing the race to another
 * second thread is the same result). */
static void note_second(_Atomic uint64_t *s, uint32_t serial)
{
    uint64_t w = atomic_load_explicit(s, memory_order_acquire);
    if ((w & TAG_MASK) != tag_of(serial) && !(w & SECOND))
        atomic_compare_exchange_strong_explicit(s, &w, w | SECOND, memory_order_acq_rel,
                                                memory_order_relaxed);
}

/* Inserts into level lv: 1 done, 0 no free slot within the probes. */
static int insert_in(int lv, uint64_t key, uint32_t serial)
{
    _Atomic uint64_t *t = atomic_load_explicit(&level[lv], memory_order_acquire);
    size_t mask = level_slots(lv) - 1, i = home(key);
    uint64_t mine = (key & KEY_MASK) | tag_of(serial);
    for (uint32_t p = 0; p < LG_VALIDATED_PROBES; p++, i++) {
        _Atomic uint64_t *s = &t[i & mask];
        uint64_t w = atomic_load_explicit(s, memory_order_acquire);
        if (!w && atomic_compare_exchange_strong_explicit(s, &w, mine, memory_order_acq_rel,
                                                          memory_order_acquire)) {
            atomic_fetch_add_explicit(&used[lv], 1, memory_order_relaxed);
            return 1;
        }
        if ((w & KEY_MASK) == (key & KEY_MASK)) { /* another thread put it here meanwhile */
            note_second(s, serial);
            return 1;
        }
    }
    return 0;
}

/* Makes level lv exist (racing threads: one mapping wins, the others are given
 * back).  0, or -1 without memory. */
static int add_level(int lv)
{
    size_t bytes = level_slots(lv) * sizeof(uint64_t);
    _Atomic uint64_t *t = atomic_load_explicit(&level[lv], memory_order_acquire);
    if (!t) {
        _Atomic uint64_t *n = lg_map(bytes), *expect = NULL;
        if (!n)
            return -1;
        if (!atomic_compare_exchange_strong_explicit(&level[lv], &expect, n,
                                                     memory_order_acq_rel,
                                                     memory_order_acquire))
            lg_discard((void *)n, bytes);
    }
    int have = lv;
    atomic_compare_exchange_strong_explicit(&nlevels, &have, lv + 1, memory_order_acq_rel,
                                            memory_order_relaxed);
    return 0;
}

void lg_validated_note(uint64_t key, uint32_t serial)
{
    _Atomic uint64_t *s = find(key);
    if (s) {
        note_second(s, serial);
        return;
    }
    for (;;) {
        /* Every level, oldest first.  A key finds no free slot near its home in a
         * level long before the level is full (a run of LG_VALIDATED_PROBES used
         * slots appears at about 2/3 load): such a key is not shared, rather than
         * opening a level twice the size whose pages its few keys would all touch;
         * the next level opens when the newest is 3/4 full. */
        int lv = atomic_load_explicit(&nlevels, memory_order_acquire);
        for (int i = 0; i < lv; i++)
            if (insert_in(i, key, serial))
                return;
        if (lv > 0 && atomic_load_explicit(&used[lv - 1], memory_order_relaxed) <
                          level_slots(lv - 1) / 4 * 3) {
            atomic_fetch_add_explicit(&full, 1, memory_order_relaxed);
            return;
        }
        if (lv == LG_VALIDATED_LEVELS || add_level(lv) != 0) {
            atomic_fetch_add_explicit(&full, 1, memory_order_relaxed);
            return;
        }
    }
}

uint64_t lg_validated_full(void) { return atomic_load(&full); }
