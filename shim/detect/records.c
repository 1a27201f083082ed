#include "records.h"
#include "arena.h"
#include "fork_log.h"
#include "lock_table.h"
#include "graph.h"
#include "host.h"

#include <stdatomic.h>
#include <string.h>

static _Atomic uint64_t losses[LG_LOSS_COUNTER_MAX + 1];

void lg_loss_count(enum lg_loss_counter which)
{
    atomic_fetch_add_explicit(&losses[which], 1, memory_order_relaxed);
}

uint64_t lg_loss_get(enum lg_loss_counter which)
{
    return atomic_load_explicit(&losses[which], memory_order_relaxed);
}

uint64_t lg_records_dropped(void) { return lg_loss_get(LG_LOSS_RECORDS_DROPPED); }

static void emit(lg_enc *e)
{
    size_t n = lg_enc_finish(e);
    if (n)
        lg_plat_log(e->buf, n);
    else
        lg_loss_count(LG_LOSS_RECORDS_DROPPED);
}

/* Records are written under the graph lock, so one growable buffer serves every
 * record too large for the caller's stack buffer.  NULL (the record is dropped, and
 * counted) when there is no memory for it. */
static unsigned char *record_buffer(unsigned char *small, size_t small_cap, size_t need)
{
    static unsigned char *big;
    static size_t bigcap;
    if (need <= small_cap)
        return small;
    if (need > bigcap) {
        size_t cap = bigcap ? bigcap : 65536;
        while (cap < need)
            cap *= 2;
        unsigned char *n = lg_map(cap);
        if (!n) {
            lg_loss_count(LG_LOSS_RECORDS_DROPPED);
            return NULL;
        }
        if (big)
            lg_discard(big, bigcap);
        big = n;
        bigcap = cap;
    }
    return big;
}

void lg_rec_stack(uint32_t id, const uintptr_t *pcs, uint32_t n)
{
    unsigned char buf[LG_REC_HEADER_SIZE + 8 + LG_ITEM_SIZE_PC * LG_STACK_RECORD_MAX];
    lg_enc e;
    if (n > LG_STACK_RECORD_MAX)
        n = LG_STACK_RECORD_MAX;
    lg_encode_stack(&e, buf, sizeof buf, &(lg_log_stack){.stack_id = id, .n = n});
    for (uint32_t i = 0; i < n; i++)
        lg_encode_stack_item(&e, pcs[i]);
    emit(&e);
}

void lg_rec_stack_cut(uint32_t id)
{
    unsigned char buf[LG_REC_HEADER_SIZE + 8];
    lg_enc e;
    lg_encode_stack_cut(&e, buf, sizeof buf, &(lg_log_stack_cut){.stack_id = id});
    emit(&e);
}

void lg_rec_lock(const struct lg_lockrec *l, uint64_t ts, int class_type, uint32_t module,
                 uint64_t offset, uint32_t class_stack)
{
    unsigned char buf[128];
    lg_enc e;
    lg_encode_lock(&e, buf, sizeof buf,
                   &(lg_log_lock){.lock_id = l->id, .addr = l->addr, .generation = l->gen,
                                     .kind = l->kind, .subkind = l->subkind, .flags = l->log_flags,
                                     .first_stack_id = l->first_stack, .ts = ts,
                                     .class_type = (uint8_t)class_type,
                                     .class_module_id = module, .class_offset = offset,
                                     .class_stack_id = class_stack});
    emit(&e);
}

void lg_rec_retire(const struct lg_lockrec *l, uint64_t ts, int reason)
{
    unsigned char buf[64];
    lg_enc e;
    lg_encode_lock_retire(&e, buf, sizeof buf,
                          &(lg_log_lock_retire){l->id, ts, (uint8_t)reason});
    emit(&e);
}

void lg_rec_edge(const struct lg_edge *ed, uint64_t ts)
{
    unsigned char buf[64];
    lg_enc e;
    lg_encode_edge(&e, buf, sizeof buf, &(lg_log_edge){ed->id, ed->from->id, ed->to->id, ts});
    emit(&e);
}

