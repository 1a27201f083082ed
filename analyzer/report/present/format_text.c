#include "coverage_notes.h"
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "lock_label.h"
#include "names.h"

#include <string.h>

/* How the text report prints: verbose shows the runtime frames below a thread's entry
 * and every lock and edge of a long cycle. */
typedef struct text_opts {
    gboolean verbose;
} text_opts;

/* Cycles longer than this print their first and last LONG_CYCLE_ENDS locks and edges
 * and a count of the rest (the JSON report keeps every one; --verbose prints all). */
#define LONG_CYCLE 16u
#define LONG_CYCLE_ENDS 4u

static void print_stack(FILE *out, const text_opts *o, const lg_process *p, uint32_t stack,
                        uint64_t ts, const char *indent)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    if (fr->len == 0)
        fprintf(out, "%s(no stack recorded)\n", indent);
    guint shown = o->verbose ? fr->len : lg_frames_shown(fr);
    for (guint i = 0; i < shown; i++) {
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
    if (shown < fr->len)
        fprintf(out, "%s(%u runtime frame%s below the thread's entry folded; --verbose shows them)\n",
                indent, fr->len - shown, fr->len - shown == 1 ? "" : "s");
    g_array_free(fr, TRUE);
    const lg_model_stack *s = stack ? lg_process_stack(p, stack) : NULL;
    if (s && s->cut)
        fprintf(out, "%s(outer frames unknown: taken in a call that had returned before "
                     "the stack could be kept)\n", indent);
}

static void print_thread(FILE *out, const text_opts *o, const lg_process *p, uint32_t serial)
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
    print_stack(out, o, p, t->create_stack, t->ts, "          ");
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

/* Column header of edge i's thread in the scenario: "T2", or "pid 7 T2" across runs;
 * a thread in several columns (single_thread: one thread took several of the orders)
 * is "T2.1", "T2.2", ...: copies of its code run by different threads at once.
 * occ[i] is edge i's occurrence among its thread's edges (1-based), total[i] their
 * number. */
static char *scenario_thread(const lg_finding *f, guint i, const guint *occ, const guint *total)
{
    const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
    GString *s = g_string_new(NULL);
    if (f->flags & LG_FINDF_CROSS_RUN)
        g_string_append_printf(s, "pid %u ", e->proc->pid);
    g_string_append_printf(s, "T%u", e->thread);
    if (total[i] > 1)
        g_string_append_printf(s, ".%u", occ[i]);
    return g_string_free(s, FALSE);
}

/* occ / total for scenario_thread, in one pass. */
static void thread_occurrences(const lg_finding *f, guint *occ, guint *total)
{
    GHashTable *count = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    guint n = f->edges->len;
    for (guint i = 0; i < n; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        gint64 key = (gint64)((uint64_t)e->proc->index << 32 | e->thread);
        guint c = GPOINTER_TO_UINT(g_hash_table_lookup(count, &key)) + 1;
        g_hash_table_insert(count, g_memdup2(&key, sizeof key), GUINT_TO_POINTER(c));
        occ[i] = c;
    }
    for (guint i = 0; i < n; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        gint64 key = (gint64)((uint64_t)e->proc->index << 32 | e->thread);
        total[i] = GPOINTER_TO_UINT(g_hash_table_lookup(count, &key));
    }
    g_hash_table_destroy(count);
}

static char *short_site(const lg_process *p, uint32_t stack, uint64_t ts)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    lg_user_site u = lg_frames_user_site(fr);
    char *out = NULL;
    if (u.frame >= 0 && u.line) {
        char *base = g_path_get_basename(u.file);
        out = g_strdup_printf("%s:%d", base, u.line);
        g_free(base);
    }
    g_array_free(fr, TRUE);
    return out;
}

/* lockdep's "possible unsafe locking scenario": each thread takes the lock it holds
 * in the cycle, then each asks for the next one, which the next thread holds.  One
 * column per thread up to SCENARIO_COLUMNS threads, one line per step beyond. */
