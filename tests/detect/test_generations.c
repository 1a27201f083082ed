/* Detection core: lock instances and generations.  A retired lock reused at the
 * same address is a new record (new id, generation + 1), and edges of the old
 * instance never combine with the new one. */
#define _GNU_SOURCE
#include "fake_host.h"
#include "lock_table.h"

#include <errno.h>
#include <sys/mman.h>

struct lockrecs {
    guint n;
    fake_rec *r[8];
};

/* LOCK and LOCK_RETIRE records about addr since mark, in log order. */
static GArray *records_of(size_t mark, uintptr_t addr, struct lockrecs *out)
{
    GArray *recs = fake_log_records(mark);
    GHashTable *ids = g_hash_table_new(NULL, NULL);
    out->n = 0;
    for (guint i = 0; i < recs->len; i++) {
        fake_rec *r = &g_array_index(recs, fake_rec, i);
        int mine = 0;
        if (r->type == LG_REC_LOCK && r->u.lock.addr == addr) {
            g_hash_table_add(ids, (gpointer)(guintptr)r->u.lock.id);
            mine = 1;
        } else if (r->type == LG_REC_LOCK_RETIRE) {
            mine = g_hash_table_contains(ids, (gpointer)(guintptr)r->u.retire.id);
        }
        if (mine) {
            g_assert_cmpuint(out->n, <, 8);
            out->r[out->n++] = r;
        }
    }
    g_hash_table_unref(ids);
    return recs;
}

static void test_retire_and_reuse(void)
{
    static uint64_t lk[1];
    void *X = &lk[0];
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    fake_lock(t, X, 0x601010);
    fake_unlock(t, X);
    struct lg_lockrec *old = lg_table_find((uintptr_t)X);
    g_assert_nonnull(old);
    uint32_t old_id = old->id, old_gen = old->gen;
    g_assert_cmpuint(old_gen, ==, 1);

    lg_lock_retire((uintptr_t)X, LG_RETIRE_DESTROY);
    g_assert_null(lg_table_find((uintptr_t)X));
    g_assert_cmpuint(atomic_load(&old->flags) & LG_LR_DEAD, !=, 0);
    /* retiring again (double destroy) writes nothing */
    size_t mid = fake_log_len();
    lg_lock_retire((uintptr_t)X, LG_RETIRE_DESTROY);
    g_assert_cmpuint(fake_log_len(), ==, mid);

    fake_lock(t, X, 0x601020);
    fake_unlock(t, X);
    struct lg_lockrec *cur = lg_table_find((uintptr_t)X);
    g_assert_nonnull(cur);
    g_assert_true(cur != old);
    g_assert_cmpuint(cur->id, !=, old_id);
    g_assert_cmpuint(cur->gen, ==, old_gen + 1);

    struct lockrecs lr;
    GArray *recs = records_of(mark, (uintptr_t)X, &lr);
    g_assert_cmpuint(lr.n, ==, 3);
    g_assert_cmpuint(lr.r[0]->type, ==, LG_REC_LOCK);
    g_assert_cmpuint(lr.r[0]->u.lock.id, ==, old_id);
    g_assert_cmpuint(lr.r[0]->u.lock.gen, ==, old_gen);
    g_assert_cmpuint(lr.r[0]->u.lock.class_type, ==, LG_CLASS_SITE);
    g_assert_true(fake_stack_is_of(lr.r[0]->u.lock.first_stack, 0x601010));
    g_assert_cmpuint(lr.r[1]->type, ==, LG_REC_LOCK_RETIRE);
    g_assert_cmpuint(lr.r[1]->u.retire.id, ==, old_id);
    g_assert_cmpuint(lr.r[1]->u.retire.reason, ==, LG_RETIRE_DESTROY);
    g_assert_cmpuint(lr.r[2]->type, ==, LG_REC_LOCK);
    g_assert_cmpuint(lr.r[2]->u.lock.id, ==, cur->id);
    g_assert_cmpuint(lr.r[2]->u.lock.gen, ==, old_gen + 1);
    g_assert_true(fake_stack_is_of(lr.r[2]->u.lock.first_stack, 0x601020));
    g_array_unref(recs);

    /* a third instance: generation 3 */
    lg_lock_retire((uintptr_t)X, LG_RETIRE_REINIT);
    fake_lock(t, X, 0x601030);
    fake_unlock(t, X);
    g_assert_cmpuint(lg_table_find((uintptr_t)X)->gen, ==, 3);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A -> X with the old X; X' (same address, new instance) -> A: no cycle.  The same
 * order with the new instance on both sides is one. */
static void test_old_edges_do_not_combine(void)
{
    static uint64_t lk[2];
    void *A = &lk[0], *X = &lk[1];
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, A, 0x611010);
    fake_lock(t1, X, 0x611020);
    fake_unlock(t1, X);
    fake_unlock(t1, A);
    struct lg_lockrec *old = lg_table_find((uintptr_t)X);
    lg_lock_retire((uintptr_t)X, LG_RETIRE_DESTROY);

    size_t mark = fake_log_len();
    fake_lock(t2, X, 0x612010);
    fake_lock(t2, A, 0x612020);
    fake_unlock(t2, A);
    fake_unlock(t2, X);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_FINDING), ==, 0);
    struct lg_lockrec *cur = lg_table_find((uintptr_t)X);
    g_assert_true(cur && cur != old);
    /* the new edge is from the new instance */
    GArray *recs = fake_log_records(mark);
    guint nedge = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_EDGE) {
            nedge++;
            g_assert_cmpuint(r->u.edge.from, ==, cur->id);
            g_assert_cmpuint(r->u.edge.to, ==, lg_table_find((uintptr_t)A)->id);
        }
    }
    g_assert_cmpuint(nedge, ==, 1);
    g_array_unref(recs);

    /* control: A -> X' now closes a cycle with X' -> A */
    fake_lock(t1, A, 0x611030);
    fake_lock(t1, X, 0x611040);
    fake_unlock(t1, X);
    fake_unlock(t1, A);
    g_assert_cmpuint(fake_report_count(), ==, r0 + 1);
    const fake_report *f = fake_report_at(r0);
    for (uint32_t i = 0; i < f->n; i++)
        g_assert_true(f->items[i].lock != old && f->items[i].other != old);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