void lg_rec_chain(const struct lg_chain *c)
{
    /* chains can be long (1000+ held locks): size the buffer from the chain */
    size_t need = LG_REC_HEADER_SIZE + 8 + (size_t)c->n * LG_ITEM_SIZE_CHAIN;
    unsigned char small[1024];
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf)
        return;
    lg_enc e;
    lg_encode_chain(&e, buf, need, &(lg_log_chain){.chain_id = c->id, .n = c->n});
    for (uint32_t i = 0; i < c->n; i++)
        lg_encode_chain_item(&e, &c->locks[i]);
    emit(&e);
}

void lg_rec_context(const struct lg_edge *ed, const struct lg_ctx *c, uint64_t ts)
{
    unsigned char buf[64];
    lg_enc e;
    lg_encode_context(&e, buf, sizeof buf,
                      &(lg_log_context){.edge_id = ed->id, .thread_serial = c->thread,
                                          .chain_id = c->chain, .from_mode = c->from_mode,
                                          .to_mode = c->to_mode, .flags = c->flags,
                                          .stack_id = c->stack, .held_stack_id = c->held_stack,
                                          .ts = ts});
    emit(&e);
}

void lg_rec_thread(const struct lg_thread *t, uint64_t ts)
{
    unsigned char buf[96];
    lg_enc e;
    lg_encode_thread(&e, buf, sizeof buf,
                     &(lg_log_thread){.serial = t->serial, .tid = t->tid,
                                         .creator_serial = t->creator,
                                         .create_stack_id = t->create_stack, .ts = ts,
                                         .name = lg_bytes_of(t->name)});
    emit(&e);
}

void lg_rec_thread_exit(const struct lg_thread *t, uint64_t ts)
{
    unsigned char small[LG_REC_HEADER_SIZE + 64 + 8 * 64];
    uint32_t n = t->nheld;
    size_t need = LG_REC_HEADER_SIZE + 64 + LG_ITEM_SIZE_PC * (size_t)n;
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf)
        return;
    lg_enc e;
    lg_encode_thread_exit(&e, buf, need,
                          &(lg_log_thread_exit){.serial = t->serial, .ts = ts,
                                                   .name = lg_bytes_of(t->name), .n = n});
    for (uint32_t i = 0; i < n; i++)
        lg_encode_thread_exit_item(&e, t->held[i].lock->id);
    emit(&e);
}

/* A deadlock's WAITS record follows its FINDING (same items, same order): the
 * durations and wait flags that an old reader's FINDING item has no field for. */
static void rec_waits(const struct lg_live_finding *f, uint64_t ts)
{
    unsigned char small[LG_REC_HEADER_SIZE + 16 + LG_ITEM_SIZE_WAIT * 64];
    size_t need = LG_REC_HEADER_SIZE + 16 + LG_ITEM_SIZE_WAIT * (size_t)f->n;
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf)
        return;
    lg_enc e;
    lg_encode_waits(&e, buf, need, &(lg_log_waits){.ts = ts, .n = f->n});
    for (uint32_t i = 0; i < f->n; i++) {
        const struct lg_finding_item *it = &f->items[i];
        lg_encode_waits_item(&e, &(lg_log_wait){.thread_serial = it->thread,
                                                 .flags = it->wait_flags,
                                                 .waited_ns = it->waited_ns,
                                                 .held_ns = it->held_ns});
    }
    emit(&e);
}

void lg_rec_finding(const struct lg_live_finding *f, uint64_t ts)
{
    unsigned char small[LG_REC_HEADER_SIZE + 512 + 40 * 64];
    uint32_t n = f->n;
    lg_bytes detail = lg_bytes_of(f->detail);
    size_t need = LG_REC_HEADER_SIZE + 32 + detail.n + 40 * (size_t)n;
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf)
        return;
    lg_enc e;
    lg_encode_finding(&e, buf, need,
                      &(lg_log_finding){.kind = f->kind, .flags = f->flags, .ts = ts,
                                          .value = f->value, .detail = detail, .n = n});
    for (uint32_t i = 0; i < n; i++) {
        const struct lg_finding_item *it = &f->items[i];
        lg_encode_finding_item(&e, &(lg_log_finding_item){
                                       .thread_serial = it->thread,
                                       .lock_id = it->lock ? it->lock->id : 0,
                                       .other_lock_id = it->other ? it->other->id : 0,
                                       .stack_id = it->stack, .other_stack_id = it->other_stack,
                                       .mode = it->mode});
    }
    emit(&e);
    if (f->kind == LG_FIND_DEADLOCK)
        rec_waits(f, ts);
}

