/* detect/stack_cut.h: one bit per stack id. */
#include "stack_cut.h"

#include "arena.h"
#include "records.h"

#include <string.h>

static _Atomic(uint64_t *) bits;
static uint32_t nwords;

void lg_stack_mark_cut(uint32_t id)
{
    if (!id)
        return;
    uint32_t w = id / 64;
    uint64_t *b = __atomic_load_n(&bits, __ATOMIC_ACQUIRE);
    if (w >= nwords) {
        uint32_t n = nwords ? nwords : 64;
        while (n <= w)
            n *= 2;
        uint64_t *nb = lg_map((size_t)n * sizeof *nb);
        if (!nb)
            return; /* without memory the stack prints uncut: its one frame is still true */
        if (b)
            memcpy(nb, b, (size_t)nwords * sizeof *nb);
        __atomic_store_n(&bits, nb, __ATOMIC_RELEASE);
        /* the old array stays mapped: a reader may still be looking at it */
        nwords = n;
        b = nb;
    }
    uint64_t m = 1ull << (id % 64);
    if (__atomic_fetch_or(&b[w], m, __ATOMIC_RELAXED) & m)
        return;
    lg_rec_stack_cut(id);
}

int lg_stack_is_cut(uint32_t id)
{
    uint64_t *b = __atomic_load_n(&bits, __ATOMIC_ACQUIRE);
    uint32_t n = __atomic_load_n(&nwords, __ATOMIC_RELAXED);
    return b && id / 64 < n && (__atomic_load_n(&b[id / 64], __ATOMIC_RELAXED) >> (id % 64) & 1);
}

void lg_stack_cut_replay(void)
{
    uint64_t *b = __atomic_load_n(&bits, __ATOMIC_ACQUIRE);
    for (uint32_t w = 0; b && w < nwords; w++)
        for (uint32_t i = 0; i < 64; i++)
            if (b[w] >> i & 1)
                lg_rec_stack_cut(w * 64 + i);
}
