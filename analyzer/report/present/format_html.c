/* HTML: one self-contained page (inline style and script only; its Content Security
 * Policy forbids every fetch): a summary, then each finding with its cycle drawn as
 * SVG (html_graph.h), every edge's stacks as the text report prints them (a stack
 * shared with the first acquisition on its code path tagged as such) and the source
 * lines around each acquisition (html_source.h), the contention table, and check
 * boxes that show or hide findings by kind.  Everything that comes from the logs,
 * the binaries or the sources is escaped (html_escape.h). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "coverage_notes.h"
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "html_escape.h"
#include "html_graph.h"
#include "html_source.h"
#include "lock_label.h"
#include "names.h"

#include <stdio.h>
#include <stdlib.h>

/* Lines shown before and after an acquisition line. */
#define SOURCE_CONTEXT 3
/* Characters of a lock label inside a picture (the full label is listed below it). */
#define PICTURE_LABEL_MAX 48
/* Locks a picture draws at most.  Graphviz's dot layout is worse than linear: a
 * cycle of 20 000 locks ran for 8 minutes and then out of memory.  A longer cycle
 * is listed lock by lock and edge by edge below, without a picture. */
#define PICTURE_LOCKS_MAX 100

typedef struct html_doc {
    FILE *out;
    lg_html_sources *sources;
    gboolean verbose; /* show the runtime frames below a thread's entry */
} html_doc;

static void esc(FILE *out, const char *s)
{
    lg_html_escape(out, s);
}

static const char STYLE[] =
    ":root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--panel:#f6f7f9;"
    "--accent:#a93226;--hit:#fff2b3;--code:#f3f4f7}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "color:var(--fg);background:var(--bg)}\n"
    "header.top{padding:14px 24px;border-bottom:1px solid var(--line);background:var(--panel)}\n"
    "header.top h1{margin:0;font-size:20px}\n"
    "header.top .tool{color:var(--muted);font-size:12px}\n"
    "main{padding:8px 24px 40px;max-width:1200px}\n"
    "h2{font-size:17px;margin:22px 0 8px}\n"
    "table{border-collapse:collapse}\n"
    "td,th{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "th{font-weight:600;color:var(--muted)}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "code,pre,.mono{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12.5px}\n"
    ".note{color:var(--muted)}\n"
    ".warn{color:var(--accent)}\n"
    "#kind-filter{margin:10px 0 4px;padding:8px 12px;background:var(--panel);border:1px solid var(--line);"
    "border-radius:6px}\n"
    "#kind-filter label{margin-right:16px;white-space:nowrap;cursor:pointer}\n"
    "article.finding{border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:6px;"
    "margin:14px 0;padding:4px 16px 12px}\n"
    "article.finding[data-kind=long-hold]{border-left-color:#b9770e}\n"
    "article.finding.filtered{border-left-color:#888;opacity:.9}\n"
    "article.finding h3{font-size:15px;margin:10px 0 4px}\n"
    ".kind{display:inline-block;padding:0 8px;border-radius:10px;background:#fbe3e0;color:var(--accent);"
    "font-weight:600}\n"
    "[data-kind=long-hold] .kind{background:#fbeed7;color:#8a5a07}\n"
    "article.filtered .kind{background:#e6e6e6;color:#555}\n"
    ".flag{display:inline-block;margin-left:6px;padding:0 6px;border-radius:8px;background:#eef0f4;"
    "color:var(--muted);font-size:12px}\n"
    ".flag.first-seen{background:#fbeed7;color:#8a5a07;cursor:help}\n"
    ".fp{float:right;color:var(--muted);font-size:12px;font-weight:normal}\n"
    ".picture{margin:8px 0;padding:6px;background:var(--panel);border-radius:6px;overflow-x:auto}\n"
    ".picture svg{max-width:100%;height:auto}\n"
    ".lock,.edge{margin:10px 0 6px}\n"
    ".edge{border-top:1px dashed var(--line);padding-top:8px}\n"
    ".edge h4,.lock h4{margin:0 0 4px;font-size:14px}\n"
    ".sub{margin:6px 0 2px;color:var(--muted)}\n"
    "ol.stack{list-style:none;margin:2px 0 4px;padding:0 0 0 14px}\n"
    "ol.stack li{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12.5px;"
    "white-space:pre-wrap;overflow-wrap:anywhere;padding-left:2.2em;text-indent:-2.2em}\n"
    "ol.stack li.sys{color:#8a91a0}\n"
    "ol.stack li.here{font-weight:600}\n"
    ".fn{color:#1f4e8c}\n"
    ".mod{color:#8a91a0}\n"
    ".inl{padding-left:3em;color:var(--muted)}\n"
    "pre.src{margin:4px 0 8px 14px;padding:6px 0;background:var(--code);border-radius:4px;overflow-x:auto}\n"
    "pre.src .l{display:block;padding:0 10px}\n"
    "pre.src .l.hit{background:var(--hit)}\n"
    "pre.src .n{display:inline-block;min-width:4ch;margin-right:12px;color:#8a91a0;text-align:right;"
    "user-select:none}\n"
    "p.nosrc{margin:2px 0 8px 14px;font-size:12.5px}\n"
    "details{margin:2px 0}\n"
    "summary{cursor:pointer;color:var(--muted)}\n"
    "footer{margin-top:30px;color:var(--muted);font-size:12px}\n"
    ".tiles{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 10px}\n"
    ".tile{padding:6px 14px;border:1px solid var(--line);border-radius:6px;background:var(--panel);"
    "color:var(--muted)}\n"
    ".tile .big{font-size:20px;font-weight:600;color:var(--fg);margin-right:4px}\n"
    "table.bykind td,table.bykind th{text-align:center}\n"
    "table.bykind .zero{color:#9aa1ad}\n"
    "table.logs{margin-top:8px}\n"
    "ol.index{list-style:none;padding:0;margin:10px 0 0}\n"
    "ol.index li{margin:2px 0}\n"
    ".pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px}\n"
    "@media (max-width:900px){.pair{grid-template-columns:minmax(0,1fr)}}\n";

