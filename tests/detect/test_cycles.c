/* Detection core: cycle closure in the lock-order graph, end to end through
 * lg_acquired / lg_released with a fake platform (findings, dedupe, rings,
 * single-thread cycles).  Each test uses its own lock addresses. */
#include "fake_host.h"
#include "graph.h"
#include "lock_table.h"

#include <string.h>

static struct lg_lockrec *rec(const void *addr)
{
    struct lg_lockrec *l = lg_table_find((uintptr_t)addr);
    g_assert_nonnull(l);
    return l;
}

/* The item of finding f whose lock is `lock`. */
static const struct lg_finding_item *item_of(const fake_report *f, const void *lock)
{
    const struct lg_finding_item *found = NULL;
    for (uint32_t i = 0; i < f->n; i++)
        if (f->items[i].lock == rec(lock)) {
            g_assert_null(found); /* each lock once in a cycle */
            found = &f->items[i];
        }
    g_assert_nonnull(found);
    return found;
}

/* graph.h's invariants hold (edges, adjacency, contexts, search marks). */
static void assert_graph_consistent(void)
{
    lg_graph_lock();
    const char *err = lg_graph_check_invariants();
    lg_graph_unlock();
    g_assert_cmpstr(err, ==, NULL);
}

static guint findings_since(size_t mark)
{
    return fake_log_count(mark, LG_REC_FINDING);
}

/* ABBA by two threads: one lock-order-inversion, items = the two edges with their
 * threads and the stacks of the acquisitions. */
static void test_abba_two_threads(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    uint32_t s1 = fake_worker_serial(t1), s2 = fake_worker_serial(t2);
    g_assert_cmpuint(s1, !=, s2);

    fake_lock(t1, A, 0x401010);
    fake_lock(t1, B, 0x401020);
    g_assert_true(fake_unlock(t1, B));
    g_assert_true(fake_unlock(t1, A));
    g_assert_cmpuint(fake_report_count(), ==, r0);

    fake_lock(t2, B, 0x402010);
    fake_lock(t2, A, 0x402020);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    fake_unlock(t2, A);
    fake_unlock(t2, B);

    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, 0);
    g_assert_cmpuint(f->n, ==, 2);
    const struct lg_finding_item *ia = item_of(f, A), *ib = item_of(f, B);
    /* A -> B by thread 1: holding A (acquired at 0x401010), acquiring B at 0x401020 */
    g_assert_true(ia->other == rec(B));
    g_assert_cmpuint(ia->thread, ==, s1);
    g_assert_true(fake_stack_is_of(ia->stack, 0x401020));
    /* A was new when thread 1 took it: its stack was captured then */
    g_assert_true(fake_stack_is_of(ia->other_stack, 0x401010));
    g_assert_cmpuint(ia->mode, ==, LG_MODE_EXCL | LG_MODE_EXCL << 4);
    /* B -> A by thread 2 */
    g_assert_true(ib->other == rec(A));
    g_assert_cmpuint(ib->thread, ==, s2);
    g_assert_true(fake_stack_is_of(ib->stack, 0x402020));
    /* B was already known when thread 2 took it (fast path, no capture): the held
     * side is its one-frame call site (state.h: lg_held.stack) */
    const uintptr_t pc_b2 = 0x402010;
    g_assert_true(fake_stack_is(ib->other_stack, &pc_b2, 1));

    /* the FINDING record says the same */
    GArray *recs = fake_log_records(mark);
    guint nf = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type != LG_REC_FINDING)
            continue;
        nf++;
        g_assert_cmpuint(r->u.finding.kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
        g_assert_cmpuint(r->u.finding.flags, ==, 0);
        g_assert_cmpuint(r->u.finding.n, ==, 2);
        for (uint32_t k = 0; k < 2; k++) {
            const struct fake_item *it = &r->u.finding.items[k];
            const struct lg_finding_item *li = it->lock == rec(A)->id ? ia : ib;
            g_assert_cmpuint(it->lock, ==, li->lock->id);
            g_assert_cmpuint(it->other, ==, li->other->id);
            g_assert_cmpuint(it->thread, ==, li->thread);
            g_assert_cmpuint(it->stack, ==, li->stack);
            g_assert_cmpuint(it->other_stack, ==, li->other_stack);
        }
    }
    g_assert_cmpuint(nf, ==, 1);
    g_array_unref(recs);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
    assert_graph_consistent();
}

