/* JSON report (docs/json-report.md, schema_version 1). */
#include "coverage_notes.h"
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "lock_label.h"
#include "log_records.h"
#include "names.h"

#include <json-glib/json-glib.h>
#include <string.h>

static void hex_member(JsonBuilder *b, const char *name, uint64_t v)
{
    char buf[24];
    g_snprintf(buf, sizeof buf, "0x%" G_GINT64_MODIFIER "x", v);
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, buf);
}

static void str_member(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

static void int_member(JsonBuilder *b, const char *name, int64_t v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

static void bool_member(JsonBuilder *b, const char *name, gboolean v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, v);
}

static void frames_member(JsonBuilder *b, const char *name, const lg_process *p,
                          uint32_t stack, uint64_t ts)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    GArray *fr = lg_frames_resolve(p, stack, ts);
    for (guint i = 0; i < fr->len; i++) {
        const lg_frame *f = &g_array_index(fr, lg_frame, i);
        /* One PC expands into the inlined callees at it (inlined: true) and then the
         * function that contains the code (inlined: false), like the symbolizer. */
        guint m = 1 + f->sym->inlined->len;
        for (guint k = 0; k < m; k++) {
            const char *fn = f->sym->function, *file = f->sym->file;
            int line = f->sym->line;
            if (k > 0) {
                const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k - 1);
                fn = in->function, file = in->file, line = in->line;
            }
            json_builder_begin_object(b);
            hex_member(b, "pc", f->pc);
            str_member(b, "module", f->module ? f->module->path : NULL);
            hex_member(b, "offset", f->offset);
            str_member(b, "function", fn);
            str_member(b, "file", file);
            json_builder_set_member_name(b, "line");
            if (line > 0)
                json_builder_add_int_value(b, line);
            else
                json_builder_add_null_value(b);
            bool_member(b, "inlined", k + 1 < m);
            json_builder_end_object(b);
        }
    }
    g_array_free(fr, TRUE);
    json_builder_end_array(b);
}

/* Milliseconds with microsecond precision, as JSON durations are written. */
static double ms_of(uint64_t ns) { return (double)(ns / 1000u) / 1000.0; }

/* A deadlock edge's WAITS facts (docs/json-report.md). */
static void wait_members(JsonBuilder *b, const lg_fedge *e)
{
    str_member(b, "wait", (e->wait_flags & LG_WAITF_JOIN)   ? "join"
                          : (e->wait_flags & LG_WAITF_COND) ? "cond"
                                                            : "lock");
    json_builder_set_member_name(b, "waited_ms");
    json_builder_add_double_value(b, ms_of(e->waited_ns));
    json_builder_set_member_name(b, "held_ms");
    if (e->held_ns)
        json_builder_add_double_value(b, ms_of(e->held_ns));
    else
        json_builder_add_null_value(b);
}

static void process_member(JsonBuilder *b, const lg_process *p)
{
    json_builder_set_member_name(b, "process");
    json_builder_begin_object(b);
    int_member(b, "pid", p->pid);
    str_member(b, "run_id", p->run_id);
    str_member(b, "exe", p->exe);
    json_builder_end_object(b);
}

static void lock_value(JsonBuilder *b, const lg_process *p, const lg_lock *l)
{
    json_builder_begin_object(b);
    int_member(b, "id", (int64_t)l->id);
    str_member(b, "kind", lg_lock_kind_name(l->kind));
    str_member(b, "subkind", lg_subkind_name(l->subkind));
    str_member(b, "class", l->class_key);
    str_member(b, "class_from", l->class_type == LG_CLASS_STATIC ? "static"
                                : lg_lock_from_init(l)           ? "init"
                                                                 : "first_use");
    hex_member(b, "address", l->addr);
    int_member(b, "generation", l->generation);
    char *name = lg_lock_name(p, l);
    str_member(b, "name", name);
    g_free(name);
    frames_member(b, "first_use", p, l->first_stack, l->ts);
    process_member(b, p);
    json_builder_end_object(b);
}

static void thread_value(JsonBuilder *b, const lg_process *p, uint32_t serial)
{
    const lg_model_thread *t = serial ? lg_process_thread(p, serial) : NULL;
    if (!t) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    int_member(b, "serial", t->serial);
    int_member(b, "tid", t->tid);
    str_member(b, "name", t->name);
    int_member(b, "creator", t->creator);
    frames_member(b, "created_at", p, t->create_stack, t->ts);
    json_builder_end_object(b);
}

static void flags_member(JsonBuilder *b, uint32_t flags)
{
    json_builder_set_member_name(b, "flags");
    json_builder_begin_array(b);
    const char **names = lg_finding_flag_names(flags);
    for (size_t i = 0; names[i]; i++)
        json_builder_add_string_value(b, names[i]);
    g_free(names);
    json_builder_end_array(b);
}

