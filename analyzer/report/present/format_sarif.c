/* SARIF 2.1.0: one result per finding, located at the acquiring source line, with
 * one thread flow per edge of a cycle. */
#include "finding_message.h"
#include "formats.h"
#include "frames.h"
#include "lock_label.h"
#include "names.h"

#include <json-glib/json-glib.h>

static const char *level_of(int kind)
{
    switch (kind) {
    case LG_FIND_LONG_HOLD: return "note";
    case LG_FIND_BAD_UNLOCK:
    case LG_FIND_DESTROY_LOCKED:
    case LG_FIND_BAD_COND_WAIT:
    case LG_FIND_USE_AFTER_DESTROY: return "warning";
    default: return "error";
    }
}

static const char *describe_kind(int kind)
{
    switch (kind) {
    case LG_FIND_LOCK_ORDER_INVERSION: return "Locks taken in orders that can deadlock";
    case LG_FIND_DEADLOCK: return "Threads deadlocked on each other";
    case LG_FIND_SELF_DEADLOCK: return "A thread re-acquired a non-recursive lock it holds";
    case LG_FIND_BAD_UNLOCK: return "Unlock of a lock the thread does not hold";
    case LG_FIND_DESTROY_LOCKED: return "A lock destroyed while held";
    case LG_FIND_LONG_HOLD: return "A lock held longer than the threshold";
    case LG_FIND_BAD_COND_WAIT: return "A condition wait with a mutex the thread does not hold";
    case LG_FIND_USE_AFTER_DESTROY: return "A lock used after it was destroyed";
    case LG_FIND_FORK_HELD_LOCK: return "A fork child took a lock another thread held at the fork";
    }
    return "unknown";
}

static void text_message(JsonBuilder *b, const char *member, const char *text)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "text");
    json_builder_add_string_value(b, text ? text : "");
    json_builder_end_object(b);
}

/* A SARIF location for the first frame of a stack that has a source line; else a
 * logical location naming the innermost frame. */
static void location_value(JsonBuilder *b, const lg_process *p, uint32_t stack, uint64_t ts,
                           const char *msg)
{
    GArray *fr = lg_frames_resolve(p, stack, ts);
    /* the first user frame with a line; else any frame with a line */
    const lg_frame *src = NULL;
    guint user = lg_frames_first_user(fr);
    for (guint pass = 0; pass < 2 && !src; pass++)
        for (guint i = pass ? 0 : user; i < fr->len && !src; i++) {
            const lg_frame *f = &g_array_index(fr, lg_frame, i);
            if (f->sym->file && f->sym->line > 0)
                src = f;
        }
    json_builder_begin_object(b);
    if (src) {
        json_builder_set_member_name(b, "physicalLocation");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "artifactLocation");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "uri");
        char *uri = g_path_is_absolute(src->sym->file) ? g_filename_to_uri(src->sym->file, NULL, NULL)
                                                       : NULL;
        json_builder_add_string_value(b, uri ? uri : src->sym->file);
        g_free(uri);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "region");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "startLine");
        json_builder_add_int_value(b, src->sym->line);
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "logicalLocations");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    char *name = fr->len ? lg_frame_signature(&g_array_index(fr, lg_frame, src ? (guint)(src - (const lg_frame *)fr->data) : 0))
                         : g_strdup("(no stack recorded)");
    json_builder_set_member_name(b, "fullyQualifiedName");
    json_builder_add_string_value(b, name);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, "function");
    g_free(name);
    json_builder_end_object(b);
    json_builder_end_array(b);
    if (msg)
        text_message(b, "message", msg);
    json_builder_end_object(b);
    g_array_free(fr, TRUE);
}

