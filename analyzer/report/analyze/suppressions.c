#include "suppressions.h"
#include "analysis.h"
#include "frames.h"
#include "suppression_rules.h"

#include <string.h>

struct lg_suppressions {
    char *text; /* rules point into it */
    GArray *rules; /* lg_supp_rule */
};

void lg_suppressions_free(lg_suppressions *s)
{
    if (!s)
        return;
    g_free(s->text);
    g_array_free(s->rules, TRUE);
    g_free(s);
}

lg_suppressions *lg_suppressions_parse(const char *name, const char *text, char **error)
{
    lg_suppressions *s = g_new0(lg_suppressions, 1);
    s->text = g_strdup(text);
    s->rules = g_array_new(FALSE, TRUE, sizeof(lg_supp_rule));
    char *line = s->text;
    for (unsigned lineno = 1; line && *line; lineno++) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        lg_supp_rule r;
        const char *why = NULL;
        int rc = lg_supp_parse_line(line, len, &r, &why);
        if (rc < 0) {
            *error = g_strdup_printf("lockgraph: %s:%u: %s", name, lineno, why);
            lg_suppressions_free(s);
            return NULL;
        }
        if (rc > 0)
            g_array_append_val(s->rules, r);
        line = nl ? nl + 1 : NULL;
    }
    return s;
}

lg_suppressions *lg_suppressions_load(const char *path, char **error)
{
    gchar *text = NULL;
    GError *err = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        *error = g_strdup_printf("lockgraph: %s: cannot read suppressions: %s", path, err->message);
        g_error_free(err);
        return NULL;
    }
    lg_suppressions *s = lg_suppressions_parse(path, text, error);
    g_free(text);
    return s;
}

static gboolean name_matches(const lg_supp_rule *r, const char *function, const char *file)
{
    if (r->target == LG_SUPP_FUNCTION)
        return function && lg_supp_glob(r->pattern, r->pattern_len, function);
    return file && lg_supp_match_file(r, file);
}

static gboolean stack_matches(const lg_supp_rule *r, const lg_process *p, uint32_t stack,
                              uint64_t ts)
{
    gboolean hit = FALSE;
    GArray *fr = lg_frames_resolve(p, stack, ts);
    for (guint i = 0; i < fr->len && !hit; i++) {
        const lg_sym *s = g_array_index(fr, lg_frame, i).sym;
        hit = name_matches(r, s->function, s->file);
        for (guint k = 0; k < s->inlined->len && !hit; k++) {
            const lg_sym_inline *in = &g_array_index(s->inlined, lg_sym_inline, k);
            hit = name_matches(r, in->function, in->file);
        }
    }
    g_array_free(fr, TRUE);
    return hit;
}

static gboolean rule_matches(const lg_supp_rule *r, const lg_finding *f)
{
    if (r->target == LG_SUPP_FINGERPRINT)
        return r->pattern_len == strlen(f->fingerprint) &&
               g_ascii_strncasecmp(r->pattern, f->fingerprint, r->pattern_len) == 0;
    if (r->kind && r->kind != f->kind)
        return FALSE;
    for (guint i = 0; i < f->edges->len; i++) {
        const lg_fedge *e = &g_array_index(f->edges, lg_fedge, i);
        if (stack_matches(r, e->proc, e->stack, e->ts) ||
            stack_matches(r, e->proc, e->held_stack, e->ts))
            return TRUE;
    }
    for (guint i = 0; i < f->locks->len; i++) {
        const lg_flock *l = &g_array_index(f->locks, lg_flock, i);
        if (stack_matches(r, l->proc, l->lock->first_stack, l->lock->ts))
            return TRUE;
    }
    return FALSE;
}

/* Does a rule match f?  (f->fingerprint must be computed.) */
static gboolean matches(const lg_suppressions *s, const lg_finding *f)
{
    for (guint i = 0; s && i < s->rules->len; i++)
        if (rule_matches(&g_array_index(s->rules, lg_supp_rule, i), f))
            return TRUE;
    return FALSE;
}

void lg_suppressions_apply(const lg_suppressions *s, lg_analysis *a)
{
    for (guint i = 0; i < a->findings->len; i++) {
        lg_finding *f = g_ptr_array_index(a->findings, i);
        f->suppressed = matches(s, f);
    }
    lg_analysis_recount(a);
}
