#include "log_records.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[LG_REC_TYPE_MAX + 1] = {
    [LG_REC_HEADER] = "HEADER", [LG_REC_MODULE] = "MODULE",
    [LG_REC_MODULE_UNLOAD] = "MODULE_UNLOAD", [LG_REC_STACK] = "STACK",
    [LG_REC_THREAD] = "THREAD", [LG_REC_THREAD_EXIT] = "THREAD_EXIT",
    [LG_REC_LOCK] = "LOCK", [LG_REC_LOCK_RETIRE] = "LOCK_RETIRE", [LG_REC_EDGE] = "EDGE",
    [LG_REC_CHAIN] = "CHAIN", [LG_REC_CONTEXT] = "CONTEXT", [LG_REC_FINDING] = "FINDING",
    [LG_REC_STATS] = "STATS", [LG_REC_END] = "END", [LG_REC_LOSSES] = "LOSSES",
    [LG_REC_UNTRACED] = "UNTRACED",
    [LG_REC_WAITS] = "WAITS",
    [LG_REC_STACK_CUT] = "STACK_CUT",
};

const char *lg_log_type_name(unsigned type)
{
    return type >= 1 && type <= LG_REC_TYPE_MAX && type_names[type] ? type_names[type] : "?";
}

static const char *const loss_names[LG_LOSS_COUNTER_MAX + 1] = {
    [LG_LOSS_RECORDS_DROPPED] = "records_dropped",
    [LG_LOSS_CONTEXTS_DROPPED] = "contexts_dropped",
    [LG_LOSS_SEARCHES_CUT] = "searches_cut",
};

const char *lg_loss_counter_name(unsigned counter)
{
    return counter >= 1 && counter <= LG_LOSS_COUNTER_MAX ? loss_names[counter] : NULL;
}

lg_bytes lg_bytes_of(const char *s)
{
    return (lg_bytes){(const unsigned char *)(s ? s : ""), s ? (uint32_t)strlen(s) : 0};
}

/* ---- encoders ----------------------------------------------------------------- */

static void put_bytes(lg_enc *e, lg_bytes b) { lg_enc_bytes(e, b.p, b.n); }

void lg_encode_header(lg_enc *e, void *buf, size_t cap, const lg_log_header *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_HEADER);
    lg_enc_u32(e, r->pid);
    lg_enc_u32(e, r->ppid);
    lg_enc_u64(e, r->mono_ns);
    lg_enc_u64(e, r->real_ns);
    lg_enc_u32(e, r->stack_depth);
    lg_enc_u32(e, r->flags);
    put_bytes(e, r->run_id);
    put_bytes(e, r->exe);
    put_bytes(e, r->cmdline);
}

void lg_encode_module(lg_enc *e, void *buf, size_t cap, const lg_log_module *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_MODULE);
    lg_enc_u32(e, r->module_id);
    lg_enc_u64(e, r->base);
    lg_enc_u64(e, r->ts);
    put_bytes(e, r->path);
    put_bytes(e, r->build_id);
    lg_enc_u32(e, r->nseg);
}

void lg_encode_module_item(lg_enc *e, const lg_log_segment *s)
{
    lg_enc_u64(e, s->vaddr);
    lg_enc_u64(e, s->memsz);
}

void lg_encode_module_unload(lg_enc *e, void *buf, size_t cap, const lg_log_module_unload *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_MODULE_UNLOAD);
    lg_enc_u32(e, r->module_id);
    lg_enc_u64(e, r->ts);
}

void lg_encode_stack_cut(lg_enc *e, void *buf, size_t cap, const lg_log_stack_cut *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_STACK_CUT);
    lg_enc_u32(e, r->stack_id);
}

void lg_encode_stack(lg_enc *e, void *buf, size_t cap, const lg_log_stack *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_STACK);
    lg_enc_u32(e, r->stack_id);
    lg_enc_u32(e, r->n);
}

void lg_encode_stack_item(lg_enc *e, uint64_t pc) { lg_enc_u64(e, pc); }

void lg_encode_thread(lg_enc *e, void *buf, size_t cap, const lg_log_thread *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_THREAD);
    lg_enc_u32(e, r->serial);
    lg_enc_u32(e, r->tid);
    lg_enc_u32(e, r->creator_serial);
    lg_enc_u32(e, r->create_stack_id);
    lg_enc_u64(e, r->ts);
    put_bytes(e, r->name);
}

