/* SARIF 2.1.0 for code scanning (GitHub and other SARIF viewers): one result per
 * finding, located at the acquiring source line; the rules of sarif_rules.h; paths
 * relative to a source root (sarif_uri.h); messages without addresses or pids
 * (sarif_text.h); and for each cycle (inversion or deadlock) one code flow with a
 * thread flow per edge, walking the held lock's acquisition and then the next one's,
 * frame by frame (outermost caller first, nestingLevel growing inwards).  A stack the
 * shim cited from its stack depot is said to be first seen on its code path, as the
 * text report says, never passed off as the acquisition's own. */
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "json_stream.h"
#include "lock_label.h"
#include "names.h"
#include "sarif_rules.h"
#include "sarif_text.h"
#include "sarif_uri.h"


typedef struct sarif_ctx {
    lg_jstream *b;
    char *root; /* source root ending in '/', or NULL: absolute URIs */
    char **labels; /* the current finding's lock labels with their instance tags
                      (lg_finding_lock_labels), made once per finding */
} sarif_ctx;

/* A message object; the text is scrubbed (sarif_text.h). */
static void text_message(lg_jstream *b, const char *member, const char *text)
{
    char *clean = lg_sarif_scrub(text);
    lg_js_member(b, member);
    lg_js_begin_object(b);
    lg_js_member(b, "text");
    lg_js_string(b, clean);
    lg_js_end_object(b);
    g_free(clean);
}

/* properties.stackFirstSeen of a location or threadFlowLocation whose stack is the
 * one first seen on its code path (LG_CTXF_STACK_FIRST): its callers may be another
 * acquisition's.  Written only when true (absent: the acquisition's own stack), so
 * reports without shared stacks are unchanged. */
static void first_seen_properties(lg_jstream *b)
{
    lg_js_member(b, "properties");
    lg_js_begin_object(b);
    lg_js_member(b, "stackFirstSeen");
    lg_js_bool(b, TRUE);
    lg_js_end_object(b);
}

static gboolean has_line(const lg_frame *f)
{
    return f->sym->file && f->sym->line > 0;
}

/* A source line a viewer can open: an absolute path.  (A relative one is relative to
 * a build directory SARIF knows nothing of, like glibc's "./nptl/pthread_create.c".) */
static gboolean has_source(const lg_frame *f)
{
    return has_line(f) && g_path_is_absolute(f->sym->file);
}

/* Is f the program's own code: under the source root, or without one outside /usr? */
static gboolean own_code(const sarif_ctx *c, const lg_frame *f)
{
    if (!has_source(f))
        return FALSE;
    char *rel = lg_sarif_relative_uri(c->root, f->sym->file);
    gboolean own = c->root ? rel != NULL : !g_str_has_prefix(f->sym->file, "/usr/");
    g_free(rel);
    return own;
}

/* The frame a location points at: frames.h's source site (the rule the HTML report's
 * source excerpts follow too); -1 if no frame has a line. */
static int site_frame(const GArray *fr)
{
    return lg_frames_source_site(fr).frame;
}

static void artifact_location(sarif_ctx *c, const char *file)
{
    lg_jstream *b = c->b;
    lg_js_member(b, "artifactLocation");
    lg_js_begin_object(b);
    char *rel = lg_sarif_relative_uri(c->root, file);
    lg_js_member(b, "uri");
    if (rel) {
        lg_js_string(b, rel);
        lg_js_member(b, "uriBaseId");
        lg_js_string(b, LG_SARIF_SRCROOT);
    } else {
        char *uri = g_path_is_absolute(file) ? g_filename_to_uri(file, NULL, NULL) : NULL;
        lg_js_string(b, uri ? uri : file);
        g_free(uri);
    }
    g_free(rel);
    lg_js_end_object(b);
}

/* A location object for frame fr[i] (i < 0: the stack has no frame with a line;
 * then a logical location naming the innermost frame, if any); id < 0: none;
 * first_seen: fr is a depot stack (first_seen_properties). */
