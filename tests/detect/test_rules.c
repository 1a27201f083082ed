/* Detection core: the cycle rules (cycle_rules.h), called directly, and the same
 * rules as the detector applies them (gate lock, trylock, timed, rwlock reader
 * preference) through lg_acquired with a fake platform. */
#include "cycle_rules.h"
#include "fake_host.h"
#include "lock_table.h"

#include <string.h>

/* ---- lg_rules_evaluate directly ------------------------------------------------- */

enum { LA = 11, LB = 12, LC = 13, LG = 14, LR = 15, LM = 16 };

#define EXCL LG_MODE_EXCL
#define READ LG_MODE_READ
#define WRITE LG_MODE_WRITE

static lg_rule_lock mutex(uint64_t id) { return (lg_rule_lock){id, LG_KIND_MUTEX, LG_SUB_NORMAL}; }

static lg_rule_ctx ctx(uint32_t thread, uint8_t from, uint8_t to, uint16_t flags,
                       const lg_held_lock *held, uint32_t nheld)
{
    return (lg_rule_ctx){thread, from, to, flags, held, nheld};
}

static void eval(const lg_rule_lock *locks, const lg_rule_edge *edges, uint32_t n,
                 uint32_t *chosen, uint64_t budget, lg_rule_result *res)
{
    size_t sz = lg_rules_scratch_size(n);
    uint32_t *scratch = g_malloc0(sz);
    /* chosen: poison, so a test sees whether it was written */
    if (chosen)
        for (uint32_t i = 0; i < n; i++)
            chosen[i] = 0xdead;
    lg_rules_evaluate(locks, edges, n, scratch, chosen, budget, res);
    g_free(scratch);
}

static const lg_held_lock hA[] = {{LA, EXCL}}, hB[] = {{LB, EXCL}}, hC[] = {{LC, EXCL}};
static const lg_held_lock hGA[] = {{LG, EXCL}, {LA, EXCL}}, hGB[] = {{LG, EXCL}, {LB, EXCL}};

static void test_rules_deadlock_distinct(void)
{
    lg_rule_lock locks[] = {mutex(LA), mutex(LB)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, EXCL, 0, hA, 1)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, EXCL, 0, hB, 1)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 1}};
    uint32_t chosen[2];
    lg_rule_result res;
    eval(locks, edges, 2, chosen, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, 0);
    g_assert_cmpuint(chosen[0], ==, 0);
    g_assert_cmpuint(chosen[1], ==, 0);
}

static void test_rules_deadlock_single_thread(void)
{
    lg_rule_lock locks[] = {mutex(LA), mutex(LB), mutex(LC)};
    lg_rule_ctx c0[] = {ctx(7, EXCL, EXCL, 0, hA, 1)};
    lg_rule_ctx c1[] = {ctx(8, EXCL, EXCL, 0, hB, 1)};
    lg_rule_ctx c2[] = {ctx(7, EXCL, EXCL, 0, hC, 1)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 1}, {c2, 1}};
    lg_rule_result res;
    eval(locks, edges, 3, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, LG_FINDF_SINGLE_THREAD);

    /* a second context of edge 2 by another thread: distinct threads preferred */
    lg_rule_ctx c2b[] = {ctx(7, EXCL, EXCL, 0, hC, 1), ctx(9, EXCL, EXCL, 0, hC, 1)};
    lg_rule_edge edges2[] = {{c0, 1}, {c1, 1}, {c2b, 2}};
    uint32_t chosen[3];
    eval(locks, edges2, 3, chosen, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, 0);
    g_assert_cmpuint(chosen[2], ==, 1);
}

static void test_rules_trylock(void)
{
    lg_rule_lock locks[] = {mutex(LA), mutex(LB)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, EXCL, 0, hA, 1)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, EXCL, LG_CTXF_TRY, hB, 1),
                        ctx(3, EXCL, EXCL, LG_CTXF_TRY | LG_CTXF_TIMED, hB, 1)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 2}};
    lg_rule_result res;
    eval(locks, edges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_TRYLOCK);

    /* one blocking context on that edge is enough, and it is the one chosen */
    lg_rule_ctx c1b[] = {ctx(2, EXCL, EXCL, LG_CTXF_TRY, hB, 1), ctx(3, EXCL, EXCL, 0, hB, 1)};
    lg_rule_edge edges2[] = {{c0, 1}, {c1b, 2}};
    uint32_t chosen[2];
    eval(locks, edges2, 2, chosen, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, 0);
    g_assert_cmpuint(chosen[0], ==, 0);
    g_assert_cmpuint(chosen[1], ==, 1);
}