void lg_encode_thread_exit(lg_enc *e, void *buf, size_t cap, const lg_log_thread_exit *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_THREAD_EXIT);
    lg_enc_u32(e, r->serial);
    lg_enc_u64(e, r->ts);
    put_bytes(e, r->name);
    lg_enc_u32(e, r->n);
}

void lg_encode_thread_exit_item(lg_enc *e, uint64_t lock_id) { lg_enc_u64(e, lock_id); }

void lg_encode_lock(lg_enc *e, void *buf, size_t cap, const lg_log_lock *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_LOCK);
    lg_enc_u64(e, r->lock_id);
    lg_enc_u64(e, r->addr);
    lg_enc_u32(e, r->generation);
    lg_enc_u8(e, r->kind);
    lg_enc_u8(e, r->subkind);
    lg_enc_u16(e, r->flags);
    lg_enc_u32(e, r->first_stack_id);
    lg_enc_u64(e, r->ts);
    lg_enc_u8(e, r->class_type);
    lg_enc_u32(e, r->class_module_id);
    lg_enc_u64(e, r->class_offset);
    lg_enc_u32(e, r->class_stack_id);
}

void lg_encode_lock_retire(lg_enc *e, void *buf, size_t cap, const lg_log_lock_retire *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_LOCK_RETIRE);
    lg_enc_u64(e, r->lock_id);
    lg_enc_u64(e, r->ts);
    lg_enc_u8(e, r->reason);
}

void lg_encode_edge(lg_enc *e, void *buf, size_t cap, const lg_log_edge *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_EDGE);
    lg_enc_u32(e, r->edge_id);
    lg_enc_u64(e, r->from_lock);
    lg_enc_u64(e, r->to_lock);
    lg_enc_u64(e, r->ts);
}

void lg_encode_chain(lg_enc *e, void *buf, size_t cap, const lg_log_chain *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_CHAIN);
    lg_enc_u32(e, r->chain_id);
    lg_enc_u32(e, r->n);
}

void lg_encode_chain_item(lg_enc *e, const lg_held_lock *l)
{
    lg_enc_u64(e, l->lock);
    lg_enc_u8(e, l->mode);
}

void lg_encode_context(lg_enc *e, void *buf, size_t cap, const lg_log_context *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_CONTEXT);
    lg_enc_u32(e, r->edge_id);
    lg_enc_u32(e, r->thread_serial);
    lg_enc_u32(e, r->chain_id);
    lg_enc_u8(e, r->from_mode);
    lg_enc_u8(e, r->to_mode);
    lg_enc_u16(e, r->flags);
    lg_enc_u32(e, r->stack_id);
    lg_enc_u32(e, r->held_stack_id);
    lg_enc_u64(e, r->ts);
}

void lg_encode_finding(lg_enc *e, void *buf, size_t cap, const lg_log_finding *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_FINDING);
    lg_enc_u8(e, r->kind);
    lg_enc_u16(e, r->flags);
    lg_enc_u64(e, r->ts);
    lg_enc_u64(e, r->value);
    put_bytes(e, r->detail);
    lg_enc_u32(e, r->n);
}

void lg_encode_finding_item(lg_enc *e, const lg_log_finding_item *it)
{
    lg_enc_u32(e, it->thread_serial);
    lg_enc_u64(e, it->lock_id);
    lg_enc_u64(e, it->other_lock_id);
    lg_enc_u32(e, it->stack_id);
    lg_enc_u32(e, it->other_stack_id);
    lg_enc_u8(e, it->mode);
}

void lg_encode_stats(lg_enc *e, void *buf, size_t cap, const lg_log_stats *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_STATS);
    lg_enc_u64(e, r->ts);
    lg_enc_u32(e, r->n);
}

void lg_encode_stats_item(lg_enc *e, const lg_log_lock_stats *s)
{
    lg_enc_u64(e, s->lock_id);
    lg_enc_u64(e, s->acquisitions);
    lg_enc_u64(e, s->contended);
    lg_enc_u64(e, s->wait_total_ns);
    lg_enc_u64(e, s->wait_max_ns);
    lg_enc_u64(e, s->hold_total_ns);
    lg_enc_u64(e, s->hold_max_ns);
}