static void frame_location(sarif_ctx *c, const GArray *fr, int i, const char *msg, int id,
                           gboolean first_seen)
{
    lg_jstream *b = c->b;
    const lg_frame *f = i >= 0 ? &g_array_index(fr, lg_frame, i) : NULL;
    /* in the user-site frame, the user's inlined level (frames.h), not the innermost
     * one: at -O2 that is the line in the user's function that locks, not a line of
     * an inlined std::mutex::lock */
    const char *file = f && has_source(f) ? f->sym->file : NULL;
    int line = file ? f->sym->line : 0;
    lg_user_site u = lg_frames_source_site(fr);
    if (f && u.frame == i && u.line > 0 && g_path_is_absolute(u.file))
        file = u.file, line = u.line;
    lg_js_begin_object(b);
    if (id >= 0) {
        lg_js_member(b, "id");
        lg_js_int(b, id);
    }
    if (file) {
        lg_js_member(b, "physicalLocation");
        lg_js_begin_object(b);
        artifact_location(c, file);
        lg_js_member(b, "region");
        lg_js_begin_object(b);
        lg_js_member(b, "startLine");
        lg_js_int(b, line);
        lg_js_end_object(b);
        lg_js_end_object(b);
    }
    if (!f && fr->len)
        f = &g_array_index(fr, lg_frame, 0);
    char *name = f ? lg_frame_signature(f) : g_strdup("(no stack recorded)");
    lg_js_member(b, "logicalLocations");
    lg_js_begin_array(b);
    lg_js_begin_object(b);
    lg_js_member(b, "fullyQualifiedName");
    lg_js_string(b, name);
    lg_js_member(b, "kind");
    lg_js_string(b, "function");
    lg_js_end_object(b);
    lg_js_end_array(b);
    g_free(name);
    if (msg)
        text_message(b, "message", msg);
    if (first_seen)
        first_seen_properties(b);
    lg_js_end_object(b);
}

/* The location of a stack: its site frame (site_frame). */
static void stack_location(sarif_ctx *c, const lg_process *p, uint32_t stack, uint64_t ts,
                           const char *msg, gboolean first_seen)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    frame_location(c, fr, site_frame(fr), msg, -1, first_seen);
    g_array_free(fr, TRUE);
}

static void kinds_member(lg_jstream *b, const char *k1, const char *k2)
{
    lg_js_member(b, "kinds");
    lg_js_begin_array(b);
    lg_js_string(b, k1);
    if (k2)
        lg_js_string(b, k2);
    lg_js_end_array(b);
}

/* threadFlowLocations of one acquisition: the stack's frames with a source line,
 * outermost caller first (nestingLevel 0, one more per call inwards); the site frame
 * carries msg and is "essential", its callers in the program's own code "important",
 * other frames (thread start, the library below the lock call) "unimportant".  A
 * stack with no line gives one logical location.  First_seen: every step is marked
 * (first_seen_properties), since any frame but the call site may be another
 * acquisition's. */
static void acquisition_steps(sarif_ctx *c, const lg_process *p, uint32_t stack, uint64_t ts,
                              const char *verb, const char *msg, gboolean first_seen)
{
    lg_jstream *b = c->b;
    GArray *fr = lg_frames_resolve(p, stack, ts);
    int site = site_frame(fr);
    int level = 0;
    for (int i = site < 0 ? -1 : (int)fr->len - 1; i >= (site < 0 ? -1 : 0); i--) {
        if (i >= 0 && i != site && !has_line(&g_array_index(fr, lg_frame, i)))
            continue;
        lg_js_begin_object(b);
        lg_js_member(b, "location");
        frame_location(c, fr, i, i == site ? msg : NULL, -1, FALSE);
        lg_js_member(b, "nestingLevel");
        lg_js_int(b, level++);
        lg_js_member(b, "importance");
        lg_js_string(b, i == site ? "essential"
                                         : i > site && own_code(c, &g_array_index(fr, lg_frame, i))
                                             ? "important"
                                             : "unimportant");
        if (i == site)
            kinds_member(b, verb, "lock");
        else
            kinds_member(b, "call", NULL);
        if (first_seen)
            first_seen_properties(b);
        lg_js_end_object(b);
        if (i < 0)
            break;
    }
    g_array_free(fr, TRUE);
}

/* "L0 (mutex alice+0x10 #1)": the lock's index in the finding (as the text report
 * numbers it) and its label with the text report's instance tag, unscrubbed
 * (messages are scrubbed when emitted). */
static char *lock_text(const sarif_ctx *c, int i)
{
    if (i < 0)
        return NULL;
    return g_strdup_printf("L%d (%s)", i, c->labels[i]);
}

static char *thread_text(const lg_finding *f, const lg_fedge *e)
{
    const lg_model_thread *t = e->thread ? lg_process_thread(e->proc, e->thread) : NULL;
    GString *s = g_string_new(NULL);
    if (e->thread)
        g_string_append_printf(s, "thread T%u", e->thread);
    else
        g_string_append(s, "a thread");
    if (t && t->name && *t->name)
        g_string_append_printf(s, " \"%s\"", t->name);
    if ((f->flags & LG_FINDF_CROSS_RUN) && e->proc->exe) {
        char *base = g_path_get_basename(e->proc->exe);
        g_string_append_printf(s, " of %s", base);
        g_free(base);
    }
    return g_string_free(s, FALSE);
}

