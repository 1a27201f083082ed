/* Detection core: the stack depot (shim/detect/stack_depot.h).  A new chain on a
 * code path already seen takes its context's stack from the depot (no capture,
 * CONTEXT flag LG_CTXF_STACK_FIRST); another path captures its own; a first use
 * keeps the stack it captured anyway; the held entry of an acquisition whose
 * context used the depot keeps its own (here: cut) stack, never the depot's; and a
 * live report says "first seen" for such a stack. */
#include "fake_host.h"
#include "graph.h"
#include "lock_table.h"
#include "stack_cut.h"
#include "stack_depot.h"

static uint64_t id_of(const void *addr)
{
    struct lg_lockrec *l = lg_table_find((uintptr_t)addr);
    g_assert_nonnull(l);
    return l->id;
}

/* Locks used once alone first, so that a chain made later is not their first use
 * (a first use captures a stack of its own for the LOCK record). */
static void touch(fake_worker *w, void **locks, int n)
{
    for (int i = 0; i < n; i++) {
        fake_lock(w, locks[i], 0x7a0000 + 0x10 * (uintptr_t)i);
        g_assert_true(fake_unlock(w, locks[i]));
    }
}

/* The one CONTEXT record since mark on the edge from -> to (by lock id). */
static fake_rec the_context(size_t mark, uint64_t from, uint64_t to)
{
    GArray *recs = fake_log_records(mark);
    GHashTable *edges = g_hash_table_new(NULL, NULL);
    fake_rec found = {0};
    guint n = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_EDGE && r->u.edge.from == from && r->u.edge.to == to)
            g_hash_table_add(edges, GUINT_TO_POINTER(r->u.edge.id));
    }
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_CONTEXT &&
            g_hash_table_contains(edges, GUINT_TO_POINTER(r->u.ctx.edge))) {
            found = *r;
            n++;
        }
    }
    g_assert_cmpuint(n, ==, 1);
    g_hash_table_unref(edges);
    g_array_unref(recs);
    return found;
}

/* O held, then lock at pc: one new chain [O] + lock.  Returns its context. */
static fake_rec nest(fake_worker *w, void *O, uintptr_t opc, void *lock, uintptr_t pc)
{
    size_t mark = fake_log_len();
    fake_lock(w, O, opc);
    fake_lock(w, lock, pc);
    g_assert_true(fake_unlock(w, lock));
    g_assert_true(fake_unlock(w, O));
    return the_context(mark, id_of(O), id_of(lock));
}

/* Two instance chains on one code path: one capture; the second context cites the
 * first one's stack, flagged.  Other paths (another call site of either lock)
 * capture their own. */
