#include "serial_map.h"
#include "arena.h"

#include <stddef.h>

static size_t bytes_of(uint32_t cap) { return (size_t)cap * sizeof(struct lg_smap_ent); }

static struct lg_smap_ent *find(const struct lg_serial_map *m, uint32_t key)
{
    uint32_t lo = 0, hi = m->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->ent[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->ent[lo].key == key ? &m->ent[lo] : NULL;
}

/* Holes out, order kept: O(n). */
static void squeeze(struct lg_serial_map *m)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->ent[i].val)
            m->ent[k++] = m->ent[i];
    m->n = k;
}

/* The present entries into a fresh array of cap entries (cap >= live); -1 and the
 * map unchanged without memory. */
static int move_to(struct lg_serial_map *m, uint32_t cap)
{
    struct lg_smap_ent *e = lg_map(bytes_of(cap));
    if (!e)
        return -1;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->ent[i].val)
            e[k++] = m->ent[i];
    if (m->ent)
        lg_unmap(m->ent, bytes_of(m->cap));
    m->ent = e;
    m->n = k;
    m->cap = cap;
    return 0;
}

int lg_smap_put(struct lg_serial_map *m, uint32_t key, void *val)
{
    if (!val || key <= m->last)
        return -1;
    if (m->n == m->cap) {
        squeeze(m);
        /* still more than half full: twice the room, so the next squeeze is
         * Θ(cap) puts away; after a grow, live > cap / 4 */
        if (m->n * 2 > m->cap || !m->cap) {
            uint32_t cap = m->cap ? m->cap * 2 : LG_SMAP_MIN;
            if (cap < m->cap || move_to(m, cap) != 0)
                return -1;
        }
    }
    m->ent[m->n++] = (struct lg_smap_ent){key, val};
    m->live++;
    m->last = key;
    return 0;
}

void *lg_smap_get(const struct lg_serial_map *m, uint32_t key)
{
    const struct lg_smap_ent *e = find(m, key);
    return e ? e->val : NULL;
}

int lg_smap_replace(struct lg_serial_map *m, uint32_t key, void *val)
{
    struct lg_smap_ent *e = find(m, key);
    if (!e || !e->val || !val)
        return -1;
    e->val = val;
    return 0;
}

void lg_smap_del(struct lg_serial_map *m, uint32_t key)
{
    struct lg_smap_ent *e = find(m, key);
    if (!e || !e->val)
        return;
    e->val = NULL;
    m->live--;
    /* an eighth full: down to at most a quarter full (at least twice live), so
     * that Θ(cap) deletes or puts come before the next move */
    if (m->cap > LG_SMAP_MIN && (uint64_t)m->live * 8 < m->cap) {
        uint32_t cap = LG_SMAP_MIN;
        while (cap < m->live * 2)
            cap *= 2;
        (void)move_to(m, cap); /* without memory: the larger array stays */
    }
}

void lg_smap_each(const struct lg_serial_map *m, void (*fn)(uint32_t key, void *val, void *arg),
                  void *arg)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (m->ent[i].val)
            fn(m->ent[i].key, m->ent[i].val, arg);
}