/* Destroyed while held: the instance ends when it is released. */
static void test_destroy_while_held(void)
{
    static uint64_t lk[1];
    void *X = &lk[0];
    fake_worker *t = fake_worker_start();
    fake_lock(t, X, 0x621010);
    struct lg_lockrec *old = lg_table_find((uintptr_t)X);
    size_t mark = fake_log_len();
    lg_lock_retire((uintptr_t)X, LG_RETIRE_DESTROY);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK_RETIRE), ==, 0);
    g_assert_true(lg_table_find((uintptr_t)X) == old);
    g_assert_true(fake_unlock(t, X));
    GArray *recs = fake_log_records(mark);
    g_assert_cmpuint(recs->len, ==, 1);
    const fake_rec *r = &g_array_index(recs, fake_rec, 0);
    g_assert_cmpuint(r->type, ==, LG_REC_LOCK_RETIRE);
    g_assert_cmpuint(r->u.retire.id, ==, old->id);
    g_assert_cmpuint(r->u.retire.reason, ==, LG_RETIRE_DESTROY);
    g_array_unref(recs);
    g_assert_null(lg_table_find((uintptr_t)X));
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* lg_retire_range over heap memory retires the heap locks inside it, and only those. */
static void test_retire_range(void)
{
    unsigned char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(m != MAP_FAILED);
    uintptr_t base = (uintptr_t)m;
    g_assert_cmpint(lg_heap_may_hold_locks(base, base + 4 * 4096), ==, 0);
    /* in range: two locks on page 0, one on page 1; out of range: before lo on page 0,
     * after hi on page 1, and on page 3 */
    void *in[3] = {m + 0x100, m + 0x800, m + 4096 + 0x40};
    void *out[3] = {m + 0x40, m + 4096 + 0x800, m + 3 * 4096 + 0x80};
    fake_worker *t = fake_worker_start();
    for (int i = 0; i < 3; i++) {
        fake_lock(t, in[i], 0x631000 + 0x10 * (uintptr_t)i);
        fake_unlock(t, in[i]);
        fake_lock(t, out[i], 0x632000 + 0x10 * (uintptr_t)i);
        fake_unlock(t, out[i]);
    }
    uint64_t in_ids[3], out_ids[3];
    for (int i = 0; i < 3; i++) {
        struct lg_lockrec *l = lg_table_find((uintptr_t)in[i]);
        g_assert_nonnull(l);
        g_assert_cmpuint(atomic_load(&l->flags) & LG_LR_HEAP, !=, 0);
        in_ids[i] = l->id;
        out_ids[i] = lg_table_find((uintptr_t)out[i])->id;
    }
    g_assert_cmpint(lg_heap_may_hold_locks(base, base + 4096), ==, 1);
    g_assert_cmpint(lg_heap_may_hold_locks(base + 2 * 4096, base + 3 * 4096), ==, 0);

    size_t mark = fake_log_len();
    uintptr_t lo = base + 0x100, hi = base + 4096 + 0x400;
    lg_retire_range(lo, hi);
    GArray *recs = fake_log_records(mark);
    g_assert_cmpuint(recs->len, ==, 3);
    for (guint k = 0; k < recs->len; k++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, k);
        g_assert_cmpuint(r->type, ==, LG_REC_LOCK_RETIRE);
        g_assert_cmpuint(r->u.retire.reason, ==, LG_RETIRE_FREED);
        g_assert_true(r->u.retire.id == in_ids[0] || r->u.retire.id == in_ids[1] ||
                      r->u.retire.id == in_ids[2]);
    }
    g_array_unref(recs);
    for (int i = 0; i < 3; i++) {
        g_assert_null(lg_table_find((uintptr_t)in[i]));
        struct lg_lockrec *o = lg_table_find((uintptr_t)out[i]);
        g_assert_nonnull(o);
        g_assert_cmpuint(o->id, ==, out_ids[i]);
    }
    /* reuse of freed memory: new instances */
    fake_lock(t, in[0], 0x633000);
    fake_unlock(t, in[0]);
    g_assert_cmpuint(lg_table_find((uintptr_t)in[0])->gen, ==, 2);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* munmap of a huge reservation (8 TiB of PROT_NONE address space, as allocators and
 * runtimes reserve it) retires the heap locks inside it in time that follows the
 * locks, not the range: one walk of the lock table instead of 2^31 pages. */
