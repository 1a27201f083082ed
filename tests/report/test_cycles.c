/* Elementary-cycle enumeration (analyzer/report/analyze/cycles.c) on graphs whose cycles are known. */
#include "cycles.h"

#include <stdlib.h>
#include <string.h>

typedef struct collect {
    GPtrArray *cycles; /* "a,b,c" strings */
    guint stop_after;  /* 0 = never */
} collect;

static gboolean on_cycle(const uint32_t *nodes, uint32_t n, void *ud)
{
    collect *c = ud;
    GString *s = g_string_new(NULL);
    for (uint32_t i = 0; i < n; i++)
        g_string_append_printf(s, "%s%u", i ? "," : "", nodes[i]);
    g_ptr_array_add(c->cycles, g_string_free(s, FALSE));
    return !(c->stop_after && c->cycles->len >= c->stop_after);
}

static GPtrArray *run(uint32_t n, const uint32_t *src, const uint32_t *dst, size_t m,
                      uint64_t max_cycles, lg_cycle_stats *st)
{
    collect c = {g_ptr_array_new_with_free_func(g_free), 0};
    lg_cycles_enumerate(n, src, dst, m, max_cycles, 0, on_cycle, &c, st);
    return c.cycles;
}

static gboolean contains(GPtrArray *a, const char *s)
{
    for (guint i = 0; i < a->len; i++)
        if (strcmp(g_ptr_array_index(a, i), s) == 0)
            return TRUE;
    return FALSE;
}

static void check_ring(uint32_t n)
{
    uint32_t *src = g_new(uint32_t, n), *dst = g_new(uint32_t, n);
    for (uint32_t i = 0; i < n; i++) {
        src[i] = i;
        dst[i] = (i + 1) % n;
    }
    lg_cycle_stats st;
    GPtrArray *c = run(n, src, dst, n, 0, &st);
    g_assert_cmpuint(c->len, ==, 1);
    g_assert_false(st.truncated);
    /* the one cycle, starting at its smallest node, in edge order */
    const char *got = g_ptr_array_index(c, 0);
    char **parts = g_strsplit(got, ",", -1);
    g_assert_cmpuint(g_strv_length(parts), ==, n);
    for (uint32_t i = 0; i < n; i++)
        g_assert_cmpuint(g_ascii_strtoull(parts[i], NULL, 10), ==, i);
    g_strfreev(parts);
    g_ptr_array_free(c, TRUE);
    g_free(src);
    g_free(dst);
}

static void test_rings(void)
{
    check_ring(2);
    check_ring(3);
    check_ring(5);
    check_ring(50);
    check_ring(3000); /* deep: no recursion limit */
}

static void test_reverse_ring_rotation(void)
{
    /* A ring whose edges are listed from a node other than the smallest: still one
     * cycle, reported from node 0. */
    uint32_t src[] = {7, 3, 0}, dst[] = {0, 7, 3};
    lg_cycle_stats st;
    GPtrArray *c = run(8, src, dst, 3, 0, &st);
    g_assert_cmpuint(c->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(c, 0), ==, "0,3,7");
    g_ptr_array_free(c, TRUE);
}

static void test_overlapping(void)
{
    /* Two triangles sharing edge 0->1, plus the 2-cycle 1<->2:
     * 0->1->2->0, 0->1->3->0, 1->2->1.  Duplicate edge and self-loop ignored. */
    uint32_t src[] = {0, 1, 2, 1, 3, 2, 0, 2};
    uint32_t dst[] = {1, 2, 0, 3, 0, 1, 1, 2};
    lg_cycle_stats st;
    GPtrArray *c = run(4, src, dst, 8, 0, &st);
    g_assert_cmpuint(c->len, ==, 3);
    g_assert_true(contains(c, "0,1,2"));
    g_assert_true(contains(c, "0,1,3"));
    g_assert_true(contains(c, "1,2"));
    g_ptr_array_free(c, TRUE);
}

