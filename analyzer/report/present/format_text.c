#include "coverage_notes.h"
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "lock_label.h"
#include "names.h"

static void print_stack(FILE *out, const lg_process *p, uint32_t stack, uint64_t ts,
                        const char *indent)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    if (fr->len == 0)
        fprintf(out, "%s(no stack recorded)\n", indent);
    for (guint i = 0; i < fr->len; i++) {
        const lg_frame *f = &g_array_index(fr, lg_frame, i);
        char *d = lg_frame_describe(f);
        fprintf(out, "%s#%u %s\n", indent, i, d);
        g_free(d);
        for (guint k = 0; k < f->sym->inlined->len; k++) {
            const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k);
            fprintf(out, "%s   inlined into %s", indent, in->function ? in->function : "?");
            if (in->file)
                fprintf(out, " (%s:%d)", in->file, in->line);
            fputc('\n', out);
        }
    }
    g_array_free(fr, TRUE);
}

static void print_thread(FILE *out, const lg_process *p, uint32_t serial)
{
    const lg_model_thread *t = serial ? lg_process_thread(p, serial) : NULL;
    if (!t) {
        fprintf(out, "      thread: unknown\n");
        return;
    }
    fprintf(out, "      thread T%u \"%s\" (tid %u, pid %u)", t->serial, t->name ? t->name : "",
            t->tid, p->pid);
    if (t->creator == 0) {
        fprintf(out, ", the main thread\n");
        return;
    }
    fprintf(out, ", created by T%u at:\n", t->creator);
    print_stack(out, p, t->create_stack, t->ts, "          ");
}

static void print_flags(FILE *out, uint32_t flags)
{
    const char **names = lg_finding_flag_names(flags);
    for (size_t i = 0; names[i]; i++)
        fprintf(out, "%s%s", i ? ", " : " [", names[i]);
    if (names[0])
        fputc(']', out);
    g_free(names);
}

static void print_finding(FILE *out, const lg_finding *f, unsigned no)
{
    fprintf(out, "\n#%u %s", no, lg_finding_kind_name(f->kind));
    print_flags(out, f->flags);
    if (f->verdict != LG_VERDICT_DEADLOCK)
        fprintf(out, " (filtered: %s)", lg_verdict_name(f->verdict));
    fprintf(out, "  fingerprint %s", f->fingerprint);
    if (f->occurrences > 1)
        fprintf(out, "  (%u occurrences)", f->occurrences);
    char *message = lg_finding_message(f);
    fprintf(out, "\n  %s\n", message);
    if (f->detail && g_strcmp0(f->detail, message) != 0)
        fprintf(out, "  shim: %s\n", f->detail);
    g_free(message);

    for (guint i = 0; i < f->locks->len; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        char *label = lg_lock_label(l->proc, l->lock);
        fprintf(out, "  L%u: %s (%s, %s) class %s, pid %u\n", i, label,
                lg_lock_kind_name(l->lock->kind), lg_subkind_name(l->lock->subkind),
                l->lock->class_key, l->proc->pid);
        fprintf(out, "      first used at:\n");
        print_stack(out, l->proc, l->lock->first_stack, l->lock->ts, "        ");
        g_free(label);
    }
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        char from[16];
        if (e->from >= 0)
            g_snprintf(from, sizeof from, "L%d", e->from);
        else
            g_strlcpy(from, "(no lock)", sizeof from);
        if (e->to >= 0 && (e->held_mode || e->acquired_mode))
            fprintf(out, "  edge %s -> L%d (held %s, acquired %s%s%s):\n", from, e->to,
                    lg_mode_name(e->held_mode), lg_mode_name(e->acquired_mode),
                    (e->ctx_flags & LG_CTXF_TIMED) ? ", timed" : "",
                    (e->ctx_flags & LG_CTXF_TRY) ? ", trylock" : "");
        else if (e->to >= 0)
            fprintf(out, "  edge %s -> L%d:\n", from, e->to); /* the shim gave no modes */
        else
            fprintf(out, "  at %s:\n", from);
        if (f->flags & LG_FINDF_CROSS_RUN)
            fprintf(out, "      run %s, pid %u (%s)\n", e->proc->run_id, e->proc->pid, e->proc->exe);
        print_thread(out, e->proc, e->thread);
        if (e->to >= 0) {
            fprintf(out, "      %s L%d at:\n",
                    f->kind == LG_FIND_DEADLOCK ? "blocked waiting for" : "acquired", e->to);
            print_stack(out, e->proc, e->stack, e->ts, "        ");
            fprintf(out, "      while holding %s, taken at:\n", from);
            print_stack(out, e->proc, e->held_stack, e->ts, "        ");
        } else {
            fprintf(out, "      at:\n");
            print_stack(out, e->proc, e->stack, e->ts, "        ");
            if (e->held_stack) {
                fprintf(out, "      the lock was taken at:\n");
                print_stack(out, e->proc, e->held_stack, e->ts, "        ");
            }
        }
    }
}