#define SCENARIO_COLUMNS 4u
static void print_scenario(FILE *out, const text_opts *o, const lg_finding *f)
{
    guint n = f->edges->len;
    if (!lg_finding_is_cycle(f) || f->verdict != LG_VERDICT_DEADLOCK || n < 2)
        return;
    for (guint i = 0; i < n; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        if (e->from < 0 || e->to < 0)
            return;
    }
    gboolean happened = f->kind == LG_FIND_DEADLOCK;
    /* cells[phase * n + i]: thread i's step in phase 0 (take) or 1 (block) */
    char **cells = g_new0(char *, (gsize)2 * n + 1);
    char **heads = g_new0(char *, (gsize)n + 1);
    gboolean columns = n <= SCENARIO_COLUMNS;
    guint *occ = g_new(guint, n), *total = g_new(guint, n);
    thread_occurrences(f, occ, total);
    gboolean repeated = FALSE;
    guint limit = (o->verbose || n <= LONG_CYCLE) ? n : LONG_CYCLE_ENDS;
    for (guint i = 0; i < n; i++) {
        if (!(i < limit || i >= n - limit))
            continue;
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        heads[i] = scenario_thread(f, i, occ, total);
        repeated |= total[i] > 1;
        char *held = short_site(e->proc, e->held_stack, e->ts);
        char *want = short_site(e->proc, e->stack, e->ts);
        char *owner = scenario_thread(f, (i + 1) % n, occ, total);
        cells[i] = g_strdup_printf("lock(L%d)%s%s", e->from, held ? " at " : "", held ? held : "");
        cells[n + i] = g_strdup_printf("lock(L%d)%s%s -- waits for %s", e->to, want ? " at " : "",
                                       want ? want : "", owner);
        g_free(held), g_free(want), g_free(owner);
    }
    fprintf(out, "  %s (%s):\n", happened ? "How it deadlocked" : "How it would deadlock",
            columns ? "one interleaving, one column per thread" : "one interleaving, step by step");
    if (columns) {
        guint w = 0;
        for (guint i = 0; i < 2 * n; i++)
            w = MAX(w, (guint)strlen(cells[i]));
        for (guint i = 0; i < n; i++)
            w = MAX(w, (guint)strlen(heads[i]));
        w += 2;
        fprintf(out, "   ");
        for (guint i = 0; i < n; i++)
            fprintf(out, " %-*s", i + 1 < n ? (int)w : 0, heads[i]);
        fprintf(out, "\n   ");
        for (guint i = 0; i < n; i++)
            fprintf(out, " %-*s", i + 1 < n ? (int)w : 0, "----");
        fputc('\n', out);
        for (guint ph = 0; ph < 2; ph++)
            for (guint i = 0; i < n; i++) {
                fprintf(out, "   ");
                for (guint c = 0; c < i; c++)
                    fprintf(out, " %-*s", (int)w, "");
                fprintf(out, " %s\n", cells[ph * n + i]);
            }
    } else {
        for (guint ph = 0; ph < 2; ph++)
            for (guint i = 0; i < n; i++) {
                if (!heads[i]) {
                    if (i == limit)
                        fprintf(out, "    ... %u more threads (--verbose shows every step)\n",
                                n - 2 * limit);
                    continue;
                }
                fprintf(out, "    %s: %s\n", heads[i], cells[ph * n + i]);
            }
    }
    fprintf(out, "    *** every thread waits for a lock the next one holds: %s ***\n",
            happened ? "deadlock" : "deadlock if they ever run like this");
    if (repeated)
        fprintf(out, "    (Tn.1, Tn.2: one thread took these orders; two threads running its code "
                     "at once would hang like this)\n");
    g_free(occ);
    g_free(total);
    for (guint i = 0; i < 2 * n; i++)
        g_free(cells[i]);
    for (guint i = 0; i < n; i++)
        g_free(heads[i]);
    g_free(cells);
    g_free(heads);
}