struct live_in_range {
    uintptr_t lo, hi;
    size_t n;
};

static void count_live_in_range(struct lg_lockrec *l, void *arg)
{
    struct live_in_range *r = arg;
    uint16_t f = atomic_load_explicit(&l->flags, memory_order_relaxed);
    if (l->addr >= r->lo && l->addr < r->hi && (f & LG_LR_HEAP) && !(f & LG_LR_DEAD))
        r->n++;
}

static void test_retire_range_huge(void)
{
    unsigned char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(m != MAP_FAILED);
    static uint64_t st[1]; /* a static lock: not heap, never retired by a free */
    void *in[2] = {m + 0x80, m + 2 * 4096 + 0x40};
    fake_worker *t = fake_worker_start();
    for (int i = 0; i < 2; i++) {
        fake_lock(t, in[i], 0x6a1000 + 0x10 * (uintptr_t)i);
        fake_unlock(t, in[i]);
    }
    fake_lock(t, st, 0x6a2000);
    fake_unlock(t, st);
    uintptr_t tib = (uintptr_t)1 << 40, lo = ((uintptr_t)m & ~(tib - 1)) - 4 * tib;
    uintptr_t hi = lo + 8 * tib;
    /* the static lock stays outside the range, wherever the loader put it */
    if ((uintptr_t)st >= lo && (uintptr_t)st < hi) {
        if ((uintptr_t)st < (uintptr_t)m)
            lo = (uintptr_t)st + sizeof st;
        else
            hi = (uintptr_t)st;
    }
    g_assert_true(lo < (uintptr_t)m && (uintptr_t)m + 3 * 4096 <= hi);
    /* still far more pages than a page walk would take (4 GiB at the least) */
    g_assert_cmpuint(hi - lo, >=, (uintptr_t)1 << 32);
    /* Earlier cases of this binary may have left heap locks of their own in the
     * 8 TiB: each live heap lock in the range must go too, and nothing else. */
    struct live_in_range live = {lo, hi, 0};
    lg_table_each(count_live_in_range, &live);
    uint64_t in_ids[2] = {lg_table_find((uintptr_t)in[0])->id, lg_table_find((uintptr_t)in[1])->id};
    size_t mark = fake_log_len();
    size_t steps = lg_retire_range(lo, hi);
    g_assert_cmpuint(steps, <=, lg_table_slots());
    g_assert_cmpuint(live.n, >=, 2);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK_RETIRE), ==, live.n);
    GArray *recs = fake_log_records(mark);
    guint seen_in = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_LOCK_RETIRE && (r->u.retire.id == in_ids[0] || r->u.retire.id == in_ids[1]))
            seen_in++;
    }
    g_array_unref(recs);
    g_assert_cmpuint(seen_in, ==, 2);
    for (int i = 0; i < 2; i++)
        g_assert_null(lg_table_find((uintptr_t)in[i]));
    g_assert_nonnull(lg_table_find((uintptr_t)st));
    /* a small free still walks pages: one step per page */
    fake_lock(t, in[0], 0x6a3000);
    fake_unlock(t, in[0]);
    g_assert_cmpuint(lg_retire_range((uintptr_t)m, (uintptr_t)m + 4096), ==, 1);
    g_assert_null(lg_table_find((uintptr_t)in[0]));
    fake_worker_stop(t);
    munmap(m, 3 * 4096);
    fake_assert_log_valid();
}