/* Show or hide findings by kind; without scripts every finding stays visible. */
static const char SCRIPT[] =
    "(function () {\n"
    "  var boxes = document.querySelectorAll('#kind-filter input[type=checkbox]');\n"
    "  var findings = document.querySelectorAll('article.finding');\n"
    "  var entries = document.querySelectorAll('ol.index li');\n"
    "  var count = document.getElementById('shown-count');\n"
    "  function apply() {\n"
    "    var on = {};\n"
    "    boxes.forEach(function (b) { on[b.value] = b.checked; });\n"
    "    var shown = 0;\n"
    "    findings.forEach(function (f) {\n"
    "      var show = on[f.getAttribute('data-kind')] !== false;\n"
    "      f.hidden = !show;\n"
    "      if (show) shown++;\n"
    "    });\n"
    "    entries.forEach(function (e) { e.hidden = on[e.getAttribute('data-kind')] === false; });\n"
    "    if (count) count.textContent = shown + ' of ' + findings.length + ' shown';\n"
    "  }\n"
    "  boxes.forEach(function (b) { b.addEventListener('change', apply); });\n"
    "  apply();\n"
    "})();\n";

/* ---- stacks and sources ------------------------------------------------------- */

static void write_source(html_doc *d, const lg_user_site *f)
{
    char *const *lines = NULL;
    guint n = 0;
    const char *why = NULL;
    if (!lg_html_source_lines(d->sources, f->file, &lines, &n, &why)) {
        fprintf(d->out, "<p class=\"nosrc note\">source not shown: <span class=\"mono\">");
        esc(d->out, f->file);
        fprintf(d->out, "</span>: ");
        esc(d->out, why);
        fprintf(d->out, "</p>\n");
        return;
    }
    guint line = (guint)f->line;
    if (line > n) {
        fprintf(d->out, "<p class=\"nosrc note\">source not shown: <span class=\"mono\">");
        esc(d->out, f->file);
        fprintf(d->out, "</span> has %u lines, not %u (changed since the build?)</p>\n", n, line);
        return;
    }
    guint first = line > SOURCE_CONTEXT ? line - SOURCE_CONTEXT : 1;
    guint last = line + SOURCE_CONTEXT < n ? line + SOURCE_CONTEXT : n;
    fprintf(d->out, "<pre class=\"src\" data-file=\"");
    esc(d->out, f->file);
    fprintf(d->out, "\" data-line=\"%u\"><code>", line);
    for (guint i = first; i <= last; i++) {
        fprintf(d->out, "<span class=\"l%s\"><span class=\"n\">%u</span>", i == line ? " hit" : "", i);
        esc(d->out, lines[i - 1]);
        fprintf(d->out, "\n</span>");
    }
    fprintf(d->out, "</code></pre>\n");
}