void lg_encode_end(lg_enc *e, void *buf, size_t cap, const lg_log_end *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_END);
    lg_enc_u64(e, r->ts);
    lg_enc_u8(e, r->reason);
}

void lg_encode_losses(lg_enc *e, void *buf, size_t cap, const lg_log_losses *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_LOSSES);
    lg_enc_u64(e, r->ts);
    lg_enc_u32(e, r->n);
}

void lg_encode_losses_item(lg_enc *e, const lg_log_loss *l)
{
    lg_enc_u32(e, l->counter);
    lg_enc_u64(e, l->value);
}

void lg_encode_waits(lg_enc *e, void *buf, size_t cap, const lg_log_waits *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_WAITS);
    lg_enc_u64(e, r->ts);
    lg_enc_u32(e, r->n);
}

void lg_encode_waits_item(lg_enc *e, const lg_log_wait *w)
{
    lg_enc_u32(e, w->thread_serial);
    lg_enc_u8(e, w->flags);
    lg_enc_u64(e, w->waited_ns);
    lg_enc_u64(e, w->held_ns);
}

void lg_encode_untraced(lg_enc *e, void *buf, size_t cap, const lg_log_untraced *r)
{
    lg_enc_begin(e, buf, cap, LG_REC_UNTRACED);
    lg_enc_u64(e, r->ts);
    lg_enc_u8(e, r->reason);
    lg_enc_bytes(e, r->path.p, r->path.n);
}

/* ---- decoders ----------------------------------------------------------------- */

/* A payload being decoded, with the field read last: when the codec reports an
 * underrun, that field is the one that did not fit. */
struct rd {
    lg_dec d;
    const unsigned char *base;
    const char *field;
    size_t field_at;
};

static void at(struct rd *r, const char *field)
{
    if (!r->d.bad) {
        r->field = field;
        r->field_at = (size_t)(r->d.p - r->base);
    }
}

static uint8_t u8(struct rd *r, const char *f) { return at(r, f), lg_dec_u8(&r->d); }
static uint16_t u16(struct rd *r, const char *f) { return at(r, f), lg_dec_u16(&r->d); }
static uint32_t u32(struct rd *r, const char *f) { return at(r, f), lg_dec_u32(&r->d); }
static uint64_t u64(struct rd *r, const char *f) { return at(r, f), lg_dec_u64(&r->d); }

static lg_bytes bytes(struct rd *r, const char *f)
{
    at(r, f);
    lg_bytes b;
    b.p = lg_dec_bytes(&r->d, &b.n);
    return b;
}

/* A count of fixed-size items and the items themselves: the count is refused when
 * the payload cannot hold that many, so nothing downstream loops on a corrupt one. */
static const unsigned char *list(struct rd *r, const char *f, uint32_t *n, size_t item)
{
    at(r, f);
    *n = lg_dec_count(&r->d, item);
    if (r->d.bad) {
        *n = 0;
        return r->base;
    }
    const unsigned char *items = r->d.p;
    r->d.p += (size_t)*n * item; /* fits: lg_dec_count checked it */
    return items;
}

static void dec_header(struct rd *r, lg_log_header *o)
{
    o->pid = u32(r, "pid");
    o->ppid = u32(r, "ppid");
    o->mono_ns = u64(r, "mono_ns");
    o->real_ns = u64(r, "real_ns");
    o->stack_depth = u32(r, "stack_depth");
    o->flags = u32(r, "flags");
    o->run_id = bytes(r, "run_id");
    o->exe = bytes(r, "exe");
    o->cmdline = bytes(r, "cmdline");
}

static void dec_module(struct rd *r, lg_log_module *o)
{
    o->module_id = u32(r, "module_id");
    o->base = u64(r, "base");
    o->ts = u64(r, "ts");
    o->path = bytes(r, "path");
    o->build_id = bytes(r, "build_id");
    o->segs = list(r, "nseg", &o->nseg, LG_ITEM_SIZE_SEGMENT);
}

static void dec_module_unload(struct rd *r, lg_log_module_unload *o)
{
    o->module_id = u32(r, "module_id");
    o->ts = u64(r, "ts");
}

static void dec_stack_cut(struct rd *r, lg_log_stack_cut *o)
{
    o->stack_id = u32(r, "stack_id");
}

