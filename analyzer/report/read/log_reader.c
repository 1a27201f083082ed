#include "log_reader.h"
#include "log_codec.h"
#include "log_format.h"

#include <string.h>

static const char *const type_names[LG_REC_TYPE_MAX + 1] = {
    [LG_REC_HEADER] = "HEADER", [LG_REC_MODULE] = "MODULE",
    [LG_REC_MODULE_UNLOAD] = "MODULE_UNLOAD", [LG_REC_STACK] = "STACK",
    [LG_REC_THREAD] = "THREAD", [LG_REC_THREAD_EXIT] = "THREAD_EXIT",
    [LG_REC_LOCK] = "LOCK", [LG_REC_LOCK_RETIRE] = "LOCK_RETIRE", [LG_REC_EDGE] = "EDGE",
    [LG_REC_CHAIN] = "CHAIN", [LG_REC_CONTEXT] = "CONTEXT", [LG_REC_FINDING] = "FINDING",
    [LG_REC_STATS] = "STATS", [LG_REC_END] = "END",
};

static char *dec_str(lg_dec *d)
{
    uint32_t n;
    const unsigned char *s = lg_dec_bytes(d, &n);
    return g_strndup((const char *)s, n);
}

/* cmdline holds NUL-separated arguments; show them joined by spaces. */
static char *dec_cmdline(lg_dec *d)
{
    uint32_t n;
    const unsigned char *s = lg_dec_bytes(d, &n);
    char *out = g_malloc((size_t)n + 1);
    for (uint32_t i = 0; i < n; i++)
        out[i] = s[i] ? (char)s[i] : ' ';
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return out;
}

static char *hex(const unsigned char *b, uint32_t n)
{
    char *out = g_malloc((size_t)n * 2 + 1);
    for (uint32_t i = 0; i < n; i++)
        g_snprintf(out + 2 * i, 3, "%02x", b[i]);
    out[2 * (size_t)n] = '\0';
    return out;
}

/* Decodes one payload into the model.  Returns FALSE with *why on a malformed
 * payload or a dangling id. */