/* The distinct cycles merged into f under its fingerprint (analysis.h): each said
 * with its locks, so a second bug in the same functions is never hidden. */
static void print_merged(FILE *out, const lg_finding *f)
{
    if (!f->merged || f->merged->len == 0)
        return;
    fprintf(out, "  also under this fingerprint, %u other distinct cycle%s:\n", f->merged->len,
            f->merged->len == 1 ? "" : "s");
    for (guint i = 0; i < f->merged->len && i < 20; i++) {
        const lg_finding *m = g_ptr_array_index(f->merged, i);
        char *msg = lg_finding_message(m);
        fprintf(out, "    - %s (pid %u)", msg,
                m->locks->len ? g_array_index(m->locks, lg_flock, 0).proc->pid : 0);
        if (m->from_shim) { /* the shim's message does not name the locks */
            char **labels = lg_finding_lock_labels(m);
            for (guint k = 0; labels[k] && k < LG_MESSAGE_MAX_LOCKS; k++)
                fprintf(out, "%s%s", k ? ", " : ": ", labels[k]);
            if (m->locks->len > LG_MESSAGE_MAX_LOCKS)
                fprintf(out, ", ... (%u locks)", m->locks->len);
            g_strfreev(labels);
        }
        fputc('\n', out);
        g_free(msg);
    }
    if (f->merged->len > 20)
        fprintf(out, "    ... and %u more (the JSON report lists them)\n", f->merged->len - 20);
}

/* A deadlocked thread's WAITS facts: how long it had waited and held. */
static void print_wait(FILE *out, const lg_fedge *e)
{
    char *w = lg_format_ms(e->waited_ns);
    fprintf(out, "      blocked for %s ms%s", w,
            (e->wait_flags & LG_WAITF_TIMED) ? " (with a timeout: it ends by itself)" : "");
    if (e->held_ns) {
        char *h = lg_format_ms(e->held_ns);
        fprintf(out, ", holding L%d for %s ms", e->from, h);
        g_free(h);
    }
    fputc('\n', out);
    g_free(w);
}

static void print_finding(FILE *out, const text_opts *o, const lg_finding *f, unsigned no)
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
    print_merged(out, f);
    print_scenario(out, o, f);

    guint nl = f->locks->len;
    guint lim = (o->verbose || nl <= LONG_CYCLE) ? nl : LONG_CYCLE_ENDS;
    char **labels = lg_finding_lock_labels(f);
    for (guint i = 0; i < nl; i++) {
        if (!(i < lim || i >= nl - lim)) {
            if (i == lim)
                fprintf(out, "  ... L%u to L%u not shown (%u locks; --verbose or --format json "
                             "lists them)\n", lim, nl - lim - 1, nl - 2 * lim);
            continue;
        }
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        fprintf(out, "  L%u: %s (%s, %s) class %s, pid %u\n", i, labels[i],
                lg_lock_kind_name(l->lock->kind), lg_subkind_name(l->lock->subkind),
                l->lock->class_key, l->proc->pid);
        fprintf(out, "      %s at:\n", lg_lock_from_init(l->lock) ? "initialized" : "first used");
        print_stack(out, o, l->proc, l->lock->first_stack, l->lock->ts, "        ");
    }
    g_strfreev(labels);
    guint ne = f->edges->len;
    lim = (o->verbose || ne <= LONG_CYCLE) ? ne : LONG_CYCLE_ENDS;
    for (guint i = 0; i < ne; i++) {
        if (!(i < lim || i >= ne - lim)) {
            if (i == lim)
                fprintf(out, "  ... %u edges not shown (--verbose or --format json lists them)\n",
                        ne - 2 * lim);
            continue;
        }
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
        print_thread(out, o, e->proc, e->thread);
        if (e->has_wait)
            print_wait(out, e);
        if (e->to >= 0) {
            /* a stack from the shim's depot: this code path's first, not this edge's */
            fprintf(out, "      %s L%d %s:\n",
                    f->kind == LG_FIND_DEADLOCK ? "blocked waiting for" : "acquired", e->to,
                    (e->ctx_flags & LG_CTXF_STACK_FIRST) ? "first seen at" : "at");
            print_stack(out, o, e->proc, e->stack, e->ts, "        ");
            fprintf(out, "      while holding %s, taken at:\n", from);
            print_stack(out, o, e->proc, e->held_stack, e->ts, "        ");
        } else {
            int fork = f->kind == LG_FIND_FORK_HELD_LOCK;
            /* fork-held-lock: edge 0 is the child's use, edge 1 the parent's holder */
            fprintf(out, "      %s\n", fork && i == 1 ? "held it at the fork, taken at:"
                                   : f->kind == LG_FIND_EXIT_HELD_LOCK
                                       ? "took the lock at (and ended without releasing it):"
                                       : "at:");
            print_stack(out, o, e->proc, e->stack, e->ts, "        ");
            if (e->held_stack) {
                fprintf(out, "      %s\n", f->kind == LG_FIND_USE_AFTER_DESTROY
                                               ? "the lock was destroyed at:"
                                           : fork ? "the process forked at:"
                                                  : "the lock was taken at:");
                print_stack(out, o, e->proc, e->held_stack, e->ts, "        ");
            }
        }
    }
}

