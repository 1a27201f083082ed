/* `lockgraph dump LOG...`: the contents of logs, one line per item, in the order
 * the log defined them.  For looking inside a log (what did the shim see?) and for
 * tests that check which hooks fired.  The log is read and validated by the same
 * reader as `lockgraph report`; the output is plain text meant for grep, stable in
 * the fields it prints but not a documented interchange format (use the JSON
 * report for that).
 *
 * `--format records` is the documented machine format (docs/log-format.md): one line
 * per record as the log holds it, decoded by the shared decoder (log_records.h) and
 * walked by the reader's own walk (lg_log_scan), without the model's id checks, then
 * one `log` line saying how the log ended.  The Python test drivers read logs
 * through it (tests/integration/lglog.py). */
#include "log_format.h"
#include "log_reader.h"
#include "log_records.h"
#include "names.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static void flags_ctx(GString *s, uint16_t f)
{
    g_string_append(s, (f & LG_CTXF_TRY) ? " try" : "");
    g_string_append(s, (f & LG_CTXF_TIMED) ? " timed" : "");
    g_string_append(s, (f & LG_CTXF_STACK_FIRST) ? " stack_first_seen" : "");
}

static const char *end_name(const lg_process *p)
{
    return p->has_end ? lg_end_reason_name(p->end_reason) : "none";
}

static void dump(FILE *out, const lg_process *p)
{
    fprintf(out, "process pid=%u ppid=%u exe=%s run=%s end=%s truncated=%d forked=%d\n",
            p->pid, p->ppid, p->exe ? p->exe : "", p->run_id ? p->run_id : "", end_name(p),
            p->truncated ? 1 : 0, (p->hflags & LG_HDRF_FORKED) ? 1 : 0);
    for (guint i = 0; i < p->modules->len; i++) {
        const lg_module *m = g_ptr_array_index(p->modules, i);
        fprintf(out, "module id=%u base=0x%" G_GINT64_MODIFIER "x build_id=%s path=%s\n", m->id,
                m->base, m->build_id_hex, m->path);
    }
    for (guint i = 0; i < p->threads->len; i++) {
        const lg_model_thread *t = g_ptr_array_index(p->threads, i);
        fprintf(out, "thread serial=%u tid=%u creator=%u exited=%d name=%s\n", t->serial, t->tid,
                t->creator, t->exited ? 1 : 0, t->name ? t->name : "");
    }
    for (guint i = 0; i < p->locks->len; i++) {
        const lg_lock *l = g_ptr_array_index(p->locks, i);
        fprintf(out, "lock id=%" G_GINT64_MODIFIER "u addr=0x%" G_GINT64_MODIFIER
                     "x gen=%u kind=%s subkind=%s class=%s retired=%u\n",
                l->id, l->addr, l->generation, lg_lock_kind_name(l->kind),
                lg_subkind_name(l->subkind), l->class_key ? l->class_key : "",
                l->retired ? l->retire_reason : 0);
    }
    for (guint i = 0; i < p->edges->len; i++) {
        const lg_model_edge *e = g_ptr_array_index(p->edges, i);
        for (guint k = 0; k < e->ctxs->len; k++) {
            const lg_context *c = &g_array_index(e->ctxs, lg_context, k);
            GString *s = g_string_new(NULL);
            flags_ctx(s, c->flags);
            fprintf(out, "edge id=%u from=%" G_GINT64_MODIFIER "u to=%" G_GINT64_MODIFIER
                         "u thread=%u held=%s acquired=%s%s\n",
                    e->id, e->from, e->to, c->thread, lg_mode_name(c->from_mode),
                    lg_mode_name(c->to_mode), s->str);
            g_string_free(s, TRUE);
        }
    }
    for (guint i = 0; i < p->untraced->len; i++) {
        const lg_untraced *u = g_ptr_array_index(p->untraced, i);
        fprintf(out, "untraced reason=%s path=%s\n", lg_untraced_reason_name(u->reason), u->path);
    }
    for (guint i = 0; i < p->findings->len; i++) {
        const lg_shim_finding *f = g_ptr_array_index(p->findings, i);
        fprintf(out, "finding kind=%s flags=0x%x value=%" G_GINT64_MODIFIER "u items=%u detail=%s\n",
                lg_finding_kind_name(f->kind), f->flags, f->value, f->n,
                f->detail ? f->detail : "");
    }
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, p->stats);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        const lg_lock_stats *st = val;
        fprintf(out, "stats lock=%" G_GINT64_MODIFIER "u acquisitions=%" G_GINT64_MODIFIER
                     "u contended=%" G_GINT64_MODIFIER "u\n",
                st->lock, st->acquisitions, st->contended);
    }
}