static void test_rules_gated(void)
{
    lg_rule_lock locks[] = {mutex(LA), mutex(LB)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, EXCL, 0, hGA, 2)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, EXCL, 0, hGB, 2)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 1}};
    lg_rule_result res;
    eval(locks, edges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_GATED);
    g_assert_cmpuint(res.gate, ==, LG);

    /* a gate held for reading by both sides does not keep them apart */
    static const lg_held_lock rGA[] = {{LG, READ}, {LA, EXCL}}, rGB[] = {{LG, READ}, {LB, EXCL}};
    lg_rule_ctx d0[] = {ctx(1, EXCL, EXCL, 0, rGA, 2)};
    lg_rule_ctx d1[] = {ctx(2, EXCL, EXCL, 0, rGB, 2)};
    lg_rule_edge edges2[] = {{d0, 1}, {d1, 1}};
    eval(locks, edges2, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);

    /* ... but read on one side and write on the other does */
    static const lg_held_lock wGB[] = {{LG, WRITE}, {LB, EXCL}};
    lg_rule_ctx e1[] = {ctx(2, EXCL, EXCL, 0, wGB, 2)};
    lg_rule_edge edges3[] = {{d0, 1}, {e1, 1}};
    eval(locks, edges3, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_GATED);
    g_assert_cmpuint(res.gate, ==, LG);
}

/* One edge with two contexts, only the second of which avoids the gate. */
static void test_rules_gate_avoided_by_one_context(void)
{
    lg_rule_lock locks[] = {mutex(LA), mutex(LB)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, EXCL, 0, hGA, 2), ctx(3, EXCL, EXCL, 0, hA, 1)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, EXCL, 0, hGB, 2)};
    lg_rule_edge edges[] = {{c0, 2}, {c1, 1}};
    uint32_t chosen[2];
    lg_rule_result res;
    eval(locks, edges, 2, chosen, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, 0);
    g_assert_cmpuint(chosen[0], ==, 1);
    g_assert_cmpuint(chosen[1], ==, 0);

    /* the same with the gate-free context on the other edge, listed second */
    lg_rule_ctx d0[] = {ctx(1, EXCL, EXCL, 0, hGA, 2)};
    lg_rule_ctx d1[] = {ctx(2, EXCL, EXCL, 0, hGB, 2), ctx(4, EXCL, EXCL, 0, hB, 1)};
    lg_rule_edge edges2[] = {{d0, 1}, {d1, 2}};
    eval(locks, edges2, 2, chosen, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(chosen[0], ==, 0);
    g_assert_cmpuint(chosen[1], ==, 1);
}

static void test_rules_reader_pref(void)
{
    /* R -> M by a reader of R, M -> R by a thread asking R for reading */
    static const lg_held_lock hR[] = {{LR, READ}}, hM[] = {{LM, EXCL}};
    lg_rule_lock locks[] = {{LR, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER}, mutex(LM)};
    lg_rule_ctx c0[] = {ctx(1, READ, EXCL, 0, hR, 1)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, READ, 0, hM, 1)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 1}};
    lg_rule_result res;
    eval(locks, edges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_READER_PREF);
    g_assert_cmpuint(res.rw_lock, ==, 0);

    /* the same cycle rotated: R is lock 1 */
    lg_rule_lock rlocks[] = {mutex(LM), {LR, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER}};
    lg_rule_edge redges[] = {{c1, 1}, {c0, 1}};
    eval(rlocks, redges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_READER_PREF);
    g_assert_cmpuint(res.rw_lock, ==, 1);

    /* writer-preferring: the reader waits behind a waiting writer: deadlock */
    locks[0].subkind = LG_SUB_RW_PREFER_WRITER;
    eval(locks, edges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);

    /* reader-preferring but the waiter wants to write: deadlock */
    locks[0].subkind = LG_SUB_RW_PREFER_READER;
    lg_rule_ctx w1[] = {ctx(2, EXCL, WRITE, 0, hM, 1)};
    lg_rule_edge wedges[] = {{c0, 1}, {w1, 1}};
    eval(locks, wedges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
}