/* A spinlock is an int: 4-byte aligned, e.g. at offset 4 of a struct.  Freeing the
 * memory holding it retires it like any other lock, so a later lock at the same
 * address (the memory reused) does not inherit its edges. */
static void test_retire_range_unaligned_spinlock(void)
{
    unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
    g_assert_true(m != MAP_FAILED);
    static uint64_t lk[1];
    void *A = &lk[0];
    void *S = m + 0x104; /* struct { int x; pthread_spinlock_t s; } at m + 0x100 */
    guint r0 = fake_report_count();
    fake_worker *t1 = fake_worker_start(), *t2 = fake_worker_start();
    fake_lock(t1, A, 0x671010);
    fake_acquire(t1, S, LG_KIND_SPIN, NULL, LG_MODE_SPIN, 0, 0x671020);
    fake_unlock(t1, S);
    fake_unlock(t1, A);
    struct lg_lockrec *old = lg_table_find((uintptr_t)S);
    g_assert_nonnull(old);
    g_assert_cmpint(lg_heap_may_hold_locks((uintptr_t)m, (uintptr_t)m + 4096), ==, 1);

    /* free(m + 0x100): the block holding the spinlock */
    size_t mark = fake_log_len();
    lg_retire_range((uintptr_t)m + 0x100, (uintptr_t)m + 0x140);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK_RETIRE), ==, 1);
    g_assert_null(lg_table_find((uintptr_t)S));

    /* the memory reused: a mutex at the same address, taken before A */
    fake_lock(t2, S, 0x672010);
    fake_lock(t2, A, 0x672020);
    fake_unlock(t2, A);
    fake_unlock(t2, S);
    g_assert_true(lg_table_find((uintptr_t)S) != old);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    fake_worker_stop(t1);
    fake_worker_stop(t2);
    fake_assert_log_valid();
}

