/* A growable id -> pointer directory with lock-free reads.  Two levels of 4096
 * entries per page; pages are allocated from the arena and never move, so a reader
 * that races with a writer sees either NULL or the final pointer.  Writers must be
 * serialized by the caller. */
#ifndef LOCKGRAPH_ID_DIR_H
#define LOCKGRAPH_ID_DIR_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define LG_DIR_PAGE_BITS 12
#define LG_DIR_PAGES 4096 /* 16M ids */

typedef struct lg_id_dir {
    void **_Atomic page[LG_DIR_PAGES];
} lg_id_dir;

static inline void *lg_dir_get(lg_id_dir *d, uint32_t id)
{
    uint32_t p = id >> LG_DIR_PAGE_BITS;
    if (p >= LG_DIR_PAGES)
        return NULL;
    void **pg = atomic_load_explicit(&d->page[p], memory_order_acquire);
    return pg ? __atomic_load_n(&pg[id & ((1u << LG_DIR_PAGE_BITS) - 1)], __ATOMIC_ACQUIRE) : NULL;
}

int lg_dir_set(lg_id_dir *d, uint32_t id, void *v); /* 0, or -1 without memory */

#endif
