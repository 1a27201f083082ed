/* Detection core: threads by serial under thread churn.  The map of threads by
 * serial holds the live threads, the threads that ended holding locks and the
 * ghosts (ended threads an order-graph context names), never one entry per thread
 * ever started; ghosts come from new contexts only; lookups and the fork child's
 * replay see exactly the threads present, in serial order.  A thread that ends
 * holding locks reports each (exit-held-lock). */
#define _GNU_SOURCE
#include "fake_host.h"
#include "graph.h"
#include "lock_table.h"
#include "serial_map.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#define CHURN 100000u

static void take(struct lg_thread *t, void *lock, uintptr_t pc)
{
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(pc, s);
    fake_set_stack(s, FAKE_FRAMES);
    lg_acquired(t, (uintptr_t)lock, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
}

struct churn_args {
    unsigned n;
    int nested;
    uint32_t max_entries, first_serial, last_serial;
    uint64_t max_bytes;
};

/* n threads one after another on this pthread (attach, a lock or two, detach):
 * what the core sees of a thread-per-request server. */
static void *churn_main(void *p)
{
    struct churn_args *a = p;
    static uint64_t lk[2];
    for (unsigned i = 0; i < a->n; i++) {
        struct lg_thread *t = lg_thread_attach(0, 0);
        g_assert_nonnull(t);
        if (i == 0)
            a->first_serial = t->serial;
        a->last_serial = t->serial;
        take(t, &lk[0], 0x8c1010);
        if (a->nested) {
            take(t, &lk[1], 0x8c1020);
            g_assert_cmpint(lg_released(t, (uintptr_t)&lk[1]), ==, 1);
        }
        g_assert_cmpint(lg_released(t, (uintptr_t)&lk[0]), ==, 1);
        lg_thread_detach(t);
        uint32_t e;
        uint64_t b;
        lg_thread_map_stats(&e, &b);
        if (e > a->max_entries)
            a->max_entries = e;
        if (b > a->max_bytes)
            a->max_bytes = b;
    }
    return NULL;
}

static void run_churn(struct churn_args *a)
{
    pthread_t th;
    g_assert_cmpint(pthread_create(&th, NULL, churn_main, a), ==, 0);
    g_assert_cmpint(pthread_join(th, NULL), ==, 0);
}

/* 100 000 sequential threads taking one lock: the map never holds more than the
 * threads alive at once plus a few, and maps at most one page.  (The directory it
 * replaced kept 8 bytes per serial ever handed out: 800 KiB here.) */
static void test_churn_bounded(void)
{
    fake_worker *w = fake_worker_start(); /* a live thread all along */
    uint32_t e0;
    uint64_t b0;
    lg_thread_map_stats(&e0, &b0);
    struct churn_args a = {CHURN, 0, 0, 0, 0, 0};
    run_churn(&a);
    g_assert_cmpuint(a.last_serial - a.first_serial + 1, ==, CHURN);
    g_assert_cmpuint(a.max_entries, <=, e0 + 1);
    g_assert_cmpuint(a.max_bytes, <=, LG_SMAP_MIN * sizeof(struct lg_smap_ent));
    uint32_t e1;
    uint64_t b1;
    lg_thread_map_stats(&e1, &b1);
    g_assert_cmpuint(e1, ==, e0);
    /* the live one is found, the ended ones are not */
    g_assert_true(lg_thread_by_serial(fake_worker_serial(w)) == fake_worker_thread(w));
    g_assert_null(lg_thread_by_serial(a.last_serial));
    uint32_t tid;
    char name[LG_NAME_MAX];
    g_assert_cmpint(lg_thread_identity(a.first_serial, &tid, name), ==, 0);
    g_assert_cmpint(lg_thread_identity(fake_worker_serial(w), &tid, name), ==, 1);
    fake_worker_stop(w);
    fake_assert_log_valid();
}

/* 20 000 sequential threads taking the same two locks nested: the first threads
 * put the order's contexts into the graph and keep a ghost; the others add no
 * context (the chain is validated: validated.h) and leave none. */
static void test_nested_churn_ghosts_bounded(void)
{
    struct churn_args a = {CHURN / 5, 1, 0, 0, 0, 0};
    run_churn(&a);
    /* the chain is put in the graph by its first two threads (validated.h) */
    g_assert_cmpuint(a.max_entries, <=, 2 + 1);
    uint32_t e;
    uint64_t b;
    lg_thread_map_stats(&e, &b);
    g_test_message("ghosts after %u nested threads: %u", CHURN / 5, e);
    g_assert_cmpuint(e, >=, 1); /* the first thread's ghost */
    g_assert_cmpuint(e, <=, 2);
    g_assert_cmpuint(b, <=, LG_SMAP_MIN * sizeof(struct lg_smap_ent));
    uint32_t tid;
    char name[LG_NAME_MAX];
    g_assert_cmpint(lg_thread_identity(a.first_serial, &tid, name), ==, 1);
    g_assert_null(lg_thread_by_serial(a.first_serial)); /* a ghost is no slot */
    g_assert_cmpint(lg_thread_identity(a.last_serial, &tid, name), ==, 0);
    fake_assert_log_valid();
}

/* A thread that ends holding a lock keeps its entry (the watchdog reports waiters
 * on it); the fork replay writes THREAD records of exactly the present threads, in
 * serial order, and THREAD_EXIT for the ended ones. */
static void test_replay_present_in_order(void)
{
    static uint64_t lk[2];
    struct churn_args a = {1000, 0, 0, 0, 0, 0}, b = a;
    run_churn(&a); /* 1000 serials that leave nothing */
    fake_worker *holder = fake_worker_start();
    fake_lock(holder, &lk[0], 0x8c2010);
    uint32_t hs = fake_worker_serial(holder);
    fake_worker_stop(holder); /* ends holding lk[0] */
    run_churn(&b);
    fake_worker *live = fake_worker_start();
    uint32_t ls = fake_worker_serial(live);
    g_assert_nonnull(lg_thread_by_serial(hs));

    size_t len;
    const unsigned char *child = fake_log_replay(&len);
    GArray *recs = fake_log_records_buf(child, 0, len);
    uint32_t prev = 0;
    int saw_h = 0, saw_l = 0, exit_h = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_THREAD) {
            g_assert_cmpuint(r->u.thread.serial, >, prev);
            prev = r->u.thread.serial;
            g_assert_false(r->u.thread.serial >= a.first_serial && r->u.thread.serial <= a.last_serial);
            g_assert_false(r->u.thread.serial >= b.first_serial && r->u.thread.serial <= b.last_serial);
            saw_h += r->u.thread.serial == hs;
            saw_l += r->u.thread.serial == ls;
        } else if (r->type == LG_REC_THREAD_EXIT) {
            exit_h += r->u.thread_exit.serial == hs;
            g_assert_cmpuint(r->u.thread_exit.serial, !=, ls);
        }
    }
    g_assert_cmpint(saw_h, ==, 1);
    g_assert_cmpint(saw_l, ==, 1);
    g_assert_cmpint(exit_h, ==, 1);
    g_array_unref(recs);
    char *err = fake_log_check_buf(child, len);
    g_assert_cmpstr(err, ==, NULL);
    fake_worker_stop(live);
}