/* A lock in a module's data is classed static: (module, offset), no class stack. */
static void test_static_lock_class(void)
{
    static uint64_t lk[4];
    fake_add_static_range((uintptr_t)&lk[0], (uintptr_t)&lk[4], 7);
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    fake_lock(t, &lk[2], 0x641000);
    fake_unlock(t, &lk[2]);
    GArray *recs = fake_log_records(mark);
    guint n = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type != LG_REC_LOCK)
            continue;
        n++;
        g_assert_cmpuint(r->u.lock.addr, ==, (uintptr_t)&lk[2]);
        g_assert_cmpuint(r->u.lock.class_type, ==, LG_CLASS_STATIC);
        g_assert_cmpuint(r->u.lock.module, ==, 7);
        g_assert_cmpuint(r->u.lock.offset, ==, 2 * sizeof lk[0]);
        g_assert_cmpuint(r->u.lock.class_stack, ==, 0);
        g_assert_cmpuint(r->u.lock.kind, ==, LG_KIND_MUTEX);
        g_assert_true(fake_stack_is_of(r->u.lock.first_stack, 0x641000));
    }
    g_assert_cmpuint(n, ==, 1);
    g_array_unref(recs);
    struct lg_lockrec *l = lg_table_find((uintptr_t)&lk[2]);
    g_assert_cmpuint(atomic_load(&l->flags) & (LG_LR_HEAP | LG_LR_STACK), ==, 0);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A lock on a thread's own stack belongs to the frame whose return-address slot
 * the platform names.  While that slot holds the same return address the lock is
 * the same instance; once another frame took its place (another address in the
 * slot) the next use is a new instance; and the thread's exit ends it. */
struct frame_args {
    volatile uintptr_t slot; /* stands in for the frame's return-address slot */
    uintptr_t lock;
    uint32_t id1, id2, id3;
    uint16_t flags1;
};

static void use_lock(struct lg_thread *t, uintptr_t a, uintptr_t pc)
{
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(pc, s);
    fake_set_stack(s, FAKE_FRAMES);
    lg_acquired(t, a, LG_KIND_MUTEX, NULL, LG_MODE_EXCL, 0, pc);
    g_assert_true(lg_released(t, a));
}

static void frame_steps(struct lg_thread *t, void *p)
{
    struct frame_args *a = p;
    volatile uint64_t frame_lock[2];
    frame_lock[0] = 0;
    a->lock = (uintptr_t)&frame_lock[1];
    a->slot = 0x401111;
    fake_set_frame_slot((uintptr_t)&a->slot);
    use_lock(t, a->lock, 0x651010);
    struct lg_lockrec *l = lg_table_find(a->lock);
    g_assert_nonnull(l);
    a->id1 = l->id;
    a->flags1 = atomic_load(&l->flags);
    use_lock(t, a->lock, 0x651010); /* same frame: same instance */
    a->id2 = lg_table_find(a->lock)->id;
    a->slot = 0x402222; /* another frame at the same place */
    use_lock(t, a->lock, 0x651020);
    a->id3 = lg_table_find(a->lock)->id;
    fake_set_frame_slot(0);
}

static void test_stack_lock_retired_with_frame(void)
{
    static struct frame_args a;
    fake_set_real_stack_bounds(); /* the worker gets its real stack bounds */
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    fake_set_stack_bounds(0, 0);
    fake_worker_run(t, frame_steps, &a);
    g_assert_cmpuint(a.flags1 & LG_LR_STACK, !=, 0);
    g_assert_cmpuint(a.id2, ==, a.id1);
    g_assert_cmpuint(a.id3, !=, a.id1);
    struct lg_lockrec *now = lg_table_by_id(a.id3);
    g_assert_cmpuint(now->gen, ==, lg_table_by_id(a.id1)->gen + 1);
    fake_worker_stop(t); /* thread exit ends the second instance too */
    g_assert_null(lg_table_find(a.lock));
    GArray *recs = fake_log_records(mark);
    guint nret = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_LOCK_RETIRE) {
            g_assert_cmpuint(r->u.retire.id, ==, nret == 0 ? a.id1 : a.id3);
            g_assert_cmpuint(r->u.retire.reason, ==, LG_RETIRE_STACK);
            nret++;
        }
    }
    g_assert_cmpuint(nret, ==, 2);
    g_array_unref(recs);
    fake_assert_log_valid();
}

/* More locks than the first lock table holds: the table grows, and every lock keeps
 * its one record (no second LOCK record, same id, found on the fast path). */
