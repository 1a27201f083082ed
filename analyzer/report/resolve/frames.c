#include "frames.h"

GArray *lg_frames_resolve(const lg_process *p, uint32_t stack_id, uint64_t ts)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(lg_frame));
    const lg_model_stack *s = stack_id ? lg_process_stack(p, stack_id) : NULL;
    if (!s)
        return out;
    for (uint32_t i = 0; i < s->n; i++) {
        lg_frame f = {.pc = s->pcs[i]};
        f.module = lg_process_module_at(p, f.pc, ts);
        f.offset = f.module ? f.pc - f.module->base : f.pc;
        f.sym = lg_symbols_lookup(f.module, f.offset);
        g_array_append_val(out, f);
    }
    return out;
}

char *lg_frame_module_name(const lg_frame *f)
{
    return f->module ? g_path_get_basename(f->module->path) : g_strdup("?");
}

static void append_named(GString *s, const char *function, const char *file)
{
    if (s->len)
        g_string_append_c(s, '/');
    g_string_append(s, function ? function : "?");
    if (file) {
        char *base = g_path_get_basename(file);
        g_string_append_printf(s, "@%s", base);
        g_free(base);
    }
}

char *lg_frame_signature(const lg_frame *f)
{
    if (f->sym->function) {
        /* the innermost name and every function it was inlined into */
        GString *s = g_string_new(NULL);
        append_named(s, f->sym->function, f->sym->file);
        for (guint k = 0; k < f->sym->inlined->len; k++) {
            const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k);
            append_named(s, in->function, in->file);
        }
        return g_string_free(s, FALSE);
    }
    char *mod = lg_frame_module_name(f);
    char *sig = g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x", mod, f->offset);
    g_free(mod);
    return sig;
}

char *lg_frame_describe(const lg_frame *f)
{
    char *mod = lg_frame_module_name(f);
    GString *s = g_string_new(NULL);
    if (f->sym->function)
        g_string_append(s, f->sym->function);
    else
        g_string_append_printf(s, "0x%" G_GINT64_MODIFIER "x", f->pc);
    if (f->sym->file) {
        if (f->sym->line)
            g_string_append_printf(s, " (%s:%d)", f->sym->file, f->sym->line);
        else
            g_string_append_printf(s, " (%s)", f->sym->file);
    }
    g_string_append_printf(s, " [%s+0x%" G_GINT64_MODIFIER "x]", mod, f->offset);
    g_free(mod);
    return g_string_free(s, FALSE);
}

static gboolean system_path(const char *path)
{
    return g_str_has_prefix(path, "/usr/include/") || g_str_has_prefix(path, "/usr/lib/") ||
           g_str_has_prefix(path, "/lib/") || g_str_has_prefix(path, "/lib64/");
}

guint lg_frames_first_user(const GArray *frames)
{
    for (guint i = 0; i < frames->len; i++) {
        const lg_frame *f = &g_array_index(frames, lg_frame, i);
        if (f->sym->file && !system_path(f->sym->file) && f->module && !system_path(f->module->path))
            return i;
    }
    return 0;
}
