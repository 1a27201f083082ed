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
    return g_test_run();
}