static void dec_stack(struct rd *r, lg_log_stack *o)
{
    o->stack_id = u32(r, "stack_id");
    o->pcs = list(r, "n", &o->n, LG_ITEM_SIZE_PC);
}

static void dec_thread(struct rd *r, lg_log_thread *o)
{
    o->serial = u32(r, "serial");
    o->tid = u32(r, "tid");
    o->creator_serial = u32(r, "creator_serial");
    o->create_stack_id = u32(r, "create_stack_id");
    o->ts = u64(r, "ts");
    o->name = bytes(r, "name");
}

static void dec_thread_exit(struct rd *r, lg_log_thread_exit *o)
{
    o->serial = u32(r, "serial");
    o->ts = u64(r, "ts");
    o->name = bytes(r, "name");
    o->locks = list(r, "n", &o->n, LG_ITEM_SIZE_PC);
}

static void dec_lock(struct rd *r, lg_log_lock *o)
{
    o->lock_id = u64(r, "lock_id");
    o->addr = u64(r, "addr");
    o->generation = u32(r, "generation");
    o->kind = u8(r, "kind");
    o->subkind = u8(r, "subkind");
    o->flags = u16(r, "flags");
    o->first_stack_id = u32(r, "first_stack_id");
    o->ts = u64(r, "ts");
    o->class_type = u8(r, "class_type");
    o->class_module_id = u32(r, "class_module_id");
    o->class_offset = u64(r, "class_offset");
    o->class_stack_id = u32(r, "class_stack_id");
}

static void dec_lock_retire(struct rd *r, lg_log_lock_retire *o)
{
    o->lock_id = u64(r, "lock_id");
    o->ts = u64(r, "ts");
    o->reason = u8(r, "reason");
}

static void dec_edge(struct rd *r, lg_log_edge *o)
{
    o->edge_id = u32(r, "edge_id");
    o->from_lock = u64(r, "from_lock");
    o->to_lock = u64(r, "to_lock");
    o->ts = u64(r, "ts");
}

static void dec_chain(struct rd *r, lg_log_chain *o)
{
    o->chain_id = u32(r, "chain_id");
    o->locks = list(r, "n", &o->n, LG_ITEM_SIZE_CHAIN);
}

static void dec_context(struct rd *r, lg_log_context *o)
{
    o->edge_id = u32(r, "edge_id");
    o->thread_serial = u32(r, "thread_serial");
    o->chain_id = u32(r, "chain_id");
    o->from_mode = u8(r, "from_mode");
    o->to_mode = u8(r, "to_mode");
    o->flags = u16(r, "flags");
    o->stack_id = u32(r, "stack_id");
    o->held_stack_id = u32(r, "held_stack_id");
    o->ts = u64(r, "ts");
}

static void dec_finding(struct rd *r, lg_log_finding *o)
{
    o->kind = u8(r, "kind");
    o->flags = u16(r, "flags");
    o->ts = u64(r, "ts");
    o->value = u64(r, "value");
    o->detail = bytes(r, "detail");
    o->items = list(r, "n", &o->n, LG_ITEM_SIZE_FINDING);
}

static void dec_stats(struct rd *r, lg_log_stats *o)
{
    o->ts = u64(r, "ts");
    o->items = list(r, "n", &o->n, LG_ITEM_SIZE_STATS);
}

static void dec_end(struct rd *r, lg_log_end *o)
{
    o->ts = u64(r, "ts");
    o->reason = u8(r, "reason");
}

static void dec_losses(struct rd *r, lg_log_losses *o)
{
    o->ts = u64(r, "ts");
    o->items = list(r, "n", &o->n, LG_ITEM_SIZE_LOSS);
}

static void dec_waits(struct rd *r, lg_log_waits *o)
{
    o->ts = u64(r, "ts");
    o->items = list(r, "n", &o->n, LG_ITEM_SIZE_WAIT);
}

static void dec_untraced(struct rd *r, lg_log_untraced *o)
{
    o->ts = u64(r, "ts");
    o->reason = u8(r, "reason");
    o->path = bytes(r, "path");
}

static int fail(lg_log_error *err, size_t where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(lg_log_error *err, size_t where, const char *fmt, ...)
{
    err->at = where;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->what, sizeof err->what, fmt, ap);
    va_end(ap);
    return -1;
}

