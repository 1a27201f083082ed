#include "records.h"
#include "arena.h"
#include "lock_table.h"
#include "log_codec.h"
#include "host.h"

#include <stdatomic.h>
#include <string.h>

static _Atomic uint64_t dropped;

uint64_t lg_records_dropped(void) { return atomic_load(&dropped); }

static void emit(lg_enc *e)
{
    size_t n = lg_enc_finish(e);
    if (n)
        lg_plat_log(e->buf, n);
    else
        atomic_fetch_add(&dropped, 1);
}

/* Records are written under the graph lock, so one growable buffer serves every
 * record too large for the caller's stack buffer. */
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
        if (!n)
            return NULL;
        if (big)
            lg_discard(big, bigcap);
        big = n;
        bigcap = cap;
    }
    return big;
}

void lg_rec_stack(uint32_t id, const uintptr_t *pcs, uint32_t n)
{
    unsigned char buf[LG_REC_HEADER_SIZE + 8 + 8 * 256];
    lg_enc e;
    if (n > 256)
        n = 256;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_STACK);
    lg_enc_u32(&e, id);
    lg_enc_u32(&e, n);
    for (uint32_t i = 0; i < n; i++)
        lg_enc_u64(&e, pcs[i]);
    emit(&e);
}

void lg_rec_lock(const struct lg_lockrec *l, uint64_t ts, int class_type, uint32_t module,
                 uint64_t offset, uint32_t class_stack)
{
    unsigned char buf[128];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_LOCK);
    lg_enc_u64(&e, l->id);
    lg_enc_u64(&e, l->addr);
    lg_enc_u32(&e, l->gen);
    lg_enc_u8(&e, l->kind);
    lg_enc_u8(&e, l->subkind);
    lg_enc_u16(&e, 0);
    lg_enc_u32(&e, l->first_stack);
    lg_enc_u64(&e, ts);
    lg_enc_u8(&e, (uint8_t)class_type);
    lg_enc_u32(&e, module);
    lg_enc_u64(&e, offset);
    lg_enc_u32(&e, class_stack);
    emit(&e);
}

void lg_rec_retire(const struct lg_lockrec *l, uint64_t ts, int reason)
{
    unsigned char buf[64];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_LOCK_RETIRE);
    lg_enc_u64(&e, l->id);
    lg_enc_u64(&e, ts);
    lg_enc_u8(&e, (uint8_t)reason);
    emit(&e);
}

void lg_rec_edge(const struct lg_edge *ed, uint64_t ts)
{
    unsigned char buf[64];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_EDGE);
    lg_enc_u32(&e, ed->id);
    lg_enc_u64(&e, ed->from->id);
    lg_enc_u64(&e, ed->to->id);
    lg_enc_u64(&e, ts);
    emit(&e);
}

void lg_rec_chain(const struct lg_chain *c)
{
    /* chains can be long (1000+ held locks): size the buffer from the chain */
    size_t need = LG_REC_HEADER_SIZE + 8 + (size_t)c->n * 9;
    unsigned char small[1024];
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf) {
        atomic_fetch_add(&dropped, 1);
        return;
    }
    lg_enc e;
    lg_enc_begin(&e, buf, need, LG_REC_CHAIN);
    lg_enc_u32(&e, c->id);
    lg_enc_u32(&e, c->n);
    for (uint32_t i = 0; i < c->n; i++) {
        lg_enc_u64(&e, c->locks[i].lock);
        lg_enc_u8(&e, c->locks[i].mode);
    }
    emit(&e);
}

void lg_rec_context(const struct lg_edge *ed, const struct lg_ctx *c, uint64_t ts)
{
    unsigned char buf[64];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_CONTEXT);
    lg_enc_u32(&e, ed->id);
    lg_enc_u32(&e, c->thread);
    lg_enc_u32(&e, c->chain);
    lg_enc_u8(&e, c->from_mode);
    lg_enc_u8(&e, c->to_mode);
    lg_enc_u16(&e, c->flags);
    lg_enc_u32(&e, c->stack);
    lg_enc_u32(&e, c->held_stack);
    lg_enc_u64(&e, ts);
    emit(&e);
}

void lg_rec_thread(const struct lg_thread *t, uint64_t ts)
{
    unsigned char buf[96];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_THREAD);
    lg_enc_u32(&e, t->serial);
    lg_enc_u32(&e, t->tid);
    lg_enc_u32(&e, t->creator);
    lg_enc_u32(&e, t->create_stack);
    lg_enc_u64(&e, ts);
    lg_enc_str(&e, t->name);
    emit(&e);
}