static uint64_t binom(uint64_t n, uint64_t k)
{
    uint64_t r = 1;
    for (uint64_t i = 1; i <= k; i++)
        r = r * (n - k + i) / i;
    return r;
}

static uint64_t fact(uint64_t n) { return n <= 1 ? 1 : n * fact(n - 1); }

static void test_complete_digraph(void)
{
    /* K_n has sum_{k=2..n} C(n,k) (k-1)! elementary cycles. */
    for (uint32_t n = 2; n <= 7; n++) {
        GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        GArray *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = 0; b < n; b++)
                if (a != b) {
                    g_array_append_val(src, a);
                    g_array_append_val(dst, b);
                }
        uint64_t expect = 0;
        for (uint32_t k = 2; k <= n; k++)
            expect += binom(n, k) * fact(k - 1);
        lg_cycle_stats st;
        GPtrArray *c = run(n, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, 0, &st);
        g_assert_cmpuint(c->len, ==, expect);
        g_assert_cmpuint(st.cycles, ==, expect);
        if (n == 6)
            g_assert_cmpuint(c->len, ==, 409);
        /* each reported once */
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < c->len; i++)
            g_assert_true(g_hash_table_add(seen, g_ptr_array_index(c, i)));
        g_hash_table_destroy(seen);
        g_ptr_array_free(c, TRUE);
        g_array_free(src, TRUE);
        g_array_free(dst, TRUE);
    }
}

static void test_acyclic(void)
{
    uint32_t src[] = {0, 0, 1, 2, 3}, dst[] = {1, 2, 3, 3, 4};
    lg_cycle_stats st;
    GPtrArray *c = run(5, src, dst, 5, 0, &st);
    g_assert_cmpuint(c->len, ==, 0);
    g_assert_false(st.truncated);
    g_ptr_array_free(c, TRUE);
}

static void test_long_chain_is_cheap(void)
{
    /* 200000 nodes in a chain plus one back edge at the far end: one 2-cycle, found
     * without quadratic work on the acyclic part */
    const uint32_t n = 200000;
    uint32_t *src = g_new(uint32_t, n), *dst = g_new(uint32_t, n);
    for (uint32_t i = 0; i + 1 < n; i++) {
        src[i] = i;
        dst[i] = i + 1;
    }
    src[n - 1] = n - 1;
    dst[n - 1] = n - 2;
    lg_cycle_stats st;
    GPtrArray *c = run(n, src, dst, n, 0, &st);
    g_assert_cmpuint(c->len, ==, 1);
    char *want = g_strdup_printf("%u,%u", n - 2, n - 1);
    g_assert_cmpstr(g_ptr_array_index(c, 0), ==, want);
    g_assert_cmpuint(st.steps, <, 10u * n);
    g_free(want);
    g_ptr_array_free(c, TRUE);
    g_free(src);
    g_free(dst);
}

static void test_budget(void)
{
    /* K_7 has 1172 cycles; a budget of 100 stops at 100 and says so. */
    GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (uint32_t a = 0; a < 7; a++)
        for (uint32_t b = 0; b < 7; b++)
            if (a != b) {
                g_array_append_val(src, a);
                g_array_append_val(dst, b);
            }
    lg_cycle_stats st;
    GPtrArray *c = run(7, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, 100, &st);
    g_assert_cmpuint(c->len, ==, 100);
    g_assert_true(st.truncated);
    g_ptr_array_free(c, TRUE);

    /* the step budget also stops it */
    collect cc = {g_ptr_array_new_with_free_func(g_free), 0};
    lg_cycles_enumerate(7, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, 0, 500,
                        on_cycle, &cc, &st);
    g_assert_true(st.truncated);
    g_assert_cmpuint(cc.cycles->len, <, 1172);
    g_ptr_array_free(cc.cycles, TRUE);

    /* and the callback can stop it, which is not truncation by budget */
    cc = (collect){g_ptr_array_new_with_free_func(g_free), 3};
    lg_cycles_enumerate(7, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, 0, 0,
                        on_cycle, &cc, &st);
    g_assert_cmpuint(cc.cycles->len, ==, 3);
    g_ptr_array_free(cc.cycles, TRUE);
    g_array_free(src, TRUE);
    g_array_free(dst, TRUE);
}

