/* Detection core: threads by serial under thread churn.  The map of threads by
 * serial holds the live threads, the threads that ended holding locks and the
 * ghosts (ended threads an order-graph context names), never one entry per thread
 * ever started; ghosts come from new contexts only; lookups and the fork child's
 * replay see exactly the threads present, in serial order. */
#define _GNU_SOURCE
#include "fake_host.h"
#include "graph.h"
#include "serial_map.h"

#include <pthread.h>
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

    fake_log_capture_begin();
    lg_graph_lock();
    lg_detector_replay();
    lg_graph_unlock();
    size_t len;
    const unsigned char *child = fake_log_capture_end(&len);
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
    return g_test_run();
}
