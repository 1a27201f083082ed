/* Detection core: held stacks, chains and contexts.  The steady state (a chain this
 * thread already validated) does no work; a known edge from a new held set adds a
 * context only; the held stack has no cap and survives out-of-order releases;
 * recursive re-locks add nothing. */
#include "fake_host.h"
#include "graph.h"
#include "lock_table.h"
#include "stack_cut.h"

static uint64_t id_of(const void *addr)
{
    struct lg_lockrec *l = lg_table_find((uintptr_t)addr);
    g_assert_nonnull(l);
    return l->id;
}

static void lock_all(fake_worker *w, void **locks, int n, uintptr_t pc)
{
    for (int i = 0; i < n; i++)
        fake_lock(w, locks[i], pc + 0x10 * (uintptr_t)i);
}

static void unlock_all(fake_worker *w, void **locks, int n)
{
    for (int i = n; i-- > 0;)
        g_assert_true(fake_unlock(w, locks[i]));
}

/* The same chain again in the same thread: no record, no backtrace. */
static void test_same_chain_no_work(void)
{
    static uint64_t lk[4];
    void *L[4] = {&lk[0], &lk[1], &lk[2], &lk[3]};
    fake_worker *t = fake_worker_start();
    size_t mark = fake_log_len();
    lock_all(t, L, 4, 0x701000);
    unlock_all(t, L, 4);
    /* the first time: 6 edges, 3 chains, 6 contexts */
    g_assert_cmpuint(fake_log_count(mark, LG_REC_EDGE), ==, 6);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_CHAIN), ==, 3);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_CONTEXT), ==, 6);
    uint32_t edges = lg_graph_edge_count();
    for (int round = 0; round < 3; round++) {
        size_t m2 = fake_log_len();
        unsigned bt = fake_backtrace_calls();
        lock_all(t, L, 4, 0x702000 + 0x100 * (uintptr_t)round); /* other call sites, same chain */
        unlock_all(t, L, 4);
        g_assert_cmpuint(fake_log_len(), ==, m2);
        g_assert_cmpuint(fake_backtrace_calls(), ==, bt);
        g_assert_cmpuint(lg_graph_edge_count(), ==, edges);
    }
    /* a prefix of a validated chain is validated too */
    size_t m3 = fake_log_len();
    lock_all(t, L, 2, 0x703000);
    unlock_all(t, L, 2);
    g_assert_cmpuint(fake_log_len(), ==, m3);
    /* another thread has not validated it: new contexts (same chains, same edges) */
    fake_worker *t2 = fake_worker_start();
    size_t m4 = fake_log_len();
    lock_all(t2, L, 4, 0x704000);
    unlock_all(t2, L, 4);
    g_assert_cmpuint(fake_log_count(m4, LG_REC_EDGE), ==, 0);
    g_assert_cmpuint(fake_log_count(m4, LG_REC_CHAIN), ==, 0);
    g_assert_cmpuint(fake_log_count(m4, LG_REC_CONTEXT), ==, 6);
    fake_worker_stop(t);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

/* A chain two threads validated is not validated by a third (validated.h): no
 * graph work, no stack captured, no record; a fourth lock order that only the third
 * thread takes is still recorded as usual. */
static void test_validation_shared(void)
{
    static uint64_t lk[4];
    void *L[3] = {&lk[0], &lk[1], &lk[2]};
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start(), *t3 = fake_worker_start();
    lock_all(t1, L, 3, 0x705000);
    unlock_all(t1, L, 3);
    size_t m2 = fake_log_len();
    lock_all(t2, L, 3, 0x706000);
    unlock_all(t2, L, 3);
    g_assert_cmpuint(fake_log_count(m2, LG_REC_CONTEXT), ==, 3); /* the second thread */
    size_t m3 = fake_log_len();
    unsigned bt = fake_backtrace_calls();
    lock_all(t3, L, 3, 0x707000);
    unlock_all(t3, L, 3);
    g_assert_cmpuint(fake_log_len(), ==, m3);
    g_assert_cmpuint(fake_backtrace_calls(), ==, bt);
    /* the third thread's own new chain [0, 1] + 3 is validated by it */
    void *M[3] = {&lk[0], &lk[1], &lk[3]};
    lock_all(t3, M, 3, 0x708000);
    unlock_all(t3, M, 3);
    g_assert_cmpuint(fake_log_count(m3, LG_REC_CONTEXT), ==, 2);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_worker_stop(t3);
    fake_assert_log_valid();
}

