/* Detection core: the log it writes.  Every record decodes (lg_dec_*, no `bad`,
 * nothing left over), carries a valid CRC, and names only ids defined by earlier
 * records; records are whole (never truncated); the fork replay stands on its own;
 * statistics follow the fake clock. */
#define _GNU_SOURCE
#include "fake_host.h"
#include "fork_log.h"
#include "graph.h"
#include "lock_table.h"
#include "log_codec.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct lg_lockrec *rec(const void *addr)
{
    struct lg_lockrec *l = lg_table_find((uintptr_t)addr);
    g_assert_nonnull(l);
    return l;
}

static uint8_t prefer_writer(uintptr_t addr)
{
    (void)addr;
    return LG_SUB_RW_PREFER_WRITER;
}

struct lock_finding_args {
    void *lock;
};

static void report_self_deadlock(struct lg_thread *t, void *p)
{
    struct lock_finding_args *a = p;
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(0x801999, s);
    fake_set_stack(s, FAKE_FRAMES);
    uint32_t stack = lg_capture_stack();
    g_assert_cmpuint(stack, !=, 0);
    lg_report_lock_finding(t, LG_FIND_SELF_DEADLOCK, 0, rec(a->lock), stack,
                           rec(a->lock)->first_stack, 0, "locked twice");
}

/* Everything the core writes, in one run: the whole log is valid. */
static void test_all_records_valid(void)
{
    static uint64_t lk[8];
    void *A = &lk[0], *B = &lk[1], *R = &lk[2], *S = &lk[3], *C = &lk[6];
    fake_add_static_range((uintptr_t)&lk[6], (uintptr_t)&lk[8], 3);
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, C, 0x801000);
    fake_lock(t1, A, 0x801010);
    fake_lock(t1, B, 0x801020);
    fake_acquire(t1, R, LG_KIND_RWLOCK, prefer_writer, LG_MODE_WRITE, 0, 0x801030);
    fake_acquire(t1, S, LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, 0x801040);
    fake_unlock(t1, S);
    fake_unlock(t1, R);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    fake_unlock(t1, C);
    fake_lock(t2, B, 0x802010);
    fake_acquire(t2, R, LG_KIND_RWLOCK, prefer_writer, LG_MODE_READ, LG_CTXF_TRY, 0x802020);
    fake_acquire(t2, A, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, LG_CTXF_TIMED, 0x802030);
    fake_unlock(t2, A);
    fake_unlock(t2, R);
    fake_unlock(t2, B);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    lg_lock_retire((uintptr_t)A, LG_RETIRE_DESTROY);
    fake_lock(t2, A, 0x802040);
    fake_lock(t2, B, 0x802050);
    fake_unlock(t2, B);
    /* t2 exits holding A */
    struct lock_finding_args la = {C};
    fake_worker_run(t1, report_self_deadlock, &la);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    const fake_report *f = fake_report_at(r0 + 1);
    g_assert_cmpuint(f->kind, ==, LG_FIND_SELF_DEADLOCK);
    g_assert_cmpuint(f->n, ==, 1);
    g_assert_true(f->items[0].lock == rec(C));
    g_assert_cmpuint(f->items[0].thread, ==, fake_worker_serial(t1));
    g_assert_true(fake_stack_is_of(f->items[0].stack, 0x801999));
    uint32_t t2_serial = fake_worker_serial(t2); /* the worker is freed when stopped */
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    lg_rec_stats(lg_plat_now());

    GArray *recs = fake_log_records(mark);
    guint count[LG_REC_TYPE_MAX + 1] = {0};
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        count[r->type]++;
        if (r->type == LG_REC_THREAD_EXIT && r->u.thread_exit.serial == t2_serial) {
            g_assert_cmpuint(r->u.thread_exit.n, ==, 1);
            g_assert_cmpuint(r->u.thread_exit.locks[0], ==, rec(A)->id);
        }
        if (r->type == LG_REC_LOCK && r->u.lock.addr == (uintptr_t)S)
            g_assert_cmpuint(r->u.lock.kind, ==, LG_KIND_SPIN);
        if (r->type == LG_REC_LOCK && r->u.lock.addr == (uintptr_t)C) {
            g_assert_cmpuint(r->u.lock.class_type, ==, LG_CLASS_STATIC);
            g_assert_cmpuint(r->u.lock.module, ==, 3);
            g_assert_cmpuint(r->u.lock.offset, ==, 0);
        }
    }
    g_array_unref(recs);
    static const uint16_t want[] = {LG_REC_STACK, LG_REC_THREAD, LG_REC_THREAD_EXIT,
                                    LG_REC_LOCK, LG_REC_LOCK_RETIRE, LG_REC_EDGE,
                                    LG_REC_CHAIN, LG_REC_CONTEXT, LG_REC_FINDING,
                                    LG_REC_STATS};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        g_assert_cmpuint(count[want[i]], >, 0);
    g_assert_cmpuint(count[LG_REC_THREAD], ==, 2);
    g_assert_cmpuint(count[LG_REC_THREAD_EXIT], ==, 2);
    g_assert_cmpuint(count[LG_REC_FINDING], ==, 2);
    g_assert_cmpuint(count[LG_REC_LOCK], ==, 6); /* A twice */
    g_assert_cmpuint(count[LG_REC_LOCK_RETIRE], ==, 1);
    g_assert_cmpuint(lg_records_dropped(), ==, 0);
    fake_assert_log_valid();
}