/* ---- --format records ------------------------------------------------------------ */

/* A string value: printable ASCII but space and backslash as is, every other byte
 * \xHH, so a value never holds a space and splits back exactly. */
static void put_str(GString *s, const char *key, lg_bytes b)
{
    g_string_append_printf(s, " %s=", key);
    for (uint32_t i = 0; i < b.n; i++) {
        unsigned char c = b.p[i];
        if (c > 0x20 && c < 0x7f && c != '\\')
            g_string_append_c(s, (char)c);
        else
            g_string_append_printf(s, "\\x%02x", c);
    }
}

static void put_hexbytes(GString *s, const char *key, lg_bytes b)
{
    g_string_append_printf(s, " %s=", key);
    for (uint32_t i = 0; i < b.n; i++)
        g_string_append_printf(s, "%02x", b.p[i]);
}

#define U(key, v) g_string_append_printf(s, " " key "=%" G_GUINT64_FORMAT, (guint64)(v))
#define X(key, v) g_string_append_printf(s, " " key "=0x%" G_GINT64_MODIFIER "x", (guint64)(v))
#define SEP(i) ((i) ? "," : "")

static void record_fields(GString *s, const lg_log_record *r)
{
    switch (r->type) {
    case LG_REC_HEADER: {
        const lg_log_header *h = &r->u.header;
        U("pid", h->pid), U("ppid", h->ppid), U("mono_ns", h->mono_ns), U("real_ns", h->real_ns);
        U("stack_depth", h->stack_depth), X("flags", h->flags);
        put_str(s, "run_id", h->run_id), put_str(s, "exe", h->exe);
        put_str(s, "cmdline", h->cmdline);
        break;
    }
    case LG_REC_MODULE: {
        const lg_log_module *m = &r->u.module;
        U("module_id", m->module_id), X("base", m->base), U("ts", m->ts);
        put_str(s, "path", m->path), put_hexbytes(s, "build_id", m->build_id);
        g_string_append(s, " segs=");
        for (uint32_t i = 0; i < m->nseg; i++) {
            lg_log_segment g = lg_log_module_item(m, i);
            g_string_append_printf(s, "%s0x%" G_GINT64_MODIFIER "x:0x%" G_GINT64_MODIFIER "x",
                                   SEP(i), g.vaddr, g.memsz);
        }
        break;
    }
    case LG_REC_MODULE_UNLOAD:
        U("module_id", r->u.module_unload.module_id), U("ts", r->u.module_unload.ts);
        break;
    case LG_REC_STACK_CUT:
        U("stack_id", r->u.stack_cut.stack_id);
        break;
    case LG_REC_STACK:
        U("stack_id", r->u.stack.stack_id);
        g_string_append(s, " pcs=");
        for (uint32_t i = 0; i < r->u.stack.n; i++)
            g_string_append_printf(s, "%s0x%" G_GINT64_MODIFIER "x", SEP(i),
                                   lg_log_stack_item(&r->u.stack, i));
        break;
    case LG_REC_THREAD: {
        const lg_log_thread *t = &r->u.thread;
        U("serial", t->serial), U("tid", t->tid), U("creator_serial", t->creator_serial);
        U("create_stack_id", t->create_stack_id), U("ts", t->ts), put_str(s, "name", t->name);
        break;
    }
    case LG_REC_THREAD_EXIT: {
        const lg_log_thread_exit *t = &r->u.thread_exit;
        U("serial", t->serial), U("ts", t->ts), put_str(s, "name", t->name);
        g_string_append(s, " locks=");
        for (uint32_t i = 0; i < t->n; i++)
            g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, SEP(i), lg_log_thread_exit_item(t, i));
        break;
    }
    case LG_REC_LOCK: {
        const lg_log_lock *l = &r->u.lock;
        U("lock_id", l->lock_id), X("addr", l->addr), U("generation", l->generation);
        U("kind", l->kind), X("subkind", l->subkind), X("flags", l->flags);
        U("first_stack_id", l->first_stack_id), U("ts", l->ts), U("class_type", l->class_type);
        U("class_module_id", l->class_module_id), X("class_offset", l->class_offset);
        U("class_stack_id", l->class_stack_id);
        break;
    }
    case LG_REC_LOCK_RETIRE:
        U("lock_id", r->u.lock_retire.lock_id), U("ts", r->u.lock_retire.ts);
        U("reason", r->u.lock_retire.reason);
        break;
    case LG_REC_EDGE:
        U("edge_id", r->u.edge.edge_id), U("from_lock", r->u.edge.from_lock);
        U("to_lock", r->u.edge.to_lock), U("ts", r->u.edge.ts);
        break;
    case LG_REC_CHAIN:
        U("chain_id", r->u.chain.chain_id);
        g_string_append(s, " locks=");
        for (uint32_t i = 0; i < r->u.chain.n; i++) {
            lg_held_lock h = lg_log_chain_item(&r->u.chain, i);
            g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%u", SEP(i), h.lock, h.mode);
        }
        break;
    case LG_REC_CONTEXT: {
        const lg_log_context *c = &r->u.context;
        U("edge_id", c->edge_id), U("thread_serial", c->thread_serial), U("chain_id", c->chain_id);
        U("from_mode", c->from_mode), U("to_mode", c->to_mode), X("flags", c->flags);
        U("stack_id", c->stack_id), U("held_stack_id", c->held_stack_id), U("ts", c->ts);
        break;
    }
    case LG_REC_FINDING: {
        const lg_log_finding *f = &r->u.finding;
        U("kind", f->kind), X("flags", f->flags), U("ts", f->ts), U("value", f->value);
        put_str(s, "detail", f->detail);
        g_string_append(s, " items=");
        for (uint32_t i = 0; i < f->n; i++) {
            lg_log_finding_item it = lg_log_finding_item_at(f, i);
            g_string_append_printf(s, "%s%u:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%u:%u:0x%x",
                                   SEP(i), it.thread_serial, it.lock_id, it.other_lock_id,
                                   it.stack_id, it.other_stack_id, it.mode);
        }
        break;
    }
    case LG_REC_STATS:
        U("ts", r->u.stats.ts);
        g_string_append(s, " items=");
        for (uint32_t i = 0; i < r->u.stats.n; i++) {
            lg_log_lock_stats x = lg_log_stats_item(&r->u.stats, i);
            g_string_append_printf(s,
                                   "%s%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
                                   ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
                                   ":%" G_GUINT64_FORMAT,
                                   SEP(i), x.lock_id, x.acquisitions, x.contended, x.wait_total_ns,
                                   x.wait_max_ns, x.hold_total_ns, x.hold_max_ns);
        }
        break;
    case LG_REC_END:
        U("ts", r->u.end.ts), U("reason", r->u.end.reason);
        break;
    case LG_REC_LOSSES:
        U("ts", r->u.losses.ts);
        g_string_append(s, " counters=");
        for (uint32_t i = 0; i < r->u.losses.n; i++) {
            lg_log_loss x = lg_log_losses_item(&r->u.losses, i);
            g_string_append_printf(s, "%s%u:%" G_GUINT64_FORMAT, SEP(i), x.counter, x.value);
        }
        break;
    case LG_REC_WAITS:
        U("ts", r->u.waits.ts);
        g_string_append(s, " items=");
        for (uint32_t i = 0; i < r->u.waits.n; i++) {
            lg_log_wait x = lg_log_waits_item(&r->u.waits, i);
            g_string_append_printf(s, "%s%u:%u:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, SEP(i),
                                   x.thread_serial, x.flags, x.waited_ns, x.held_ns);
        }
        break;
    case LG_REC_UNTRACED:
        U("ts", r->u.untraced.ts), U("reason", r->u.untraced.reason);
        put_str(s, "path", r->u.untraced.path);
        break;
    }
}