static gboolean apply(lg_process *p, uint16_t type, lg_dec *d, char **why)
{
    switch (type) {
    case LG_REC_HEADER: {
        uint32_t pid = lg_dec_u32(d), ppid = lg_dec_u32(d);
        uint64_t mono = lg_dec_u64(d), real = lg_dec_u64(d);
        uint32_t depth = lg_dec_u32(d), flags = lg_dec_u32(d);
        char *run_id = dec_str(d), *exe = dec_str(d), *cmd = dec_cmdline(d);
        if (d->bad) {
            g_free(run_id), g_free(exe), g_free(cmd);
            return TRUE; /* the caller reports the short payload */
        }
        p->has_header = TRUE;
        p->pid = pid, p->ppid = ppid, p->mono_ns = mono, p->real_ns = real;
        p->stack_depth = depth, p->hflags = flags;
        g_free(p->run_id), g_free(p->exe), g_free(p->cmdline);
        p->run_id = run_id, p->exe = exe, p->cmdline = cmd;
        return TRUE;
    }
    case LG_REC_MODULE: {
        lg_module *m = g_new0(lg_module, 1);
        m->id = lg_dec_u32(d);
        m->base = lg_dec_u64(d);
        m->load_ts = lg_dec_u64(d);
        m->path = dec_str(d);
        uint32_t n;
        const unsigned char *b = lg_dec_bytes(d, &n);
        m->build_id_hex = hex(b, n);
        m->build_id = g_memdup2(b, n ? n : 1);
        m->build_id_len = n;
        m->nseg = lg_dec_count(d, 16);
        m->segs = g_new0(lg_segment, m->nseg ? m->nseg : 1);
        for (uint32_t i = 0; i < m->nseg; i++) {
            m->segs[i].vaddr = lg_dec_u64(d);
            m->segs[i].memsz = lg_dec_u64(d);
        }
        if (d->bad) {
            lg_module_free(m);
            return TRUE;
        }
        return lg_process_add_module(p, m, why);
    }
    case LG_REC_MODULE_UNLOAD: {
        uint32_t id = lg_dec_u32(d);
        uint64_t ts = lg_dec_u64(d);
        return d->bad || lg_process_unload_module(p, id, ts, why);
    }
    case LG_REC_STACK: {
        lg_model_stack *s = g_new0(lg_model_stack, 1);
        s->id = lg_dec_u32(d);
        s->n = lg_dec_count(d, 8);
        s->pcs = g_new0(uint64_t, s->n ? s->n : 1);
        for (uint32_t i = 0; i < s->n; i++)
            s->pcs[i] = lg_dec_u64(d);
        if (d->bad) {
            lg_stack_free(s);
            return TRUE;
        }
        return lg_process_add_stack(p, s, why);
    }
    case LG_REC_THREAD: {
        lg_model_thread *t = g_new0(lg_model_thread, 1);
        t->serial = lg_dec_u32(d);
        t->tid = lg_dec_u32(d);
        t->creator = lg_dec_u32(d);
        t->create_stack = lg_dec_u32(d);
        t->ts = lg_dec_u64(d);
        t->name = dec_str(d);
        if (d->bad) {
            lg_thread_free(t);
            return TRUE;
        }
        return lg_process_add_thread(p, t, why);
    }
    case LG_REC_THREAD_EXIT: {
        uint32_t serial = lg_dec_u32(d);
        uint64_t ts = lg_dec_u64(d);
        char *name = dec_str(d);
        uint32_t n = lg_dec_count(d, 8);
        uint64_t *held = g_new0(uint64_t, n ? n : 1);
        for (uint32_t i = 0; i < n; i++)
            held[i] = lg_dec_u64(d);
        gboolean ok = d->bad || lg_process_exit_thread(p, serial, ts, name, held, n, why);
        g_free(name);
        g_free(held);
        return ok;
    }
    case LG_REC_LOCK: {
        lg_lock *l = g_new0(lg_lock, 1);
        l->id = lg_dec_u64(d);
        l->addr = lg_dec_u64(d);
        l->generation = lg_dec_u32(d);
        l->kind = lg_dec_u8(d);
        l->subkind = lg_dec_u8(d);
        l->flags = lg_dec_u16(d);
        l->first_stack = lg_dec_u32(d);
        l->ts = lg_dec_u64(d);
        l->class_type = lg_dec_u8(d);
        l->class_module = lg_dec_u32(d);
        l->class_offset = lg_dec_u64(d);
        l->class_stack = lg_dec_u32(d);
        if (d->bad) {
            lg_lock_free(l);
            return TRUE;
        }
        return lg_process_add_lock(p, l, why);
    }
    case LG_REC_LOCK_RETIRE: {
        uint64_t id = lg_dec_u64(d), ts = lg_dec_u64(d);
        uint8_t reason = lg_dec_u8(d);
        return d->bad || lg_process_retire_lock(p, id, ts, reason, why);
    }
    case LG_REC_EDGE: {
        lg_model_edge *e = g_new0(lg_model_edge, 1);
        e->id = lg_dec_u32(d);
        e->from = lg_dec_u64(d);
        e->to = lg_dec_u64(d);
        e->ts = lg_dec_u64(d);
        if (d->bad) {
            lg_edge_free(e);
            return TRUE;
        }
        return lg_process_add_edge(p, e, why);
    }
    case LG_REC_CHAIN: {
        lg_model_chain *c = g_new0(lg_model_chain, 1);
        c->id = lg_dec_u32(d);
        c->n = lg_dec_count(d, 9);
        c->held = g_new0(lg_held_lock, c->n ? c->n : 1);
        for (uint32_t i = 0; i < c->n; i++) {
            c->held[i].lock = lg_dec_u64(d);
            c->held[i].mode = lg_dec_u8(d);
        }
        if (d->bad) {
            lg_chain_free(c);
            return TRUE;
        }
        return lg_process_add_chain(p, c, why);
    }
    case LG_REC_CONTEXT: {
        lg_context c = {0};
        uint32_t edge = lg_dec_u32(d);
        c.thread = lg_dec_u32(d);
        c.chain = lg_dec_u32(d);
        c.from_mode = lg_dec_u8(d);
        c.to_mode = lg_dec_u8(d);
        c.flags = lg_dec_u16(d);
        c.stack = lg_dec_u32(d);
        c.held_stack = lg_dec_u32(d);
        c.ts = lg_dec_u64(d);
        return d->bad || lg_process_add_context(p, edge, &c, why);
    }
    case LG_REC_FINDING: {
        lg_shim_finding *f = g_new0(lg_shim_finding, 1);
        f->kind = lg_dec_u8(d);
        f->flags = lg_dec_u16(d);
        f->ts = lg_dec_u64(d);
        f->value = lg_dec_u64(d);
        f->detail = dec_str(d);
        f->n = lg_dec_count(d, 29);
        f->items = g_new0(lg_item, f->n ? f->n : 1);
        for (uint32_t i = 0; i < f->n; i++) {
            lg_item *it = &f->items[i];
            it->thread = lg_dec_u32(d);
            it->lock = lg_dec_u64(d);
            it->other_lock = lg_dec_u64(d);
            it->stack = lg_dec_u32(d);
            it->other_stack = lg_dec_u32(d);
            it->mode = lg_dec_u8(d);
        }
        if (d->bad) {
            lg_shim_finding_free(f);
            return TRUE;
        }
        return lg_process_add_finding(p, f, why);
    }
    case LG_REC_STATS: {
        uint64_t ts = lg_dec_u64(d);
        uint32_t n = lg_dec_count(d, 56);
        lg_lock_stats *s = g_new0(lg_lock_stats, n ? n : 1);
        for (uint32_t i = 0; i < n; i++) {
            s[i].ts = ts;
            s[i].lock = lg_dec_u64(d);
            s[i].acquisitions = lg_dec_u64(d);
            s[i].contended = lg_dec_u64(d);
            s[i].wait_total_ns = lg_dec_u64(d);
            s[i].wait_max_ns = lg_dec_u64(d);
            s[i].hold_total_ns = lg_dec_u64(d);
            s[i].hold_max_ns = lg_dec_u64(d);
        }
        gboolean ok = d->bad || lg_process_add_stats(p, s, n, why);
        g_free(s);
        return ok;
    }
    case LG_REC_END: {
        uint64_t ts = lg_dec_u64(d);
        uint8_t reason = lg_dec_u8(d);
        if (!d->bad) {
            p->has_end = TRUE;
            p->end_ts = ts;
            p->end_reason = reason;
        }
        return TRUE;
    }
    }
    return TRUE;
}

