/* Detection core: the dynamic topological order with its components (order.h),
 * called directly on plain arrays.  Random insertions are checked against a
 * reference reachability matrix: lg_order_add says "on a cycle" exactly when the
 * target reaches the source, components are exactly the mutually reachable sets,
 * and every edge between components goes forward in the order. */
#include "order.h"

#include <glib.h>
#include <string.h>

#define MAXN 80

struct ref {
    uint32_t n;
    uint8_t adj[MAXN + 1][MAXN + 1];
};

/* 1 if a reaches b (a path of at least one edge, or a == b) */
static int reaches(const struct ref *r, uint32_t a, uint32_t b)
{
    uint8_t seen[MAXN + 1] = {0};
    uint32_t stack[MAXN + 1], sp = 0;
    stack[sp++] = a;
    seen[a] = 1;
    while (sp) {
        uint32_t u = stack[--sp];
        if (u == b)
            return 1;
        for (uint32_t v = 1; v <= r->n; v++)
            if (r->adj[u][v] && !seen[v]) {
                seen[v] = 1;
                stack[sp++] = v;
            }
    }
    return 0;
}

static struct lg_order *order_new(void) { return g_malloc0(sizeof(struct lg_order)); }

/* Every pair of present nodes: same component iff mutually reachable; labels
 * respect the edges. */
static void check_against(struct lg_order *o, const struct ref *r, const uint8_t *present)
{
    const char *err = lg_order_check(o);
    if (err)
        g_error("order invariant: %s", err);
    for (uint32_t a = 1; a <= r->n; a++) {
        if (!present[a])
            continue;
        for (uint32_t b = 1; b <= r->n; b++) {
            if (!present[b])
                continue;
            int same = reaches(r, a, b) && reaches(r, b, a);
            g_assert_cmpint(lg_order_same(o, a, b), ==, same);
            if (r->adj[a][b] && !same)
                g_assert_cmpuint(lg_order_label(o, a), <, lg_order_label(o, b));
        }
    }
}

/* Random edges consistent with a hidden permutation: never a cycle, and the
 * order keeps every edge forward however the insertions arrive. */
