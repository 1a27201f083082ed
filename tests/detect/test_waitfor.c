/* The wait-for graph (shim/detect/waitfor.h), one rule per case, on hand-made
 * snapshots: no threads, no clock, no /proc.  A small "world" plays the host: which
 * lock each thread waits for, who owns and holds each lock, what the kernel shows a
 * thread asleep on.  Times are in ns against a threshold of 1000. */
#include <glib.h>
#include <string.h>

#include "waitfor.h"

#define NT 6      /* threads */
#define NL 6      /* locks */
#define TH 1000u  /* threshold */
#define NONE (-1)

typedef struct world {
    struct lg_wf_thread th[NT];
    uint32_t n;
    int lock_of[NT];   /* the lock a thread's lock wait names */
    int cond_of[NT];   /* the mutex of its condvar wait */
    int asleep[NT];    /* the lock the kernel shows it asleep on (rule 4) */
    uint32_t owner[NL];
    int shared[NL];
    uint32_t holders[NL][NT];
    uint32_t nholders[NL];
    unsigned describes, probes;
    struct lg_waitfor wf;
} world;

static void world_init(world *w, uint32_t n)
{
    memset(w, 0, sizeof *w);
    w->n = n;
    for (uint32_t i = 0; i < NT; i++) {
        w->th[i].serial = i + 1;
        w->th[i].seq = 100 + i;
        w->th[i].handle = 0x1000 + i;
        w->lock_of[i] = w->cond_of[i] = w->asleep[i] = NONE;
    }
    for (uint32_t l = 0; l < NL; l++)
        w->owner[l] = LG_WF_NOBODY;
}

static void describe_lock(world *w, int l, struct lg_wf_lock *out)
{
    memset(out, 0, sizeof *out);
    out->owner = w->owner[l];
    out->shared = (uint8_t)w->shared[l];
    for (uint32_t k = 0; k < w->nholders[l]; k++)
        out->holders[out->nholders++] = w->holders[l][k];
}

static void describe(void *ctx, uint32_t i, uint8_t kind, struct lg_wf_lock *out)
{
    world *w = ctx;
    w->describes++;
    int l = kind == LG_WF_COND ? w->cond_of[i] : w->lock_of[i];
    g_assert_cmpint(l, !=, NONE);
    describe_lock(w, l, out);
}

static int asleep_on(void *ctx, uint32_t i, struct lg_wf_lock *out)
{
    world *w = ctx;
    w->probes++;
    if (w->asleep[i] == NONE)
        return 0;
    w->lock_of[i] = w->asleep[i];
    describe_lock(w, w->asleep[i], out);
    return 1;
}

/* Thread i waits for lock l since `since`. */
static void wait_lock(world *w, uint32_t i, int l, uint64_t since)
{
    w->th[i].published |= LG_WF_LOCK;
    w->th[i].since = since;
    w->lock_of[i] = l;
}

static int tick(world *w, uint64_t now, struct lg_wf_deadlock *d)
{
    struct lg_wf_snapshot s = {.thread = w->th, .n = w->n, .now = now, .threshold = TH,
                               .describe = describe, .asleep_on = asleep_on, .ctx = w};
    memset(d, 0, sizeof *d);
    return lg_waitfor_tick(&w->wf, &s, d);
}

/* 1, 2, 5: thread 0 waits for lock 1 (owned by 1), thread 1 for lock 0 (owned by 0). */
static void abba(world *w, uint64_t since)
{
    world_init(w, 2);
    w->owner[0] = 0;
    w->owner[1] = 1;
    wait_lock(w, 0, 1, since);
    wait_lock(w, 1, 0, since);
}

static int has_thread(const struct lg_wf_deadlock *d, uint32_t i)
{
    for (uint32_t k = 0; k < d->n; k++)
        if (d->thread[k] == i)
            return 1;
    return 0;
}

/* Rule 6: a cycle seen on one tick is not reported; on two ticks with unchanged
 * sequences it is, in wait order. */
static void test_two_ticks(void)
{
    world w;
    struct lg_wf_deadlock d;
    abba(&w, 0);
    g_assert_false(tick(&w, 2000, &d));
    g_assert_true(tick(&w, 2100, &d));
    g_assert_cmpuint(d.n, ==, 2);
    g_assert_true(has_thread(&d, 0) && has_thread(&d, 1));
    g_assert_false(d.timed);
    g_assert_false(d.orphaned);
    /* thread[k] waits for thread[k+1] */
    for (uint32_t k = 0; k < d.n; k++)
        g_assert_cmpuint(w.owner[w.lock_of[d.thread[k]]], ==, d.thread[(k + 1) % d.n]);
}