/* One code flow; one thread flow per edge of the cycle. */
static void code_flows(sarif_ctx *c, const lg_finding *f)
{
    lg_jstream *b = c->b;
    gboolean deadlock = f->kind == LG_FIND_DEADLOCK;
    lg_js_member(b, "codeFlows");
    lg_js_begin_array(b);
    lg_js_begin_object(b);
    char *cm = lg_finding_message(f);
    text_message(b, "message", cm);
    g_free(cm);
    lg_js_member(b, "threadFlows");
    lg_js_begin_array(b);
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        char *th = thread_text(f, e);
        char *from = lock_text(c, e->from);
        char *to = lock_text(c, e->to);
        const char *verb = deadlock ? "blocks on" : "takes";
        /* the held lock's stack is never the depot's (docs/shim.md "Stack depot") */
        gboolean first_seen = to && (e->ctx_flags & LG_CTXF_STACK_FIRST);
        const char *seen =
            first_seen ? "; stack first seen on this code path, not this acquisition's own" : "";
        char *tm, *m2;
        if (from && to) {
            tm = g_strdup_printf("%s holds %s and %s %s", th, from, verb, to);
            m2 = g_strdup_printf("%s %s while holding %s%s", verb, to, from, seen);
        } else if (to) {
            tm = g_strdup_printf("%s %s %s", th, verb, to);
            m2 = g_strdup_printf("%s %s%s", verb, to, seen);
        } else {
            tm = g_strdup_printf("%s holds %s", th, from ? from : "a lock");
            m2 = g_strdup_printf("holds %s", from ? from : "a lock");
        }
        lg_js_begin_object(b);
        text_message(b, "message", tm);
        lg_js_member(b, "locations");
        lg_js_begin_array(b);
        if (from && e->held_stack) {
            char *m1 = g_strdup_printf("takes %s", from);
            acquisition_steps(c, e->proc, e->held_stack, e->ts, "acquire", m1, FALSE);
            g_free(m1);
        }
        acquisition_steps(c, e->proc, e->stack, e->ts, to ? "acquire" : "lock", m2, first_seen);
        lg_js_end_array(b);
        lg_js_end_object(b);
        g_free(th), g_free(from), g_free(to), g_free(tm), g_free(m2);
    }
    lg_js_end_array(b);
    lg_js_end_object(b);
    lg_js_end_array(b);
}

/* Where each lock was first used, and for a finding of one edge where its lock had
 * been taken (bad-unlock, long-hold ...); ids number them from 0. */
static void related_locations(sarif_ctx *c, const lg_finding *f)
{
    lg_jstream *b = c->b;
    int id = 0;
    lg_js_member(b, "relatedLocations");
    lg_js_begin_array(b);
    for (guint i = 0; i < f->locks->len; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        if (!l->lock->first_stack)
            continue;
        char *lt = lock_text(c, (int)i);
        char *m = g_strdup_printf("%s %s here", lt,
                                  lg_lock_from_init(l->lock) ? "initialized" : "first used");
        GArray *fr = lg_frames_resolve(l->proc, l->lock->first_stack, l->lock->ts);
        frame_location(c, fr, site_frame(fr), m, id++, FALSE);
        g_array_free(fr, TRUE);
        g_free(lt), g_free(m);
    }
    if (!lg_finding_is_cycle(f) && f->edges->len) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, 0);
        if (e->held_stack && e->from >= 0) {
            char *lt = lock_text(c, e->from);
            char *m = g_strdup_printf("%s taken here", lt);
            GArray *fr = lg_frames_resolve(e->proc, e->held_stack, e->ts);
            frame_location(c, fr, site_frame(fr), m, id++, FALSE);
            g_array_free(fr, TRUE);
            g_free(lt), g_free(m);
        }
    }
    lg_js_end_array(b);
}

static void collect_stack(GPtrArray *files, GHashTable *seen, const lg_process *p,
                          uint32_t stack, uint64_t ts)
{
    if (!stack)
        return;
    GArray *fr = lg_frames_resolve(p, stack, ts);
    for (guint i = 0; i < fr->len; i++) {
        const char *file = g_array_index(fr, lg_frame, i).sym->file;
        if (file && g_path_is_absolute(file) && g_hash_table_add(seen, (gpointer)file))
            g_ptr_array_add(files, (gpointer)file);
    }
    g_array_free(fr, TRUE);
}

