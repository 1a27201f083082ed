/* JSON report (docs/json-report.md, schema_version 1), written as it is made
 * (json_stream.h): memory does not grow with the output. */
#include "coverage_notes.h"
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "json_stream.h"
#include "lock_label.h"
#include "log_records.h"
#include "names.h"

#include <string.h>

static void hex_member(lg_jstream *b, const char *name, uint64_t v)
{
    char buf[24];
    g_snprintf(buf, sizeof buf, "0x%" G_GINT64_MODIFIER "x", v);
    lg_js_member(b, name);
    lg_js_string(b, buf);
}

static void str_member(lg_jstream *b, const char *name, const char *v)
{
    lg_js_member(b, name);
    if (v)
        lg_js_string(b, v);
    else
        lg_js_null(b);
}

static void int_member(lg_jstream *b, const char *name, int64_t v)
{
    lg_js_member(b, name);
    lg_js_int(b, v);
}

static void bool_member(lg_jstream *b, const char *name, gboolean v)
{
    lg_js_member(b, name);
    lg_js_bool(b, v);
}

static void frames_member(lg_jstream *b, const char *name, const lg_process *p,
                          uint32_t stack, uint64_t ts)
{
    lg_js_member(b, name);
    lg_js_begin_array(b);
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
            lg_js_begin_object(b);
            hex_member(b, "pc", f->pc);
            str_member(b, "module", f->module ? f->module->path : NULL);
            hex_member(b, "offset", f->offset);
            str_member(b, "function", fn);
            str_member(b, "file", file);
            lg_js_member(b, "line");
            if (line > 0)
                lg_js_int(b, line);
            else
                lg_js_null(b);
            bool_member(b, "inlined", k + 1 < m);
            lg_js_end_object(b);
        }
    }
    g_array_free(fr, TRUE);
    lg_js_end_array(b);
}

/* Milliseconds with microsecond precision, as JSON durations are written. */
static double ms_of(uint64_t ns) { return (double)(ns / 1000u) / 1000.0; }

/* A deadlock edge's WAITS facts (docs/json-report.md). */
static void wait_members(lg_jstream *b, const lg_fedge *e)
{
    str_member(b, "wait", (e->wait_flags & LG_WAITF_JOIN)   ? "join"
                          : (e->wait_flags & LG_WAITF_COND) ? "cond"
                                                            : "lock");
    lg_js_member(b, "waited_ms");
    lg_js_double(b, ms_of(e->waited_ns));
    lg_js_member(b, "held_ms");
    if (e->held_ns)
        lg_js_double(b, ms_of(e->held_ns));
    else
        lg_js_null(b);
}

static void process_member(lg_jstream *b, const lg_process *p)
{
    lg_js_member(b, "process");
    lg_js_begin_object(b);
    int_member(b, "pid", p->pid);
    str_member(b, "run_id", p->run_id);
    str_member(b, "exe", p->exe);
    lg_js_end_object(b);
}

static void lock_value(lg_jstream *b, const lg_process *p, const lg_lock *l)
{
    lg_js_begin_object(b);
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
    lg_js_end_object(b);
}

static void thread_value(lg_jstream *b, const lg_process *p, uint32_t serial)
{
    const lg_model_thread *t = serial ? lg_process_thread(p, serial) : NULL;
    if (!t) {
        lg_js_null(b);
        return;
    }
    lg_js_begin_object(b);
    int_member(b, "serial", t->serial);
    int_member(b, "tid", t->tid);
    str_member(b, "name", t->name);
    int_member(b, "creator", t->creator);
    frames_member(b, "created_at", p, t->create_stack, t->ts);
    lg_js_end_object(b);
}

static void flags_member(lg_jstream *b, uint32_t flags)
{
    lg_js_member(b, "flags");
    lg_js_begin_array(b);
    const char **names = lg_finding_flag_names(flags);
    for (size_t i = 0; names[i]; i++)
        lg_js_string(b, names[i]);
    g_free(names);
    lg_js_end_array(b);
}

