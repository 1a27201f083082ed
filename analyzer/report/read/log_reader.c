#include "log_reader.h"
#include "log_records.h"

#include <string.h>

static char *str(lg_bytes b) { return g_strndup((const char *)b.p, b.n); }

/* cmdline holds NUL-separated arguments; show them joined by spaces. */
static char *cmdline(lg_bytes b)
{
    uint32_t n = b.n;
    char *out = g_malloc((size_t)n + 1);
    for (uint32_t i = 0; i < n; i++)
        out[i] = b.p[i] ? (char)b.p[i] : ' ';
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

/* Adds one decoded record to the model.  Returns FALSE with *why on a dangling or
 * repeated id (the model's checks). */
static gboolean add(const lg_log_record *r, size_t off, void *ctx, char **why)
{
    (void)off;
    lg_process *p = ctx;
    switch (r->type) {
    case LG_REC_HEADER: {
        const lg_log_header *h = &r->u.header;
        p->has_header = TRUE;
        p->pid = h->pid, p->ppid = h->ppid, p->mono_ns = h->mono_ns, p->real_ns = h->real_ns;
        p->stack_depth = h->stack_depth, p->hflags = h->flags;
        g_free(p->run_id), g_free(p->exe), g_free(p->cmdline);
        p->run_id = str(h->run_id), p->exe = str(h->exe), p->cmdline = cmdline(h->cmdline);
        return TRUE;
    }
    case LG_REC_MODULE: {
        const lg_log_module *x = &r->u.module;
        lg_module *m = g_new0(lg_module, 1);
        m->id = x->module_id;
        m->base = x->base;
        m->load_ts = x->ts;
        m->path = str(x->path);
        m->build_id_hex = hex(x->build_id.p, x->build_id.n);
        m->build_id = g_memdup2(x->build_id.p, x->build_id.n ? x->build_id.n : 1);
        m->build_id_len = x->build_id.n;
        m->nseg = x->nseg;
        m->segs = g_new0(lg_segment, m->nseg ? m->nseg : 1);
        for (uint32_t i = 0; i < m->nseg; i++) {
            lg_log_segment g = lg_log_module_item(x, i);
            m->segs[i] = (lg_segment){g.vaddr, g.memsz};
        }
        return lg_process_add_module(p, m, why);
    }
    case LG_REC_MODULE_UNLOAD:
        return lg_process_unload_module(p, r->u.module_unload.module_id, r->u.module_unload.ts,
                                        why);
    case LG_REC_STACK: {
        lg_model_stack *s = g_new0(lg_model_stack, 1);
        s->id = r->u.stack.stack_id;
        s->n = r->u.stack.n;
        s->pcs = g_new0(uint64_t, s->n ? s->n : 1);
        for (uint32_t i = 0; i < s->n; i++)
            s->pcs[i] = lg_log_stack_item(&r->u.stack, i);
        return lg_process_add_stack(p, s, why);
    }
    case LG_REC_STACK_CUT: {
        /* a held-lock stack the shim could only keep to its call site */
        lg_model_stack *s = (lg_model_stack *)lg_process_stack(p, r->u.stack_cut.stack_id);
        if (s)
            s->cut = TRUE;
        return TRUE;
    }
    case LG_REC_THREAD: {
        const lg_log_thread *x = &r->u.thread;
        lg_model_thread *t = g_new0(lg_model_thread, 1);
        t->serial = x->serial;
        t->tid = x->tid;
        t->creator = x->creator_serial;
        t->create_stack = x->create_stack_id;
        t->ts = x->ts;
        t->name = str(x->name);
        return lg_process_add_thread(p, t, why);
    }
    case LG_REC_THREAD_EXIT: {
        const lg_log_thread_exit *x = &r->u.thread_exit;
        char *name = str(x->name);
        uint64_t *held = g_new0(uint64_t, x->n ? x->n : 1);
        for (uint32_t i = 0; i < x->n; i++)
            held[i] = lg_log_thread_exit_item(x, i);
        gboolean ok = lg_process_exit_thread(p, x->serial, x->ts, name, held, x->n, why);
        g_free(name);
        g_free(held);
        return ok;
    }
    case LG_REC_LOCK: {
        const lg_log_lock *x = &r->u.lock;
        lg_lock *l = g_new0(lg_lock, 1);
        l->id = x->lock_id;
        l->addr = x->addr;
        l->generation = x->generation;
        l->kind = x->kind;
        l->subkind = x->subkind;
        l->flags = x->flags;
        l->first_stack = x->first_stack_id;
        l->ts = x->ts;
        l->class_type = x->class_type;
        l->class_module = x->class_module_id;
        l->class_offset = x->class_offset;
        l->class_stack = x->class_stack_id;
        return lg_process_add_lock(p, l, why);
    }
    case LG_REC_LOCK_RETIRE:
        return lg_process_retire_lock(p, r->u.lock_retire.lock_id, r->u.lock_retire.ts,
                                      r->u.lock_retire.reason, why);
    case LG_REC_EDGE: {
        lg_model_edge *e = g_new0(lg_model_edge, 1);
        e->id = r->u.edge.edge_id;
        e->from = r->u.edge.from_lock;
        e->to = r->u.edge.to_lock;
        e->ts = r->u.edge.ts;
        return lg_process_add_edge(p, e, why);
    }
    case LG_REC_CHAIN: {
        lg_model_chain *c = g_new0(lg_model_chain, 1);
        c->id = r->u.chain.chain_id;
        c->n = r->u.chain.n;
        c->held = g_new0(lg_held_lock, c->n ? c->n : 1);
        for (uint32_t i = 0; i < c->n; i++)
            c->held[i] = lg_log_chain_item(&r->u.chain, i);
        return lg_process_add_chain(p, c, why);
    }
    case LG_REC_CONTEXT: {
        const lg_log_context *x = &r->u.context;
        lg_context c = {.thread = x->thread_serial, .chain = x->chain_id,
                        .from_mode = x->from_mode, .to_mode = x->to_mode, .flags = x->flags,
                        .stack = x->stack_id, .held_stack = x->held_stack_id, .ts = x->ts};
        return lg_process_add_context(p, x->edge_id, &c, why);
    }
    case LG_REC_FINDING: {
        const lg_log_finding *x = &r->u.finding;
        lg_shim_finding *f = g_new0(lg_shim_finding, 1);
        f->kind = x->kind;
        f->flags = x->flags;
        f->ts = x->ts;
        f->value = x->value;
        f->detail = str(x->detail);
        f->n = x->n;
        f->items = g_new0(lg_item, f->n ? f->n : 1);
        for (uint32_t i = 0; i < f->n; i++) {
            lg_log_finding_item y = lg_log_finding_item_at(x, i);
            f->items[i] = (lg_item){.thread = y.thread_serial, .lock = y.lock_id,
                                    .other_lock = y.other_lock_id, .stack = y.stack_id,
                                    .other_stack = y.other_stack_id, .mode = y.mode};
        }
        return lg_process_add_finding(p, f, why);
    }
    case LG_REC_STATS: {
        const lg_log_stats *x = &r->u.stats;
        lg_lock_stats *s = g_new0(lg_lock_stats, x->n ? x->n : 1);
        for (uint32_t i = 0; i < x->n; i++) {
            lg_log_lock_stats y = lg_log_stats_item(x, i);
            s[i] = (lg_lock_stats){.lock = y.lock_id, .ts = x->ts,
                                   .acquisitions = y.acquisitions, .contended = y.contended,
                                   .wait_total_ns = y.wait_total_ns, .wait_max_ns = y.wait_max_ns,
                                   .hold_total_ns = y.hold_total_ns, .hold_max_ns = y.hold_max_ns};
        }
        gboolean ok = lg_process_add_stats(p, s, x->n, why);
        g_free(s);
        return ok;
    }
    case LG_REC_END:
        p->has_end = TRUE;
        p->end_ts = r->u.end.ts;
        p->end_reason = r->u.end.reason;
        return TRUE;
    case LG_REC_WAITS:
        return lg_process_add_waits(p, &r->u.waits, why);
    case LG_REC_LOSSES: /* cumulative: the latest record holds every counter so far */
        memset(p->losses, 0, sizeof p->losses);
        for (uint32_t i = 0; i < r->u.losses.n; i++) {
            lg_log_loss y = lg_log_losses_item(&r->u.losses, i);
            if (y.counter >= 1 && y.counter <= LG_LOSS_COUNTER_MAX)
                p->losses[y.counter] = y.value;
        }
        return TRUE;
    case LG_REC_UNTRACED: {
        lg_untraced *u = g_new0(lg_untraced, 1);
        u->path = g_strndup((const char *)r->u.untraced.path.p, r->u.untraced.path.n);
        u->reason = r->u.untraced.reason;
        u->ts = r->u.untraced.ts;
        g_ptr_array_add(p->untraced, u);
        return TRUE;
    }
    }
    return TRUE;
}

static lg_read_status error(const char *name, size_t off, char **message, const char *what)
{
    *message = g_strdup_printf("lockgraph: %s: offset %zu: %s", name, off, what);
    return LG_READ_ERROR;
}

lg_read_status lg_log_scan(const char *name, const unsigned char *buf, size_t len,
                           lg_record_fn fn, void *ctx, lg_scan_end *end, char **message)
{
    *message = NULL;
    memset(end, 0, sizeof *end);
    lg_log_error err;
    if (lg_log_check_file_header(buf, len, &err) != 0) {
        end->how = LG_FRAME_CORRUPT;
        end->offset = err.at;
        return error(name, err.at, message, err.what);
    }
    size_t off = LG_FILE_HEADER_SIZE;
    for (;;) {
        lg_log_frame f;
        lg_log_frame_status st = lg_log_next_frame(buf, len, off, &f, &err);
        end->how = st;
        end->offset = off;
        if (st == LG_FRAME_END)
            return LG_READ_OK;
        if (st == LG_FRAME_UNUSED) {
            *message = g_strdup_printf("lockgraph: %s: offset %zu: log ends in unused space (the "
                                       "process did not finish: killed?); using the %zu records "
                                       "before it",
                                       name, off, end->nrecords);
            return LG_READ_TORN;
        }
        if (st == LG_FRAME_TORN) {
            end->whole = f.payload != NULL;
            *message = g_strdup_printf("lockgraph: %s: offset %zu: log ends with a torn record "
                                       "(process killed?); using the %zu records before it",
                                       name, off, end->nrecords);
            return LG_READ_TORN;
        }
        if (st == LG_FRAME_CORRUPT)
            return error(name, off, message, err.what);
        char *why = NULL;
        lg_log_record r;
        if (end->nrecords == 0 && f.h.type != LG_REC_HEADER)
            why = g_strdup_printf("expected a HEADER record first, found %s",
                                  lg_log_type_name(f.h.type));
        else if (end->nrecords > 0 && f.h.type == LG_REC_HEADER)
            why = g_strdup("expected one HEADER record, found a second one");
        else if (lg_log_decode(f.h.type, f.payload, f.h.len, &r, &err) != 0)
            why = g_strdup(err.what);
        else if (!fn(&r, off, ctx, &why) && !why)
            why = g_strdup_printf("expected a valid %s record", lg_log_type_name(f.h.type));
        if (why) {
            end->how = LG_FRAME_CORRUPT;
            lg_read_status s = error(name, off, message, why);
            g_free(why);
            return s;
        }
        end->nrecords++;
        off = f.next;
    }
}

lg_read_status lg_log_read_buffer(const char *name, const unsigned char *buf, size_t len,
                                  unsigned index, lg_process **out, char **message)
{
    *out = NULL;
    lg_process *p = lg_process_new(name, index);
    lg_scan_end end;
    lg_read_status st = lg_log_scan(name, buf, len, add, p, &end, message);
    p->nrecords = end.nrecords;
    if (st == LG_READ_ERROR) {
        lg_process_free(p);
        return st;
    }
    p->truncated = st == LG_READ_TORN;
    /* Ends at a record boundary with no zero padding, yet no END: the shim cut its
     * file to the last record when the log could not grow (log_writer.c
     * stop_logging), or a process was killed while its log was written without
     * padding (a fork child's first records). */
    if (st == LG_READ_OK && !p->has_end && end.nrecords > 0)
        *message = g_strdup_printf("lockgraph: %s: offset %zu: log stops without an END record "
                                   "(the process was killed, or its log could not grow: "
                                   "file-size limit or full disk, and the shim said why on its "
                                   "stderr); using the %zu records before it",
                                   name, end.offset, end.nrecords);
    *out = p;
    return st;
}

/* The shim creates a log, grows it by a zero-filled chunk (1 MiB) and only then
 * copies the file header in (log_writer.c); a fork child at birth writes its first
 * bytes with pwrite.  A process killed in between leaves an empty file, or one that
 * holds nothing but zero bytes after at most a beginning of the 16-byte file header,
 * in a whole number of chunks.  Such a file with a log's name (".log", as the
 * default lockgraph.%p.log and its ".N" variants) is that trace, not a foreign file.
 * On a match *message is the warning line. */
gboolean lg_log_killed_at_birth(const char *path, const unsigned char *buf, size_t len,
                                char **message)
{
    if (!g_str_has_suffix(path, ".log") || len % LG_LOG_CHUNK != 0)
        return FALSE;
    unsigned char fh[LG_FILE_HEADER_SIZE];
    lg_file_header(fh);
    size_t i = 0;
    while (i < len && i < sizeof fh && buf[i] == fh[i])
        i++;
    if (len > 0 && i == sizeof fh)
        return FALSE; /* a whole file header: a log, read normally */
    for (size_t k = i; k < len; k++)
        if (buf[k])
            return FALSE;
    *message = g_strdup_printf(
        "lockgraph: %s: offset 0: expected a lockgraph log (\"LOCKGRPH\" header), found %s: "
        "no record: the process was killed before it wrote its first record?",
        path, len == 0 ? "an empty file" : i ? "a beginning of one, then zero bytes" : "only zero bytes");
    return TRUE;
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
    lg_read_status st;
    if (lg_log_killed_at_birth(path, (const unsigned char *)data, len, message))
        st = LG_READ_NO_RECORD;
    else
        st = lg_log_read_buffer(path, (const unsigned char *)data, len, index, out, message);
    g_free(data);
    return st;
}