static void write_frame(FILE *out, const lg_frame *f, guint i, const char *cls)
{
    fprintf(out, "<li class=\"%s\">#%u <span class=\"fn\">", cls, i);
    if (f->sym->function)
        esc(out, f->sym->function);
    else
        fprintf(out, "0x%" G_GINT64_MODIFIER "x", f->pc);
    fprintf(out, "</span>");
    if (f->sym->file) {
        fprintf(out, " (<span class=\"file\">");
        esc(out, f->sym->file);
        if (f->sym->line)
            fprintf(out, ":%d", f->sym->line);
        fprintf(out, "</span>)");
    }
    char *mod = lg_frame_module_name(f);
    fprintf(out, " <span class=\"mod\">[");
    esc(out, mod);
    fprintf(out, "+0x%" G_GINT64_MODIFIER "x]</span>", f->offset);
    g_free(mod);
    for (guint k = 0; k < f->sym->inlined->len; k++) {
        const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k);
        fprintf(out, "<div class=\"inl\">inlined into <span class=\"fn\">");
        esc(out, in->function ? in->function : "?");
        fprintf(out, "</span>");
        if (in->file) {
            fprintf(out, " (");
            esc(out, in->file);
            fprintf(out, ":%d)", in->line);
        }
        fprintf(out, "</div>");
    }
    fprintf(out, "</li>\n");
}

/* A stack as the text report prints it; frames before the first user frame are
 * dimmed.  With_source: followed by the source around the acquisition. */
static void write_stack(html_doc *d, const lg_process *p, uint32_t stack, uint64_t ts,
                        gboolean with_source)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    if (fr->len == 0) {
        fprintf(d->out, "<p class=\"note\">(no stack recorded)</p>\n");
        g_array_free(fr, TRUE);
        return;
    }
    guint user = lg_frames_first_user(fr);
    lg_user_site site = with_source ? lg_frames_source_site(fr) : (lg_user_site){.frame = -1};
    int here = site.frame;
    guint shown = d->verbose ? fr->len : lg_frames_shown(fr);
    fprintf(d->out, "<ol class=\"stack\">\n");
    for (guint i = 0; i < shown; i++) {
        const char *cls = (int)i == here ? "frame here" : i < user ? "frame sys" : "frame";
        write_frame(d->out, &g_array_index(fr, lg_frame, i), i, cls);
    }
    if (shown < fr->len)
        fprintf(d->out, "<li class=\"frame sys folded\">%u runtime frame%s below the thread's "
                        "entry folded (--verbose shows them)</li>\n",
                fr->len - shown, fr->len - shown == 1 ? "" : "s");
    fprintf(d->out, "</ol>\n");
    if (here >= 0)
        write_source(d, &site);
    g_array_free(fr, TRUE);
}

/* ---- findings ---------------------------------------------------------------- */

static void write_thread(html_doc *d, const lg_process *p, uint32_t serial)
{
    const lg_model_thread *t = serial ? lg_process_thread(p, serial) : NULL;
    if (!t) {
        fprintf(d->out, "<p class=\"sub\">thread: unknown</p>\n");
        return;
    }
    fprintf(d->out, "<p class=\"sub\">thread <b>T%u \"", t->serial);
    esc(d->out, t->name ? t->name : "");
    fprintf(d->out, "\"</b> (tid %u, pid %u)", t->tid, p->pid);
    if (t->creator == 0) {
        fprintf(d->out, ", the main thread</p>\n");
        return;
    }
    fprintf(d->out, ", created by T%u</p>\n<details><summary>where T%u was created</summary>\n",
            t->creator, t->serial);
    write_stack(d, p, t->create_stack, t->ts, FALSE);
    fprintf(d->out, "</details>\n");
}

