#include "id_dir.h"
#include "arena.h"

int lg_dir_page_set(void **_Atomic *pages, uint32_t npages, uint32_t id, void *v)
{
    uint32_t p = id >> LG_DIR_PAGE_BITS;
    if (p >= npages)
        return -1;
    void **pg = atomic_load_explicit(&pages[p], memory_order_acquire);
    if (!pg) {
        pg = lg_arena_alloc(sizeof(void *) << LG_DIR_PAGE_BITS);
        if (!pg)
            return -1;
        atomic_store_explicit(&pages[p], pg, memory_order_release);
    }
    __atomic_store_n(&pg[id & ((1u << LG_DIR_PAGE_BITS) - 1)], v, __ATOMIC_RELEASE);
    return 0;
}