static void test_same_path_captures_once(void)
{
    static uint64_t lk[6];
    void *O = &lk[0], *I[5] = {&lk[1], &lk[2], &lk[3], &lk[4], &lk[5]};
    fake_worker *t = fake_worker_start();
    touch(t, I, 5);
    touch(t, &O, 1);

    unsigned c0 = fake_capture_calls();
    fake_rec a = nest(t, O, 0x721010, I[0], 0x721020);
    g_assert_cmpuint(fake_capture_calls(), ==, c0 + 1);
    g_assert_cmpuint(a.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, 0);
    g_assert_true(fake_stack_is_of(a.u.ctx.stack, 0x721020));

    /* the same path, another instance: no capture, the first stack, flagged */
    unsigned c1 = fake_capture_calls();
    fake_rec b = nest(t, O, 0x721010, I[1], 0x721020);
    g_assert_cmpuint(fake_capture_calls(), ==, c1);
    g_assert_cmpuint(b.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, LG_CTXF_STACK_FIRST);
    g_assert_cmpuint(b.u.ctx.stack, ==, a.u.ctx.stack);
    g_assert_cmpuint(lg_depot_hits(), ==, 1);

    /* another acquisition call site: a path of its own */
    unsigned c2 = fake_capture_calls();
    fake_rec c = nest(t, O, 0x721010, I[2], 0x721030);
    g_assert_cmpuint(fake_capture_calls(), ==, c2 + 1);
    g_assert_cmpuint(c.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, 0);
    g_assert_true(fake_stack_is_of(c.u.ctx.stack, 0x721030));

    /* another call site of the held lock: a path of its own too */
    unsigned c3 = fake_capture_calls();
    fake_rec d = nest(t, O, 0x721018, I[3], 0x721020);
    g_assert_cmpuint(fake_capture_calls(), ==, c3 + 1);
    g_assert_cmpuint(d.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, 0);

    /* a trylock at the known site is another path (the flags are part of it) */
    unsigned c4 = fake_capture_calls();
    size_t mark = fake_log_len();
    fake_lock(t, O, 0x721010);
    fake_acquire(t, I[4], LG_KIND_MUTEX, NULL, LG_MODE_EXCL, LG_CTXF_TRY, 0x721020);
    g_assert_true(fake_unlock(t, I[4]));
    g_assert_true(fake_unlock(t, O));
    fake_rec e = the_context(mark, id_of(O), id_of(I[4]));
    g_assert_cmpuint(fake_capture_calls(), ==, c4 + 1);
    g_assert_cmpuint(e.u.ctx.flags, ==, LG_CTXF_TRY);
    g_assert_cmpuint(lg_depot_hits(), ==, 1);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A path is shared across threads, and a first use (which captures for its LOCK
 * record anyway) keeps its own stack and seeds the depot. */
static void test_first_use_and_threads(void)
{
    static uint64_t lk[4];
    void *O = &lk[0], *N = &lk[1], *I = &lk[2], *J = &lk[3];
    fake_worker *t = fake_worker_start();
    touch(t, &O, 1);
    unsigned c0 = fake_capture_calls();
    fake_rec a = nest(t, O, 0x722010, N, 0x722020); /* N's first use */
    g_assert_cmpuint(fake_capture_calls(), ==, c0 + 1);
    g_assert_cmpuint(a.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, 0);
    g_assert_true(fake_stack_is_of(a.u.ctx.stack, 0x722020));

    fake_worker *t2 = fake_worker_start();
    void *IJ[2] = {I, J};
    touch(t2, IJ, 2);
    unsigned c1 = fake_capture_calls();
    fake_rec b = nest(t2, O, 0x722010, I, 0x722020);
    g_assert_cmpuint(fake_capture_calls(), ==, c1);
    g_assert_cmpuint(b.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, LG_CTXF_STACK_FIRST);
    g_assert_cmpuint(b.u.ctx.stack, ==, a.u.ctx.stack);
    g_assert_cmpuint(b.u.ctx.thread, ==, fake_worker_serial(t2));
    fake_worker_stop(t);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

/* The held-stack guarantee: the lock acquired on a depot path is held with its
 * own stack (here, in the fake host with no frames, its call site, cut), never
 * the depot's first-seen stack, when a later chain cites it as the held lock. */
static void test_held_stack_own(void)
{
    static uint64_t lk[5];
    void *O = &lk[0], *I1 = &lk[1], *I2 = &lk[2], *X = &lk[3];
    fake_worker *t = fake_worker_start();
    void *all[4] = {O, I1, I2, X};
    touch(t, all, 4);
    (void)nest(t, O, 0x723010, I1, 0x723020); /* the path's first stack */

    size_t mark = fake_log_len();
    fake_lock(t, O, 0x723010);
    fake_lock(t, I2, 0x723020); /* depot path */
    fake_lock(t, X, 0x723030);  /* new chain [O, I2] + X: I2 is a held lock */
    g_assert_true(fake_unlock(t, X));
    g_assert_true(fake_unlock(t, I2));
    g_assert_true(fake_unlock(t, O));
    fake_rec oi = the_context(mark, id_of(O), id_of(I2));
    g_assert_cmpuint(oi.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, LG_CTXF_STACK_FIRST);
    fake_rec ix = the_context(mark, id_of(I2), id_of(X));
    g_assert_cmpuint(ix.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, 0);
    g_assert_cmpuint(ix.u.ctx.held_stack, !=, oi.u.ctx.stack);
    uintptr_t site = 0x723020;
    g_assert_true(fake_stack_is(ix.u.ctx.held_stack, &site, 1));
    g_assert_true(lg_stack_is_cut(ix.u.ctx.held_stack));
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A live inversion whose edge context came from the depot says so in its view. */
static void test_report_says_first_seen(void)
{
    static uint64_t lk[3];
    void *O = &lk[0], *I1 = &lk[1], *I2 = &lk[2];
    fake_worker *t1 = fake_worker_start();
    fake_worker *t2 = fake_worker_start();
    void *all[3] = {O, I1, I2};
    touch(t1, all, 3);
    (void)nest(t1, O, 0x724010, I1, 0x724020);
    fake_rec b = nest(t1, O, 0x724010, I2, 0x724020);
    g_assert_cmpuint(b.u.ctx.flags & LG_CTXF_STACK_FIRST, ==, LG_CTXF_STACK_FIRST);
    guint r0 = fake_report_count();
    fake_lock(t2, I2, 0x724030);
    fake_lock(t2, O, 0x724040); /* I2 -> O closes O -> I2 -> O */
    g_assert_true(fake_unlock(t2, O));
    g_assert_true(fake_unlock(t2, I2));
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->n, ==, 2);
    int firsts = 0;
    for (uint32_t i = 0; i < f->n; i++) {
        /* the O -> I2 item cites the depot stack; the I2 -> O one its own */
        int depot = f->items[i].lock == lg_table_find((uintptr_t)O);
        g_assert_cmpint(f->view[i].stack.first_seen, ==, depot);
        firsts += depot;
    }
    g_assert_cmpint(firsts, ==, 1);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/depot/same-path-captures-once", test_same_path_captures_once);
    g_test_add_func("/core/depot/first-use-and-threads", test_first_use_and_threads);
    g_test_add_func("/core/depot/held-stack-own", test_held_stack_own);
    g_test_add_func("/core/depot/report-says-first-seen", test_report_says_first_seen);
    return g_test_run();
}