/* A known edge seen from a new held set: a CHAIN and a CONTEXT, no EDGE. */
static void test_known_edge_new_chain(void)
{
    static uint64_t lk[3];
    void *A = &lk[0], *B = &lk[1], *C = &lk[2];
    fake_worker *t = fake_worker_start();
    /* edges A->B, C->A, C->B */
    fake_lock(t, A, 0x711010);
    fake_lock(t, B, 0x711020);
    fake_unlock(t, B);
    fake_unlock(t, A);
    fake_lock(t, C, 0x711030);
    fake_lock(t, A, 0x711040);
    fake_unlock(t, A);
    fake_lock(t, B, 0x711050);
    fake_unlock(t, B);
    fake_unlock(t, C);
    GArray *before = fake_log_records(0);
    uint32_t ab_edge = 0, cb_edge = 0;
    for (guint i = 0; i < before->len; i++) {
        const fake_rec *r = &g_array_index(before, fake_rec, i);
        if (r->type == LG_REC_EDGE && r->u.edge.from == id_of(A) && r->u.edge.to == id_of(B))
            ab_edge = r->u.edge.id;
        if (r->type == LG_REC_EDGE && r->u.edge.from == id_of(C) && r->u.edge.to == id_of(B))
            cb_edge = r->u.edge.id;
    }
    g_array_unref(before);
    g_assert_cmpuint(ab_edge, !=, 0);
    g_assert_cmpuint(cb_edge, !=, 0);

    size_t mark = fake_log_len();
    uint32_t edges = lg_graph_edge_count();
    fake_lock(t, C, 0x712010);
    fake_lock(t, A, 0x712020); /* chain [C] + A: validated above */
    fake_lock(t, B, 0x712030); /* chain [C, A] + B: new */
    fake_unlock(t, B);
    fake_unlock(t, A);
    fake_unlock(t, C);
    g_assert_cmpuint(lg_graph_edge_count(), ==, edges);
    GArray *recs = fake_log_records(mark);
    guint nchain = 0, nctx = 0;
    uint32_t chain = 0;
    int saw_ab = 0, saw_cb = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        switch (r->type) {
        case LG_REC_CHAIN:
            nchain++;
            chain = r->u.chain.id;
            g_assert_cmpuint(r->u.chain.n, ==, 2);
            g_assert_cmpuint(r->u.chain.locks[0], ==, id_of(C));
            g_assert_cmpuint(r->u.chain.locks[1], ==, id_of(A));
            g_assert_cmpuint(r->u.chain.modes[0], ==, LG_MODE_EXCL);
            g_assert_cmpuint(r->u.chain.modes[1], ==, LG_MODE_EXCL);
            break;
        case LG_REC_CONTEXT:
            nctx++;
            g_assert_cmpuint(r->u.ctx.chain, ==, chain);
            g_assert_cmpuint(r->u.ctx.thread, ==, fake_worker_serial(t));
            g_assert_true(fake_stack_is_of(r->u.ctx.stack, 0x712030));
            saw_ab += r->u.ctx.edge == ab_edge;
            saw_cb += r->u.ctx.edge == cb_edge;
            break;
        case LG_REC_STACK:
        case LG_REC_STACK_CUT: /* the fake host has no frames: held stacks are cut */
            break;
        default:
            g_assert_cmpuint(r->type, ==, 0); /* nothing else: no EDGE */
        }
    }
    g_assert_cmpuint(nchain, ==, 1);
    g_assert_cmpuint(nctx, ==, 2);
    g_assert_cmpint(saw_ab, ==, 1);
    g_assert_cmpint(saw_cb, ==, 1);
    g_array_unref(recs);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* EDGE records since mark into `to` (by lock id): their sources, in a set. */
static GHashTable *edge_sources(size_t mark, uint64_t to, guint *n)
{
    GHashTable *from = g_hash_table_new(NULL, NULL);
    GArray *recs = fake_log_records(mark);
    *n = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_EDGE) {
            g_assert_cmpuint(r->u.edge.to, ==, to);
            g_assert_true(g_hash_table_add(from, (gpointer)(guintptr)r->u.edge.from));
            (*n)++;
        }
    }
    g_array_unref(recs);
    return from;
}

