/* Intrusive chained hash map used by the graph (under the graph lock only).
 * Nodes embed struct lg_hnode; the map never owns or frees them.  Buckets double
 * when the map is full; the old bucket array is discarded (nothing reads it without
 * the graph lock). */
#ifndef LOCKGRAPH_HMAP_H
#define LOCKGRAPH_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct lg_hnode {
    struct lg_hnode *next;
    uint64_t hash;
};

struct lg_hmap {
    struct lg_hnode **b;
    size_t mask, count;
};

static inline struct lg_hnode *lg_hmap_bucket(const struct lg_hmap *m, uint64_t hash)
{
    return m->b ? m->b[hash & m->mask] : NULL;
}
int lg_hmap_insert(struct lg_hmap *m, struct lg_hnode *n); /* -1 without memory */

static inline uint64_t lg_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

#endif