static void finding_value(JsonBuilder *b, const lg_finding *f)
{
    json_builder_begin_object(b);
    str_member(b, "kind", lg_finding_kind_name(f->kind));
    str_member(b, "fingerprint", f->fingerprint);
    flags_member(b, f->flags);
    char *message = lg_finding_message(f);
    str_member(b, "message", message);
    g_free(message);
    int_member(b, "occurrences", f->occurrences);
    str_member(b, "source", f->from_shim ? "live" : "analysis");
    if (f->verdict != LG_VERDICT_DEADLOCK)
        str_member(b, "reason", lg_verdict_name(f->verdict));
    if (f->detail)
        str_member(b, "detail", f->detail);

    if (lg_finding_is_cycle(f)) {
        json_builder_set_member_name(b, "cycle");
        json_builder_begin_array(b);
        for (guint i = 0; i < f->locks->len; i++) {
            const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
            lock_value(b, l->proc, l->lock);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "edges");
        json_builder_begin_array(b);
        for (guint i = 0; i < f->edges->len; i++) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "from");
            if (e->from >= 0)
                json_builder_add_int_value(b, e->from);
            else
                json_builder_add_null_value(b);
            json_builder_set_member_name(b, "to");
            if (e->to >= 0)
                json_builder_add_int_value(b, e->to);
            else
                json_builder_add_null_value(b);
            json_builder_set_member_name(b, "thread");
            thread_value(b, e->proc, e->thread);
            /* 0: the shim did not record the mode (a deadlock's edges): null, as
             * every unknown value in this document */
            str_member(b, "held_mode", e->held_mode ? lg_mode_name(e->held_mode) : NULL);
            str_member(b, "acquired_mode",
                       e->acquired_mode ? lg_mode_name(e->acquired_mode) : NULL);
            bool_member(b, "timed", (e->ctx_flags & LG_CTXF_TIMED) != 0);
            bool_member(b, "trylock", (e->ctx_flags & LG_CTXF_TRY) != 0);
            bool_member(b, "stack_first_seen", (e->ctx_flags & LG_CTXF_STACK_FIRST) != 0);
            process_member(b, e->proc);
            frames_member(b, "stack", e->proc, e->stack, e->ts);
            frames_member(b, "held_stack", e->proc, e->held_stack, e->ts);
            if (e->has_wait)
                wait_members(b, e);
            const lg_model_stack *hs = e->held_stack ? lg_process_stack(e->proc, e->held_stack) : NULL;
            bool_member(b, "held_stack_cut", hs && hs->cut);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
    } else {
        const lg_flock *l = f->locks->len ? &g_array_index(f->locks, lg_flock, 0) : NULL;
        const lg_fedge *e = f->edges->len ? &g_array_index(f->edges, lg_fedge, 0) : NULL;
        json_builder_set_member_name(b, "lock");
        if (l)
            lock_value(b, l->proc, l->lock);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "thread");
        if (e)
            thread_value(b, e->proc, e->thread);
        else
            json_builder_add_null_value(b);
        if (e) {
            process_member(b, e->proc);
            frames_member(b, "stack", e->proc, e->stack, e->ts);
            frames_member(b, "other_stack", e->proc, e->held_stack, e->ts);
        }
        if (f->kind == LG_FIND_FORK_HELD_LOCK && f->edges->len > 1) {
            /* the parent thread that held the lock at the fork */
            const lg_fedge *h = &g_array_index(f->edges, lg_fedge, 1);
            json_builder_set_member_name(b, "holder");
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "thread");
            thread_value(b, h->proc, h->thread);
            frames_member(b, "stack", h->proc, h->stack, h->ts);
            json_builder_end_object(b);
        }
        if (f->kind == LG_FIND_LONG_HOLD) {
            int_member(b, "hold_ms", (int64_t)f->value);
            int_member(b, "count", (int64_t)f->count);
        }
    }
    json_builder_end_object(b);
}

void lg_json_write(FILE *out, JsonBuilder *b)
{
    JsonGenerator *g = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    gsize len = 0;
    gchar *text = json_generator_to_data(g, &len);
    fwrite(text, 1, len, out);
    fputc('\n', out);
    g_free(text);
    json_node_unref(root);
    g_object_unref(g);
    g_object_unref(b);
}

/* Programs this process exec'd that ran without the shim (UNTRACED records);
 * always present, [] when none. */