/* Rule 1: a wait younger than the threshold is contention, not deadlock. */
static void test_young_wait(void)
{
    world w;
    struct lg_wf_deadlock d;
    abba(&w, 1500);
    g_assert_false(tick(&w, 2000, &d));
    g_assert_false(tick(&w, 2100, &d));
    g_assert_cmpuint(w.th[0].kind, ==, LG_WF_NONE);
    /* old enough from 2500 on: two ticks from then */
    g_assert_false(tick(&w, 2500, &d));
    g_assert_true(tick(&w, 2600, &d));
}

/* Rule 6: a wait that ended between ticks (and a new one began) is not a deadlock;
 * the new wait needs its own two ticks. */
static void test_wait_ended_between_ticks(void)
{
    world w;
    struct lg_wf_deadlock d;
    abba(&w, 0);
    g_assert_false(tick(&w, 2000, &d));
    w.th[0].seq++;
    g_assert_false(tick(&w, 2100, &d));
    g_assert_true(tick(&w, 2200, &d));
}

/* Rules 2 and 6: a waiter whose owner is running (not waiting) is no deadlock, and
 * a tick without one forgets the candidate. */
static void test_contention_only(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 2);
    w.owner[0] = 1;
    wait_lock(&w, 0, 0, 0);
    for (uint64_t now = 2000; now < 3000; now += 100)
        g_assert_false(tick(&w, now, &d));
    g_assert_cmpuint(w.th[0].nout, ==, 1);
    g_assert_cmpuint(w.th[0].out[0], ==, 1);
    g_assert_cmpuint(w.wf.candidate, ==, 0);
}

/* Rule 5: a wait on a lock whose owner exited is a deadlock of one (orphaned),
 * confirmed over two ticks like any other. */
static void test_orphaned(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 2);
    w.owner[3] = LG_WF_EXITED;
    wait_lock(&w, 1, 3, 0);
    g_assert_false(tick(&w, 2000, &d));
    g_assert_true(tick(&w, 2100, &d));
    g_assert_cmpuint(d.n, ==, 1);
    g_assert_cmpuint(d.thread[0], ==, 1);
    g_assert_true(d.orphaned);
}

/* Rule 3: a condvar waiter points at the mutex owner only once the kernel shows it
 * re-acquiring the mutex, for the threshold, within the same wait. */
static void test_cond_reacquire(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 2);
    w.owner[0] = 1; /* thread 1 holds the mutex ... */
    w.owner[1] = 0; /* ... and waits for lock 1, which thread 0 holds */
    wait_lock(&w, 1, 1, 0);
    w.th[0].published = LG_WF_COND;
    w.cond_of[0] = 0;
    /* waiting for a signal: not a waiter, however long */
    for (uint64_t now = 2000; now < 5000; now += 500)
        g_assert_false(tick(&w, now, &d));
    g_assert_cmpuint(w.th[0].kind, ==, LG_WF_NONE);
    /* asleep on the mutex from 5000: a waiter from 6000, confirmed at the tick after */
    w.th[0].cond_asleep = 1;
    g_assert_false(tick(&w, 5000, &d));
    g_assert_cmpuint(w.th[0].cond_since, ==, 5000);
    g_assert_false(tick(&w, 5900, &d));
    g_assert_false(tick(&w, 6000, &d));
    g_assert_cmpuint(w.th[0].kind, ==, LG_WF_COND);
    /* a new wait restarts its clock */
    w.th[0].seq++;
    g_assert_false(tick(&w, 6100, &d));
    g_assert_cmpuint(w.th[0].cond_since, ==, 6100);
    g_assert_false(tick(&w, 7100, &d));
    g_assert_true(tick(&w, 7200, &d));
    g_assert_cmpuint(d.n, ==, 2);
    /* awake again: the clock is dropped */
    w.th[0].cond_asleep = 0;
    tick(&w, 7300, &d);
    g_assert_cmpuint(w.th[0].cond_since, ==, 0);
}

/* Rule 2: a joiner points at the thread it joins. */
static void test_join(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 3);
    w.th[0].published = LG_WF_JOIN;
    w.th[0].joining = w.th[2].handle;
    w.th[0].since = 0;
    w.owner[0] = 0;
    wait_lock(&w, 2, 0, 0); /* the joined thread waits for a lock the joiner holds */
    g_assert_false(tick(&w, 2000, &d));
    g_assert_true(tick(&w, 2100, &d));
    g_assert_cmpuint(d.n, ==, 2);
    g_assert_true(has_thread(&d, 0) && has_thread(&d, 2));
    g_assert_cmpuint(w.th[0].kind, ==, LG_WF_JOIN);
    g_assert_cmpuint(w.th[2].kind, ==, LG_WF_LOCK);
}