/* When enumeration stops early, the nodes it reports as unexamined are exactly those
 * on a cycle among the nodes >= the start it stopped at (which hold every cycle not
 * reported: a cycle is reported from its smallest node), in as many strongly
 * connected groups; components already finished are left out.  Graph: a ring 0-1-2,
 * a complete digraph on 3..6, a ring 7-8; stopped after each possible count. */
static uint32_t find(uint32_t *up, uint32_t v)
{
    while (up[v] != v)
        v = up[v];
    return v;
}

static void test_unexamined(void)
{
    GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    uint32_t edges[][2] = {{0, 1}, {1, 2}, {2, 0}, {7, 8}, {8, 7}};
    for (size_t i = 0; i < G_N_ELEMENTS(edges); i++) {
        g_array_append_val(src, edges[i][0]);
        g_array_append_val(dst, edges[i][1]);
    }
    for (uint32_t a = 3; a <= 6; a++)
        for (uint32_t b = 3; b <= 6; b++)
            if (a != b) {
                g_array_append_val(src, a);
                g_array_append_val(dst, b);
            }
    lg_cycle_stats all, st;
    GPtrArray *every = run(9, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, 0, &all);
    g_assert_false(all.truncated);
    g_assert_cmpuint(all.unexamined_nodes, ==, 0);
    g_assert_cmpuint(all.unexamined_groups, ==, 0);
    g_assert_cmpuint(every->len, ==, 1 + 20 + 1); /* K4 has 6 + 8 + 6 cycles */
    for (uint64_t stop = 1; stop < every->len; stop++) {
        GPtrArray *some = run(9, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, stop, &st);
        g_assert_true(st.truncated);
        g_assert_cmpuint(some->len, ==, stop);
        uint32_t s = (uint32_t)atoi(g_ptr_array_index(some, some->len - 1)); /* stopped at */
        /* expected: nodes on a cycle whose nodes are all >= s, grouped by shared cycles */
        gboolean on[9] = {FALSE};
        uint32_t up[9];
        for (uint32_t v = 0; v < 9; v++)
            up[v] = v;
        for (guint i = 0; i < every->len; i++) {
            const char *c = g_ptr_array_index(every, i);
            uint32_t first = (uint32_t)atoi(c);
            if (first < s)
                continue;
            for (const char *p = c; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
                uint32_t v = (uint32_t)atoi(p);
                on[v] = TRUE;
                up[find(up, v)] = find(up, first);
            }
        }
        uint32_t want = 0, groups = 0;
        for (uint32_t v = 0; v < 9; v++)
            if (on[v]) {
                want++;
                groups += find(up, v) == v;
            }
        g_assert_cmpuint(st.unexamined_nodes, ==, want);
        g_assert_cmpuint(st.unexamined_groups, ==, groups);
        /* and every cycle not reported is among them */
        for (guint i = 0; i < every->len; i++)
            if (!contains(some, g_ptr_array_index(every, i)))
                g_assert_cmpuint((uint32_t)atoi(g_ptr_array_index(every, i)), >=, s);
        g_ptr_array_free(some, TRUE);
    }
    g_ptr_array_free(every, TRUE);
    g_array_free(src, TRUE);
    g_array_free(dst, TRUE);
}

/* How many edges of the cycle "a,b,c" are in the set of pruned "u>v" pairs. */
static guint pruned_in(const char *cycle, GHashTable *pruned)
{
    char **p = g_strsplit(cycle, ",", -1);
    guint n = g_strv_length(p), k = 0;
    for (guint i = 0; i < n; i++) {
        char *e = g_strdup_printf("%s>%s", p[i], p[(i + 1) % n]);
        k += g_hash_table_contains(pruned, e);
        g_free(e);
    }
    g_strfreev(p);
    return k;
}

