#include "hmap.h"
#include "arena.h"

static int grow(struct lg_hmap *m)
{
    size_t n = m->b ? (m->mask + 1) * 2 : 1024;
    struct lg_hnode **nb = lg_map(n * sizeof *nb);
    if (!nb)
        return -1;
    if (m->b) {
        for (size_t i = 0; i <= m->mask; i++) {
            struct lg_hnode *x = m->b[i];
            while (x) {
                struct lg_hnode *next = x->next;
                x->next = nb[x->hash & (n - 1)];
                nb[x->hash & (n - 1)] = x;
                x = next;
            }
        }
        lg_discard(m->b, (m->mask + 1) * sizeof *nb);
    }
    m->b = nb;
    m->mask = n - 1;
    return 0;
}

int lg_hmap_insert(struct lg_hmap *m, struct lg_hnode *n)
{
    if ((!m->b || m->count >= m->mask + 1) && grow(m) != 0 && !m->b)
        return -1;
    n->next = m->b[n->hash & m->mask];
    m->b[n->hash & m->mask] = n;
    m->count++;
    return 0;
}
