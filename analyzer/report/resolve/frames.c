#include "frames.h"

#include <string.h>

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

static gboolean user_file(const char *file);

char *lg_frame_user_signature(const lg_frame *f)
{
    if (!f->sym->function)
        return lg_frame_signature(f);
    GString *s = g_string_new(NULL);
    if (!f->sym->file || user_file(f->sym->file))
        append_named(s, f->sym->function, f->sym->file);
    for (guint k = 0; k < f->sym->inlined->len; k++) {
        const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k);
        if (!in->file || user_file(in->file))
            append_named(s, in->function, in->file);
    }
    if (s->len == 0) { /* every level a header: the full form, still without lines */
        g_string_free(s, TRUE);
        return lg_frame_signature(f);
    }
    return g_string_free(s, FALSE);
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
           g_str_has_prefix(path, "/lib/") || g_str_has_prefix(path, "/lib64/") ||
           g_str_has_prefix(path, "/usr/lib64/") || g_str_has_prefix(path, "/usr/local/include/");
}

/* Runtime libraries by name too: a program may carry its own copy (a container's
 * /opt/.../lib, a toolchain's libstdc++ next to the binary). */
static gboolean runtime_library_name(const char *base)
{
    static const char *const prefixes[] = {"libc.so", "libc-", "libstdc++", "libgcc_s",
                                           "ld-linux", "ld64.so", "libpthread", "libm.so",
                                           "libdl.so", "librt.so", "liblockgraph", "libasan",
                                           "libtsan", "libubsan", "libgomp", "libglib-2.0"};
    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++)
        if (g_str_has_prefix(base, prefixes[i]))
            return TRUE;
    return FALSE;
}

gboolean lg_frame_is_system(const lg_frame *f)
{
    if (!f->module || !f->module->path)
        return TRUE;
    if (system_path(f->module->path))
        return TRUE;
    const char *slash = strrchr(f->module->path, '/');
    return runtime_library_name(slash ? slash + 1 : f->module->path);
}

/* A source file of the user's: known, not a system header, and not a relative path
 * of a distribution library's build (those are only reached in system modules,
 * which are excluded before the file is looked at). */
static gboolean user_file(const char *file)
{
    return file && !system_path(file);
}

lg_user_site lg_frames_user_site(const GArray *frames)
{
    lg_user_site u = {.frame = -1};
    for (guint i = 0; i < frames->len; i++) {
        const lg_frame *f = &g_array_index(frames, lg_frame, i);
        if (lg_frame_is_system(f))
            continue;
        if (user_file(f->sym->file)) {
            u = (lg_user_site){(int)i, 0, f->sym->function, f->sym->file, f->sym->line};
            return u;
        }
        for (guint k = 0; k < f->sym->inlined->len; k++) {
            const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k);
            if (user_file(in->file)) {
                u = (lg_user_site){(int)i, (int)k + 1, in->function, in->file, in->line};
                return u;
            }
        }
    }
    return u;
}

static gboolean has_line(const lg_frame *f)
{
    return f->sym->file && f->sym->line > 0;
}

lg_user_site lg_frames_source_site(const GArray *frames)
{
    lg_user_site u = lg_frames_user_site(frames);
    if (u.frame >= 0 && u.line > 0)
        return u;
    guint from = u.frame < 0 ? 0 : (guint)u.frame;
    for (guint i = from; i < frames->len; i++) {
        const lg_frame *f = &g_array_index(frames, lg_frame, i);
        if (has_line(f))
            return (lg_user_site){(int)i, 0, f->sym->function, f->sym->file, f->sym->line};
    }
    for (guint i = 0; i < from && i < frames->len; i++) {
        const lg_frame *f = &g_array_index(frames, lg_frame, i);
        if (has_line(f))
            return (lg_user_site){(int)i, 0, f->sym->function, f->sym->file, f->sym->line};
    }
    return (lg_user_site){.frame = -1};
}

guint lg_frames_first_user(const GArray *frames)
{
    lg_user_site u = lg_frames_user_site(frames);
    return u.frame < 0 ? 0 : (guint)u.frame;
}

gboolean lg_frame_is_header_only(const lg_frame *f)
{
    if (!f->sym->function || !f->sym->file || user_file(f->sym->file))
        return FALSE;
    for (guint k = 0; k < f->sym->inlined->len; k++) {
        const lg_sym_inline *in = &g_array_index(f->sym->inlined, lg_sym_inline, k);
        if (!in->file || user_file(in->file))
            return FALSE;
    }
    return TRUE;
}

gboolean lg_frame_is_runtime_entry(const lg_frame *f)
{
    static const char *const names[] = {"start_thread", "clone", "clone3", "__clone",
                                        "__clone3", "__clone_internal", "__libc_start_main",
                                        "__libc_start_main_impl", "__libc_start_main_alias_2",
                                        "__libc_start_call_main", "_start"};
    /* the outermost level names the function the code is in */
    const char *fn = f->sym->function;
    if (f->sym->inlined->len)
        fn = g_array_index(f->sym->inlined, lg_sym_inline, f->sym->inlined->len - 1).function;
    if (!fn)
        return FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(fn, names[i]) == 0)
            return TRUE;
    return FALSE;
}

guint lg_frames_shown(const GArray *frames)
{
    guint n = frames->len;
    /* from the outside in: fold while the frames are runtime entries, or system frames
     * beyond one (an unnamed libc frame between clone3 and start_thread) */
    guint keep = n;
    gboolean any_entry = FALSE;
    while (keep > 0) {
        const lg_frame *f = &g_array_index(frames, lg_frame, keep - 1);
        if (lg_frame_is_runtime_entry(f))
            any_entry = TRUE;
        else if (!(lg_frame_is_system(f) && !f->sym->function))
            break;
        keep--;
    }
    return any_entry ? keep : n;
}