/* ---- exit-held-lock through the core (misuse.h E1-E3) ------------------------------ */

struct end_args {
    void *locks[2];
    uint8_t modes[2];
    int nlocks, unlock_first, how;
    volatile int holding, go;
    uint32_t serial, tid;
};

static void *end_main(void *p)
{
    struct end_args *a = p;
    struct lg_thread *t = lg_thread_attach(0, 0);
    a->serial = t->serial;
    a->tid = t->tid;
    for (int i = 0; i < a->nlocks; i++) {
        uintptr_t s[FAKE_FRAMES];
        fake_stack_of(0x8d1000 + 0x10 * (uintptr_t)i, s);
        fake_set_stack(s, FAKE_FRAMES);
        lg_acquired(t, (uintptr_t)a->locks[i], a->modes[i] == LG_MODE_EXCL ? LG_KIND_MUTEX
                                                                          : LG_KIND_RWLOCK,
                    NULL, a->modes[i], 0, 0x8d1000 + 0x10 * (uintptr_t)i);
    }
    if (a->unlock_first)
        g_assert_cmpint(lg_released(t, (uintptr_t)a->locks[0]), ==, 1);
    __atomic_store_n(&a->holding, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&a->go, __ATOMIC_ACQUIRE))
        sched_yield();
    lg_thread_end(t, a->how);
    return NULL;
}

static void run_end(struct end_args *a, void (*meanwhile)(struct end_args *))
{
    pthread_t th;
    g_assert_cmpint(pthread_create(&th, NULL, end_main, a), ==, 0);
    while (!__atomic_load_n(&a->holding, __ATOMIC_ACQUIRE))
        sched_yield();
    if (meanwhile)
        meanwhile(a);
    __atomic_store_n(&a->go, 1, __ATOMIC_RELEASE);
    g_assert_cmpint(pthread_join(th, NULL), ==, 0);
}

static fake_worker *other;

static void bad_unlock_step(struct lg_thread *t, void *p)
{
    struct end_args *a = p;
    lg_bad_unlock(t, (uintptr_t)a->locks[0], LG_KIND_MUTEX,
                  (struct lg_lock_word){LG_WORD_OWNED, a->tid});
}

static void other_unlocks(struct end_args *a) { fake_worker_run(other, bad_unlock_step, a); }

