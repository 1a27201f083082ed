/* Detection core: the address -> lock record table (shim/detect/lock_table.h).  Its
 * slots pack a tag of the address hash above the record pointer, so a probe skips
 * other locks' slots without reading their records: every record must still be
 * found at its own address through growth, absent addresses (including ones that
 * share a probe chain) must miss, and a retired record must be replaced in place. */
#include "fake_host.h"
#include "arena.h"
#include "lock_table.h"

#define N 60000 /* several growths from the first 4096 slots */

static struct lg_lockrec *make(uintptr_t addr, struct lg_lockrec *prev, void *arg)
{
    (void)arg;
    struct lg_lockrec *l = lg_arena_alloc(sizeof *l);
    g_assert_nonnull(l);
    l->addr = addr;
    l->gen = prev ? prev->gen + 1 : 1;
    return l;
}

/* Addresses 16 bytes apart, as locks in an array are: present ones at even
 * multiples, absent ones at odd multiples in between. */
static uintptr_t present(long i) { return 0x10000000 + (uintptr_t)i * 32; }
static uintptr_t absent(long i) { return present(i) + 16; }

static void test_find_through_growth(void)
{
    static struct lg_lockrec *recs[N];
    size_t slots0 = lg_table_slots();
    for (long i = 0; i < N; i++) {
        int made = 0;
        recs[i] = lg_table_get(present(i), make, NULL, &made);
        g_assert_nonnull(recs[i]);
        g_assert_true(made);
        g_assert_true(lg_table_find(present(i)) == recs[i]);
        g_assert_cmphex((uintptr_t)recs[i] & LG_TABLE_TAG_MASK, ==, 0);
    }
    g_assert_cmpuint(lg_table_slots(), >, slots0);
    for (long i = 0; i < N; i++) {
        g_assert_true(lg_table_find(present(i)) == recs[i]);
        g_assert_true(lg_table_find_any(present(i)) == recs[i]);
        g_assert_null(lg_table_find(absent(i)));
        g_assert_null(lg_table_find_any(absent(i)));
        int made = 1;
        g_assert_true(lg_table_get(present(i), make, NULL, &made) == recs[i]); /* found */
        g_assert_false(made);
    }
    /* retire every third: find misses, find_any still sees it, get makes its
     * successor in the same slot */
    for (long i = 0; i < N; i += 3)
        atomic_fetch_or(&recs[i]->flags, LG_LR_DEAD);
    for (long i = 0; i < N; i++) {
        if (i % 3) {
            g_assert_true(lg_table_find(present(i)) == recs[i]);
            continue;
        }
        g_assert_null(lg_table_find(present(i)));
        g_assert_true(lg_table_find_any(present(i)) == recs[i]);
        int made = 0;
        struct lg_lockrec *n = lg_table_get(present(i), make, NULL, &made);
        g_assert_true(made);
        g_assert_true(n != recs[i]);
        g_assert_cmpuint(n->gen, ==, recs[i]->gen + 1);
        g_assert_true(lg_table_find(present(i)) == n);
        g_assert_true(lg_table_find_any(present(i)) == n);
    }
    for (long i = 0; i < N; i++)
        g_assert_null(lg_table_find(absent(i)));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/table/find-through-growth", test_find_through_growth);
    return g_test_run();
}