static char *thread_label(const lg_process *p, uint32_t serial)
{
    const lg_model_thread *t = serial ? lg_process_thread(p, serial) : NULL;
    if (!t)
        return g_strdup("thread ?");
    return g_strdup_printf("T%u \"%s\"", t->serial, t->name ? t->name : "");
}

static char *lock_picture_label(const lg_finding *f, guint i)
{
    const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
    char *label = lg_lock_label(l->proc, l->lock);
    if (g_utf8_validate(label, -1, NULL) && g_utf8_strlen(label, -1) > PICTURE_LABEL_MAX) {
        char *cut = g_utf8_substring(label, 0, PICTURE_LABEL_MAX - 1);
        g_free(label);
        label = g_strconcat(cut, "\xe2\x80\xa6", NULL); /* … */
        g_free(cut);
    }
    char *out = (f->flags & LG_FINDF_CROSS_RUN)
                    ? g_strdup_printf("L%u: %s\npid %u", i, label, l->proc->pid)
                    : g_strdup_printf("L%u: %s", i, label);
    g_free(label);
    return out;
}

static const char *verb_of(int kind)
{
    switch (kind) {
    case LG_FIND_SELF_DEADLOCK: return "re-acquires";
    case LG_FIND_BAD_UNLOCK: return "unlocks";
    case LG_FIND_DESTROY_LOCKED: return "destroys";
    case LG_FIND_BAD_COND_WAIT: return "waits with";
    case LG_FIND_USE_AFTER_DESTROY: return "uses";
    case LG_FIND_EXIT_HELD_LOCK: return "ends holding";
    case LG_FIND_LONG_HOLD: return "holds";
    default: return "takes";
    }
}

/* The finding's picture: the cycle (locks and the threads' edges between them), or
 * the thread and the lock of a single-site finding. */
static void write_picture(html_doc *d, const lg_finding *f, const char *id)
{
    if (f->locks->len == 0) {
        fprintf(d->out, "<p class=\"note\">no lock recorded: nothing to draw</p>\n");
        return;
    }
    if (f->locks->len > PICTURE_LOCKS_MAX) {
        fprintf(d->out,
                "<p class=\"note\">picture not drawn: %u locks (a picture is drawn for up "
                "to %d); every lock and edge is listed below</p>\n",
                f->locks->len, PICTURE_LOCKS_MAX);
        return;
    }
    gboolean dashed = f->verdict != LG_VERDICT_DEADLOCK;
    lg_html_graph *g = lg_html_graph_new(id);
    for (guint i = 0; i < f->locks->len; i++) {
        char name[16], *label = lock_picture_label(f, i);
        g_snprintf(name, sizeof name, "L%u", i);
        lg_html_graph_lock(g, name, label);
        g_free(label);
    }
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        char from[16], to[16];
        char *who = thread_label(e->proc, e->thread);
        if (e->from >= 0 && e->to >= 0) {
            g_snprintf(from, sizeof from, "L%d", e->from);
            g_snprintf(to, sizeof to, "L%d", e->to);
            char *label = f->kind == LG_FIND_DEADLOCK ? g_strdup_printf("%s waits", who)
                                                       : g_strdup(who);
            lg_html_graph_edge(g, from, to, label, dashed);
            g_free(label);
        } else {
            /* a thread at one lock: a single-site finding, or a deadlocked thread
             * that holds nothing */
            int lock = e->to >= 0 ? e->to : e->from;
            if (lock >= 0) {
                g_snprintf(from, sizeof from, "T%u", i);
                g_snprintf(to, sizeof to, "L%d", lock);
                lg_html_graph_thread(g, from, who);
                char *label;
                if (f->kind == LG_FIND_DEADLOCK)
                    label = g_strdup("waits");
                else if (f->kind == LG_FIND_LONG_HOLD && f->value)
                    label = g_strdup_printf("holds %" G_GUINT64_FORMAT " ms", f->value);
                else
                    label = g_strdup(verb_of(f->kind));
                lg_html_graph_edge(g, from, to, label, dashed);
                g_free(label);
            }
        }
        g_free(who);
    }
    char *why = NULL;
    char *svg = lg_html_graph_svg(g, &why);
    if (svg) {
        fprintf(d->out, "<div class=\"picture\">%s</div>\n", svg);
    } else {
        fprintf(d->out, "<p class=\"note warn\">picture not drawn: ");
        esc(d->out, why);
        fprintf(d->out, "</p>\n");
    }
    g_free(svg);
    g_free(why);
}