static void test_rules_timed(void)
{
    lg_rule_lock locks[] = {mutex(LA), mutex(LB)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, EXCL, 0, hA, 1)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, EXCL, LG_CTXF_TIMED, hB, 1)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 1}};
    lg_rule_result res;
    eval(locks, edges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, LG_FINDF_TIMED);

    /* an untimed context by distinct threads is preferred */
    lg_rule_ctx c1b[] = {ctx(2, EXCL, EXCL, LG_CTXF_TIMED, hB, 1), ctx(3, EXCL, EXCL, 0, hB, 1)};
    lg_rule_edge edges2[] = {{c0, 1}, {c1b, 2}};
    uint32_t chosen[2];
    eval(locks, edges2, 2, chosen, 0, &res);
    g_assert_cmpuint(res.flags, ==, 0);
    g_assert_cmpuint(chosen[1], ==, 1);

    /* distinct threads come before untimed: the untimed one is by the same thread */
    lg_rule_ctx c1c[] = {ctx(1, EXCL, EXCL, 0, hB, 1), ctx(3, EXCL, EXCL, LG_CTXF_TIMED, hB, 1)};
    lg_rule_edge edges3[] = {{c0, 1}, {c1c, 2}};
    eval(locks, edges3, 2, chosen, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags, ==, LG_FINDF_TIMED);
    g_assert_cmpuint(chosen[1], ==, 1);
}

static void test_rules_budget(void)
{
    /* infeasible (gated) with enough budget ... */
    lg_rule_lock locks[] = {mutex(LA), mutex(LB)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, EXCL, 0, hGA, 2)};
    lg_rule_ctx c1[] = {ctx(2, EXCL, EXCL, 0, hGB, 2)};
    lg_rule_edge edges[] = {{c0, 1}, {c1, 1}};
    lg_rule_result res;
    eval(locks, edges, 2, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_GATED);
    /* ... but with a budget of one step the search gives up: reported, flagged */
    uint32_t chosen[2];
    eval(locks, edges, 2, chosen, 1, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_DEADLOCK);
    g_assert_cmpuint(res.flags & LG_FINDF_BUDGET, !=, 0);
    g_assert_cmpuint(chosen[0], <, 1);
    g_assert_cmpuint(chosen[1], <, 1);
}

/* The budget runs out only in the second search, the one that tells why a cycle
 * that cannot deadlock cannot (is it the reader rule?).  The cycle is gated: with
 * or without the reader rule no choice is feasible.  Saying "reader preference"
 * because the budget ran out is wrong: the verdict is GATED (as with the default
 * budget), or, if the search is cut short, a conservative DEADLOCK flagged BUDGET. */
static void test_rules_budget_in_diagnosis(void)
{
    /* M0 -> R (reader wants R) -> M2 (R held for reading) -> M0 */
    static const lg_held_lock h0[] = {{LA, EXCL}};
    static const lg_held_lock h1[] = {{LG, EXCL}, {LR, READ}};
    static const lg_held_lock h2[] = {{LG, EXCL}, {LC, EXCL}};
    lg_rule_lock locks[] = {mutex(LA), {LR, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER}, mutex(LC)};
    lg_rule_ctx c0[] = {ctx(1, EXCL, READ, 0, h0, 1)};
    lg_rule_ctx c1[10], c2[1] = {ctx(3, EXCL, EXCL, 0, h2, 2)};
    for (uint32_t k = 0; k < 10; k++)
        c1[k] = ctx(10 + k, READ, EXCL, 0, h1, 2);
    lg_rule_edge edges[] = {{c0, 1}, {c1, 10}, {c2, 1}};
    lg_rule_result res;
    eval(locks, edges, 3, NULL, 0, &res);
    g_assert_cmpint(res.verdict, ==, LG_VERDICT_GATED);
    g_assert_cmpuint(res.gate, ==, LG);
    for (uint64_t budget = 1; budget <= 40; budget++) {
        eval(locks, edges, 3, NULL, budget, &res);
        if (res.verdict == LG_VERDICT_DEADLOCK)
            g_assert_cmpuint(res.flags & LG_FINDF_BUDGET, !=, 0);
        else
            g_assert_cmpint(res.verdict, ==, LG_VERDICT_GATED);
    }
}

/* ---- the rules through the detector --------------------------------------------- */

static struct lg_lockrec *rec(const void *addr)
{
    struct lg_lockrec *l = lg_table_find((uintptr_t)addr);
    g_assert_nonnull(l);
    return l;
}