static lg_read_status error(const char *name, size_t off, char **message, char *what)
{
    *message = g_strdup_printf("lockgraph: %s: offset %zu: %s", name, off, what);
    g_free(what);
    return LG_READ_ERROR;
}

/* The first non-zero byte ends the scan, so checking at every record is O(1). */
static gboolean all_zero(const unsigned char *p, size_t n)
{
    while (n--)
        if (*p++)
            return FALSE;
    return TRUE;
}

lg_read_status lg_log_read_buffer(const char *name, const unsigned char *buf, size_t len,
                                  unsigned index, lg_process **out, char **message)
{
    *out = NULL;
    *message = NULL;
    if (len == 0)
        return error(name, 0, message,
                     g_strdup("expected a lockgraph log (\"LOCKGRPH\" header), found an empty file"));
    size_t cmp = len < 8 ? len : 8;
    if (memcmp(buf, LG_LOG_MAGIC, cmp) != 0)
        return error(name, 0, message,
                     g_strdup("expected a lockgraph log (magic \"LOCKGRPH\"), found a foreign file"));
    if (len < LG_FILE_HEADER_SIZE)
        return error(name, len, message,
                     g_strdup_printf("expected a %u-byte file header, found %zu bytes",
                                     LG_FILE_HEADER_SIZE, len));
    lg_dec hd;
    lg_dec_init(&hd, buf + 8, 8);
    uint32_t version = lg_dec_u32(&hd);
    if (version != LG_LOG_VERSION)
        return error(name, 8, message,
                     g_strdup_printf("expected log format version %u, found version %u%s",
                                     LG_LOG_VERSION, version,
                                     version > LG_LOG_VERSION ? " (written by a newer lockgraph)" : ""));

    lg_process *p = lg_process_new(name, index);
    size_t off = LG_FILE_HEADER_SIZE;
    while (off < len) {
        /* The shim grows its log in zero-filled chunks and cuts the file to its
         * length at exit: zeros to the end mean the process never got there. */
        if (all_zero(buf + off, len - off))
            goto unfinished;
        size_t left = len - off;
        if (left < LG_REC_HEADER_SIZE)
            goto torn;
        lg_rec_header h;
        lg_rec_header_parse(buf + off, &h);
        char *why = NULL;
        if (h.type == 0 || h.type > LG_REC_TYPE_MAX)
            why = g_strdup_printf("expected a record type 1..%d, found %u", LG_REC_TYPE_MAX, h.type);
        else if (h.reserved != 0)
            why = g_strdup_printf("expected reserved record header field 0, found %u", h.reserved);
        else if (h.len > LG_REC_MAX_PAYLOAD)
            why = g_strdup_printf("expected a record length of at most %u bytes, found %u",
                                  LG_REC_MAX_PAYLOAD, h.len);
        if (why) {
            lg_process_free(p);
            return error(name, off, message, why);
        }
        if (left - LG_REC_HEADER_SIZE < h.len)
            goto torn;
        const unsigned char *payload = buf + off + LG_REC_HEADER_SIZE;
        uint32_t crc = lg_rec_crc(buf + off, payload, h.len);
        if (crc != h.crc) {
            size_t end = off + LG_REC_HEADER_SIZE + h.len;
            if (end == len || all_zero(buf + end, len - end))
                goto torn; /* the last write was cut short or overwritten: a torn tail */
            lg_process_free(p);
            return error(name, off, message,
                         g_strdup_printf("expected record CRC 0x%08x, found 0x%08x (corrupt %s record)",
                                         crc, h.crc, type_names[h.type]));
        }
        if (p->nrecords == 0 && h.type != LG_REC_HEADER)
            why = g_strdup_printf("expected a HEADER record first, found %s", type_names[h.type]);
        else if (p->nrecords > 0 && h.type == LG_REC_HEADER)
            why = g_strdup("expected one HEADER record, found a second one");
        if (!why) {
            lg_dec d;
            lg_dec_init(&d, payload, h.len);
            if (apply(p, h.type, &d, &why) && !why) {
                if (d.bad)
                    why = g_strdup_printf("expected a complete %s payload, found %u bytes",
                                          type_names[h.type], h.len);
                else if (lg_dec_remaining(&d) != 0)
                    why = g_strdup_printf("expected a %s payload of %zu bytes, found %u",
                                          type_names[h.type], (size_t)h.len - lg_dec_remaining(&d),
                                          h.len);
            }
        }
        if (why) {
            lg_process_free(p);
            return error(name, off, message, why);
        }
        p->nrecords++;
        off += LG_REC_HEADER_SIZE + h.len;
    }
    *out = p;
    return LG_READ_OK;

unfinished:
    p->truncated = TRUE;
    *message = g_strdup_printf("lockgraph: %s: offset %zu: log ends in unused space (the "
                               "process did not finish: killed?); using the %zu records before it",
                               name, off, p->nrecords);
    *out = p;
    return LG_READ_TORN;

torn:
    p->truncated = TRUE;
    *message = g_strdup_printf("lockgraph: %s: offset %zu: log ends with a torn record "
                               "(process killed?); using the %zu records before it",
                               name, off, p->nrecords);
    *out = p;
    return LG_READ_TORN;
}

lg_read_status lg_log_read_file(const char *path, unsigned index, lg_process **out,
                                char **message)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    *out = NULL;
    if (!g_file_get_contents(path, &data, &len, &err)) {
        *message = g_strdup_printf("lockgraph: %s: offset 0: expected a readable log file, found: %s",
                                   path, err->message);
        g_error_free(err);
        return LG_READ_ERROR;
    }
    lg_read_status st = lg_log_read_buffer(path, (const unsigned char *)data, len, index, out, message);
    g_free(data);
    return st;
}