static void write_locks(html_doc *d, const lg_finding *f)
{
    for (guint i = 0; i < f->locks->len; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        char *label = lg_lock_label(l->proc, l->lock);
        fprintf(d->out, "<div class=\"lock\"><h4>L%u: ", i);
        esc(d->out, label);
        fprintf(d->out, "</h4>\n<p class=\"sub\">%s, %s; class <span class=\"mono\">",
                lg_lock_kind_name(l->lock->kind), lg_subkind_name(l->lock->subkind));
        esc(d->out, l->lock->class_key);
        fprintf(d->out, "</span>; pid %u</p>\n<details><summary>%s at</summary>\n",
                l->proc->pid, lg_lock_from_init(l->lock) ? "initialized" : "first used");
        write_stack(d, l->proc, l->lock->first_stack, l->lock->ts, FALSE);
        fprintf(d->out, "</details></div>\n");
        g_free(label);
    }
}

static void write_edge(html_doc *d, const lg_finding *f, const lg_fedge *e)
{
    FILE *out = d->out;
    char from[16];
    if (e->from >= 0)
        g_snprintf(from, sizeof from, "L%d", e->from);
    else
        g_strlcpy(from, "(no lock)", sizeof from);
    fprintf(out, "<div class=\"edge\"><h4>");
    if (e->to >= 0 && (e->held_mode || e->acquired_mode))
        fprintf(out, "edge %s &rarr; L%d <span class=\"note\">(held %s, acquired %s%s%s)</span>", from,
                e->to, lg_mode_name(e->held_mode), lg_mode_name(e->acquired_mode),
                (e->ctx_flags & LG_CTXF_TIMED) ? ", timed" : "",
                (e->ctx_flags & LG_CTXF_TRY) ? ", trylock" : "");
    else if (e->to >= 0)
        fprintf(out, "edge %s &rarr; L%d", from, e->to); /* the shim gave no modes */
    else
        fprintf(out, "at %s", from);
    fprintf(out, "</h4>\n");
    if (f->flags & LG_FINDF_CROSS_RUN) {
        fprintf(out, "<p class=\"sub\">run <span class=\"mono\">");
        esc(out, e->proc->run_id);
        fprintf(out, "</span>, pid %u (", e->proc->pid);
        esc(out, e->proc->exe);
        fprintf(out, ")</p>\n");
    }
    write_thread(d, e->proc, e->thread);
    /* the two stacks side by side (on a wide screen) */
    fprintf(out, "<div class=\"pair\">\n<div>\n");
    if (e->to >= 0) {
        /* a stack from the shim's depot: this code path's first, not this edge's */
        gboolean first_seen = (e->ctx_flags & LG_CTXF_STACK_FIRST) != 0;
        fprintf(out, "<p class=\"sub\">%s L%d %s:%s</p>\n",
                f->kind == LG_FIND_DEADLOCK ? "blocked waiting for" : "acquired", e->to,
                first_seen ? "first seen at" : "at",
                first_seen ? " <span class=\"flag first-seen\" title=\"The stack first seen on this code "
                             "path (same call sites of this lock and of the held one), kept once by the "
                             "shim: its outer frames may be another acquisition's\">shared stack</span>"
                           : "");
        write_stack(d, e->proc, e->stack, e->ts, TRUE);
        fprintf(out, "</div>\n<div>\n<p class=\"sub\">while holding %s, taken at:</p>\n", from);
        write_stack(d, e->proc, e->held_stack, e->ts, TRUE);
    } else {
        fprintf(out, "<p class=\"sub\">at:</p>\n");
        write_stack(d, e->proc, e->stack, e->ts, TRUE);
        fprintf(out, "</div>\n<div>\n");
        if (e->held_stack) {
            fprintf(out, "<p class=\"sub\">the lock was taken at:</p>\n");
            write_stack(d, e->proc, e->held_stack, e->ts, TRUE);
        }
    }
    fprintf(out, "</div>\n</div>\n</div>\n");
}