int lg_log_decode(uint16_t type, const void *payload, size_t len, lg_log_record *out,
                     lg_log_error *err)
{
    struct rd r = {.base = payload, .field = "", .field_at = 0};
    lg_dec_init(&r.d, payload, len);
    memset(out, 0, sizeof *out);
    out->type = type;
    switch (type) {
    case LG_REC_HEADER: dec_header(&r, &out->u.header); break;
    case LG_REC_MODULE: dec_module(&r, &out->u.module); break;
    case LG_REC_MODULE_UNLOAD: dec_module_unload(&r, &out->u.module_unload); break;
    case LG_REC_STACK: dec_stack(&r, &out->u.stack); break;
    case LG_REC_THREAD: dec_thread(&r, &out->u.thread); break;
    case LG_REC_THREAD_EXIT: dec_thread_exit(&r, &out->u.thread_exit); break;
    case LG_REC_LOCK: dec_lock(&r, &out->u.lock); break;
    case LG_REC_LOCK_RETIRE: dec_lock_retire(&r, &out->u.lock_retire); break;
    case LG_REC_EDGE: dec_edge(&r, &out->u.edge); break;
    case LG_REC_CHAIN: dec_chain(&r, &out->u.chain); break;
    case LG_REC_CONTEXT: dec_context(&r, &out->u.context); break;
    case LG_REC_FINDING: dec_finding(&r, &out->u.finding); break;
    case LG_REC_STATS: dec_stats(&r, &out->u.stats); break;
    case LG_REC_END: dec_end(&r, &out->u.end); break;
    case LG_REC_LOSSES: dec_losses(&r, &out->u.losses); break;
    case LG_REC_WAITS: dec_waits(&r, &out->u.waits); break;
    case LG_REC_STACK_CUT: dec_stack_cut(&r, &out->u.stack_cut); break;
    case LG_REC_UNTRACED: dec_untraced(&r, &out->u.untraced); break;
    default:
        return fail(err, 0, "expected a record type 1..%d, found %u", LG_REC_TYPE_MAX, type);
    }
    const char *name = lg_log_type_name(type);
    if (r.d.bad)
        return fail(err, r.field_at,
                    "expected a complete %s payload, found %zu bytes (field %s at payload "
                    "byte %zu does not fit)",
                    name, len, r.field, r.field_at);
    size_t left = lg_dec_remaining(&r.d);
    if (left != 0)
        return fail(err, len - left, "expected a %s payload of %zu bytes, found %zu", name,
                    len - left, len);
    return 0;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

lg_log_segment lg_log_module_item(const lg_log_module *r, uint32_t i)
{
    const unsigned char *p = r->segs + (size_t)i * LG_ITEM_SIZE_SEGMENT;
    return (lg_log_segment){le(p, 8), le(p + 8, 8)};
}

uint64_t lg_log_stack_item(const lg_log_stack *r, uint32_t i)
{
    return le(r->pcs + (size_t)i * LG_ITEM_SIZE_PC, 8);
}

uint64_t lg_log_thread_exit_item(const lg_log_thread_exit *r, uint32_t i)
{
    return le(r->locks + (size_t)i * LG_ITEM_SIZE_PC, 8);
}

lg_held_lock lg_log_chain_item(const lg_log_chain *r, uint32_t i)
{
    const unsigned char *p = r->locks + (size_t)i * LG_ITEM_SIZE_CHAIN;
    return (lg_held_lock){le(p, 8), p[8]};
}

lg_log_finding_item lg_log_finding_item_at(const lg_log_finding *r, uint32_t i)
{
    const unsigned char *p = r->items + (size_t)i * LG_ITEM_SIZE_FINDING;
    return (lg_log_finding_item){
        .thread_serial = (uint32_t)le(p, 4), .lock_id = le(p + 4, 8),
        .other_lock_id = le(p + 12, 8), .stack_id = (uint32_t)le(p + 20, 4),
        .other_stack_id = (uint32_t)le(p + 24, 4), .mode = p[28]};
}

lg_log_lock_stats lg_log_stats_item(const lg_log_stats *r, uint32_t i)
{
    const unsigned char *p = r->items + (size_t)i * LG_ITEM_SIZE_STATS;
    return (lg_log_lock_stats){le(p, 8),      le(p + 8, 8),  le(p + 16, 8), le(p + 24, 8),
                                  le(p + 32, 8), le(p + 40, 8), le(p + 48, 8)};
}

lg_log_loss lg_log_losses_item(const lg_log_losses *r, uint32_t i)
{
    const unsigned char *p = r->items + (size_t)i * LG_ITEM_SIZE_LOSS;
    return (lg_log_loss){(uint32_t)le(p, 4), le(p + 4, 8)};
}

lg_log_wait lg_log_waits_item(const lg_log_waits *r, uint32_t i)
{
    const unsigned char *p = r->items + (size_t)i * LG_ITEM_SIZE_WAIT;
    return (lg_log_wait){.thread_serial = (uint32_t)le(p, 4), .flags = p[4],
                         .waited_ns = le(p + 5, 8), .held_ns = le(p + 13, 8)};
}

/* ---- framing ------------------------------------------------------------------ */

int lg_log_check_file_header(const unsigned char *buf, size_t len, lg_log_error *err)
{
    if (len == 0)
        return fail(err, 0, "expected a lockgraph log (\"LOCKGRPH\" header), found an empty file");
    if (memcmp(buf, LG_LOG_MAGIC, len < 8 ? len : 8) != 0)
        return fail(err, 0, "expected a lockgraph log (magic \"LOCKGRPH\"), found a foreign file");
    if (len < LG_FILE_HEADER_SIZE)
        return fail(err, len, "expected a %u-byte file header, found %zu bytes",
                    LG_FILE_HEADER_SIZE, len);
    uint32_t version = (uint32_t)le(buf + 8, 4);
    if (version != LG_LOG_VERSION)
        return fail(err, 8, "expected log format version %u, found version %u%s", LG_LOG_VERSION,
                    version, version > LG_LOG_VERSION ? " (written by a newer lockgraph)" : "");
    return 0;
}

/* The first non-zero byte ends the scan, so checking at every record is O(1). */
static int all_zero(const unsigned char *p, size_t n)
{
    while (n--)
        if (*p++)
            return 0;
    return 1;
}

lg_log_frame_status lg_log_next_frame(const unsigned char *buf, size_t len, size_t off, lg_log_frame *f,
                                  lg_log_error *err)
{
    memset(f, 0, sizeof *f);
    f->off = f->next = off;
    if (off >= len)
        return LG_FRAME_END;
    /* The shim grows its log in zero-filled chunks and cuts the file to its length
     * at exit: zeros to the end mean the process never got there. */
    if (all_zero(buf + off, len - off))
        return LG_FRAME_UNUSED;
    size_t left = len - off;
    if (left < LG_REC_HEADER_SIZE)
        return LG_FRAME_TORN;
    lg_rec_header_parse(buf + off, &f->h);
    if (f->h.type == 0 || f->h.type > LG_REC_TYPE_MAX)
        return fail(err, off, "expected a record type 1..%d, found %u", LG_REC_TYPE_MAX,
                    f->h.type),
               LG_FRAME_CORRUPT;
    if (f->h.reserved != 0)
        return fail(err, off, "expected reserved record header field 0, found %u", f->h.reserved),
               LG_FRAME_CORRUPT;
    if (f->h.len > LG_REC_MAX_PAYLOAD)
        return fail(err, off, "expected a record length of at most %u bytes, found %u",
                    LG_REC_MAX_PAYLOAD, f->h.len),
               LG_FRAME_CORRUPT;
    if (left - LG_REC_HEADER_SIZE < f->h.len)
        return LG_FRAME_TORN;
    f->payload = buf + off + LG_REC_HEADER_SIZE;
    f->next = off + LG_REC_HEADER_SIZE + f->h.len;
    uint32_t crc = lg_rec_crc(buf + off, f->payload, f->h.len);
    if (crc != f->h.crc) {
        if (f->next == len || all_zero(buf + f->next, len - f->next))
            return LG_FRAME_TORN; /* the last copy was cut short or overwritten */
        return fail(err, off, "expected record CRC 0x%08x, found 0x%08x (corrupt %s record)", crc,
                    f->h.crc, lg_log_type_name(f->h.type)),
               LG_FRAME_CORRUPT;
    }
    return LG_FRAME_RECORD;
}
