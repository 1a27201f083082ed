/* A growable id -> pointer directory with lock-free reads (threads by serial,
 * stacks, chains and lock records by id).
 *
 * Invariants
 *  - Two levels: a fixed array of page pointers, and pages of 4096 entries
 *    allocated from the arena on first use.  Pages never move and are never
 *    freed, so a reader racing with a writer sees either NULL or the final pointer
 *    (release store, acquire load).
 *  - Writers must be serialized by the caller; readers need nothing.
 *  - An id past the directory's size is not stored (lg_dir_set says -1) and reads
 *    as NULL.
 *  - Cost: O(1) per call; 8 bytes of (untouched until used) static memory per page
 *    pointer, 32 KiB per page in use.
 */
#ifndef LOCKGRAPH_ID_DIR_H
#define LOCKGRAPH_ID_DIR_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define LG_DIR_PAGE_BITS 12
#define LG_DIR_PAGES 4096 /* lg_id_dir: 16M ids */

/* A directory of npages pages (ids below npages << LG_DIR_PAGE_BITS). */
#define LG_ID_DIR_OF(npages) struct { void **_Atomic page[npages]; }
typedef LG_ID_DIR_OF(LG_DIR_PAGES) lg_id_dir;

/* d: a pointer to any LG_ID_DIR_OF directory. */
#define LG_DIR_NPAGES(d) ((uint32_t)(sizeof (d)->page / sizeof (d)->page[0]))
#define lg_dir_get(d, id) lg_dir_page_get((d)->page, LG_DIR_NPAGES(d), (id))
#define lg_dir_set(d, id, v) lg_dir_page_set((d)->page, LG_DIR_NPAGES(d), (id), (v))

static inline void *lg_dir_page_get(void **_Atomic *pages, uint32_t npages, uint32_t id)
{
    uint32_t p = id >> LG_DIR_PAGE_BITS;
    if (p >= npages)
        return NULL;
    void **pg = atomic_load_explicit(&pages[p], memory_order_acquire);
    return pg ? __atomic_load_n(&pg[id & ((1u << LG_DIR_PAGE_BITS) - 1)], __ATOMIC_ACQUIRE) : NULL;
}

/* 0, or -1 without memory or past the directory's size. */
int lg_dir_page_set(void **_Atomic *pages, uint32_t npages, uint32_t id, void *v);

#endif