/* Rule 2: an rwlock waiter points at every holder, not only at a writer. */
static void test_rwlock_holders(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 3);
    w.shared[0] = 1; /* readers 1 and 2 hold lock 0; thread 0 wants to write it */
    w.holders[0][0] = 1;
    w.holders[0][1] = 2;
    w.nholders[0] = 2;
    wait_lock(&w, 0, 0, 0);
    w.owner[1] = 0; /* reader 2 waits for lock 1, held by thread 0 */
    wait_lock(&w, 2, 1, 0);
    g_assert_false(tick(&w, 2000, &d));
    g_assert_cmpuint(w.th[0].nout, ==, 2);
    g_assert_true(tick(&w, 2100, &d));
    g_assert_true(has_thread(&d, 0) && has_thread(&d, 2));
    g_assert_false(has_thread(&d, 1));
}

/* Rule 4: a thread others wait for that published nothing is asked about; asleep
 * on a lock it does not own, it is a waiter too. */
static void test_unpublished_waiter(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 3);
    w.owner[0] = 1;
    w.owner[1] = 0;
    wait_lock(&w, 0, 0, 0);
    w.asleep[1] = 1;
    g_assert_false(tick(&w, 2000, &d));
    g_assert_cmpuint(w.th[1].kind, ==, LG_WF_LOCK);
    g_assert_true(tick(&w, 2100, &d));
    g_assert_cmpuint(d.n, ==, 2);
    /* only threads someone waits for are asked: thread 2 never is */
    g_assert_cmpuint(w.probes, ==, 2);
    /* asleep on a lock it owns itself: not a waiter */
    world_init(&w, 2);
    w.owner[0] = 1;
    wait_lock(&w, 0, 0, 0);
    w.asleep[1] = 0;
    g_assert_false(tick(&w, 2000, &d));
    g_assert_cmpuint(w.th[1].kind, ==, LG_WF_NONE);
}

/* Rule 8: a deadlock with a timed waiter is flagged timed (it ends by itself; the
 * host does not end the process for it). */
static void test_timed(void)
{
    world w;
    struct lg_wf_deadlock d;
    abba(&w, 0);
    w.th[1].wait_timed = 1;
    g_assert_false(tick(&w, 2000, &d));
    g_assert_true(tick(&w, 2100, &d));
    g_assert_true(d.timed);
}

/* Rule 7: each deadlock is reported once, however long it stays, even after a
 * reset (fork child); a new wait of the same threads is a new deadlock. */
static void test_reported_once(void)
{
    world w;
    struct lg_wf_deadlock d;
    abba(&w, 0);
    g_assert_false(tick(&w, 2000, &d));
    g_assert_true(tick(&w, 2100, &d));
    for (uint64_t now = 2200; now < 4000; now += 100)
        g_assert_false(tick(&w, now, &d));
    lg_waitfor_reset(&w.wf);
    g_assert_false(tick(&w, 4000, &d));
    g_assert_false(tick(&w, 4100, &d));
    w.th[1].seq++;
    g_assert_false(tick(&w, 4200, &d));
    g_assert_true(tick(&w, 4300, &d));
}

/* A ring of three: the cycle comes back whole, whichever thread it starts from. */
static void test_ring(void)
{
    world w;
    struct lg_wf_deadlock d;
    world_init(&w, 4);
    for (uint32_t i = 0; i < 3; i++) {
        w.owner[i] = i;
        wait_lock(&w, i, (int)((i + 1) % 3), 0);
    }
    g_assert_false(tick(&w, 2000, &d));
    g_assert_true(tick(&w, 2100, &d));
    g_assert_cmpuint(d.n, ==, 3);
    g_assert_false(has_thread(&d, 3));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/waitfor/two-ticks", test_two_ticks);
    g_test_add_func("/core/waitfor/young-wait", test_young_wait);
    g_test_add_func("/core/waitfor/wait-ended-between-ticks", test_wait_ended_between_ticks);
    g_test_add_func("/core/waitfor/contention-only", test_contention_only);
    g_test_add_func("/core/waitfor/orphaned", test_orphaned);
    g_test_add_func("/core/waitfor/cond-reacquire", test_cond_reacquire);
    g_test_add_func("/core/waitfor/join", test_join);
    g_test_add_func("/core/waitfor/rwlock-holders", test_rwlock_holders);
    g_test_add_func("/core/waitfor/unpublished-waiter", test_unpublished_waiter);
    g_test_add_func("/core/waitfor/timed", test_timed);
    g_test_add_func("/core/waitfor/reported-once", test_reported_once);
    g_test_add_func("/core/waitfor/ring", test_ring);
    return g_test_run();
}