/* host.h: the core calls lg_plat_backtrace and lg_plat_report only with no core
 * lock held (both may call into libunwind or ld.so).  New locks, new chains, a
 * cycle report, a lock finding, a stack capture: each checked from another thread. */
static void test_platform_calls_without_core_locks(void)
{
    static uint64_t lk[3];
    void *A = &lk[0], *B = &lk[1], *C = &lk[2];
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, C, 0x891000);
    fake_unlock(t1, C);
    unsigned calls0 = fake_probe_calls();
    guint r0 = fake_report_count();
    fake_probe_core_locks(1, C);
    fake_lock(t1, A, 0x891010);
    fake_lock(t1, B, 0x891020);
    fake_unlock(t1, B);
    fake_unlock(t1, A);
    fake_lock(t2, B, 0x892010);
    fake_lock(t2, A, 0x892020);
    fake_unlock(t2, A);
    fake_unlock(t2, B);
    struct lock_finding_args la = {A};
    fake_worker_run(t2, report_self_deadlock, &la);
    fake_probe_core_locks(0, NULL);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 2);
    g_assert_cmpuint(fake_probe_calls() - calls0, >=, 5);
    g_assert_cmpuint(fake_probe_violations(), ==, 0);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

/* THREAD records carry the creator and its stack as given to lg_thread_attach. */
struct attach_args {
    uint32_t creator, create_stack, serial, tid;
};

static void *attach_main(void *p)
{
    struct attach_args *a = p;
    struct lg_thread *t = lg_thread_attach(a->creator, a->create_stack);
    a->serial = t->serial;
    a->tid = (uint32_t)gettid();
    g_assert_true(lg_tls_self == t);
    g_assert_true(lg_thread_by_serial(t->serial) == t);
    lg_thread_detach(t);
    return NULL;
}

static void test_thread_records(void)
{
    fake_worker *parent = fake_worker_start();
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(0x8a1000, s);
    fake_set_stack(s, FAKE_FRAMES);
    uint32_t cstack = lg_capture_stack();
    g_assert_true(fake_stack_is_of(cstack, 0x8a1000));
    struct attach_args a = {fake_worker_serial(parent), cstack, 0, 0};
    size_t mark = fake_log_len();
    pthread_t th;
    g_assert_cmpint(pthread_create(&th, NULL, attach_main, &a), ==, 0);
    pthread_join(th, NULL);
    GArray *recs = fake_log_records(mark);
    guint nt = 0, ne = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_THREAD) {
            nt++;
            g_assert_cmpuint(r->u.thread.serial, ==, a.serial);
            g_assert_cmpuint(r->u.thread.tid, ==, a.tid);
            g_assert_cmpuint(r->u.thread.creator, ==, fake_worker_serial(parent));
            g_assert_cmpuint(r->u.thread.create_stack, ==, cstack);
        } else if (r->type == LG_REC_THREAD_EXIT) {
            ne++;
            g_assert_cmpuint(r->u.thread_exit.serial, ==, a.serial);
            g_assert_cmpuint(r->u.thread_exit.n, ==, 0);
        }
    }
    g_assert_cmpuint(nt, ==, 1);
    g_assert_cmpuint(ne, ==, 1);
    g_array_unref(recs);
    fake_worker_stop(parent);
    fake_assert_log_valid();
}