static void print_stats(FILE *out, const lg_analysis *a, unsigned top)
{
    if (a->stats->len == 0 || top == 0)
        return;
    fprintf(out, "\nContention (top %u of %u locks by contended acquisitions):\n",
            top < a->stats->len ? top : a->stats->len, a->stats->len);
    fprintf(out, "  %-40s %12s %10s %12s %10s %12s %10s\n", "lock", "acquired", "contended",
            "wait total", "wait max", "hold total", "hold max");
    for (guint i = 0; i < a->stats->len && i < top; i++) {
        const lg_stat_row *r = &g_array_index(a->stats, lg_stat_row, i);
        char *label = lg_lock_label(r->proc, r->lock);
        char *wt = lg_format_ms(r->s->wait_total_ns), *wm = lg_format_ms(r->s->wait_max_ns);
        char *ht = lg_format_ms(r->s->hold_total_ns), *hm = lg_format_ms(r->s->hold_max_ns);
        fprintf(out, "  %-40.40s %12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                     " %10s ms %8s ms %10s ms %8s ms\n",
                label, r->s->acquisitions, r->s->contended, wt, wm, ht, hm);
        g_free(label), g_free(wt), g_free(wm), g_free(ht), g_free(hm);
    }
}

/* What the shim itself lost while recording this log (LOSSES), said the way
 * mutrace warns about its hash collisions: the report is only as complete as this. */
static void print_losses(FILE *out, const lg_process *p)
{
    uint64_t n = p->losses[LG_LOSS_RECORDS_DROPPED];
    if (n)
        fprintf(out, "  lockgraph: the log of pid %u lost %" G_GUINT64_FORMAT " record%s (too "
                     "large for the shim's buffers, or no memory): what %s described is missing "
                     "from this report\n",
                p->pid, n, n == 1 ? "" : "s", n == 1 ? "it" : "they");
    n = p->losses[LG_LOSS_CONTEXTS_DROPPED];
    if (n)
        fprintf(out, "  lockgraph: pid %u did not record %" G_GUINT64_FORMAT " context%s of "
                     "edges already at the shim's per-edge cap: cycles through those edges "
                     "were judged on the contexts kept\n",
                p->pid, n, n == 1 ? "" : "s");
    n = p->losses[LG_LOSS_SEARCHES_CUT];
    if (n)
        fprintf(out, "  lockgraph: pid %u cut %" G_GUINT64_FORMAT " live cycle search%s short at "
                     "%s work budget: live reports may have missed cycles (this report "
                     "enumerates them from the log)\n",
                p->pid, n, n == 1 ? "" : "es", n == 1 ? "its" : "their");
}

/* Programs this process exec'd that ran without the shim: nothing of theirs is in
 * the report. */
static void print_untraced(FILE *out, const lg_process *p)
{
    for (guint i = 0; i < p->untraced->len; i++) {
        char *m = lg_untraced_message(g_ptr_array_index(p->untraced, i));
        fprintf(out, "  lockgraph: %s (exec'd by pid %u); nothing of it is in this report\n", m,
                p->pid);
        g_free(m);
    }
}

/* Libraries with locks the shim cannot see, from which nothing was recorded. */
static void print_unseen(FILE *out, const lg_process *p)
{
    GArray *notes = lg_unseen_notes(p);
    for (guint i = 0; i < notes->len; i++) {
        char *m = lg_unseen_message(p, &g_array_index(notes, lg_unseen_note, i));
        fprintf(out, "  lockgraph: %s\n", m);
        g_free(m);
    }
    g_array_free(notes, TRUE);
}

void lg_format_text(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    unsigned total = 0;
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        total += a->counts[k];
    unsigned nfiltered = a->filtered->len;
    fprintf(out, "lockgraph report: %u log%s, %u finding%s", a->procs->len,
            a->procs->len == 1 ? "" : "s", total, total == 1 ? "" : "s");
    const char *sep = " (";
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        if (a->counts[k]) {
            fprintf(out, "%s%s: %u", sep, lg_finding_kind_name(k), a->counts[k]);
            sep = ", ";
        }
    fprintf(out, "%s; %u filtered, %u suppressed\n", total ? ")" : "", nfiltered, a->nsuppressed);
    if (nfiltered)
        fprintf(out, "  filtered cycles: %u gate-lock, %u trylock, %u reader-preference%s\n",
                a->nfiltered_by[LG_VERDICT_GATED], a->nfiltered_by[LG_VERDICT_TRYLOCK],
                a->nfiltered_by[LG_VERDICT_READER_PREF], o->verbose ? "" : " (--verbose lists them)");
    if (a->truncated)
        fprintf(out, "  truncated: cycle enumeration stopped at its budget after %" G_GUINT64_FORMAT
                     " cycles; more cycles may exist\n", a->cycles);
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        fprintf(out, "  log %s: pid %u, %s%s%s\n", p->path, p->pid, p->exe,
                p->truncated ? ", truncated (torn tail)" : "",
                p->has_end ? (p->end_reason == LG_END_DEADLOCK ? ", ended by deadlock policy" : "")
                           : ", no END record");
        print_losses(out, p);
        print_untraced(out, p);
        print_unseen(out, p);
    }

    unsigned no = 1;
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed)
            print_finding(out, f, no++);
    }
    if (o->verbose && nfiltered) {
        fprintf(out, "\nFiltered cycles (cannot deadlock):\n");
        for (guint i = 0; i < a->filtered->len; i++)
            print_finding(out, g_ptr_array_index(a->filtered, i), i + 1);
    }
    print_stats(out, a, o->top);
}

void lg_format_text_finding(FILE *out, const lg_finding *f, unsigned no)
{
    print_finding(out, f, no);
}