/* The CHAIN record since mark (exactly one). */
static void the_chain(size_t mark, uint64_t *locks, uint32_t cap, uint32_t *n)
{
    GArray *recs = fake_log_records(mark);
    guint nchain = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type != LG_REC_CHAIN)
            continue;
        nchain++;
        g_assert_cmpuint(r->u.chain.n, <=, cap);
        *n = r->u.chain.n;
        for (uint32_t k = 0; k < r->u.chain.n; k++)
            locks[k] = r->u.chain.locks[k];
    }
    g_assert_cmpuint(nchain, ==, 1);
    g_array_unref(recs);
}

struct held_probe {
    uint32_t nheld;
};

static void probe_held(struct lg_thread *t, void *p)
{
    ((struct held_probe *)p)->nheld = t->nheld;
}

static uint32_t nheld(fake_worker *w)
{
    struct held_probe p;
    fake_worker_run(w, probe_held, &p);
    return p.nheld;
}

/* Release out of LIFO order: the next edges come from the locks still held. */
static void test_release_out_of_order(void)
{
    static uint64_t lk[6];
    void *L[5] = {&lk[0], &lk[1], &lk[2], &lk[3], &lk[4]};
    void *X = &lk[5];
    fake_worker *t = fake_worker_start();
    lock_all(t, L, 5, 0x721000);
    g_assert_true(fake_unlock(t, L[2]));
    g_assert_cmpuint(nheld(t), ==, 4);
    size_t mark = fake_log_len();
    fake_lock(t, X, 0x722000);
    guint n;
    GHashTable *from = edge_sources(mark, id_of(X), &n);
    g_assert_cmpuint(n, ==, 4);
    for (int i = 0; i < 5; i++)
        g_assert_cmpint(g_hash_table_contains(from, (gpointer)(guintptr)id_of(L[i])), ==, i != 2);
    g_hash_table_unref(from);
    uint64_t chain[8];
    uint32_t cn;
    the_chain(mark, chain, 8, &cn);
    g_assert_cmpuint(cn, ==, 4);
    g_assert_cmpuint(chain[0], ==, id_of(L[0]));
    g_assert_cmpuint(chain[1], ==, id_of(L[1]));
    g_assert_cmpuint(chain[2], ==, id_of(L[3]));
    g_assert_cmpuint(chain[3], ==, id_of(L[4]));
    /* release the bottom one too, then the rest in any order */
    g_assert_true(fake_unlock(t, L[0]));
    g_assert_true(fake_unlock(t, X));
    g_assert_true(fake_unlock(t, L[3]));
    g_assert_cmpuint(nheld(t), ==, 2);
    /* a lock not held is not released */
    g_assert_false(fake_unlock(t, L[2]));
    size_t m2 = fake_log_len();
    fake_lock(t, L[2], 0x723000);
    GHashTable *from2 = edge_sources(m2, id_of(L[2]), &n);
    /* L1 -> L2 exists already; L4 -> L2 is new */
    g_assert_cmpuint(n, ==, 1);
    g_assert_true(g_hash_table_contains(from2, (gpointer)(guintptr)id_of(L[4])));
    g_hash_table_unref(from2);
    g_assert_true(fake_unlock(t, L[2]));
    g_assert_true(fake_unlock(t, L[1]));
    g_assert_true(fake_unlock(t, L[4]));
    g_assert_cmpuint(nheld(t), ==, 0);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* 1000 locks held at once (no cap); release the middle one, take one more: 999
 * edges, none from the released lock. */
#define NBIG 1000
static void test_thousand_held(void)
{
    static uint64_t lk[NBIG + 1];
    static void *L[NBIG];
    for (int i = 0; i < NBIG; i++)
        L[i] = &lk[i];
    void *Y = &lk[NBIG];
    fake_worker *t = fake_worker_start();
    size_t mark = fake_log_len();
    lock_all(t, L, NBIG, 0x730000);
    g_assert_cmpuint(nheld(t), ==, NBIG);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_EDGE), ==, NBIG * (NBIG - 1) / 2);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_CHAIN), ==, NBIG - 1);

    const int mid = NBIG / 2;
    g_assert_true(fake_unlock(t, L[mid]));
    g_assert_cmpuint(nheld(t), ==, NBIG - 1);
    size_t m2 = fake_log_len();
    fake_lock(t, Y, 0x740000);
    guint n;
    GHashTable *from = edge_sources(m2, id_of(Y), &n);
    g_assert_cmpuint(n, ==, NBIG - 1);
    for (int i = 0; i < NBIG; i++)
        g_assert_cmpint(g_hash_table_contains(from, (gpointer)(guintptr)id_of(L[i])), ==, i != mid);
    g_hash_table_unref(from);
    static uint64_t chain[NBIG];
    uint32_t cn;
    the_chain(m2, chain, NBIG, &cn);
    g_assert_cmpuint(cn, ==, NBIG - 1);
    for (int i = 0, k = 0; i < NBIG; i++)
        if (i != mid)
            g_assert_cmpuint(chain[k++], ==, id_of(L[i]));
    g_assert_true(fake_unlock(t, Y));
    unlock_all(t, L, mid);
    for (int i = NBIG; i-- > mid + 1;)
        g_assert_true(fake_unlock(t, L[i]));
    g_assert_cmpuint(nheld(t), ==, 0);
    /* every chain of the 1000 is validated now (the thread's chain set grew past
     * its first size): taking them again does no work */
    size_t m3 = fake_log_len();
    unsigned bt = fake_backtrace_calls();
    lock_all(t, L, NBIG, 0x750000);
    g_assert_cmpuint(nheld(t), ==, NBIG);
    g_assert_cmpuint(fake_log_len(), ==, m3);
    g_assert_cmpuint(fake_backtrace_calls(), ==, bt);
    unlock_all(t, L, NBIG);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A recursive re-lock (same lock, owned by this thread, EXCL) adds no edge. */