/* E1: each lock still held at the end is reported once (value: how it ended, the
 * acquisition's stack); a lock released before the end is not; a read lock leaked
 * again by another thread is not reported twice; E2: a hold another thread ended
 * (bad-unlock [not_owner]) is not held; a plain detach (the process's end, the
 * main thread) reports nothing. */
static void test_exit_held(void)
{
    static uint64_t a_[1], c_[1], d_[1];
    static pthread_rwlock_t b_[1];
    guint r0 = fake_report_count();
    struct end_args e1 = {{a_, b_}, {LG_MODE_EXCL, LG_MODE_READ}, 2, 0, LG_END_UNWOUND, 0, 0, 0, 0};
    run_end(&e1, NULL);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    for (guint i = 0; i < 2; i++) {
        const fake_report *r = fake_report_at(r0 + i);
        g_assert_cmpuint(r->kind, ==, LG_FIND_EXIT_HELD_LOCK);
        g_assert_cmpuint(r->value, ==, LG_END_UNWOUND);
        g_assert_cmpuint(r->n, ==, 1);
        g_assert_cmpuint(r->items[0].thread, ==, e1.serial);
        g_assert_true(r->items[0].lock == lg_table_find((uintptr_t)e1.locks[i]));
        g_assert_true(fake_stack_is_of(r->items[0].stack, 0x8d1000 + 0x10 * i));
        g_assert_nonnull(strstr(r->detail, "pthread_exit or cancellation"));
    }
    /* the same read lock leaked by a second thread, and a lock released in time */
    struct end_args e2 = {{d_, b_}, {LG_MODE_EXCL, LG_MODE_READ}, 2, 1, LG_END_RETURNED, 0, 0, 0, 0};
    run_end(&e2, NULL);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    /* another thread's unlock ended the hold before the end */
    other = fake_worker_start();
    struct end_args e3 = {{c_}, {LG_MODE_EXCL}, 1, 0, LG_END_RETURNED, 0, 0, 0, 0};
    run_end(&e3, other_unlocks);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 3);
    g_assert_cmpuint(fake_report_at(r0 + 2)->kind, ==, LG_FIND_BAD_UNLOCK);
    /* lg_thread_detach alone (no thread end of the program's) reports nothing */
    static uint64_t f_[1];
    fake_lock(other, f_, 0x8d2000);
    fake_worker_stop(other);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 3);
    /* each finding is a FINDING record too */
    GArray *recs = fake_log_records(0);
    guint nf = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_FINDING && r->u.finding.kind == LG_FIND_EXIT_HELD_LOCK)
            nf++;
    }
    g_array_unref(recs);
    g_assert_cmpuint(nf, ==, 2);
    fake_assert_log_valid();
}

/* The map alone: order, holes, the memory bound through growth and shrinking. */
static void test_serial_map(void)
{
    struct lg_serial_map m = {0};
    static int v[1];
    g_assert_cmpint(lg_smap_put(&m, 0, v), ==, -1); /* keys start above 0 */
    for (uint32_t k = 1; k <= 100000; k++) {
        g_assert_cmpint(lg_smap_put(&m, k, v), ==, 0);
        if (k % 3)
            lg_smap_del(&m, k); /* keeps one key in three */
        g_assert_cmpuint(lg_smap_bytes(&m), <=,
                         (uint64_t)MAX(LG_SMAP_MIN, 8 * m.live) * sizeof(struct lg_smap_ent));
    }
    g_assert_cmpint(lg_smap_put(&m, 5, v), ==, -1); /* out of order: refused */
    g_assert_cmpuint(m.live, ==, 100000 / 3);
    for (uint32_t k = 1; k <= 100000; k++)
        g_assert_true((lg_smap_get(&m, k) != NULL) == (k % 3 == 0));
    g_assert_cmpint(lg_smap_replace(&m, 4, v), ==, -1);
    g_assert_cmpint(lg_smap_replace(&m, 3, &v[0]), ==, 0);
    for (uint32_t k = 1; k <= 100000; k++)
        lg_smap_del(&m, k);
    g_assert_cmpuint(m.live, ==, 0);
    g_assert_cmpuint(lg_smap_bytes(&m), ==, LG_SMAP_MIN * sizeof(struct lg_smap_ent));
    g_assert_cmpint(lg_smap_put(&m, 100001, v), ==, 0);
    g_assert_true(lg_smap_get(&m, 100001) == v);
    g_assert_null(lg_smap_get(&m, 3));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/threads/churn-bounded", test_churn_bounded);
    g_test_add_func("/core/threads/nested-churn-ghosts-bounded", test_nested_churn_ghosts_bounded);
    g_test_add_func("/core/threads/replay-present-in-order", test_replay_present_in_order);
    g_test_add_func("/core/threads/serial-map", test_serial_map);
    g_test_add_func("/core/threads/exit-held-lock", test_exit_held);
    return g_test_run();
}