static void test_random_dag(void)
{
    for (int round = 0; round < 30; round++) {
        GRand *rng = g_rand_new_with_seed(1000 + round);
        struct lg_order *o = order_new();
        struct ref *r = g_malloc0(sizeof *r);
        uint8_t present[MAXN + 1] = {0};
        uint32_t perm[MAXN + 1];
        r->n = MAXN;
        for (uint32_t i = 1; i <= MAXN; i++)
            perm[i] = i;
        for (uint32_t i = MAXN; i > 1; i--) {
            uint32_t j = 1 + g_rand_int_range(rng, 0, (gint32)i);
            uint32_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        uint32_t eid = 0;
        for (int k = 0; k < 600; k++) {
            uint32_t a = 1 + g_rand_int_range(rng, 0, MAXN);
            uint32_t b = 1 + g_rand_int_range(rng, 0, MAXN);
            if (a == b)
                continue;
            uint32_t from = perm[a] < perm[b] ? a : b, to = from == a ? b : a;
            if (r->adj[from][to])
                continue;
            r->adj[from][to] = 1;
            present[from] = present[to] = 1;
            g_assert_cmpint(lg_order_add(o, ++eid, from, to), ==, 0);
            g_assert_true(lg_order_has(o, eid));
            if (k % 50 == 0)
                check_against(o, r, present);
        }
        check_against(o, r, present);
        g_assert_cmpuint(o->nmerged, ==, 0);
        g_free(r);
        g_free(o);
        g_rand_free(rng);
    }
}

/* Arbitrary random edges: cycles form and components merge; "on a cycle" is
 * reported exactly when the reference says the target reaches the source. */
static void test_random_cycles(void)
{
    for (int round = 0; round < 40; round++) {
        GRand *rng = g_rand_new_with_seed(2000 + round);
        struct lg_order *o = order_new();
        struct ref *r = g_malloc0(sizeof *r);
        uint8_t present[MAXN + 1] = {0};
        r->n = 20 + (uint32_t)round; /* sparse to dense */
        uint32_t eid = 0, cycles = 0;
        for (int k = 0; k < 3 * (int)r->n; k++) {
            uint32_t a = 1 + g_rand_int_range(rng, 0, (gint32)r->n);
            uint32_t b = 1 + g_rand_int_range(rng, 0, (gint32)r->n);
            if (a == b || r->adj[a][b])
                continue;
            int expect = present[a] && present[b] && reaches(r, b, a);
            r->adj[a][b] = 1;
            present[a] = present[b] = 1;
            int got = lg_order_add(o, ++eid, a, b);
            g_assert_cmpint(got, ==, expect);
            cycles += got;
            check_against(o, r, present);
        }
        g_assert_cmpuint(cycles, >, 0);
        g_free(r);
        g_free(o);
        g_rand_free(rng);
    }
}

/* A repeated edge id changes nothing; an edge inside a component says 1. */
static void test_repeat_and_inside(void)
{
    struct lg_order *o = order_new();
    g_assert_cmpint(lg_order_add(o, 1, 1, 2), ==, 0);
    g_assert_cmpint(lg_order_add(o, 1, 1, 2), ==, 0);
    g_assert_cmpint(lg_order_add(o, 2, 2, 3), ==, 0);
    g_assert_cmpint(lg_order_add(o, 3, 3, 1), ==, 1);
    g_assert_true(lg_order_same(o, 1, 3));
    g_assert_cmpint(lg_order_add(o, 4, 1, 3), ==, 1); /* inside the component */
    g_assert_cmpint(lg_order_add(o, 3, 3, 1), ==, 1);
    g_assert_false(lg_order_has(o, 5));
    g_assert_false(lg_order_same(o, 1, 9));
    g_assert_cmpuint(o->nedges, ==, 4);
    g_assert_null(lg_order_check(o));
    g_free(o);
}

/* Inserting many nodes at one place exhausts the label gap there: the list is
 * relabelled and stays ordered. */
static void test_crowded_labels(void)
{
    struct lg_order *o = order_new();
    /* 1 -> k for k = 2..20001: each new target goes right after 1, so every
     * insertion lands in the same (halving) gap */
    for (uint32_t k = 2; k <= 20001; k++)
        g_assert_cmpint(lg_order_add(o, k - 1, 1, k), ==, 0);
    /* and a chain backwards through them forces repairs in crowded labels */
    for (uint32_t k = 20001; k > 19001; k--)
        g_assert_cmpint(lg_order_add(o, 40000 + k, k, k - 1), ==, 0);
    g_assert_null(lg_order_check(o));
    for (uint32_t k = 19002; k <= 20001; k++)
        g_assert_cmpuint(lg_order_label(o, k), <, lg_order_label(o, k - 1));
    g_free(o);
}

/* The same crowding through fresh sources: each new k -> 1 places k right before
 * 1, in one halving gap (1 has an edge out, so it has a position). */
static void test_crowded_sources(void)
{
    struct lg_order *o = order_new();
    g_assert_cmpint(lg_order_add(o, 1, 1, 2), ==, 0);
    for (uint32_t k = 3; k <= 20002; k++)
        g_assert_cmpint(lg_order_add(o, k, k, 1), ==, 0);
    g_assert_null(lg_order_check(o));
    for (uint32_t k = 3; k <= 20002; k++)
        g_assert_cmpuint(lg_order_label(o, k), <, lg_order_label(o, 1));
    g_assert_cmpuint(o->nmoved, ==, 0);
    g_free(o);
}

/* A node with edges in and none out (a sink) has no node record and no position
 * until its first edge out: then it goes after every node with an edge into it,
 * and an edge against the order from it is repaired as any other. */
static void test_sinks(void)
{
    struct lg_order *o = order_new();
    for (uint32_t k = 2; k <= 100; k++)
        g_assert_cmpint(lg_order_add(o, k, 1, k), ==, 0);
    g_assert_cmpuint(lg_order_label(o, 50), ==, UINT64_MAX);
    g_assert_true(lg_order_same(o, 50, 50));
    g_assert_false(lg_order_same(o, 50, 51));
    g_assert_false(lg_order_same(o, 101, 101));
    g_assert_cmpuint(lg_order_label(o, 101), ==, 0);
    /* 200 -> 50 and 300 -> 50: 50 has three predecessors; 50 -> 2 then places 50
     * after all three, and 2 (a sink too) stays after everything */
    g_assert_cmpint(lg_order_add(o, 200, 200, 50), ==, 0);
    g_assert_cmpint(lg_order_add(o, 300, 300, 50), ==, 0);
    g_assert_cmpint(lg_order_add(o, 400, 50, 2), ==, 0);
    g_assert_cmpuint(lg_order_label(o, 50), >, lg_order_label(o, 1));
    g_assert_cmpuint(lg_order_label(o, 50), >, lg_order_label(o, 200));
    g_assert_cmpuint(lg_order_label(o, 50), >, lg_order_label(o, 300));
    g_assert_cmpuint(lg_order_label(o, 50), <, UINT64_MAX);
    g_assert_null(lg_order_check(o));
    /* 2 -> 300 closes 300 -> 50 -> 2 -> 300 */
    g_assert_cmpint(lg_order_add(o, 500, 2, 300), ==, 1);
    g_assert_true(lg_order_same(o, 2, 50));
    g_assert_true(lg_order_same(o, 300, 50));
    g_assert_false(lg_order_same(o, 1, 50));
    g_assert_null(lg_order_check(o));
    g_free(o);
}

/* The cost follows the affected region: a long chain built against the order
 * (each new edge from a fresh node into the head of the chain) moves one node per
 * edge, not the chain. */
static void test_region_not_graph(void)
{
    struct lg_order *o = order_new();
    uint32_t n = 50000;
    for (uint32_t k = 1; k < n; k++)
        g_assert_cmpint(lg_order_add(o, k, k + 1, k), ==, 0);
    g_assert_cmpuint(o->nmoved, ==, 0); /* fresh nodes are placed, not moved */
    /* edges from the chain's tail end to fresh nodes placed before... */
    g_assert_null(lg_order_check(o));
    /* now close it: n -> ... -> 1 plus 1 -> n merges everything */
    g_assert_cmpint(lg_order_add(o, n, 1, n), ==, 1);
    g_assert_true(lg_order_same(o, 1, n));
    g_assert_cmpuint(o->nmerged, ==, n - 1);
    g_assert_null(lg_order_check(o));
    g_free(o);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/order/random-dag", test_random_dag);
    g_test_add_func("/core/order/random-cycles", test_random_cycles);
    g_test_add_func("/core/order/repeat-and-inside", test_repeat_and_inside);
    g_test_add_func("/core/order/crowded-labels", test_crowded_labels);
    g_test_add_func("/core/order/region-not-graph", test_region_not_graph);
    g_test_add_func("/core/order/crowded-sources", test_crowded_sources);
    g_test_add_func("/core/order/sinks", test_sinks);
    return g_test_run();
}