void lg_rec_thread_exit(const struct lg_thread *t, uint64_t ts)
{
    unsigned char small[LG_REC_HEADER_SIZE + 64 + 8 * 64];
    uint32_t n = t->nheld;
    size_t need = LG_REC_HEADER_SIZE + 64 + 8 * (size_t)n;
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf) {
        atomic_fetch_add(&dropped, 1);
        return;
    }
    lg_enc e;
    lg_enc_begin(&e, buf, need, LG_REC_THREAD_EXIT);
    lg_enc_u32(&e, t->serial);
    lg_enc_u64(&e, ts);
    lg_enc_str(&e, t->name);
    lg_enc_u32(&e, n);
    for (uint32_t i = 0; i < n; i++)
        lg_enc_u64(&e, t->held[i].lock->id);
    emit(&e);
}

void lg_rec_finding(const struct lg_live_finding *f, uint64_t ts)
{
    unsigned char small[LG_REC_HEADER_SIZE + 512 + 40 * 64];
    uint32_t n = f->n;
    size_t need = LG_REC_HEADER_SIZE + 32 + (f->detail ? strlen(f->detail) : 0) + 40 * (size_t)n;
    unsigned char *buf = record_buffer(small, sizeof small, need);
    if (!buf) {
        atomic_fetch_add(&dropped, 1);
        return;
    }
    lg_enc e;
    lg_enc_begin(&e, buf, need, LG_REC_FINDING);
    lg_enc_u8(&e, f->kind);
    lg_enc_u16(&e, f->flags);
    lg_enc_u64(&e, ts);
    lg_enc_u64(&e, f->value);
    lg_enc_str(&e, f->detail);
    lg_enc_u32(&e, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct lg_finding_item *it = &f->items[i];
        lg_enc_u32(&e, it->thread);
        lg_enc_u64(&e, it->lock ? it->lock->id : 0);
        lg_enc_u64(&e, it->other ? it->other->id : 0);
        lg_enc_u32(&e, it->stack);
        lg_enc_u32(&e, it->other_stack);
        lg_enc_u8(&e, it->mode);
    }
    emit(&e);
}

#define STATS_PER_RECORD 256
struct stats_batch {
    lg_enc e;
    unsigned char buf[LG_REC_HEADER_SIZE + 16 + 56 * STATS_PER_RECORD];
    uint32_t n;
    uint64_t ts;
};

static void stats_flush(struct stats_batch *b)
{
    if (!b->n)
        return;
    /* the count sits right after ts: patch it in place */
    unsigned char *cnt = b->buf + LG_REC_HEADER_SIZE + 8;
    for (int i = 0; i < 4; i++)
        cnt[i] = (unsigned char)(b->n >> (8 * i));
    emit(&b->e);
    b->n = 0;
}

static void stats_one(struct lg_lockrec *l, void *arg)
{
    struct stats_batch *b = arg;
    if (!l->acq)
        return;
    if (b->n == 0) {
        lg_enc_begin(&b->e, b->buf, sizeof b->buf, LG_REC_STATS);
        lg_enc_u64(&b->e, b->ts);
        lg_enc_u32(&b->e, 0);
    }
    lg_enc_u64(&b->e, l->id);
    lg_enc_u64(&b->e, l->acq);
    lg_enc_u64(&b->e, __atomic_load_n(&l->contended, __ATOMIC_RELAXED));
    lg_enc_u64(&b->e, l->wait_total);
    lg_enc_u64(&b->e, (uint64_t)__atomic_load_n(&l->wait_max_us, __ATOMIC_RELAXED) * 1000u);
    lg_enc_u64(&b->e, l->hold_total);
    lg_enc_u64(&b->e, l->hold_max);
    if (++b->n == STATS_PER_RECORD)
        stats_flush(b);
}

void lg_rec_stats(uint64_t ts)
{
    static struct stats_batch b; /* called by one thread at a time (watchdog or exit) */
    b.n = 0;
    b.ts = ts;
    lg_table_each(stats_one, &b);
    stats_flush(&b);
}

void lg_rec_end(uint64_t ts, int reason)
{
    unsigned char buf[32];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_END);
    lg_enc_u64(&e, ts);
    lg_enc_u8(&e, (uint8_t)reason);
    emit(&e);
}