static void test_recursive_relock(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    fake_worker *t = fake_worker_start();
    fake_lock(t, A, 0x751010);
    fake_lock(t, B, 0x751020);
    size_t mark = fake_log_len();
    uint32_t edges = lg_graph_edge_count();
    guint r0 = fake_report_count();
    fake_acquire(t, A, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, 0x751030);
    g_assert_cmpuint(nheld(t), ==, 2);
    g_assert_cmpuint(fake_log_len(), ==, mark);
    g_assert_cmpuint(lg_graph_edge_count(), ==, edges);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    /* one release undoes the re-lock only */
    g_assert_true(fake_unlock(t, A));
    g_assert_cmpuint(nheld(t), ==, 2);
    g_assert_true(fake_unlock(t, B));
    g_assert_true(fake_unlock(t, A));
    g_assert_cmpuint(nheld(t), ==, 0);
    g_assert_false(fake_unlock(t, A));
    g_assert_cmpuint(fake_log_len(), ==, mark);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A nested read lock of a rwlock this thread reads already adds nothing either. */
static void test_nested_read(void)
{
    static uint64_t lk[2];
    void *R = &lk[0], *M = &lk[1];
    fake_worker *t = fake_worker_start();
    fake_acquire(t, R, LG_KIND_RWLOCK, NULL, LG_MODE_READ, 0, 0x761010);
    fake_lock(t, M, 0x761020);
    size_t mark = fake_log_len();
    uint32_t edges = lg_graph_edge_count();
    fake_acquire(t, R, LG_KIND_RWLOCK, NULL, LG_MODE_READ, 0, 0x761030);
    g_assert_cmpuint(nheld(t), ==, 2);
    g_assert_cmpuint(fake_log_len(), ==, mark);
    g_assert_cmpuint(lg_graph_edge_count(), ==, edges);
    g_assert_true(fake_unlock(t, R));
    g_assert_cmpuint(nheld(t), ==, 2);
    g_assert_true(fake_unlock(t, M));
    g_assert_true(fake_unlock(t, R));
    g_assert_cmpuint(nheld(t), ==, 0);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A lock another thread unlocked (glibc allows it for normal mutexes: the hook
 * clears the owner) is no longer held: it makes no edge. */
static void clear_owner(struct lg_thread *t, void *p)
{
    (void)t;
    atomic_store(&lg_table_find((uintptr_t)p)->owner, NULL);
}

static void test_phantom_dropped(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, A, 0x771010);
    g_assert_true(atomic_load(&lg_table_find((uintptr_t)A)->owner) == fake_worker_thread(t1));
    fake_worker_run(t2, clear_owner, A); /* thread 2 unlocked it */
    size_t mark = fake_log_len();
    fake_lock(t1, B, 0x771020);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_EDGE), ==, 0);
    g_assert_cmpuint(nheld(t1), ==, 1);
    g_assert_true(fake_unlock(t1, B));
    g_assert_false(fake_unlock(t1, A));
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