/* The git toplevel most of the report's source files lie in (sarif_uri.h). */
static char *auto_root(const lg_analysis *a)
{
    GPtrArray *files = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->suppressed)
            continue;
        for (guint k = 0; k < f->edges->len; k++) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, k);
            collect_stack(files, seen, e->proc, e->stack, e->ts);
            collect_stack(files, seen, e->proc, e->held_stack, e->ts);
        }
        for (guint k = 0; k < f->locks->len; k++) {
            const lg_flock *l = &g_array_index(f->locks, lg_flock, k);
            collect_stack(files, seen, l->proc, l->lock->first_stack, l->lock->ts);
        }
    }
    char *root = lg_sarif_auto_root(files);
    g_hash_table_unref(seen);
    g_ptr_array_free(files, TRUE);
    return root;
}

static void result_value(sarif_ctx *c, const lg_finding *f)
{
    lg_jstream *b = c->b;
    const lg_sarif_rule *rule = lg_sarif_rule_of(f->kind);
    c->labels = lg_finding_lock_labels(f);
    lg_js_begin_object(b);
    lg_js_member(b, "ruleId");
    lg_js_string(b, lg_finding_kind_name(f->kind));
    lg_js_member(b, "ruleIndex");
    lg_js_int(b, f->kind - 1);
    lg_js_member(b, "level");
    lg_js_string(b, rule->level);
    char *message = lg_finding_message(f);
    text_message(b, "message", message);
    g_free(message);
    lg_js_member(b, "locations");
    lg_js_begin_array(b);
    if (f->edges->len) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, 0);
        /* the first edge's acquisition site: from a shared stack too, maybe */
        stack_location(c, e->proc, e->stack, e->ts, NULL,
                       e->to >= 0 && (e->ctx_flags & LG_CTXF_STACK_FIRST));
    }
    lg_js_end_array(b);
    related_locations(c, f);
    if (lg_finding_is_cycle(f) && f->edges->len)
        code_flows(c, f);
    lg_js_member(b, "partialFingerprints");
    lg_js_begin_object(b);
    lg_js_member(b, "lockgraph/v1");
    lg_js_string(b, f->fingerprint);
    lg_js_end_object(b);
    /* what the messages leave out: the flags, and the locks' full labels (heap
     * addresses included: they help the run at hand, not a comparison of runs) */
    lg_js_member(b, "properties");
    lg_js_begin_object(b);
    lg_js_member(b, "flags");
    lg_js_begin_array(b);
    const char **names = lg_finding_flag_names(f->flags);
    for (size_t k = 0; names[k]; k++)
        lg_js_string(b, names[k]);
    g_free(names);
    lg_js_end_array(b);
    lg_js_member(b, "locks");
    lg_js_begin_array(b);
    for (guint k = 0; k < f->locks->len; k++)
        lg_js_string(b, c->labels[k]);
    lg_js_end_array(b);
    lg_js_end_object(b);
    lg_js_end_object(b);
    g_strfreev(c->labels);
    c->labels = NULL;
}

void lg_format_sarif(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    sarif_ctx c = {.b = lg_js_new(out)};
    c.root = o && o->source_root ? lg_sarif_root_dir(o->source_root) : auto_root(a);
    lg_jstream *b = c.b;
    lg_js_begin_object(b);
    lg_js_member(b, "version");
    lg_js_string(b, "2.1.0");
    lg_js_member(b, "$schema");
    lg_js_string(b, "https://json.schemastore.org/sarif-2.1.0.json");
    lg_js_member(b, "runs");
    lg_js_begin_array(b);
    lg_js_begin_object(b);

    lg_js_member(b, "tool");
    lg_js_begin_object(b);
    lg_js_member(b, "driver");
    lg_js_begin_object(b);
    lg_js_member(b, "name");
    lg_js_string(b, "lockgraph");
    lg_js_member(b, "version");
    lg_js_string(b, LG_VERSION);
    lg_js_member(b, "rules");
    lg_js_begin_array(b);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        lg_sarif_rule_build(b, k);
    lg_js_end_array(b);
    lg_js_end_object(b);
    lg_js_end_object(b);

    if (c.root) {
        lg_js_member(b, "originalUriBaseIds");
        lg_js_begin_object(b);
        lg_js_member(b, LG_SARIF_SRCROOT);
        lg_js_begin_object(b);
        char *uri = lg_sarif_root_uri(c.root);
        lg_js_member(b, "uri");
        lg_js_string(b, uri);
        g_free(uri);
        lg_js_end_object(b);
        lg_js_end_object(b);
    }

    lg_js_member(b, "results");
    lg_js_begin_array(b);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (!f->suppressed)
            result_value(&c, f);
    }
    lg_js_end_array(b);
    lg_js_end_object(b);
    lg_js_end_array(b);
    lg_js_end_object(b);

    lg_js_finish(b);
    g_free(c.root);
}