/* A -> B and B -> A, both while holding G: gated, no finding.  Without G, the
 * same reverse order is reported. */
static void test_detector_gate(void)
{
    static uint64_t lk[3];
    void *A = &lk[0], *B = &lk[1], *G = &lk[2];
    guint r0 = fake_report_count();
    size_t mark = fake_log_len();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start(), *t3 = fake_worker_start();
    fake_lock(t1, G, 0x501000);
    fake_lock(t1, A, 0x501010);
    fake_lock(t1, B, 0x501020);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    fake_unlock(t1, G);
    fake_lock(t2, G, 0x502000);
    fake_lock(t2, B, 0x502010);
    fake_lock(t2, A, 0x502020);
    fake_unlock(t2, A);
    fake_unlock(t2, B);
    fake_unlock(t2, G);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_FINDING), ==, 0);
    /* control: B -> A outside G can meet thread 1's A -> B */
    fake_lock(t3, B, 0x503010);
    fake_lock(t3, A, 0x503020);
    fake_unlock(t3, A);
    fake_unlock(t3, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->n, ==, 2);
    for (uint32_t i = 0; i < 2; i++) {
        const struct lg_finding_item *it = &f->items[i];
        if (it->lock == rec(A))
            g_assert_cmpuint(it->thread, ==, fake_worker_serial(t1));
        else
            g_assert_cmpuint(it->thread, ==, fake_worker_serial(t3));
    }
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_worker_stop(t3);
    fake_assert_log_valid();
}

/* A trylock that closes the cycle cannot wait: no finding; its context is in the
 * log with the TRY flag.  A blocking B -> A afterwards is reported. */
static void test_detector_trylock(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start(), *t3 = fake_worker_start();
    fake_lock(t1, A, 0x511010);
    fake_lock(t1, B, 0x511020);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    size_t mark = fake_log_len();
    fake_lock(t2, B, 0x512010);
    fake_acquire(t2, A, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, LG_CTXF_TRY, 0x512020);
    fake_unlock(t2, A);
    fake_unlock(t2, B);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    GArray *recs = fake_log_records(mark);
    guint nedge = 0, nctx = 0;
    uint32_t edge_id = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_EDGE) {
            nedge++;
            g_assert_cmpuint(r->u.edge.from, ==, rec(B)->id);
            g_assert_cmpuint(r->u.edge.to, ==, rec(A)->id);
            edge_id = r->u.edge.id;
        } else if (r->type == LG_REC_CONTEXT) {
            nctx++;
            g_assert_cmpuint(r->u.ctx.edge, ==, edge_id);
            g_assert_cmpuint(r->u.ctx.flags, ==, LG_CTXF_TRY);
            g_assert_cmpuint(r->u.ctx.thread, ==, fake_worker_serial(t2));
            g_assert_true(fake_stack_is_of(r->u.ctx.stack, 0x512020));
        }
        g_assert_cmpuint(r->type, !=, LG_REC_FINDING);
    }
    g_assert_cmpuint(nedge, ==, 1);
    g_assert_cmpuint(nctx, ==, 1);
    g_array_unref(recs);
    /* control */
    fake_lock(t3, B, 0x513010);
    fake_lock(t3, A, 0x513020);
    fake_unlock(t3, A);
    fake_unlock(t3, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_worker_stop(t3);
    fake_assert_log_valid();
}

/* A timed lock closing the cycle: reported, flagged timed. */
static void test_detector_timed(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *B = &lk[1];
    guint r0 = fake_report_count();
    size_t mark = fake_log_len();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, A, 0x521010);
    fake_lock(t1, B, 0x521020);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    fake_lock(t2, B, 0x522010);
    fake_acquire(t2, A, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, LG_CTXF_TIMED, 0x522020);
    fake_unlock(t2, A);
    fake_unlock(t2, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_TIMED);
    g_assert_cmpuint(f->n, ==, 2);
    GArray *recs = fake_log_records(mark);
    guint nf = 0, ntimed = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_FINDING) {
            nf++;
            g_assert_cmpuint(r->u.finding.flags, ==, LG_FINDF_TIMED);
        }
        if (r->type == LG_REC_CONTEXT && r->u.ctx.flags == LG_CTXF_TIMED)
            ntimed++;
    }
    g_assert_cmpuint(nf, ==, 1);
    g_assert_cmpuint(ntimed, ==, 1);
    g_array_unref(recs);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

