#include "seen.h"
#include "arena.h"

int lg_seen_has(const struct lg_seen *s, uint64_t key)
{
    for (struct lg_hnode *x = lg_hmap_bucket(&s->map, key); x; x = x->next)
        if (x->hash == key)
            return 1;
    return 0;
}

int lg_seen_add(struct lg_seen *s, uint64_t key)
{
    if (lg_seen_has(s, key))
        return 0;
    struct lg_hnode *x = lg_arena_alloc(sizeof *x);
    if (x) {
        x->hash = key;
        lg_hmap_insert(&s->map, x);
    }
    return 1;
}