/* The same cycle closed again, from new contexts of the same two edges (other
 * threads, other held sets): no second report, no second FINDING record. */
static void test_cycle_dedupe(void)
{
    static uint64_t lk[3];
    void *A = &lk[0], *B = &lk[1], *C = &lk[2];
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, A, 0x411010);
    fake_lock(t1, B, 0x411020);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    guint r0 = fake_report_count();
    fake_lock(t2, B, 0x412010);
    fake_lock(t2, A, 0x412020);
    fake_unlock(t2, A);
    fake_unlock(t2, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);

    size_t mark = fake_log_len();
    fake_worker *t3 = fake_worker_start(), *t4 = fake_worker_start();
    /* A -> B again, holding C first (a new chain), by a third thread */
    fake_lock(t3, C, 0x413010);
    fake_lock(t3, A, 0x413020);
    fake_lock(t3, B, 0x413030);
    fake_unlock(t3, B);
    fake_unlock(t3, A);
    fake_unlock(t3, C);
    /* B -> A again by a fourth thread, and by the first one */
    fake_lock(t4, B, 0x414010);
    fake_lock(t4, A, 0x414020);
    fake_unlock(t4, A);
    fake_unlock(t4, B);
    fake_lock(t1, B, 0x411030);
    fake_lock(t1, A, 0x411040);
    fake_unlock(t1, A);
    fake_unlock(t1, B);
    /* the cycle was seen again (new contexts on both edges, no new edge between A and B) */
    g_assert_cmpuint(fake_log_count(mark, LG_REC_CONTEXT), >=, 4);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    g_assert_cmpuint(findings_since(mark), ==, 0);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_worker_stop(t3);
    fake_worker_stop(t4);
    fake_assert_log_valid();
    assert_graph_consistent();
}

/* A ring of n locks, edge i (L[i] -> L[i+1 mod n]) by thread i: exactly one
 * finding, when the last edge closes it, with the n edges in ring order. */
static void ring(uint64_t *lk, uint32_t n, uintptr_t pcbase)
{
    fake_worker *w[8];
    g_assert_cmpuint(n, <=, 8);
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    for (uint32_t i = 0; i < n; i++) {
        w[i] = fake_worker_start();
        fake_lock(w[i], &lk[i], pcbase + 0x100 * i);
        fake_lock(w[i], &lk[(i + 1) % n], pcbase + 0x100 * i + 0x10);
        fake_unlock(w[i], &lk[(i + 1) % n]);
        fake_unlock(w[i], &lk[i]);
        g_assert_cmpuint(fake_report_count(), ==, r0 + (i + 1 == n));
    }
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, 0);
    g_assert_cmpuint(f->n, ==, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct lg_finding_item *it = item_of(f, &lk[i]);
        g_assert_true(it->other == rec(&lk[(i + 1) % n]));
        g_assert_cmpuint(it->thread, ==, fake_worker_serial(w[i]));
        g_assert_true(fake_stack_is_of(it->stack, pcbase + 0x100 * i + 0x10));
    }
    /* items follow the cycle: item k's other lock is item k+1's lock */
    for (uint32_t k = 0; k < n; k++)
        g_assert_true(f->items[k].other == f->items[(k + 1) % n].lock);
    g_assert_cmpuint(findings_since(mark), ==, 1);
    for (uint32_t i = 0; i < n; i++)
        fake_worker_stop(w[i]);
    fake_assert_log_valid();
    assert_graph_consistent();
}

static void test_ring3(void)
{
    static uint64_t lk[3];
    ring(lk, 3, 0x420000);
}

static void test_ring5(void)
{
    static uint64_t lk[5];
    ring(lk, 5, 0x430000);
}