static uint8_t prefer_reader(uintptr_t addr)
{
    (void)addr;
    return LG_SUB_RW_PREFER_READER;
}

static uint8_t prefer_writer(uintptr_t addr)
{
    (void)addr;
    return LG_SUB_RW_PREFER_WRITER;
}

/* Thread 1 reads R then locks M; thread 2 locks M then reads R. */
static void read_read(void *R, void *M, lg_subkind_fn sub, uintptr_t pc)
{
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_acquire(t1, R, LG_KIND_RWLOCK, sub, LG_MODE_READ, 0, pc);
    fake_lock(t1, M, pc + 0x10);
    fake_unlock(t1, M);
    fake_unlock(t1, R);
    fake_lock(t2, M, pc + 0x20);
    fake_acquire(t2, R, LG_KIND_RWLOCK, sub, LG_MODE_READ, 0, pc + 0x30);
    fake_unlock(t2, R);
    fake_unlock(t2, M);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
}

static uint8_t logged_subkind(size_t mark, const void *addr)
{
    GArray *recs = fake_log_records(mark);
    int found = -1;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_LOCK && r->u.lock.addr == (uintptr_t)addr) {
            g_assert_cmpint(found, ==, -1);
            g_assert_cmpuint(r->u.lock.kind, ==, LG_KIND_RWLOCK);
            found = r->u.lock.subkind;
        }
    }
    g_array_unref(recs);
    g_assert_cmpint(found, >=, 0);
    return (uint8_t)found;
}

static void test_detector_rwlock_reader_pref(void)
{
    static uint64_t lk[2];
    guint r0 = fake_report_count();
    size_t mark = fake_log_len();
    read_read(&lk[0], &lk[1], prefer_reader, 0x531000);
    g_assert_cmpuint(logged_subkind(mark, &lk[0]), ==, LG_SUB_RW_PREFER_READER);
    g_assert_cmpuint(rec(&lk[0])->subkind, ==, LG_SUB_RW_PREFER_READER);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_FINDING), ==, 0);
    /* the cycle is in the graph all the same: both edges */
    g_assert_cmpuint(fake_log_count(mark, LG_REC_EDGE), ==, 2);
    fake_assert_log_valid();
}

static void test_detector_rwlock_writer_pref(void)
{
    static uint64_t lk[2];
    void *R = &lk[0], *M = &lk[1];
    guint r0 = fake_report_count();
    size_t mark = fake_log_len();
    read_read(R, M, prefer_writer, 0x541000);
    g_assert_cmpuint(logged_subkind(mark, R), ==, LG_SUB_RW_PREFER_WRITER);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
    g_assert_cmpuint(f->flags, ==, 0);
    g_assert_cmpuint(f->n, ==, 2);
    for (uint32_t i = 0; i < 2; i++) {
        const struct lg_finding_item *it = &f->items[i];
        if (it->lock == rec(R)) /* R held for reading, M wanted exclusively */
            g_assert_cmpuint(it->mode, ==, LG_MODE_EXCL | LG_MODE_READ << 4);
        else /* M held, R wanted for reading */
            g_assert_cmpuint(it->mode, ==, LG_MODE_READ | LG_MODE_EXCL << 4);
    }
    fake_assert_log_valid();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/rules/deadlock-distinct", test_rules_deadlock_distinct);
    g_test_add_func("/core/rules/deadlock-single-thread", test_rules_deadlock_single_thread);
    g_test_add_func("/core/rules/trylock", test_rules_trylock);
    g_test_add_func("/core/rules/gated", test_rules_gated);
    g_test_add_func("/core/rules/gate-avoided-by-one-context", test_rules_gate_avoided_by_one_context);
    g_test_add_func("/core/rules/reader-pref", test_rules_reader_pref);
    g_test_add_func("/core/rules/timed", test_rules_timed);
    g_test_add_func("/core/rules/budget", test_rules_budget);
    g_test_add_func("/core/rules/budget-in-diagnosis", test_rules_budget_in_diagnosis);
    g_test_add_func("/core/detector-rules/gate", test_detector_gate);
    g_test_add_func("/core/detector-rules/trylock", test_detector_trylock);
    g_test_add_func("/core/detector-rules/timed", test_detector_timed);
    g_test_add_func("/core/detector-rules/rwlock-reader-pref", test_detector_rwlock_reader_pref);
    g_test_add_func("/core/detector-rules/rwlock-writer-pref", test_detector_rwlock_writer_pref);
    return g_test_run();
}