static void code_flows(JsonBuilder *b, const lg_finding *f)
{
    json_builder_set_member_name(b, "codeFlows");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "threadFlows");
    json_builder_begin_array(b);
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        const lg_model_thread *t = e->thread ? lg_process_thread(e->proc, e->thread) : NULL;
        json_builder_begin_object(b);
        char *id = g_strdup_printf("pid%u-T%u", e->proc->pid, e->thread);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, id);
        g_free(id);
        char *tm = g_strdup_printf("thread T%u \"%s\" (pid %u)", e->thread, t && t->name ? t->name : "",
                                   e->proc->pid);
        text_message(b, "message", tm);
        g_free(tm);
        json_builder_set_member_name(b, "locations");
        json_builder_begin_array(b);
        const lg_flock *from = e->from >= 0 ? &g_array_index(f->locks, lg_flock, e->from) : NULL;
        const lg_flock *to = e->to >= 0 ? &g_array_index(f->locks, lg_flock, e->to) : NULL;
        char *fl = from ? lg_lock_label(from->proc, from->lock) : g_strdup("a lock");
        char *tl = to ? lg_lock_label(to->proc, to->lock) : NULL;
        char *m1 = g_strdup_printf("takes %s", fl);
        char *m2 = tl ? g_strdup_printf("then takes %s while holding %s", tl, fl) : NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "location");
        location_value(b, e->proc, e->held_stack ? e->held_stack : e->stack, e->ts, m1);
        json_builder_end_object(b);
        if (m2) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "location");
            location_value(b, e->proc, e->stack, e->ts, m2);
            json_builder_end_object(b);
        }
        g_free(fl), g_free(tl), g_free(m1), g_free(m2);
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_array(b);
}

void lg_format_sarif(FILE *out, const lg_analysis *a, const lg_format_opts *o)
{
    (void)o;
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    json_builder_add_string_value(b, "2.1.0");
    json_builder_set_member_name(b, "$schema");
    json_builder_add_string_value(b, "https://json.schemastore.org/sarif-2.1.0.json");
    json_builder_set_member_name(b, "runs");
    json_builder_begin_array(b);
    json_builder_begin_object(b);

    json_builder_set_member_name(b, "tool");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "driver");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, "lockgraph");
    json_builder_set_member_name(b, "version");
    json_builder_add_string_value(b, LG_VERSION);
    json_builder_set_member_name(b, "rules");
    json_builder_begin_array(b);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, lg_finding_kind_name(k));
        text_message(b, "shortDescription", describe_kind(k));
        json_builder_set_member_name(b, "defaultConfiguration");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "level");
        json_builder_add_string_value(b, level_of(k));
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "results");
    json_builder_begin_array(b);
    for (guint i = 0; i < a->findings->len; i++) {
        const lg_finding *f = g_ptr_array_index(a->findings, i);
        if (f->suppressed)
            continue;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "ruleId");
        json_builder_add_string_value(b, lg_finding_kind_name(f->kind));
        json_builder_set_member_name(b, "ruleIndex");
        json_builder_add_int_value(b, f->kind - 1);
        json_builder_set_member_name(b, "level");
        json_builder_add_string_value(b, level_of(f->kind));
        char *message = lg_finding_message(f);
        text_message(b, "message", message);
        g_free(message);
        json_builder_set_member_name(b, "locations");
        json_builder_begin_array(b);
        if (f->edges->len) {
            const lg_fedge *e = &g_array_index(f->edges, lg_fedge, 0);
            location_value(b, e->proc, e->stack, e->ts, NULL);
        }
        json_builder_end_array(b);
        if (lg_finding_is_cycle(f) && f->edges->len)
            code_flows(b, f);
        json_builder_set_member_name(b, "partialFingerprints");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "lockgraph/v1");
        json_builder_add_string_value(b, f->fingerprint);
        json_builder_end_object(b);
        json_builder_set_member_name(b, "properties");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "flags");
        json_builder_begin_array(b);
        const char **names = lg_finding_flag_names(f->flags);
        for (size_t k = 0; names[k]; k++)
            json_builder_add_string_value(b, names[k]);
        g_free(names);
        json_builder_end_array(b);
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_array(b);
    json_builder_end_object(b);

    lg_json_write(out, b);
}