/* A trylock back-off graph as memcached's item locks make it: each of 4 "LRU" locks
 * tries each of 7 "item" locks (pruned: trylock only), each item lock is held while
 * an LRU lock is taken; beside it two blocking cycles (10-11-12, 10-11) tied to it
 * by blocking edges.  The pruned search must find exactly the cycles through no
 * pruned edge (same order as the plain search over the other edges) and those
 * through exactly one (each once, from its smallest node), and examine far fewer
 * cycles and steps than the plain search over the whole graph. */
static void test_pruned_backoff(void)
{
    GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GArray *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    GByteArray *pr = g_byte_array_new();
    GHashTable *pruned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const uint32_t nl = 4, n = 13;
#define EDGE(u, v, cut)                                                                  \
    do {                                                                                 \
        uint32_t u_ = (u), v_ = (v);                                                     \
        guint8 c_ = (cut);                                                               \
        g_array_append_val(src, u_);                                                     \
        g_array_append_val(dst, v_);                                                     \
        g_byte_array_append(pr, &c_, 1);                                                 \
        if (c_)                                                                          \
            g_hash_table_add(pruned, g_strdup_printf("%u>%u", u_, v_));                  \
    } while (0)
    /* LRU locks 0..3, item locks 3..9 (3 is both an LRU's neighbour and an item: ids
     * overlap on purpose to mix the numbering), extra locks 10..12 */
    for (uint32_t l = 0; l < nl; l++)
        for (uint32_t i = 3; i < 10; i++) {
            if (i == l)
                continue;
            EDGE(i, l, 0); /* item held, LRU taken */
            EDGE(l, i, 1); /* LRU held, item tried */
        }
    EDGE(10, 11, 0);
    EDGE(11, 12, 0);
    EDGE(12, 10, 0);
    EDGE(11, 10, 0);
    EDGE(9, 10, 0);
    EDGE(12, 2, 1);
    EDGE(10, 1, 0);
    EDGE(1, 12, 1);
#undef EDGE
    lg_cycle_stats full_st, pst, plain_st;
    collect full = {g_ptr_array_new_with_free_func(g_free), 0};
    lg_cycles_enumerate(n, (uint32_t *)src->data, (uint32_t *)dst->data, src->len, UINT64_MAX,
                        UINT64_MAX, on_cycle, &full, &full_st);
    g_assert_false(full_st.truncated);
    collect got = {g_ptr_array_new_with_free_func(g_free), 0};
    lg_cycles_enumerate_pruned(n, (uint32_t *)src->data, (uint32_t *)dst->data, src->len,
                               pr->data, UINT64_MAX, UINT64_MAX, on_cycle, &got, &pst);
    g_assert_false(pst.truncated);
    /* the plain search over the unpruned edges alone: pass 1's cycles, in its order */
    GArray *ks = g_array_new(FALSE, FALSE, sizeof(uint32_t)), *kd = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < src->len; i++)
        if (!pr->data[i]) {
            g_array_append_val(ks, g_array_index(src, uint32_t, i));
            g_array_append_val(kd, g_array_index(dst, uint32_t, i));
        }
    collect plain = {g_ptr_array_new_with_free_func(g_free), 0};
    lg_cycles_enumerate(n, (uint32_t *)ks->data, (uint32_t *)kd->data, ks->len, 0, 0, on_cycle,
                        &plain, &plain_st);
    g_assert_cmpuint(plain.cycles->len, ==, 2); /* 10-11-12 and 10-11 */

    guint want0 = 0, want1 = 0, more = 0;
    for (guint i = 0; i < full.cycles->len; i++) {
        const char *c = g_ptr_array_index(full.cycles, i);
        guint k = pruned_in(c, pruned);
        want0 += k == 0;
        want1 += k == 1;
        more += k >= 2;
        g_assert_true(k >= 2 || contains(got.cycles, c)); /* every cycle with 0 or 1 */
    }
    g_test_message("whole graph: %" G_GUINT64_FORMAT " cycles, %" G_GUINT64_FORMAT " steps; "
                   "pruned: %" G_GUINT64_FORMAT " cycles, %" G_GUINT64_FORMAT " steps "
                   "(%u through no pruned edge, %u through one, %u never searched)",
                   full_st.cycles, full_st.steps, pst.cycles, pst.steps, want0, want1, more);
    g_assert_cmpuint(got.cycles->len, ==, want0 + want1); /* and each once */
    g_assert_cmpuint(pst.cycles, ==, want0 + want1);
    for (guint i = 0; i < got.cycles->len; i++) {
        const char *c = g_ptr_array_index(got.cycles, i);
        g_assert_true(contains(full.cycles, c)); /* a real elementary cycle, same rotation */
        g_assert_cmpuint(pruned_in(c, pruned), <=, 1);
        for (guint k = 0; k < i; k++)
            g_assert_cmpstr(g_ptr_array_index(got.cycles, k), !=, c);
        /* pass 1 first, in the plain search's order */
        if (i < plain.cycles->len)
            g_assert_cmpstr(c, ==, g_ptr_array_index(plain.cycles, i));
    }
    g_assert_cmpuint(want0, ==, plain.cycles->len);
    /* the point: far fewer cycles examined, and far fewer steps */
    g_assert_cmpuint(more, >, 1000);
    g_assert_cmpuint(pst.cycles * 20, <, full_st.cycles);
    g_assert_cmpuint(pst.steps * 10, <, full_st.steps);

    /* a budget that stops the pruned search names every node on a cycle */
    collect few = {g_ptr_array_new_with_free_func(g_free), 0};
    lg_cycle_stats fst;
    lg_cycles_enumerate_pruned(n, (uint32_t *)src->data, (uint32_t *)dst->data, src->len,
                               pr->data, plain.cycles->len + 2, 0, on_cycle, &few, &fst);
    g_assert_true(fst.truncated);
    g_assert_cmpuint(few.cycles->len, ==, plain.cycles->len + 2);
    g_assert_cmpuint(fst.unexamined_nodes, ==, n);
    g_assert_cmpuint(fst.unexamined_groups, ==, 1);

    /* a pair given both pruned and not counts as not pruned: its cycle once */
    {
        const uint32_t s2[] = {0, 0, 1}, d2[] = {1, 1, 0};
        const guint8 p2[] = {1, 0, 0};
        collect one = {g_ptr_array_new_with_free_func(g_free), 0};
        lg_cycle_stats ost;
        lg_cycles_enumerate_pruned(2, s2, d2, 3, p2, 0, 0, on_cycle, &one, &ost);
        g_assert_cmpuint(one.cycles->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(one.cycles, 0), ==, "0,1");
        g_ptr_array_free(one.cycles, TRUE);
    }

    g_ptr_array_free(few.cycles, TRUE);
    g_ptr_array_free(plain.cycles, TRUE);
    g_ptr_array_free(got.cycles, TRUE);
    g_ptr_array_free(full.cycles, TRUE);
    g_array_free(ks, TRUE), g_array_free(kd, TRUE);
    g_array_free(src, TRUE), g_array_free(dst, TRUE);
    g_byte_array_free(pr, TRUE);
    g_hash_table_destroy(pruned);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cycles/rings", test_rings);
    g_test_add_func("/cycles/rotation", test_reverse_ring_rotation);
    g_test_add_func("/cycles/overlapping", test_overlapping);
    g_test_add_func("/cycles/complete-digraph", test_complete_digraph);
    g_test_add_func("/cycles/acyclic", test_acyclic);
    g_test_add_func("/cycles/long-chain", test_long_chain_is_cheap);
    g_test_add_func("/cycles/budget", test_budget);
    g_test_add_func("/cycles/unexamined", test_unexamined);
    g_test_add_func("/cycles/pruned-backoff", test_pruned_backoff);
    return g_test_run();
}