static gboolean print_record(const lg_log_record *r, size_t off, void *ctx, char **why)
{
    (void)why;
    GString *s = g_string_new(lg_log_type_name(r->type));
    g_string_append_printf(s, " off=%zu", off);
    record_fields(s, r);
    fprintf(ctx, "%s\n", s->str);
    g_string_free(s, TRUE);
    return TRUE;
}

static const char *const how_names[] = {
    [LG_FRAME_END] = "end", [LG_FRAME_UNUSED] = "unused", [LG_FRAME_TORN] = "torn",
    [LG_FRAME_CORRUPT] = "corrupt"};

/* 0, or 2 when the log cannot be read (the message is on stderr either way). */
static int dump_records(FILE *out, const char *path)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    GString *name = g_string_new(NULL);
    put_str(name, "path", lg_bytes_of(path));
    fprintf(out, "file%s\n", name->str);
    g_string_free(name, TRUE);
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        fprintf(stderr, "lockgraph: %s: offset 0: expected a readable log file, found: %s\n", path,
                gerr->message);
        fprintf(out, "log how=corrupt offset=0 records=0\n");
        g_error_free(gerr);
        return 2;
    }
    lg_scan_end end;
    char *msg = NULL;
    if (lg_log_killed_at_birth(path, (const unsigned char *)data, len, &msg)) {
        fprintf(out, "log how=unborn offset=0 records=0\n");
        fprintf(stderr, "%s\n", msg);
        g_free(msg);
        g_free(data);
        return 0;
    }
    lg_read_status st =
        lg_log_scan(path, (const unsigned char *)data, len, print_record, out, &end, &msg);
    fprintf(out, "log how=%s offset=%zu records=%zu\n",
            end.how == LG_FRAME_TORN && end.whole ? "torn_crc" : how_names[end.how], end.offset,
            end.nrecords);
    if (msg)
        fprintf(stderr, "%s\n", msg);
    g_free(msg);
    g_free(data);
    return st == LG_READ_ERROR ? 2 : 0;
}