/* id_prefix: "finding" or "filtered"; filtered findings carry data-kind="filtered". */
static void write_finding(html_doc *d, const lg_finding *f, unsigned no, const char *id_prefix)
{
    FILE *out = d->out;
    gboolean filtered = f->verdict != LG_VERDICT_DEADLOCK;
    const char *kind = lg_finding_kind_name(f->kind);
    char id[48];
    g_snprintf(id, sizeof id, "%s-%u", id_prefix, no);
    fprintf(out, "<article class=\"finding%s\" id=\"%s\" data-kind=\"%s\">\n",
            filtered ? " filtered" : "", id, filtered ? "filtered" : kind);
    fprintf(out, "<h3>#%u <span class=\"kind\">%s</span>", no, kind);
    const char **flags = lg_finding_flag_names(f->flags);
    for (size_t i = 0; flags[i]; i++)
        fprintf(out, "<span class=\"flag\">%s</span>", flags[i]);
    g_free(flags);
    if (filtered)
        fprintf(out, "<span class=\"flag\">filtered: %s</span>", lg_verdict_name(f->verdict));
    if (f->occurrences > 1)
        fprintf(out, "<span class=\"flag\">%u occurrences</span>", f->occurrences);
    fprintf(out, "<span class=\"fp\">fingerprint <span class=\"mono\">%s</span></span></h3>\n",
            f->fingerprint);
    char *message = lg_finding_message(f);
    fprintf(out, "<p class=\"message\">");
    esc(out, message);
    fprintf(out, "</p>\n");
    if (f->detail && g_strcmp0(f->detail, message) != 0) {
        fprintf(out, "<p class=\"note\">shim: ");
        esc(out, f->detail);
        fprintf(out, "</p>\n");
    }
    g_free(message);
    {
        /* the interleaving that hangs, as the text report draws it */
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        lg_format_text_scenario(mem, f, d->verbose);
        fclose(mem);
        if (len) {
            fprintf(out, "<pre class=\"scenario\">");
            esc(out, buf);
            fprintf(out, "</pre>\n");
        }
        free(buf);
    }
    char gid[64];
    g_snprintf(gid, sizeof gid, "%s_%u_graph", id_prefix, no);
    write_picture(d, f, gid);
    write_locks(d, f);
    for (guint i = 0; i < f->edges->len; i++)
        write_edge(d, f, &g_array_index(f->edges, lg_fedge, i));
    fprintf(out, "</article>\n");
}

/* ---- summary and contention ------------------------------------------------------ */

static unsigned distinct_processes(const lg_analysis *a)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        g_hash_table_add(seen, g_strdup_printf("%s/%u", p->run_id ? p->run_id : "", p->pid));
    }
    unsigned n = g_hash_table_size(seen);
    g_hash_table_destroy(seen);
    return n;
}

static void tile(FILE *out, const char *id, unsigned n, const char *one, const char *many)
{
    fprintf(out, "<div class=\"tile\"><span class=\"big\" id=\"count-%s\">%u</span> %s</div>\n", id, n,
            n == 1 ? one : many);
}

/* Programs exec'd without the shim, and libraries whose locks were not seen: a
 * warning each under the table of logs. */
static void html_untraced(FILE *out, const lg_analysis *a)
{
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        for (guint k = 0; k < p->untraced->len; k++) {
            char *m = lg_untraced_message(g_ptr_array_index(p->untraced, k));
            fprintf(out, "<p class=\"warn\">");
            esc(out, m);
            fprintf(out, " (exec'd by pid %u); nothing of it is in this report</p>\n", p->pid);
            g_free(m);
        }
        GArray *notes = lg_unseen_notes(p);
        for (guint k = 0; k < notes->len; k++) {
            char *m = lg_unseen_message(p, &g_array_index(notes, lg_unseen_note, k));
            fprintf(out, "<p class=\"warn\">");
            esc(out, m);
            fprintf(out, "</p>\n");
            g_free(m);
        }
        g_array_free(notes, TRUE);
    }
}