/* A cycle made by one thread alone (A -> B, later B -> A) is reported, flagged
 * single-thread. */
static void test_single_thread_cycle(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    guint r0 = fake_report_count();
    fake_worker *t = fake_worker_start();
    fake_lock(t, A, 0x441010);
    fake_lock(t, B, 0x441020);
    fake_unlock(t, B);
    fake_unlock(t, A);
    fake_lock(t, B, 0x441030);
    fake_lock(t, A, 0x441040);
    fake_unlock(t, A);
    fake_unlock(t, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_SINGLE_THREAD);
    g_assert_cmpuint(f->n, ==, 2);
    g_assert_cmpuint(item_of(f, A)->thread, ==, fake_worker_serial(t));
    g_assert_cmpuint(item_of(f, B)->thread, ==, fake_worker_serial(t));
    fake_worker_stop(t);
    fake_assert_log_valid();
    assert_graph_consistent();
}

/* A longer path that does not come back is no cycle; a chord that closes two
 * cycles at once reports both. */
static void test_two_cycles_one_edge(void)
{
    static uint64_t lk[4];
    void *A = &lk[0], *B = &lk[1], *C = &lk[2], *D = &lk[3];
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start(), *t3 = fake_worker_start();
    /* A -> B -> D and A -> C -> D */
    fake_lock(t1, A, 0x451010);
    fake_lock(t1, B, 0x451020);
    fake_unlock(t1, B);
    fake_lock(t1, C, 0x451030);
    fake_unlock(t1, C);
    fake_unlock(t1, A);
    fake_lock(t2, B, 0x452010);
    fake_lock(t2, D, 0x452020);
    fake_unlock(t2, D);
    fake_unlock(t2, B);
    fake_lock(t2, C, 0x452030);
    fake_lock(t2, D, 0x452040);
    fake_unlock(t2, D);
    fake_unlock(t2, C);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    /* D -> A closes A-B-D and A-C-D */
    fake_lock(t3, D, 0x453010);
    fake_lock(t3, A, 0x453020);
    fake_unlock(t3, A);
    fake_unlock(t3, D);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    int seen_b = 0, seen_c = 0;
    for (guint i = r0; i < r0 + 2; i++) {
        const fake_report *f = fake_report_at(i);
        g_assert_cmpuint(f->n, ==, 3);
        g_assert_cmpuint(f->flags, ==, 0);
        item_of(f, A);
        item_of(f, D);
        for (uint32_t k = 0; k < 3; k++) {
            seen_b += f->items[k].lock == rec(B);
            seen_c += f->items[k].lock == rec(C);
        }
    }
    g_assert_cmpint(seen_b, ==, 1);
    g_assert_cmpint(seen_c, ==, 1);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_worker_stop(t3);
    fake_assert_log_valid();
    assert_graph_consistent();
}

/* One edge closing more cycles than fit in one batch of pending findings: every
 * cycle is written to the log, and every FINDING record is a finding reported live
 * (log_format.h: "something the shim reported live"). */
#define NMANY 12
static void test_many_cycles_one_edge(void)
{
    static uint64_t lk[NMANY + 2];
    void *A = &lk[0], *Z = &lk[NMANY + 1];
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start(), *t3 = fake_worker_start();
    /* A -> Bi by thread 1, Bi -> Z by thread 3, for each i */
    for (int i = 1; i <= NMANY; i++) {
        fake_lock(t1, A, 0x461000);
        fake_lock(t1, &lk[i], 0x461010 + 0x20 * (uintptr_t)i);
        fake_unlock(t1, &lk[i]);
        fake_unlock(t1, A);
        fake_lock(t3, &lk[i], 0x463010 + 0x20 * (uintptr_t)i);
        fake_lock(t3, Z, 0x463020 + 0x20 * (uintptr_t)i);
        fake_unlock(t3, Z);
        fake_unlock(t3, &lk[i]);
    }
    g_assert_cmpuint(fake_report_count(), ==, r0);
    /* Z -> A by thread 2 closes the NMANY cycles A -> Bi -> Z -> A at once */
    fake_lock(t2, Z, 0x462010);
    fake_lock(t2, A, 0x462020);
    fake_unlock(t2, A);
    fake_unlock(t2, Z);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_FINDING), ==, NMANY);
    g_assert_cmpuint(fake_report_count() - r0, ==, NMANY);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_worker_stop(t3);
    fake_assert_log_valid();
    assert_graph_consistent();
}