/* The checker itself finds what it is there to find. */
static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_checker_catches(void)
{
    static uint64_t lk[2];
    fake_worker *t = fake_worker_start();
    fake_lock(t, &lk[0], 0x811010);
    fake_lock(t, &lk[1], 0x811020);
    fake_unlock(t, &lk[1]);
    fake_unlock(t, &lk[0]);
    fake_worker_stop(t);
    fake_assert_log_valid();
    size_t len = fake_log_len();
    unsigned char *copy = g_malloc(len + 256);
    memcpy(copy, fake_log_data(), len);
    char *err;

    /* a flipped payload byte: bad CRC */
    GArray *recs = fake_log_records(0);
    const fake_rec *last = &g_array_index(recs, fake_rec, recs->len - 1);
    size_t last_off = last->off;
    g_array_unref(recs);
    copy[last_off + LG_REC_HEADER_SIZE] ^= 0x40;
    err = fake_log_check_buf(copy, len);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "CRC"));
    g_free(err);
    copy[last_off + LG_REC_HEADER_SIZE] ^= 0x40;
    g_assert_null(fake_log_check_buf(copy, len));

    /* a torn tail */
    err = fake_log_check_buf(copy, len - 1);
    g_assert_nonnull(err);
    g_free(err);

    /* an EDGE naming a lock nobody defined */
    unsigned char rbuf[64];
    lg_enc e;
    lg_enc_begin(&e, rbuf, sizeof rbuf, LG_REC_EDGE);
    lg_enc_u32(&e, 0x7ffffff0u);
    lg_enc_u64(&e, rec(&lk[0])->id);
    lg_enc_u64(&e, 0x7fffffffull);
    lg_enc_u64(&e, 0);
    size_t n = lg_enc_finish(&e);
    g_assert_cmpuint(n, >, 0);
    memcpy(copy + len, rbuf, n);
    err = fake_log_check_buf(copy, len + n);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "before any record defines it"));
    g_free(err);

    /* a lock defined twice */
    lg_enc_begin(&e, rbuf, sizeof rbuf, LG_REC_LOCK_RETIRE);
    lg_enc_u64(&e, rec(&lk[0])->id);
    lg_enc_u64(&e, 0);
    lg_enc_u8(&e, LG_RETIRE_DESTROY);
    n = lg_enc_finish(&e);
    memcpy(copy + len, rbuf, n);
    memcpy(copy + len + n, rbuf, n);
    g_assert_null(fake_log_check_buf(copy, len + n));
    err = fake_log_check_buf(copy, len + 2 * n);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "twice"));
    g_free(err);

    /* a payload longer than its type: does not decode exactly */
    lg_enc_begin(&e, rbuf, sizeof rbuf, LG_REC_LOCK_RETIRE);
    lg_enc_u64(&e, rec(&lk[1])->id);
    lg_enc_u64(&e, 0);
    lg_enc_u8(&e, LG_RETIRE_DESTROY);
    lg_enc_u8(&e, 0);
    n = lg_enc_finish(&e);
    memcpy(copy + len, rbuf, n);
    err = fake_log_check_buf(copy, len + n);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "does not decode"));
    g_free(err);
    /* and a record header with a nonzero reserved field */
    memcpy(copy + len, rbuf, n);
    put_le(copy + len + 2, 1, 2);
    err = fake_log_check_buf(copy, len + n);
    g_assert_nonnull(err);
    g_free(err);
    g_free(copy);
}

/* A cycle longer than 64 locks: the live report and the FINDING record both carry
 * every edge (records are dropped, never truncated: records.h). */
#define NRING 100
static void test_long_cycle_finding_whole(void)
{
    static uint64_t lk[NRING];
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    fake_worker *t = fake_worker_start();
    for (int i = 0; i < NRING; i++) {
        fake_lock(t, &lk[i], 0x820000 + 0x20 * (uintptr_t)i);
        fake_lock(t, &lk[(i + 1) % NRING], 0x820010 + 0x20 * (uintptr_t)i);
        fake_unlock(t, &lk[(i + 1) % NRING]);
        fake_unlock(t, &lk[i]);
    }
    fake_worker_stop(t);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    g_assert_cmpuint(f->n, ==, NRING);
    g_assert_cmpuint(f->flags, ==, LG_FINDF_SINGLE_THREAD);
    fake_assert_log_valid();
    GArray *recs = fake_log_records(mark);
    guint nf = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type != LG_REC_FINDING)
            continue;
        nf++;
        g_assert_cmpuint(r->u.finding.kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
        /* the record must describe the same cycle as the report: all NRING edges
         * (or be dropped as a whole) */
        g_assert_cmpuint(r->u.finding.n, ==, NRING);
        for (uint32_t k = 0; k < r->u.finding.n; k++)
            g_assert_cmpuint(r->u.finding.items[k].other, ==,
                             r->u.finding.items[(k + 1) % r->u.finding.n].lock);
    }
    g_assert_cmpuint(nf, ==, 1);
    g_array_unref(recs);
}