/* Statistics snapshots list only the locks whose counters moved since the
 * previous snapshot (the reader keeps the latest snapshot per lock), so an idle
 * process writes nothing however many locks it has.  What was written last is a
 * fingerprint per lock id, in pages of LG_STATS_PAGE ids mapped on first use and
 * touched only by the snapshot writer (under the graph lock): 8 bytes per lock that
 * ever had a snapshot, nothing on the locking path.  A lock id past the directory
 * (16M) is written every time, as before. */
#define LG_STATS_PAGE_BITS 12
#define LG_STATS_PAGE (1u << LG_STATS_PAGE_BITS)
#define LG_STATS_PAGES 4096
static uint64_t *stats_seen[LG_STATS_PAGES];

static uint64_t *stats_seen_slot(uint32_t id)
{
    uint32_t p = id >> LG_STATS_PAGE_BITS;
    if (p >= LG_STATS_PAGES)
        return NULL;
    if (!stats_seen[p])
        stats_seen[p] = lg_map(LG_STATS_PAGE * sizeof(uint64_t));
    return stats_seen[p] ? &stats_seen[p][id & (LG_STATS_PAGE - 1)] : NULL;
}

/* Every counter that can move without acq moving (a release adds hold time) is in
 * it; contention and wait time move only with an acquisition. */
static uint64_t stats_fingerprint(const lg_log_lock_stats *s)
{
    uint64_t f = s->acquisitions * 0x9E3779B97F4A7C15ull ^ s->hold_total_ns * 0xC2B2AE3D27D4EB4Full ^
                 s->wait_total_ns ^ (s->contended << 40) ^ s->hold_max_ns;
    return f ? f : 1;
}

static uint64_t losses_written[LG_LOSS_COUNTER_MAX + 1]; /* last LOSSES record's values */

void lg_rec_stats_forget(void)
{
    memset(losses_written, 0, sizeof losses_written);
    for (uint32_t p = 0; p < LG_STATS_PAGES; p++)
        if (stats_seen[p])
            lg_discard(stats_seen[p], LG_STATS_PAGE * sizeof(uint64_t));
}

/* Statistics are gathered a record's worth at a time (the table walk does not know
 * how many locks it will visit), then encoded with their count. */
struct stats_batch {
    lg_log_lock_stats items[LG_STATS_PER_RECORD];
    unsigned char buf[LG_REC_HEADER_SIZE + 16 + LG_ITEM_SIZE_STATS * LG_STATS_PER_RECORD];
    uint32_t n;
    uint64_t ts;
};

static void stats_flush(struct stats_batch *b)
{
    if (!b->n)
        return;
    lg_enc e;
    lg_encode_stats(&e, b->buf, sizeof b->buf, &(lg_log_stats){.ts = b->ts, .n = b->n});
    for (uint32_t i = 0; i < b->n; i++)
        lg_encode_stats_item(&e, &b->items[i]);
    emit(&e);
    b->n = 0;
}

static void stats_one(struct lg_lockrec *l, void *arg)
{
    struct stats_batch *b = arg;
    if (!l->acq)
        return;
    lg_log_lock_stats s = {
        .lock_id = l->id,
        .acquisitions = l->acq,
        .contended = __atomic_load_n(&l->contended, __ATOMIC_RELAXED),
        .wait_total_ns = l->wait_total,
        .wait_max_ns = (uint64_t)__atomic_load_n(&l->wait_max_us, __ATOMIC_RELAXED) * 1000u,
        .hold_total_ns = l->hold_total,
        .hold_max_ns = l->hold_max};
    uint64_t fp = stats_fingerprint(&s);
    uint64_t *seen = stats_seen_slot(l->id);
    if (seen && *seen == fp)
        return; /* unchanged since the last snapshot: the reader has it */
    if (seen)
        *seen = fp;
    b->items[b->n] = s;
    if (++b->n == LG_STATS_PER_RECORD)
        stats_flush(b);
}

/* Only the counters that are not zero (under the graph lock): a log that lost nothing has no LOSSES record
 * (and stays readable by readers that predate it). */