#define NTABLE 5000
static void test_table_growth(void)
{
    static uint64_t lk[NTABLE];
    static uint32_t ids[NTABLE];
    fake_worker *t = fake_worker_start();
    size_t mark = fake_log_len();
    for (int i = 0; i < NTABLE; i++) {
        fake_lock(t, &lk[i], 0x661000 + 0x10 * (uintptr_t)(i % 64));
        fake_unlock(t, &lk[i]);
    }
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK), ==, NTABLE);
    for (int i = 0; i < NTABLE; i++) {
        struct lg_lockrec *l = lg_table_find((uintptr_t)&lk[i]);
        g_assert_nonnull(l);
        g_assert_cmpuint(l->addr, ==, (uintptr_t)&lk[i]);
        g_assert_true(lg_table_by_id(l->id) == l);
        ids[i] = l->id;
    }
    size_t m2 = fake_log_len();
    unsigned bt = fake_backtrace_calls();
    for (int i = 0; i < NTABLE; i++) {
        fake_lock(t, &lk[i], 0x662000);
        fake_unlock(t, &lk[i]);
    }
    g_assert_cmpuint(fake_log_len(), ==, m2);
    g_assert_cmpuint(fake_backtrace_calls(), ==, bt);
    for (int i = 0; i < NTABLE; i++)
        g_assert_cmpuint(lg_table_find((uintptr_t)&lk[i])->id, ==, ids[i]);
    /* retire every other one, then use all: new records only for those */
    for (int i = 0; i < NTABLE; i += 2)
        lg_lock_retire((uintptr_t)&lk[i], LG_RETIRE_DESTROY);
    size_t m3 = fake_log_len();
    for (int i = 0; i < NTABLE; i++) {
        fake_lock(t, &lk[i], 0x663000);
        fake_unlock(t, &lk[i]);
    }
    g_assert_cmpuint(fake_log_count(m3, LG_REC_LOCK), ==, NTABLE / 2);
    for (int i = 0; i < NTABLE; i++) {
        struct lg_lockrec *l = lg_table_find((uintptr_t)&lk[i]);
        g_assert_cmpuint(l->gen, ==, i % 2 ? 1 : 2);
        if (i % 2)
            g_assert_cmpuint(l->id, ==, ids[i]);
    }
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* ---- classes from the init site (detect.h lg_lock_init) ---------------------------- */

struct init_args {
    uintptr_t addr;
    uintptr_t pc; /* the init's fake stack is fake_stack_of(pc) */
    int err;      /* errno after lg_lock_init (set to 4242 before) */
};

/* What the init hooks do: end the old instance, then (the real init succeeded) make
 * the new one. */
static void do_init(struct lg_thread *t, void *p)
{
    struct init_args *a = p;
    uintptr_t s[FAKE_FRAMES];
    fake_stack_of(a->pc, s);
    fake_set_stack(s, FAKE_FRAMES);
    lg_lock_end(t, a->addr, LG_RETIRE_REINIT);
    errno = 4242;
    lg_lock_init(t, a->addr, LG_KIND_MUTEX, NULL);
    a->err = errno;
}

static void fake_init(fake_worker *w, void *lock, uintptr_t pc)
{
    struct init_args a = {(uintptr_t)lock, pc, 0};
    fake_worker_run(w, do_init, &a);
    g_assert_cmpint(a.err, ==, 4242);
}

/* A heap lock initialized through a hooked call gets its record at the init, with the
 * init's stack as its class and first stack and LOCK.flags LG_LOCKF_INIT_SITE; its
 * first use adds nothing; a re-init retires it (REINIT) and makes the next instance
 * the same way.  Two locks inited at two sites and first used at one site have two
 * classes. */