/* A thread that ends holding locks: THREAD_EXIT lists every one of them. */
static void exit_holding(uint64_t *lk, int n, uintptr_t pc)
{
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    uint32_t serial = fake_worker_serial(t);
    for (int i = 0; i < n; i++)
        fake_lock(t, &lk[i], pc + 0x10 * (uintptr_t)i);
    fake_worker_stop(t);
    fake_assert_log_valid();
    GArray *recs = fake_log_records(mark);
    guint nexit = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type != LG_REC_THREAD_EXIT)
            continue;
        nexit++;
        g_assert_cmpuint(r->u.thread_exit.serial, ==, serial);
        g_assert_cmpuint(r->u.thread_exit.n, ==, n);
        for (int k = 0; k < n; k++)
            g_assert_cmpuint(r->u.thread_exit.locks[k], ==, rec(&lk[k])->id);
    }
    g_assert_cmpuint(nexit, ==, 1);
    g_array_unref(recs);
}

static void test_thread_exit_held_few(void)
{
    static uint64_t lk[3];
    exit_holding(lk, 3, 0x830000);
}

static void test_thread_exit_held_many(void)
{
    static uint64_t lk[100];
    exit_holding(lk, 100, 0x840000);
}

/* The fork child's replay, written into a fresh log, stands on its own: every id
 * defined before use, every definition of the parent's log present. */
static void test_replay_standalone(void)
{
    static uint64_t lk[3];
    /* a thread that ended while holding a lock (its THREAD_EXIT names it) */
    fake_worker *t = fake_worker_start();
    uint32_t serial = fake_worker_serial(t);
    fake_lock(t, &lk[0], 0x851010);
    fake_lock(t, &lk[1], 0x851020);
    fake_unlock(t, &lk[1]);
    fake_worker_stop(t);
    lg_lock_retire((uintptr_t)&lk[2], LG_RETIRE_DESTROY); /* unknown: nothing */
    fake_assert_log_valid();

    /* what the parent's log defines */
    GArray *parent = fake_log_records(0);
    size_t len;
    const unsigned char *child = fake_log_replay(&len);
    g_assert_cmpuint(len, >, 0);

    GArray *crecs = fake_log_records_buf(child, 0, len);
    guint pdefs[LG_REC_TYPE_MAX + 1] = {0}, cdefs[LG_REC_TYPE_MAX + 1] = {0};
    for (guint i = 0; i < parent->len; i++)
        pdefs[g_array_index(parent, fake_rec, i).type]++;
    for (guint i = 0; i < crecs->len; i++)
        cdefs[g_array_index(crecs, fake_rec, i).type]++;
    static const uint16_t defs[] = {LG_REC_STACK, LG_REC_LOCK, LG_REC_LOCK_RETIRE,
                                    LG_REC_EDGE, LG_REC_CHAIN, LG_REC_CONTEXT};
    for (size_t i = 0; i < G_N_ELEMENTS(defs); i++)
        g_assert_cmpuint(cdefs[defs[i]], ==, pdefs[defs[i]]);
    /* Threads: an ended thread that holds nothing and that no context names is in
     * the parent's log only (docs/shim.md "Threads"), so earlier cases of this
     * binary may leave the parent with more THREAD records than the child.  The
     * child must still define every thread it refers to (checked below) and this
     * case's thread, which ended holding lk[0], with that lock in its exit. */
    g_assert_cmpuint(cdefs[LG_REC_THREAD], <=, pdefs[LG_REC_THREAD]);
    guint own_exit = 0;
    for (guint i = 0; i < crecs->len; i++) {
        const fake_rec *r = &g_array_index(crecs, fake_rec, i);
        if (r->type == LG_REC_THREAD_EXIT && r->u.thread_exit.serial == serial) {
            own_exit++;
            g_assert_cmpuint(r->u.thread_exit.n, ==, 1);
            g_assert_cmpuint(r->u.thread_exit.locks[0], ==, rec(&lk[0])->id);
        }
    }
    g_assert_cmpuint(own_exit, ==, 1);
    g_assert_cmpuint(cdefs[LG_REC_FINDING], ==, 0);
    g_array_unref(parent);
    g_array_unref(crecs);

    char *err = fake_log_check_buf(child, len);
    g_assert_cmpstr(err, ==, NULL);
}