/* `lockgraph dump --names`: the name lists of names.h as `<list> <value> <name>`
 * lines, so scripts (the Python test drivers) take kinds and flags from the binary
 * instead of copying them. */
static void name_row(const char *list, unsigned value, const char *name, void *out)
{
    fprintf(out, "%s %u %s\n", list, value, name);
}

int lg_dump_main(int argc, char **argv)
{
    int records = 0, first = 1;
    if (argc >= 3 && strcmp(argv[1], "--format") == 0) {
        if (strcmp(argv[2], "records") == 0)
            records = 1;
        else if (strcmp(argv[2], "text") != 0) {
            fprintf(stderr, "lockgraph dump: unknown format '%s' (text or records)\n", argv[2]);
            return 2;
        }
        first = 3;
    }
    if (argc <= first || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        int help = argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fprintf(help ? stdout : stderr,
                "usage: lockgraph dump [--format text|records] LOG...\n"
                "       lockgraph dump --names\n"
                "Prints what each log holds, one line per item (text, the default), or one\n"
                "line per record as the log holds it (records: docs/log-format.md);\n"
                "--names: the names of kinds, flags and reasons.\n");
        return help ? 0 : 2;
    }
    if (argc == 2 && strcmp(argv[1], "--names") == 0) {
        lg_names_each(name_row, stdout);
        return 0;
    }
    int status = 0;
    unsigned dumped = 0, unborn = 0; /* as report: nothing read at all is trouble */
    for (int i = first; i < argc; i++) {
        if (records) {
            if (dump_records(stdout, argv[i]) != 0)
                status = 2;
            continue;
        }
        lg_process *p = NULL;
        char *msg = NULL;
        lg_read_status r = lg_log_read_file(argv[i], (unsigned)i - (unsigned)first, &p, &msg);
        if (msg)
            fprintf(stderr, "%s\n", msg);
        g_free(msg);
        if (r == LG_READ_ERROR) {
            status = 2;
            continue;
        }
        if (r == LG_READ_NO_RECORD) {
            unborn++; /* the warning says it: nothing to dump */
            continue;
        }
        dumped++;
        dump(stdout, p);
        lg_process_free(p);
    }
    if (unborn && !dumped)
        status = 2;
    return status;
}
