#define _DEFAULT_SOURCE
#include "arena.h"
#include "tool_lock.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#define CHUNK (4u << 20)

struct chunk {
    _Atomic size_t used;
    size_t cap;
    unsigned char *base;
};

static _Atomic(struct chunk *) current;
static lg_tool_lock grow_lock;

void *lg_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    return p;
}

void lg_discard(void *p, size_t size) { madvise(p, size, MADV_DONTNEED); }

void lg_unmap(void *p, size_t size) { munmap(p, size); }

static void *bump(struct chunk *c, size_t size)
{
    size_t off = atomic_fetch_add_explicit(&c->used, size, memory_order_relaxed);
    if (off + size > c->cap)
        return NULL;
    return c->base + off;
}

void *lg_arena_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size > CHUNK / 4) /* big blocks get their own mapping */
        return lg_map((size + 4095) & ~(size_t)4095);
    for (;;) {
        struct chunk *c = atomic_load_explicit(&current, memory_order_acquire);
        if (c) {
            void *p = bump(c, size);
            if (p)
                return p;
        }
        lg_tool_lock_take(&grow_lock);
        if (atomic_load_explicit(&current, memory_order_acquire) == c) {
            unsigned char *m = lg_map(CHUNK);
            if (!m) {
                lg_tool_lock_give(&grow_lock);
                return NULL;
            }
            /* the chunk header lives at the start of its own mapping */
            struct chunk *n = (struct chunk *)m;
            n->base = m;
            n->cap = CHUNK;
            atomic_store_explicit(&n->used, (sizeof *n + 15) & ~(size_t)15, memory_order_relaxed);
            atomic_store_explicit(&current, n, memory_order_release);
        }
        lg_tool_lock_give(&grow_lock);
    }
}

void lg_arena_after_fork(void) { lg_tool_lock_reset(&grow_lock); }