/* host.h rule 3: the report carries what the host prints about threads (tid and
 * name, which the core asks the host for), and its stacks as frames. */
static void test_report_view(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    fake_set_thread_identity(4242, "alpha");
    fake_worker *t1 = fake_worker_start();
    fake_set_thread_identity(4343, "beta");
    fake_worker *t2 = fake_worker_start();
    fake_set_thread_identity(0, NULL);
    fake_lock(t1, A, 0x480010);
    fake_lock(t1, B, 0x480020);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    fake_lock(t2, B, 0x480030);
    fake_lock(t2, A, 0x480040);
    fake_unlock(t2, A);
    fake_unlock(t2, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->n, ==, 2);
    for (uint32_t i = 0; i < f->n; i++) {
        const struct lg_report_item *v = &f->view[i];
        int first = v->thread.serial == fake_worker_serial(t1);
        g_assert_true(v->thread.known);
        g_assert_cmpuint(v->thread.tid, ==, first ? 4242 : 4343);
        g_assert_cmpstr(v->thread.name, ==, first ? "alpha" : "beta");
        /* the acquiring stack as frames (the fake checked them against the core) */
        uintptr_t want[FAKE_FRAMES];
        fake_stack_of(first ? 0x480020 : 0x480040, want);
        g_assert_cmpuint(v->stack.n, ==, FAKE_FRAMES);
        g_assert_true(memcmp(v->stack.pcs, want, sizeof want) == 0);
        g_assert_cmpuint(v->lock.id, !=, 0);
        g_assert_cmpuint(v->lock.addr, ==, (uintptr_t)(v->lock.id == rec(A)->id ? A : B));
    }
    /* the THREAD records carry the same tids */
    GArray *recs = fake_log_records(mark);
    guint seen = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_THREAD)
            seen += r->u.thread.tid == (r->u.thread.serial == fake_worker_serial(t1) ? 4242u : 4343u);
    }
    g_assert_cmpuint(seen, ==, 2);
    g_array_unref(recs);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
    assert_graph_consistent();
}

/* The invariant check can fail: a search mark left on a record is caught. */
static void test_invariants_catch_stale_mark(void)
{
    static uint64_t lk[1];
    fake_worker *t1 = fake_worker_start();
    fake_lock(t1, &lk[0], 0x470010);
    fake_unlock(t1, &lk[0]);
    assert_graph_consistent();
    struct lg_lockrec *l = rec(&lk[0]);
    lg_graph_lock();
    atomic_fetch_or(&l->flags, LG_LR_ONPATH);
    const char *err = lg_graph_check_invariants();
    atomic_fetch_and(&l->flags, (uint16_t)~LG_LR_ONPATH);
    lg_graph_unlock();
    g_assert_nonnull(err);
    assert_graph_consistent();
    fake_worker_stop(t1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* no lock of these tests is on a thread stack */
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/cycles/abba-two-threads", test_abba_two_threads);
    g_test_add_func("/core/cycles/dedupe", test_cycle_dedupe);
    g_test_add_func("/core/cycles/ring3", test_ring3);
    g_test_add_func("/core/cycles/ring5", test_ring5);
    g_test_add_func("/core/cycles/single-thread", test_single_thread_cycle);
    g_test_add_func("/core/cycles/two-cycles-one-edge", test_two_cycles_one_edge);
    g_test_add_func("/core/cycles/many-cycles-one-edge", test_many_cycles_one_edge);
    g_test_add_func("/core/cycles/report-view", test_report_view);
    g_test_add_func("/core/cycles/invariants-catch-stale-mark", test_invariants_catch_stale_mark);
    return g_test_run();
}