static void write_summary(html_doc *d, const lg_analysis *a, unsigned total, gboolean verbose)
{
    FILE *out = d->out;
    fprintf(out, "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"tiles\">\n");
    tile(out, "findings", total, "finding", "findings");
    tile(out, "logs", a->procs->len, "log", "logs");
    tile(out, "processes", distinct_processes(a), "process", "processes");
    tile(out, "filtered", a->filtered->len, "filtered cycle", "filtered cycles");
    tile(out, "suppressed", a->nsuppressed, "suppressed", "suppressed");
    fprintf(out, "</div>\n<table class=\"bykind\">\n<tr>");
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        fprintf(out, "<th%s>%s</th>", a->counts[k] ? "" : " class=\"zero\"", lg_finding_kind_name(k));
    fprintf(out, "</tr>\n<tr>");
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        fprintf(out, "<td class=\"num%s\" id=\"count-%s\">%u</td>", a->counts[k] ? "" : " zero",
                lg_finding_kind_name(k), a->counts[k]);
    fprintf(out, "</tr>\n</table>\n");
    fprintf(out, "<p class=\"note\">Filtered cycles (the rules show they cannot deadlock): %u gate-lock, "
                 "%u trylock, %u reader-preference%s.  Cycles examined: %" G_GUINT64_FORMAT ".</p>\n",
            a->nfiltered_by[LG_VERDICT_GATED], a->nfiltered_by[LG_VERDICT_TRYLOCK],
            a->nfiltered_by[LG_VERDICT_READER_PREF],
            a->filtered->len && !verbose ? " (--verbose lists them)" : "", a->cycles);
    if (a->truncated)
        fprintf(out, "<p class=\"warn\">truncated: cycle enumeration stopped at its budget after %"
                     G_GUINT64_FORMAT " cycles; more cycles may exist</p>\n", a->cycles);

    fprintf(out, "<table class=\"logs\">\n<tr><th>log</th><th class=\"num\">pid</th>"
                 "<th>program</th><th>end</th></tr>\n");
    for (guint i = 0; i < a->procs->len; i++) {
        const lg_process *p = g_ptr_array_index(a->procs, i);
        fprintf(out, "<tr><td class=\"mono\">");
        esc(out, p->path);
        fprintf(out, "</td><td class=\"num\">%u</td><td class=\"mono\">", p->pid);
        esc(out, p->exe);
        fprintf(out, "</td><td>%s%s</td></tr>\n",
                p->has_end ? (p->end_reason == LG_END_DEADLOCK ? "ended by deadlock policy" : "exit")
                           : "no END record",
                p->truncated ? ", truncated (torn tail)" : "");
    }
    fprintf(out, "</table>\n");
    html_untraced(out, a);

    fprintf(out, "</section>\n");
}

static void write_filter(FILE *out, const lg_analysis *a, unsigned total, unsigned nfiltered_listed)
{
    fprintf(out, "<div id=\"kind-filter\" role=\"group\" aria-label=\"show findings by kind\">"
                 "<b>Show:</b> ");
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        if (a->counts[k]) {
            const char *name = lg_finding_kind_name(k);
            fprintf(out, "<label><input type=\"checkbox\" value=\"%s\" checked> %s (%u)</label>", name,
                    name, a->counts[k]);
        }
    if (nfiltered_listed)
        fprintf(out, "<label><input type=\"checkbox\" value=\"filtered\" checked> filtered cycles "
                     "(%u)</label>", nfiltered_listed);
    fprintf(out, "<span class=\"note\" id=\"shown-count\">%u shown</span></div>\n",
            total + nfiltered_listed);
}

/* An index of the findings (hidden with them by the filter). */
static void write_index(FILE *out, const lg_analysis *a)
{
    fprintf(out, "<ol class=\"index\">\n");
    unsigned no = 1;
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->suppressed)
            continue;
        const char *kind = lg_finding_kind_name(f->kind);
        fprintf(out, "<li data-kind=\"%s\"><a href=\"#finding-%u\">#%u</a> <span class=\"kind\">%s</span> ",
                kind, no, no, kind);
        char *message = lg_finding_message(f);
        esc(out, message);
        g_free(message);
        fprintf(out, "</li>\n");
        no++;
    }
    fprintf(out, "</ol>\n");
}