/* The real thing: fork() while another thread holds a lock.  In the child, the
 * core's fork handling (lg_detector_after_fork_child, then the replay under the
 * graph lock, as shim/init.c does) must produce a log the reader accepts: it rejects
 * any reference to an id not yet defined (docs/log-format.md, "Ids"). */
static void test_fork_child_replay(void)
{
    static uint64_t lk[2];
    fake_worker *w = fake_worker_start();
    fake_lock(w, &lk[0], 0x881010);
    fake_lock(w, &lk[1], 0x881020);
    fake_assert_log_valid();
    fflush(NULL);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        lg_detector_after_fork_child(lg_tls_self);
        size_t len;
        const unsigned char *child = fake_log_replay(&len);
        char *err = fake_log_check_buf(child, len);
        if (err)
            fprintf(stderr, "fork child's log: %s\n", err);
        _exit(err ? 1 : 0);
    }
    int status = 0;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    fake_unlock(w, &lk[1]);
    fake_unlock(w, &lk[0]);
    fake_worker_stop(w);
}

/* A fork child's log is written when first needed (fork_log.h).  Forked from a worker
 * thread, so that the child has an attached thread (the forking one) to lock with. */
struct deferred_args {
    uint64_t *lk;
    guint parent_locks;
};

static guint count_type(const unsigned char *buf, size_t len, uint16_t type)
{
    GArray *r = fake_log_records_buf(buf, 0, len);
    guint n = 0;
    for (guint i = 0; i < r->len; i++)
        n += g_array_index(r, fake_rec, i).type == type;
    g_array_unref(r);
    return n;
}

static void deferred_child(struct lg_thread *t, void *p)
{
    struct deferred_args *a = p;
    fflush(NULL);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid) {
        int status = 0;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        return;
    }
    /* as shim/init.c's atfork handler does */
    lg_detector_after_fork_child(t);
    lg_fork_log_defer();
    fake_log_capture_begin();
    /* known locks, alone and on a chain this thread validated: nothing to write */
    lg_acquired(t, (uintptr_t)&a->lk[0], LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, 0x8a1010);
    lg_acquired(t, (uintptr_t)&a->lk[1], LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, 0x8a1020);
    g_assert_true(lg_released(t, (uintptr_t)&a->lk[1]));
    g_assert_true(lg_released(t, (uintptr_t)&a->lk[0]));
    size_t len;
    fake_log_capture_end(&len);
    g_assert_cmpuint(len, ==, 0);
    g_assert_cmpuint(fake_log_forked_creations(), ==, 0);
    /* the image ends (exec): a short log, END without statistics */
    fake_log_capture_begin();
    lg_rec_finish(LG_END_EXEC);
    const unsigned char *buf = fake_log_capture_end(&len);
    g_assert_cmpuint(fake_log_forked_creations(), ==, 1);
    g_assert_cmpuint(count_type(buf, len, LG_REC_END), ==, 1);
    g_assert_cmpuint(count_type(buf, len, LG_REC_STATS), ==, 0);
    g_assert_cmpuint(lg_fork_log_state, ==, LG_FORK_LOG_SHORT);
    /* the exec failed and the child takes a new lock: the history first, then it */
    fake_log_capture_begin();
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(0x8a1030, s);
    fake_set_stack(s, FAKE_FRAMES);
    lg_acquired(t, (uintptr_t)&a->lk[2], LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, 0x8a1030);
    buf = fake_log_capture_end(&len);
    g_assert_cmpuint(fake_log_forked_creations(), ==, 1); /* the file exists already */
    g_assert_cmpuint(lg_fork_log_state, ==, LG_FORK_LOG_WRITTEN);
    g_assert_cmpuint(count_type(buf, len, LG_REC_LOCK), ==, a->parent_locks + 1);
    char *err = fake_log_check_buf(buf, len);
    g_assert_cmpstr(err, ==, NULL);
    _exit(0);
}