static void test_init_site_class(void)
{
    static uint64_t lk[2];
    void *X = &lk[0], *Y = &lk[1];
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    unsigned bt0 = fake_backtrace_calls();
    fake_init(t, X, 0x651010);
    g_assert_cmpuint(fake_backtrace_calls(), ==, bt0 + 1); /* one capture per init */
    struct lg_lockrec *x = lg_table_find((uintptr_t)X);
    g_assert_nonnull(x);
    g_assert_cmpuint(x->gen, ==, 1);
    g_assert_cmpuint(x->log_flags, ==, LG_LOCKF_INIT_SITE);
    g_assert_cmpuint(atomic_load(&x->flags) & LG_LR_HEAP, !=, 0);
    fake_init(t, Y, 0x652010);
    /* both first used at one site */
    fake_lock(t, X, 0x653010);
    fake_lock(t, Y, 0x653010);
    fake_unlock(t, Y);
    fake_unlock(t, X);
    g_assert_true(lg_table_find((uintptr_t)X) == x);

    struct lockrecs lr;
    GArray *recs = records_of(mark, (uintptr_t)X, &lr);
    g_assert_cmpuint(lr.n, ==, 1);
    g_assert_cmpuint(lr.r[0]->type, ==, LG_REC_LOCK);
    g_assert_cmpuint(lr.r[0]->u.lock.flags, ==, LG_LOCKF_INIT_SITE);
    g_assert_cmpuint(lr.r[0]->u.lock.class_type, ==, LG_CLASS_SITE);
    g_assert_true(fake_stack_is_of(lr.r[0]->u.lock.class_stack, 0x651010));
    g_assert_cmpuint(lr.r[0]->u.lock.first_stack, ==, lr.r[0]->u.lock.class_stack);
    uint32_t x_class = lr.r[0]->u.lock.class_stack;
    g_array_unref(recs);
    recs = records_of(mark, (uintptr_t)Y, &lr);
    g_assert_cmpuint(lr.n, ==, 1);
    g_assert_true(fake_stack_is_of(lr.r[0]->u.lock.class_stack, 0x652010));
    g_assert_cmpuint(lr.r[0]->u.lock.class_stack, !=, x_class);
    g_array_unref(recs);

    /* re-init: the old instance ends, the new one is made at the new init */
    size_t mid = fake_log_len();
    fake_init(t, X, 0x654010);
    struct lg_lockrec *x2 = lg_table_find((uintptr_t)X);
    g_assert_true(x2 && x2 != x);
    g_assert_cmpuint(x2->gen, ==, 2);
    g_assert_cmpuint(atomic_load(&x->flags) & LG_LR_DEAD, !=, 0);
    recs = fake_log_records(mid);
    guint retires = 0, locks = 0;
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_LOCK_RETIRE && r->u.retire.id == x->id) {
            retires++;
            g_assert_cmpuint(r->u.retire.reason, ==, LG_RETIRE_REINIT);
        } else if (r->type == LG_REC_LOCK) {
            locks++;
            g_assert_cmpuint(r->u.lock.id, ==, x2->id);
            g_assert_cmpuint(r->u.lock.flags, ==, LG_LOCKF_INIT_SITE);
            g_assert_true(fake_stack_is_of(r->u.lock.class_stack, 0x654010));
        }
    }
    g_assert_cmpuint(retires, ==, 1);
    g_assert_cmpuint(locks, ==, 1);
    g_array_unref(recs);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* An init of a static lock changes nothing: no record, no capture at the init; the
 * first use makes it with its static class and LOCK.flags 0. */
static void test_init_site_static(void)
{
    static uint64_t lk[2];
    fake_add_static_range((uintptr_t)&lk[0], (uintptr_t)&lk[2], 9);
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    unsigned bt0 = fake_backtrace_calls();
    fake_init(t, &lk[1], 0x661010);
    g_assert_cmpuint(fake_backtrace_calls(), ==, bt0);
    g_assert_null(lg_table_find((uintptr_t)&lk[1]));
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK), ==, 0);
    fake_lock(t, &lk[1], 0x662010);
    fake_unlock(t, &lk[1]);
    struct lockrecs lr;
    GArray *recs = records_of(mark, (uintptr_t)&lk[1], &lr);
    g_assert_cmpuint(lr.n, ==, 1);
    g_assert_cmpuint(lr.r[0]->u.lock.flags, ==, 0);
    g_assert_cmpuint(lr.r[0]->u.lock.class_type, ==, LG_CLASS_STATIC);
    g_assert_cmpuint(lr.r[0]->u.lock.module, ==, 9);
    g_assert_true(fake_stack_is_of(lr.r[0]->u.lock.first_stack, 0x662010));
    g_array_unref(recs);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* Destroyed, then initialized again: the destroyed mark goes with the re-init, the new
 * instance is made at the init, and a use of it is no use after destroy. */