static void rec_losses(uint64_t ts)
{
    lg_log_loss item[LG_LOSS_COUNTER_MAX];
    uint32_t n = 0;
    for (unsigned c = 1; c <= LG_LOSS_COUNTER_MAX; c++) {
        uint64_t v = lg_loss_get((enum lg_loss_counter)c);
        if (v)
            item[n++] = (lg_log_loss){c, v};
    }
    /* like the statistics: only when a counter moved since the last LOSSES record */
    uint64_t *written = losses_written;
    int moved = 0;
    for (uint32_t i = 0; i < n; i++)
        if (written[item[i].counter] != item[i].value) {
            written[item[i].counter] = item[i].value;
            moved = 1;
        }
    if (!moved)
        return;
    unsigned char buf[LG_REC_HEADER_SIZE + 16 + LG_ITEM_SIZE_LOSS * LG_LOSS_COUNTER_MAX];
    lg_enc e;
    lg_encode_losses(&e, buf, sizeof buf, &(lg_log_losses){.ts = ts, .n = n});
    for (uint32_t i = 0; i < n; i++)
        lg_encode_losses_item(&e, &item[i]);
    emit(&e);
}

void lg_rec_stats(uint64_t ts)
{
    static struct stats_batch b; /* under the graph lock */
    b.n = 0;
    b.ts = ts;
    lg_table_each(stats_one, &b);
    stats_flush(&b);
    rec_losses(ts);
}

void lg_rec_end(uint64_t ts, int reason)
{
    unsigned char buf[32];
    lg_enc e;
    lg_encode_end(&e, buf, sizeof buf, &(lg_log_end){ts, (uint8_t)reason});
    emit(&e);
}

/* ---- the host's records ---------------------------------------------------------- */

void lg_rec_start_locked(const lg_log_header *h)
{
    unsigned char buf[LG_REC_HEADER_SIZE + 4096 + 1024 + 256];
    lg_enc e;
    atomic_store_explicit(&losses[LG_LOSS_RECORDS_DROPPED], 0, memory_order_relaxed);
    lg_encode_header(&e, buf, sizeof buf, h);
    emit(&e);
}

void lg_rec_start(const lg_log_header *h)
{
    lg_graph_lock_quiet(); /* a new log: nothing to replay into it */
    lg_rec_start_locked(h);
    lg_graph_unlock();
}

void lg_rec_module_locked(const lg_log_module *m, const lg_log_segment *segs)
{
    unsigned char buf[LG_REC_HEADER_SIZE + 1024 + 32 + 16 * 8];
    lg_enc e;
    lg_encode_module(&e, buf, sizeof buf, m);
    for (uint32_t i = 0; i < m->nseg; i++)
        lg_encode_module_item(&e, &segs[i]);
    emit(&e);
}

void lg_rec_module(const lg_log_module *m, const lg_log_segment *segs)
{
    lg_graph_lock();
    lg_rec_module_locked(m, segs);
    lg_graph_unlock();
}

void lg_rec_module_unload(uint32_t module_id, uint64_t ts)
{
    unsigned char buf[64];
    lg_enc e;
    lg_graph_lock();
    lg_encode_module_unload(&e, buf, sizeof buf, &(lg_log_module_unload){module_id, ts});
    emit(&e);
    lg_graph_unlock();
}

void lg_rec_untraced(int reason, const char *path)
{
    unsigned char buf[LG_REC_HEADER_SIZE + 16 + 1024]; /* longer paths: dropped, counted */
    lg_enc e;
    lg_graph_lock_quiet(); /* cites nothing: a deferred fork log needs no history */
    (void)lg_fork_log_ends();
    lg_encode_untraced(&e, buf, sizeof buf,
                       &(lg_log_untraced){lg_plat_now(), (uint8_t)reason, lg_bytes_of(path)});
    emit(&e);
    lg_graph_unlock();
}

void lg_rec_finish(int reason)
{
    lg_graph_lock_quiet();
    uint64_t now = lg_plat_now();
    if (lg_fork_log_ends()) /* not in a fork child's short log (fork_log.h) */
        lg_rec_stats(now);
    lg_rec_end(now, reason);
    lg_plat_log_end();
    lg_graph_unlock();
}