static void test_fork_log_deferred(void)
{
    static uint64_t lk[3];
    fake_worker *w = fake_worker_start();
    fake_lock(w, &lk[0], 0x8a1010);
    fake_lock(w, &lk[1], 0x8a1020);
    fake_unlock(w, &lk[1]);
    fake_unlock(w, &lk[0]);
    fake_assert_log_valid();
    struct deferred_args a = {lk, fake_log_count(0, LG_REC_LOCK)};
    g_assert_cmpuint(a.parent_locks, >=, 2);
    fake_worker_run(w, deferred_child, &a);
    fake_worker_stop(w);
}

/* Statistics: acquisitions (re-locks included) and hold times, which follow the
 * coarse clock the watchdog's tick (lg_tick_ns) provides. */
static void test_stats(void)
{
    static uint64_t lk[300];
    atomic_store(&lg_tick_ns, 7000000000ull);
    fake_worker *t = fake_worker_start();
    /* 300 locks used: more than one STATS record's worth */
    for (int i = 0; i < 300; i++) {
        fake_lock(t, &lk[i], 0x860000 + 0x10 * (uintptr_t)i);
        fake_unlock(t, &lk[i]);
    }
    /* lk[0]: held 5 ms, then 2 ms with a recursive re-lock inside */
    fake_lock(t, &lk[0], 0x861000);
    atomic_fetch_add(&lg_tick_ns, 5000000);
    fake_unlock(t, &lk[0]);
    fake_lock(t, &lk[0], 0x861000);
    fake_acquire(t, &lk[0], LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, 0x861010);
    atomic_fetch_add(&lg_tick_ns, 2000000);
    fake_unlock(t, &lk[0]);
    fake_unlock(t, &lk[0]);
    fake_worker_stop(t);
    atomic_store(&lg_tick_ns, 0);

    size_t mark = fake_log_len();
    lg_rec_stats(lg_plat_now());
    /* decode the STATS records by hand */
    GHashTable *seen = g_hash_table_new(NULL, NULL);
    const unsigned char *log = fake_log_data();
    int found0 = 0;
    guint nrec = 0;
    for (size_t off = mark; off < fake_log_len();) {
        lg_rec_header h;
        lg_rec_header_parse(log + off, &h);
        g_assert_cmpuint(h.type, ==, LG_REC_STATS);
        g_assert_cmpuint(lg_rec_crc(log + off, log + off + LG_REC_HEADER_SIZE, h.len), ==, h.crc);
        nrec++;
        lg_dec d;
        lg_dec_init(&d, log + off + LG_REC_HEADER_SIZE, h.len);
        lg_dec_u64(&d);
        uint32_t n = lg_dec_count(&d, 56);
        g_assert_cmpuint(n, >, 0);
        for (uint32_t i = 0; i < n; i++) {
            uint64_t id = lg_dec_u64(&d), acq = lg_dec_u64(&d);
            lg_dec_u64(&d); /* contended */
            lg_dec_u64(&d); /* wait total */
            lg_dec_u64(&d); /* wait max */
            uint64_t hold_total = lg_dec_u64(&d), hold_max = lg_dec_u64(&d);
            g_assert_true(g_hash_table_add(seen, (gpointer)(guintptr)id));
            g_assert_cmpuint(acq, >, 0);
            if (id == rec(&lk[0])->id) {
                found0 = 1;
                g_assert_cmpuint(acq, ==, 4);
                g_assert_cmpuint(hold_total, ==, 7000000);
                g_assert_cmpuint(hold_max, ==, 5000000);
            }
            if (id == rec(&lk[1])->id) {
                g_assert_cmpuint(acq, ==, 1);
                g_assert_cmpuint(hold_total, ==, 0);
            }
        }
        g_assert_false(d.bad);
        g_assert_cmpuint(lg_dec_remaining(&d), ==, 0);
        off += LG_REC_HEADER_SIZE + h.len;
    }
    g_assert_true(found0);
    g_assert_cmpuint(nrec, >=, 2);
    for (int i = 0; i < 300; i++)
        g_assert_true(g_hash_table_contains(seen, (gpointer)(guintptr)rec(&lk[i])->id));
    g_hash_table_unref(seen);
    fake_assert_log_valid();
}