static void finding_value(lg_jstream *b, const lg_finding *f)
{
    lg_js_begin_object(b);
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
        lg_js_member(b, "cycle");
        lg_js_begin_array(b);
        for (guint i = 0; i < f->locks->len; i++) {
            const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
            lock_value(b, l->proc, l->lock);
        }
        lg_js_end_array(b);
        lg_js_member(b, "edges");
        lg_js_begin_array(b);
        for (guint i = 0; i < f->edges->len; i++) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
            lg_js_begin_object(b);
            lg_js_member(b, "from");
            if (e->from >= 0)
                lg_js_int(b, e->from);
            else
                lg_js_null(b);
            lg_js_member(b, "to");
            if (e->to >= 0)
                lg_js_int(b, e->to);
            else
                lg_js_null(b);
            lg_js_member(b, "thread");
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
            lg_js_end_object(b);
        }
        lg_js_end_array(b);
        /* the distinct cycles merged in under this fingerprint (other lock instances
         * through the same code), each a finding of its own shape: merging never
         * hides a second bug (docs/json-report.md) */
        lg_js_member(b, "merged_cycles");
        lg_js_begin_array(b);
        for (guint i = 0; f->merged && i < f->merged->len; i++)
            finding_value(b, g_ptr_array_index(f->merged, i));
        lg_js_end_array(b);
    } else {
        const lg_flock *l = f->locks->len ? &g_array_index(f->locks, lg_flock, 0) : NULL;
        const lg_fedge *e = f->edges->len ? &g_array_index(f->edges, lg_fedge, 0) : NULL;
        lg_js_member(b, "lock");
        if (l)
            lock_value(b, l->proc, l->lock);
        else
            lg_js_null(b);
        lg_js_member(b, "thread");
        if (e)
            thread_value(b, e->proc, e->thread);
        else
            lg_js_null(b);
        if (e) {
            process_member(b, e->proc);
            frames_member(b, "stack", e->proc, e->stack, e->ts);
            frames_member(b, "other_stack", e->proc, e->held_stack, e->ts);
        }
        if (f->kind == LG_FIND_FORK_HELD_LOCK && f->edges->len > 1) {
            /* the parent thread that held the lock at the fork */
            const lg_fedge *h = &g_array_index(f->edges, lg_fedge, 1);
            lg_js_member(b, "holder");
            lg_js_begin_object(b);
            lg_js_member(b, "thread");
            thread_value(b, h->proc, h->thread);
            frames_member(b, "stack", h->proc, h->stack, h->ts);
            lg_js_end_object(b);
        }
        if (f->kind == LG_FIND_LONG_HOLD) {
            int_member(b, "hold_ms", (int64_t)f->value);
            int_member(b, "count", (int64_t)f->count);
        }
    }
    lg_js_end_object(b);
}

/* Programs this process exec'd that ran without the shim (UNTRACED records);
 * always present, [] when none. */
static void untraced_member(lg_jstream *b, const lg_process *p)
{
    lg_js_member(b, "untraced");
    lg_js_begin_array(b);
    for (guint i = 0; i < p->untraced->len; i++) {
        const lg_untraced *u = g_ptr_array_index(p->untraced, i);
        lg_js_begin_object(b);
        str_member(b, "path", u->path);
        str_member(b, "reason", lg_untraced_reason_name(u->reason));
        char *m = lg_untraced_message(u);
        str_member(b, "message", m);
        g_free(m);
        lg_js_end_object(b);
    }
    lg_js_end_array(b);
}

/* Libraries with locks the shim cannot see, from which nothing was recorded;
 * always present, [] when none. */
static void unseen_member(lg_jstream *b, const lg_process *p)
{
    lg_js_member(b, "unseen_libraries");
    lg_js_begin_array(b);
    GArray *notes = lg_unseen_notes(p);
    for (guint i = 0; i < notes->len; i++) {
        const lg_unseen_note *n = &g_array_index(notes, lg_unseen_note, i);
        lg_js_begin_object(b);
        str_member(b, "path", n->module->path);
        str_member(b, "locks", n->lib->locks);
        str_member(b, "extent", lg_unseen_extent_name(n));
        char *m = lg_unseen_message(p, n);
        str_member(b, "message", m);
        g_free(m);
        lg_js_end_object(b);
    }
    g_array_free(notes, TRUE);
    lg_js_end_array(b);
}