/* An edge stores at most LG_MAX_CTX contexts (graph.h); more are counted only. */
#define NCTX (LG_MAX_CTX + 6)
static void test_context_bound(void)
{
    static uint64_t lk[NCTX + 2];
    void *A = &lk[NCTX], *B = &lk[NCTX + 1];
    fake_worker *t = fake_worker_start();
    size_t mark = fake_log_len();
    for (int i = 0; i < NCTX; i++) {
        fake_lock(t, &lk[i], 0x780000 + 0x10 * (uintptr_t)(i % 16));
        fake_lock(t, A, 0x781000);
        fake_lock(t, B, 0x782000); /* A -> B from chain [Ci, A]: a new context */
        fake_unlock(t, B);
        fake_unlock(t, A);
        fake_unlock(t, &lk[i]);
    }
    GArray *recs = fake_log_records(mark);
    uint32_t ab = 0;
    guint nab = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_EDGE && r->u.edge.from == id_of(A) && r->u.edge.to == id_of(B))
            ab = r->u.edge.id;
        if (r->type == LG_REC_CONTEXT && ab && r->u.ctx.edge == ab)
            nab++;
    }
    g_array_unref(recs);
    g_assert_cmpuint(ab, !=, 0);
    g_assert_cmpuint(nab, ==, LG_MAX_CTX);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* No room on the stack to unwind (a thread made with PTHREAD_STACK_MIN): nothing
 * is unwound, and every stack recorded is the acquisition's call site alone,
 * marked cut, for the new lock, the new chain and the held lock alike. */
static void test_no_room_to_unwind(void)
{
    static uint64_t lk[2];
    fake_set_unwind_room(0);
    fake_worker *t = fake_worker_start();
    size_t mark = fake_log_len();
    unsigned bt = fake_backtrace_calls();
    fake_lock(t, &lk[0], 0x715000);
    fake_lock(t, &lk[1], 0x715010);
    fake_unlock(t, &lk[1]);
    fake_unlock(t, &lk[0]);
    g_assert_cmpuint(fake_backtrace_calls(), ==, bt);
    GArray *recs = fake_log_records(mark);
    guint nctx = 0, nlock = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_CONTEXT) {
            nctx++;
            const uintptr_t to = 0x715010, held = 0x715000;
            g_assert_true(fake_stack_is(r->u.ctx.stack, &to, 1));
            g_assert_true(lg_stack_is_cut(r->u.ctx.stack));
            g_assert_true(fake_stack_is(r->u.ctx.held_stack, &held, 1));
            g_assert_true(lg_stack_is_cut(r->u.ctx.held_stack));
        }
        nlock += r->type == LG_REC_LOCK;
    }
    g_assert_cmpuint(nctx, ==, 1);
    g_assert_cmpuint(nlock, ==, 2);
    g_array_free(recs, TRUE);
    /* with room again, the next new chain is unwound as usual */
    fake_set_unwind_room(1);
    static uint64_t lk2;
    fake_lock(t, &lk[0], 0x716000);
    fake_lock(t, &lk2, 0x716010);
    fake_unlock(t, &lk2);
    fake_unlock(t, &lk[0]);
    g_assert_cmpuint(fake_backtrace_calls(), >, bt);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/chains/same-chain-no-work", test_same_chain_no_work);
    g_test_add_func("/core/chains/known-edge-new-chain", test_known_edge_new_chain);
    g_test_add_func("/core/chains/validation-shared", test_validation_shared);
    g_test_add_func("/core/chains/release-out-of-order", test_release_out_of_order);
    g_test_add_func("/core/chains/thousand-held", test_thousand_held);
    g_test_add_func("/core/chains/recursive-relock", test_recursive_relock);
    g_test_add_func("/core/chains/nested-read", test_nested_read);
    g_test_add_func("/core/chains/phantom-dropped", test_phantom_dropped);
    g_test_add_func("/core/chains/context-bound", test_context_bound);
    g_test_add_func("/core/chains/no-room-to-unwind", test_no_room_to_unwind);
    return g_test_run();
}