/* Real threads at once, on real mutexes (taken with trylock so the random orders
 * cannot hang; the core is told they blocked, so it sees inversions): the log stays
 * valid (ids defined before use across threads), every live report is a whole
 * cycle, nothing is dropped.  (Few locks: with random orders over n locks the
 * number of distinct cycles grows like n!.) */
#define CT_THREADS 6
#define CT_LOCKS 6
#define CT_ROUNDS 3000
static pthread_mutex_t ct_mu[CT_LOCKS];

static void *ct_main(void *arg)
{
    uint32_t seed = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
    struct lg_thread *t = lg_thread_attach(0, 0);
    for (int round = 0; round < CT_ROUNDS; round++) {
        int held[3], nh = 0;
        int depth = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 3;
        for (int k = 0; k < depth; k++) {
            int i = (int)((seed = seed * 1103515245u + 12345u) >> 16) % CT_LOCKS;
            int dup = 0;
            for (int j = 0; j < nh; j++)
                dup |= held[j] == i;
            if (dup || pthread_mutex_trylock(&ct_mu[i]) != 0)
                continue;
            /* the fake stack is shared: whatever it is will do here */
            lg_acquired(t, (uintptr_t)&ct_mu[i], LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0,
                        0x870000 + 0x10 * (uintptr_t)i);
            held[nh++] = i;
        }
        /* release in a random order */
        while (nh) {
            int j = (int)((seed = seed * 1103515245u + 12345u) >> 16) % nh;
            g_assert_true(lg_released(t, (uintptr_t)&ct_mu[held[j]]));
            pthread_mutex_unlock(&ct_mu[held[j]]);
            held[j] = held[--nh];
        }
    }
    g_assert_cmpuint(t->nheld, ==, 0);
    lg_thread_detach(t);
    return NULL;
}

static void test_concurrent_valid(void)
{
    for (int i = 0; i < CT_LOCKS; i++)
        pthread_mutex_init(&ct_mu[i], NULL);
    size_t mark = fake_log_len();
    guint r0 = fake_report_count();
    pthread_t th[CT_THREADS];
    for (int i = 0; i < CT_THREADS; i++)
        g_assert_cmpint(pthread_create(&th[i], NULL, ct_main, (void *)(uintptr_t)(i + 1)), ==, 0);
    for (int i = 0; i < CT_THREADS; i++)
        pthread_join(th[i], NULL);
    fake_assert_log_valid();
    g_assert_cmpuint(lg_records_dropped(), ==, 0);
    /* one LOCK record per mutex */
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK), ==, CT_LOCKS);
    /* each live report is a cycle: item i's other lock is item i+1's lock */
    guint nrep = fake_report_count() - r0;
    g_assert_cmpuint(nrep, >, 0);
    for (guint i = r0; i < fake_report_count(); i++) {
        const fake_report *f = fake_report_at(i);
        g_assert_cmpuint(f->kind, ==, LG_FIND_LOCK_ORDER_INVERSION);
        g_assert_cmpuint(f->n, >=, 2);
        for (uint32_t k = 0; k < f->n; k++)
            g_assert_true(f->items[k].other == f->items[(k + 1) % f->n].lock);
    }
    g_assert_cmpuint(fake_log_count(mark, LG_REC_FINDING), >=, nrep);
    for (int i = 0; i < CT_LOCKS; i++)
        pthread_mutex_destroy(&ct_mu[i]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/log/all-records-valid", test_all_records_valid);
    g_test_add_func("/core/log/checker-catches", test_checker_catches);
    g_test_add_func("/core/log/platform-calls-without-core-locks",
                    test_platform_calls_without_core_locks);
    g_test_add_func("/core/log/thread-records", test_thread_records);
    g_test_add_func("/core/log/stats", test_stats);
    g_test_add_func("/core/log/concurrent-valid", test_concurrent_valid);
    g_test_add_func("/core/log/thread-exit-held-few", test_thread_exit_held_few);
    g_test_add_func("/core/log/thread-exit-held-many", test_thread_exit_held_many);
    g_test_add_func("/core/log/long-cycle-finding-whole", test_long_cycle_finding_whole);
    g_test_add_func("/core/log/replay-standalone", test_replay_standalone);
    g_test_add_func("/core/log/fork-child-replay", test_fork_child_replay);
    g_test_add_func("/core/log/fork-log-deferred", test_fork_log_deferred);
    return g_test_run();
}
