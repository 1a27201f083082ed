/* Detection core: its own losses (caps.h).  Reaching a cap is counted, and the
 * counters reach the log as a LOSSES record written with the statistics; a log that
 * lost nothing has no LOSSES record; the end of an image writes STATS, LOSSES and
 * END, in that order, before the host cuts the file. */
#include "fake_host.h"
#include "graph.h"
#include "lock_table.h"

#include <stdint.h>
#include <string.h>

/* The counters of the last LOSSES record from `mark` on; 0 if there is none. */
static guint last_losses(size_t mark, uint64_t value[LG_LOSS_COUNTER_MAX + 1])
{
    GArray *recs = fake_log_records(mark);
    guint n = 0;
    memset(value, 0, sizeof(uint64_t) * (LG_LOSS_COUNTER_MAX + 1));
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_LOSSES) {
            memcpy(value, r->u.losses.value, sizeof r->u.losses.value);
            n++;
        }
    }
    g_array_unref(recs);
    return n;
}

/* Nothing lost, nothing written: logs without losses are what they always were. */
static void test_none_when_nothing_lost(void)
{
    static uint64_t lk[2];
    for (unsigned c = 1; c <= LG_LOSS_COUNTER_MAX; c++)
        g_assert_cmpuint(lg_loss_get(c), ==, 0);
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    fake_lock(t, &lk[0], 0x901000);
    fake_lock(t, &lk[1], 0x901010);
    fake_unlock(t, &lk[1]);
    fake_unlock(t, &lk[0]);
    fake_worker_stop(t);
    lg_rec_stats(lg_plat_now());
    g_assert_cmpuint(fake_log_count(mark, LG_REC_STATS), ==, 1);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_LOSSES), ==, 0);
    fake_assert_log_valid();
}

/* An edge seen in more than LG_MAX_CTX distinct contexts keeps the first LG_MAX_CTX;
 * each one past the cap is counted, and the count is in the log. */
#define EXTRA 5
static void test_context_cap_counted(void)
{
    static uint64_t outer[LG_MAX_CTX + EXTRA], a, b;
    uint64_t before = lg_loss_get(LG_LOSS_CONTEXTS_DROPPED);
    size_t mark = fake_log_len();
    fake_worker *t = fake_worker_start();
    /* each outer lock makes a new chain {outer[i], a}: a new context of a -> b */
    for (unsigned i = 0; i < G_N_ELEMENTS(outer); i++) {
        fake_lock(t, &outer[i], 0x902000);
        fake_lock(t, &a, 0x902010);
        fake_lock(t, &b, 0x902020);
        fake_unlock(t, &b);
        fake_unlock(t, &a);
        fake_unlock(t, &outer[i]);
    }
    fake_worker_stop(t);
    g_assert_cmpuint(lg_loss_get(LG_LOSS_CONTEXTS_DROPPED) - before, ==, EXTRA);

    /* the log holds exactly LG_MAX_CTX contexts of a -> b */
    uint32_t ab = 0;
    guint nctx = 0;
    GArray *recs = fake_log_records(mark);
    for (guint i = 0; i < recs->len; i++) {
        const fake_rec *r = &g_array_index(recs, fake_rec, i);
        if (r->type == LG_REC_EDGE && r->u.edge.from == lg_table_find((uintptr_t)&a)->id &&
            r->u.edge.to == lg_table_find((uintptr_t)&b)->id)
            ab = r->u.edge.id;
        if (r->type == LG_REC_CONTEXT && ab && r->u.ctx.edge == ab)
            nctx++;
    }
    g_array_unref(recs);
    g_assert_cmpuint(ab, !=, 0);
    g_assert_cmpuint(nctx, ==, LG_MAX_CTX);

    size_t at = fake_log_len();
    lg_rec_stats(lg_plat_now());
    uint64_t v[LG_LOSS_COUNTER_MAX + 1];
    g_assert_cmpuint(last_losses(at, v), ==, 1);
    g_assert_cmpuint(v[LG_LOSS_CONTEXTS_DROPPED], ==, lg_loss_get(LG_LOSS_CONTEXTS_DROPPED));
    g_assert_cmpuint(v[LG_LOSS_RECORDS_DROPPED], ==, 0);
    fake_assert_log_valid();
}

/* A record too large for its buffer is dropped whole and counted; the count is per
 * log, so the next HEADER (a fork child's new log) starts it again. */
static void test_dropped_record_counted(void)
{
    static unsigned char huge[8192];
    memset(huge, 'x', sizeof huge);
    size_t mark = fake_log_len();
    lg_rec_start(&(lg_log_header){.pid = 1, .cmdline = {huge, sizeof huge}});
    g_assert_cmpuint(fake_log_len(), ==, mark); /* not written, not truncated */
    g_assert_cmpuint(lg_records_dropped(), ==, 1);
    lg_rec_stats(lg_plat_now());
    uint64_t v[LG_LOSS_COUNTER_MAX + 1];
    g_assert_cmpuint(last_losses(mark, v), ==, 1);
    g_assert_cmpuint(v[LG_LOSS_RECORDS_DROPPED], ==, 1);

    lg_rec_start(&(lg_log_header){.pid = 2, .exe = lg_bytes_of("/bin/x")});
    g_assert_cmpuint(lg_records_dropped(), ==, 0);
    g_assert_cmpuint(fake_log_count(mark, LG_REC_HEADER), ==, 1);
}

/* The end of an image: STATS, then LOSSES, then END last, and the host told to cut
 * the file only after END (all under one hold of the graph lock). */
static void test_finish_order(void)
{
    static uint64_t lk;
    fake_worker *t = fake_worker_start();
    fake_lock(t, &lk, 0x903000);
    fake_unlock(t, &lk);
    fake_worker_stop(t);
    lg_loss_count(LG_LOSS_SEARCHES_CUT);
    size_t mark = fake_log_len();
    lg_rec_finish(LG_END_EXIT);
    g_assert_cmpuint(fake_log_cut_at(), ==, fake_log_len());
    GArray *recs = fake_log_records(mark);
    g_assert_cmpuint(recs->len, >=, 3);
    const fake_rec *last = &g_array_index(recs, fake_rec, recs->len - 1);
    const fake_rec *losses = &g_array_index(recs, fake_rec, recs->len - 2);
    const fake_rec *stats = &g_array_index(recs, fake_rec, recs->len - 3);
    g_assert_cmpuint(last->type, ==, LG_REC_END);
    g_assert_cmpuint(losses->type, ==, LG_REC_LOSSES);
    g_assert_cmpuint(losses->u.losses.value[LG_LOSS_SEARCHES_CUT], ==,
                     lg_loss_get(LG_LOSS_SEARCHES_CUT));
    g_assert_cmpuint(stats->type, ==, LG_REC_STATS);
    g_array_unref(recs);
    fake_assert_log_valid();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fake_set_stack_bounds(0, 0);
    /* first: it needs counters still at zero when all cases run in one process */
    g_test_add_func("/core/losses/none-when-nothing-lost", test_none_when_nothing_lost);
    g_test_add_func("/core/losses/context-cap-counted", test_context_cap_counted);
    g_test_add_func("/core/losses/dropped-record-counted", test_dropped_record_counted);
    g_test_add_func("/core/losses/finish-order", test_finish_order);
    return g_test_run();
}