static void untraced_member(JsonBuilder *b, const lg_process *p)
{
    json_builder_set_member_name(b, "untraced");
    json_builder_begin_array(b);
    for (guint i = 0; i < p->untraced->len; i++) {
        const lg_untraced *u = g_ptr_array_index(p->untraced, i);
        json_builder_begin_object(b);
        str_member(b, "path", u->path);
        str_member(b, "reason", lg_untraced_reason_name(u->reason));
        char *m = lg_untraced_message(u);
        str_member(b, "message", m);
        g_free(m);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

/* Libraries with locks the shim cannot see, from which nothing was recorded;
 * always present, [] when none. */
static void unseen_member(JsonBuilder *b, const lg_process *p)
{
    json_builder_set_member_name(b, "unseen_libraries");
    json_builder_begin_array(b);
    GArray *notes = lg_unseen_notes(p);
    for (guint i = 0; i < notes->len; i++) {
        const lg_unseen_note *n = &g_array_index(notes, lg_unseen_note, i);
        json_builder_begin_object(b);
        str_member(b, "path", n->module->path);
        str_member(b, "locks", n->lib->locks);
        str_member(b, "extent", lg_unseen_extent_name(n));
        char *m = lg_unseen_message(p, n);
        str_member(b, "message", m);
        g_free(m);
        json_builder_end_object(b);
    }
    g_array_free(notes, TRUE);
    json_builder_end_array(b);
}

void lg_format_json(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    int_member(b, "schema_version", 1);
    json_builder_set_member_name(b, "tool");
    json_builder_begin_object(b);
    str_member(b, "name", "lockgraph");
    str_member(b, "version", LG_VERSION);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "summary");
    json_builder_begin_object(b);
    unsigned total = 0;
    json_builder_set_member_name(b, "by_kind");
    json_builder_begin_object(b);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        int_member(b, lg_finding_kind_name(k), a->counts[k]);
        total += a->counts[k];
    }
    json_builder_end_object(b);
    int_member(b, "findings", total);
    int_member(b, "suppressed", a->nsuppressed);
    int_member(b, "filtered", a->filtered->len);
    json_builder_set_member_name(b, "filtered_by");
    json_builder_begin_object(b);
    for (int v = LG_VERDICT_TRYLOCK; v <= LG_VERDICT_READER_PREF; v++)
        int_member(b, lg_verdict_name((enum lg_verdict)v), a->nfiltered_by[v]);
    json_builder_end_object(b);
    bool_member(b, "truncated", a->truncated);
    int_member(b, "cycles_examined", (int64_t)a->cycles);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "inputs");
    json_builder_begin_array(b);
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        json_builder_begin_object(b);
        str_member(b, "path", p->path);
        int_member(b, "pid", p->pid);
        int_member(b, "ppid", p->ppid);
        str_member(b, "run_id", p->run_id);
        str_member(b, "exe", p->exe);
        str_member(b, "cmdline", p->cmdline);
        bool_member(b, "truncated", p->truncated);
        int_member(b, "records", (int64_t)p->nrecords);
        /* (a reason this build does not know reads as a plain exit: JSON carries
         * documented values only) */
        const char *end = lg_end_reason_name(p->end_reason);
        str_member(b, "end", !p->has_end ? NULL : strcmp(end, "unknown") ? end : "exit");
        json_builder_set_member_name(b, "losses"); /* the shim's own (LOSSES record) */
        json_builder_begin_object(b);
        for (unsigned c = 1; c <= LG_LOSS_COUNTER_MAX; c++)
            int_member(b, lg_loss_counter_name(c), (int64_t)p->losses[c]);
        json_builder_end_object(b);
        untraced_member(b, p);
        unseen_member(b, p);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "findings");
    json_builder_begin_array(b);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed)
            finding_value(b, f);
    }
    json_builder_end_array(b);

    if (o->verbose) {
        json_builder_set_member_name(b, "filtered");
        json_builder_begin_array(b);
        for (guint i = 0; i < a->filtered->len; i++)
            finding_value(b, g_ptr_array_index(a->filtered, i));
        json_builder_end_array(b);
    }

    json_builder_set_member_name(b, "statistics");
    json_builder_begin_array(b);
    for (guint i = 0; i < a->stats->len && i < o->top; i++) {
        const lg_stat_row *r = &g_array_index(a->stats, lg_stat_row, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "lock");
        lock_value(b, r->proc, r->lock);
        int_member(b, "acquisitions", (int64_t)r->s->acquisitions);
        int_member(b, "contended", (int64_t)r->s->contended);
        int_member(b, "wait_total_ns", (int64_t)r->s->wait_total_ns);
        int_member(b, "wait_max_ns", (int64_t)r->s->wait_max_ns);
        int_member(b, "hold_total_ns", (int64_t)r->s->hold_total_ns);
        int_member(b, "hold_max_ns", (int64_t)r->s->hold_max_ns);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    lg_json_write(out, b);
}