static void write_stats(html_doc *d, const lg_analysis *a, unsigned top)
{
    FILE *out = d->out;
    if (a->stats->len == 0 || top == 0)
        return;
    fprintf(out, "<section id=\"contention\">\n<h2>Contention</h2>\n<p class=\"note\">top %u of %u locks "
                 "by contended acquisitions</p>\n<table class=\"stats\">\n<tr><th>lock</th>"
                 "<th class=\"num\">acquired</th><th class=\"num\">contended</th>"
                 "<th class=\"num\">wait total</th><th class=\"num\">wait max</th>"
                 "<th class=\"num\">hold total</th><th class=\"num\">hold max</th></tr>\n",
            top < a->stats->len ? top : a->stats->len, a->stats->len);
    for (guint i = 0; i < a->stats->len && i < top; i++) {
        const lg_stat_row *r = &g_array_index(a->stats, lg_stat_row, i);
        char *label = lg_lock_label(r->proc, r->lock);
        char *wt = lg_format_ms(r->s->wait_total_ns), *wm = lg_format_ms(r->s->wait_max_ns);
        char *ht = lg_format_ms(r->s->hold_total_ns), *hm = lg_format_ms(r->s->hold_max_ns);
        fprintf(out, "<tr><td>");
        esc(out, label);
        fprintf(out, "</td><td class=\"num\">%" G_GUINT64_FORMAT "</td><td class=\"num\">%" G_GUINT64_FORMAT
                     "</td><td class=\"num\">%s ms</td><td class=\"num\">%s ms</td><td class=\"num\">%s ms"
                     "</td><td class=\"num\">%s ms</td></tr>\n",
                r->s->acquisitions, r->s->contended, wt, wm, ht, hm);
        g_free(label), g_free(wt), g_free(wm), g_free(ht), g_free(hm);
    }
    fprintf(out, "</table>\n</section>\n");
}

void lg_format_html(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    html_doc d = {.out = out, .sources = lg_html_sources_new(), .verbose = o->verbose};
    unsigned total = 0;
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        total += a->counts[k];
    unsigned nfiltered_listed = o->verbose ? a->filtered->len : 0;

    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<link rel=\"icon\" href=\"data:,\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
                 "<meta name=\"generator\" content=\"lockgraph %s\">\n"
                 "<title>lockgraph report: %u finding%s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
            LG_VERSION, total, total == 1 ? "" : "s", STYLE);
    fprintf(out, "<header class=\"top\"><h1>lockgraph report</h1><div class=\"tool\">%u finding%s in %u "
                 "log%s &middot; lockgraph %s</div></header>\n<main>\n",
            total, total == 1 ? "" : "s", a->procs->len, a->procs->len == 1 ? "" : "s", LG_VERSION);
    write_summary(&d, a, total, o->verbose);

    fprintf(out, "<section id=\"findings\">\n<h2>Findings</h2>\n");
    if (total + nfiltered_listed == 0)
        fprintf(out, "<p class=\"note\">No findings.</p>\n");
    else
        write_filter(out, a, total, nfiltered_listed);
    if (total)
        write_index(out, a);
    unsigned no = 1;
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed)
            write_finding(&d, f, no++, "finding");
    }
    if (nfiltered_listed) {
        fprintf(out, "<h2>Filtered cycles <span class=\"note\">(cannot deadlock)</span></h2>\n");
        for (guint i = 0; i < a->filtered->len; i++)
            write_finding(&d, g_ptr_array_index(a->filtered, i), i + 1, "filtered");
    }
    fprintf(out, "</section>\n");
    write_stats(&d, a, o->top);
    fprintf(out, "<footer>Made by lockgraph %s (<span class=\"mono\">lockgraph report --format html</span>)."
                 "</footer>\n</main>\n<script>\n%s</script>\n</body>\n</html>\n",
            LG_VERSION, SCRIPT);
    lg_html_sources_free(d.sources);
}