/* A hold time: measured, or "<tick" when every hold was shorter than the watchdog
 * tick that times holds (0 ns recorded; docs/cli.md "Timing and statistics"). */
static char *hold_text(uint64_t ns, uint64_t acquisitions)
{
    if (ns == 0 && acquisitions > 0)
        return g_strdup("<tick");
    char *ms = lg_format_ms(ns);
    char *out = g_strdup_printf("%s ms", ms);
    g_free(ms);
    return out;
}

/* The widest lock column the table lays out in; a longer label gets a line of its
 * own above its numbers (never cut: the end of a label is what names the lock). */
#define STATS_LABEL_MAX 60

static void print_stats(FILE *out, const lg_analysis *a, unsigned top)
{
    if (a->stats->len == 0 || top == 0)
        return;
    fprintf(out, "\nContention (top %u of %u locks by contended acquisitions):\n",
            top < a->stats->len ? top : a->stats->len, a->stats->len);
    int w = 4;
    for (guint i = 0; i < a->stats->len && i < top; i++) {
        const lg_stat_row *r = &g_array_index(a->stats, lg_stat_row, i);
        char *label = lg_lock_label(r->proc, r->lock);
        int len = (int)g_utf8_strlen(label, -1);
        if (len > w && len <= STATS_LABEL_MAX)
            w = len;
        g_free(label);
    }
    fprintf(out, "  %-*s %12s %10s %12s %10s %12s %10s\n", w, "lock", "acquired", "contended",
            "wait total", "wait max", "hold total", "hold max");
    gboolean below = FALSE;
    for (guint i = 0; i < a->stats->len && i < top; i++) {
        const lg_stat_row *r = &g_array_index(a->stats, lg_stat_row, i);
        char *label = lg_lock_label(r->proc, r->lock);
        char *wt = lg_format_ms(r->s->wait_total_ns), *wm = lg_format_ms(r->s->wait_max_ns);
        char *ht = hold_text(r->s->hold_total_ns, r->s->acquisitions);
        char *hm = hold_text(r->s->hold_max_ns, r->s->acquisitions);
        below |= r->s->hold_max_ns == 0 && r->s->acquisitions > 0;
        if ((int)g_utf8_strlen(label, -1) > w) {
            fprintf(out, "  %s\n", label);
            fprintf(out, "  %-*s", w, "");
        } else {
            fprintf(out, "  %-*s", w + (int)(strlen(label) - g_utf8_strlen(label, -1)), label);
        }
        fprintf(out, " %12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %9s ms %7s ms %12s %10s\n",
                r->s->acquisitions, r->s->contended, wt, wm, ht, hm);
        g_free(label), g_free(wt), g_free(wm), g_free(ht), g_free(hm);
    }
    if (below)
        fprintf(out, "  <tick: every hold was shorter than the watchdog tick that times holds "
                     "(2-100 ms), or the process never had a second thread (not timed)\n");
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
    const text_opts to = {.verbose = o->verbose};
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
    if (a->filtered_repeats)
        fprintf(out, "  %" G_GUINT64_FORMAT " more filtered cycle%s over the same lock classes, "
                     "settled by the same rule as one listed: counted in its occurrences\n",
                a->filtered_repeats, a->filtered_repeats == 1 ? "" : "s");
    if (a->truncated) {
        fprintf(out, "  truncated: cycle enumeration stopped at its budget after %" G_GUINT64_FORMAT
                     " cycles; more cycles may exist\n", a->cycles);
        if (a->truncated_why & LG_TRUNC_CYCLES)
            fprintf(out, "    (a lock-order graph gave %" G_GUINT64_FORMAT " reported cycles: "
                         "the findings above are real, further cycles of that graph were not "
                         "examined)\n", a->cycle_limit);
        if (a->truncated_why & LG_TRUNC_RULES)
            fprintf(out, "    (the rules' work budget for a graph ran out: its cycles examined so "
                         "far are above; its other cycles, through the same locks, were not "
                         "examined and may hide more findings)\n");
        if (a->truncated_why & LG_TRUNC_STEPS)
            fprintf(out, "    (the enumeration's step budget ran out: cycles not yet reached were "
                         "not examined)\n");
        if (a->unexamined_nodes)
            fprintf(out, "    every cycle not examined lies among %" G_GUINT64_FORMAT " lock%s in %"
                         G_GUINT64_FORMAT " strongly connected group%s; every cycle through any "
                         "other lock was examined\n",
                    a->unexamined_nodes, a->unexamined_nodes == 1 ? "" : "s", a->unexamined_groups,
                    a->unexamined_groups == 1 ? "" : "s");
    }
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        fprintf(out, "  log %s: pid %u, %s%s%s\n", p->path, p->pid, p->exe,
                p->truncated ? ", truncated (torn tail)" : "",
                p->has_end ? (p->end_reason == LG_END_DEADLOCK ? ", ended by deadlock policy" : "")
                           : ", no END record");
        /* A torn or padded log has the reader's warning and "truncated" above; one
         * that stops cleanly at a record without END is unfinished too, and says so
         * here in the report itself. */
        if (!p->has_end && !p->truncated && p->nrecords > 0)
            fprintf(out, "    warning: the log stops without an END record: the process was "
                         "killed, or its log could not grow (file-size limit or full disk; the "
                         "shim printed why on stderr); what follows is what it recorded before\n");
        print_losses(out, p);
        print_untraced(out, p);
        print_unseen(out, p);
    }

    unsigned no = 1;
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed)
            print_finding(out, &to, f, no++);
    }
    if (o->verbose && nfiltered) {
        fprintf(out, "\nFiltered cycles (cannot deadlock):\n");
        for (guint i = 0; i < a->filtered->len; i++)
            print_finding(out, &to, g_ptr_array_index(a->filtered, i), i + 1);
    }
    print_stats(out, a, o->top);
}

void lg_format_text_scenario(FILE *out, const lg_finding *f, gboolean verbose)
{
    const text_opts to = {.verbose = verbose};
    print_scenario(out, &to, f);
}

void lg_format_text_finding(FILE *out, const lg_finding *f, unsigned no)
{
    const text_opts to = {.verbose = FALSE};
    print_finding(out, &to, f, no);
}