static void do_destroy(struct lg_thread *t, void *p)
{
    lg_lock_destroyed(t, (uintptr_t)p, 0x671090);
}

static void test_init_site_after_destroy(void)
{
    static uint64_t lk[1];
    void *X = &lk[0];
    fake_worker *t = fake_worker_start();
    fake_init(t, X, 0x671010);
    struct lg_lockrec *x = lg_table_find((uintptr_t)X);
    g_assert_nonnull(x);
    fake_worker_run(t, do_destroy, X);
    g_assert_cmpuint(atomic_load(&x->flags) & (LG_LR_DEAD | LG_LR_DESTROYED), ==,
                     LG_LR_DEAD | LG_LR_DESTROYED);
    guint r0 = fake_report_count();
    size_t mark = fake_log_len();
    fake_init(t, X, 0x671010);
    g_assert_cmpuint(atomic_load(&x->flags) & LG_LR_DESTROYED, ==, 0);
    struct lg_lockrec *x2 = lg_table_find((uintptr_t)X);
    g_assert_true(x2 && x2 != x);
    g_assert_cmpuint(x2->gen, ==, 2);
    g_assert_cmpuint(x2->log_flags, ==, LG_LOCKF_INIT_SITE);
    fake_lock(t, X, 0x672010);
    fake_unlock(t, X);
    g_assert_cmpuint(fake_report_count(), ==, r0);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_FINDING), ==, 0);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOCK), ==, 1);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

/* A thread's record cache (fastpath.h) holds X's instance after a few uses; once X
 * is re-initialised, its acquisitions must count on the new instance, never on the
 * cached, retired one. */
static void test_cached_record_retired(void)
{
    static uint64_t lk[1];
    void *X = &lk[0];
    fake_worker *t = fake_worker_start();
    for (int i = 0; i < 3; i++) { /* the first use makes the record, the next two hit */
        fake_lock(t, X, 0x681010);
        fake_unlock(t, X);
    }
    struct lg_lockrec *x = lg_table_find((uintptr_t)X);
    g_assert_nonnull(x);
    g_assert_cmpuint(x->acq, ==, 3);
    fake_init(t, X, 0x681020);
    struct lg_lockrec *x2 = lg_table_find((uintptr_t)X);
    g_assert_true(x2 && x2 != x);
    for (int i = 0; i < 2; i++) {
        fake_lock(t, X, 0x681030);
        fake_unlock(t, X);
    }
    g_assert_cmpuint(x->acq, ==, 3);
    g_assert_cmpuint(x2->acq, ==, 2);
    fake_worker_stop(t);
    fake_assert_log_valid();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    g_test_add_func("/core/generations/retire-and-reuse", test_retire_and_reuse);
    g_test_add_func("/core/generations/old-edges-do-not-combine", test_old_edges_do_not_combine);
    g_test_add_func("/core/generations/destroy-while-held", test_destroy_while_held);
    g_test_add_func("/core/generations/retire-range", test_retire_range);
    g_test_add_func("/core/generations/retire-range-huge", test_retire_range_huge);
    g_test_add_func("/core/generations/retire-range-unaligned-spinlock",
                    test_retire_range_unaligned_spinlock);
    g_test_add_func("/core/generations/static-class", test_static_lock_class);
    g_test_add_func("/core/generations/stack-lock-frame", test_stack_lock_retired_with_frame);
    g_test_add_func("/core/generations/table-growth", test_table_growth);
    g_test_add_func("/core/generations/init-site-class", test_init_site_class);
    g_test_add_func("/core/generations/init-site-static", test_init_site_static);
    g_test_add_func("/core/generations/init-site-after-destroy", test_init_site_after_destroy);
    g_test_add_func("/core/generations/cached-record-retired", test_cached_record_retired);
    return g_test_run();
}