void lg_format_json(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    lg_jstream *b = lg_js_new(out);
    lg_js_begin_object(b);
    int_member(b, "schema_version", 1);
    lg_js_member(b, "tool");
    lg_js_begin_object(b);
    str_member(b, "name", "lockgraph");
    str_member(b, "version", LG_VERSION);
    lg_js_end_object(b);

    lg_js_member(b, "summary");
    lg_js_begin_object(b);
    unsigned total = 0;
    lg_js_member(b, "by_kind");
    lg_js_begin_object(b);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        int_member(b, lg_finding_kind_name(k), a->counts[k]);
        total += a->counts[k];
    }
    lg_js_end_object(b);
    int_member(b, "findings", total);
    int_member(b, "suppressed", a->nsuppressed);
    int_member(b, "filtered", a->filtered->len);
    lg_js_member(b, "filtered_by");
    lg_js_begin_object(b);
    for (int v = LG_VERDICT_TRYLOCK; v <= LG_VERDICT_READER_PREF; v++)
        int_member(b, lg_verdict_name((enum lg_verdict)v), a->nfiltered_by[v]);
    lg_js_end_object(b);
    bool_member(b, "truncated", a->truncated);
    int_member(b, "cycles_examined", (int64_t)a->cycles);
    /* what the text report says below "truncated" and "filtered" */
    lg_js_member(b, "truncated_by");
    lg_js_begin_array(b);
    if (a->truncated_why & LG_TRUNC_CYCLES)
        lg_js_string(b, "cycles");
    if (a->truncated_why & LG_TRUNC_STEPS)
        lg_js_string(b, "steps");
    if (a->truncated_why & LG_TRUNC_RULES)
        lg_js_string(b, "rules");
    lg_js_end_array(b);
    int_member(b, "filtered_repeats", (int64_t)a->filtered_repeats);
    /* when truncated: the cycles not examined all lie among these locks */
    int_member(b, "unexamined_locks", (int64_t)a->unexamined_nodes);
    int_member(b, "unexamined_groups", (int64_t)a->unexamined_groups);
    lg_js_end_object(b);

    lg_js_member(b, "inputs");
    lg_js_begin_array(b);
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        lg_js_begin_object(b);
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
        lg_js_member(b, "losses"); /* the shim's own (LOSSES record) */
        lg_js_begin_object(b);
        for (unsigned c = 1; c <= LG_LOSS_COUNTER_MAX; c++)
            int_member(b, lg_loss_counter_name(c), (int64_t)p->losses[c]);
        lg_js_end_object(b);
        untraced_member(b, p);
        unseen_member(b, p);
        lg_js_end_object(b);
    }
    lg_js_end_array(b);

    lg_js_member(b, "findings");
    lg_js_begin_array(b);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed)
            finding_value(b, f);
    }
    lg_js_end_array(b);

    if (o->verbose) {
        lg_js_member(b, "filtered");
        lg_js_begin_array(b);
        for (guint i = 0; i < a->filtered->len; i++)
            finding_value(b, g_ptr_array_index(a->filtered, i));
        lg_js_end_array(b);
    }

    lg_js_member(b, "statistics");
    lg_js_begin_array(b);
    for (guint i = 0; i < a->stats->len && i < o->top; i++) {
        const lg_stat_row *r = &g_array_index(a->stats, lg_stat_row, i);
        lg_js_begin_object(b);
        lg_js_member(b, "lock");
        lock_value(b, r->proc, r->lock);
        int_member(b, "acquisitions", (int64_t)r->s->acquisitions);
        int_member(b, "contended", (int64_t)r->s->contended);
        int_member(b, "wait_total_ns", (int64_t)r->s->wait_total_ns);
        int_member(b, "wait_max_ns", (int64_t)r->s->wait_max_ns);
        int_member(b, "hold_total_ns", (int64_t)r->s->hold_total_ns);
        int_member(b, "hold_max_ns", (int64_t)r->s->hold_max_ns);
        lg_js_end_object(b);
    }
    lg_js_end_array(b);
    lg_js_end_object(b);

    lg_js_finish(b);
}
