/* setenv/unsetenv/access */
#define _POSIX_C_SOURCE 200809L

#include "symbolize.h"

#include "data_path.h"
#include "demangle.h"
#include "dwarf_names.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One module file, opened on first use.  Its Dwfl holds just this module, reported
 * with load bias 0, so every process's copy of it shares the parsed DWARF and the
 * per-pc cache (keys are module-relative addresses). */
typedef struct sym_module {
    Dwfl *dwfl;          /* NULL: the file is missing or not usable ELF */
    Dwfl_Module *mod;
    guint8 *bid;         /* build-id of the file on disk; NULL if it has none */
    gsize bid_len;
    GHashTable *by_rel;  /* guint64 rel -> sym_entry */
    lg_data_index *data; /* its variables (data_path.h); NULL until asked */
} sym_module;

typedef struct sym_entry {
    GPtrArray *frames;
    lg_sym_status status;
} sym_entry;

struct lg_symbolizer {
    GHashTable *modules; /* path -> sym_module */
};

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    /* .gnu_debuglink next to the file and in .debug/, then /usr/lib/debug (also by
     * build-id); debuginfo_path NULL = that default search path. */
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = NULL,
};

static void frame_free(gpointer p)
{
    lg_sym_frame *f = p;
    g_free(f->function);
    g_free(f->file);
    g_free(f);
}

static GPtrArray *frames_new(void) { return g_ptr_array_new_with_free_func(frame_free); }

static void entry_free(gpointer p)
{
    sym_entry *e = p;
    g_ptr_array_unref(e->frames);
    g_free(e);
}

static void module_free(gpointer p)
{
    sym_module *m = p;
    if (m->dwfl)
        dwfl_end(m->dwfl);
    lg_data_index_free(m->data);
    g_free(m->bid);
    g_hash_table_destroy(m->by_rel);
    g_free(m);
}

lg_symbolizer *lg_symbolizer_new(void)
{
    lg_symbolizer *s = g_new0(lg_symbolizer, 1);
    s->modules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, module_free);
    return s;
}

void lg_symbolizer_free(lg_symbolizer *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->modules);
    g_free(s);
}

/* libdw consults debuginfod (network, possibly slow) when DEBUGINFOD_URLS is set;
 * its client reads the variable at query time, so hiding it around our lookups is
 * enough.  The analyzer is single-threaded, which makes the env change safe. */
static char *debuginfod_hide(void)
{
    const char *v = getenv("DEBUGINFOD_URLS");
    if (!v)
        return NULL;
    char *saved = g_strdup(v);
    unsetenv("DEBUGINFOD_URLS");
    return saved;
}

static void debuginfod_restore(char *saved)
{
    if (saved) {
        setenv("DEBUGINFOD_URLS", saved, 1);
        g_free(saved);
    }
}

/* Names the loader gives to mappings without a file ("linux-vdso.so.1") and the
 * bracketed pseudo-paths of /proc/PID/maps ("[vdso]", "[stack]"). */
static gboolean has_no_file(const char *path)
{
    return !path || !*path || path[0] == '[' || g_str_has_prefix(path, "linux-vdso.so") ||
           g_str_has_prefix(path, "linux-gate.so");
}

static sym_module *module_open(lg_symbolizer *s, const char *path)
{
    sym_module *m = g_hash_table_lookup(s->modules, path);
    if (m)
        return m;
    m = g_new0(sym_module, 1);
    m->by_rel = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, entry_free);
    g_hash_table_insert(s->modules, g_strdup(path), m);

    if (has_no_file(path) || access(path, R_OK) != 0)
        return m;
    Dwfl *dwfl = dwfl_begin(&offline_callbacks);
    if (!dwfl)
        return m;
    dwfl_report_begin(dwfl);
    /* add_p_vaddr with base 0: addresses inside this Dwfl are file vaddrs (bias 0)
     * for ET_DYN, prelinked or not; ET_EXEC ignores base anyway. */
    Dwfl_Module *mod = dwfl_report_elf(dwfl, path, path, -1, 0, true);
    dwfl_report_end(dwfl, NULL, NULL);
    if (!mod) {
        dwfl_end(dwfl);
        return m;
    }
    m->dwfl = dwfl;
    m->mod = mod;
    const unsigned char *bits = NULL;
    GElf_Addr vaddr = 0;
    int n = dwfl_module_build_id(mod, &bits, &vaddr);
    if (n > 0) {
        m->bid = g_memdup2(bits, (gsize)n);
        m->bid_len = (gsize)n;
    }
    return m;
}

static int attr_int(Dwarf_Die *die, unsigned name)
{
    Dwarf_Attribute a;
    Dwarf_Word w = 0;
    if (!dwarf_attr(die, name, &a) || dwarf_formudata(&a, &w) != 0 || w > G_MAXINT)
        return 0;
    return (int)w;
}

/* The call site of an inlined instance, from DW_AT_call_file/line/column, which
 * index the file table of the instance's own CU. */
static void call_site(Dwarf_Die *inl, lg_sym_frame *f)
{
    f->line = attr_int(inl, DW_AT_call_line);
    f->column = attr_int(inl, DW_AT_call_column);
    Dwarf_Attribute a;
    Dwarf_Word idx;
    Dwarf_Die cu;
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_attr(inl, DW_AT_call_file, &a) && dwarf_formudata(&a, &idx) == 0 &&
        dwarf_diecu(inl, &cu, NULL, NULL) && dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 &&
        idx < nfiles) {
        const char *name = dwarf_filesrc(files, idx, NULL, NULL);
        if (name)
            f->file = g_strdup(name);
    }
}

static gboolean is_function_tag(int tag)
{
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
           tag == DW_TAG_entry_point;
}

/* The CU covering rel by its own address ranges.  dwfl_module_addrdie relies on
 * .debug_aranges, which clang (14) does not emit: without this, clang-built code
 * would get no file:line at all. */
static Dwarf_Die *cu_by_ranges(Dwfl_Module *mod, GElf_Addr rel, Dwarf_Addr *bias)
{
    Dwarf_Die *cu = NULL;
    while ((cu = dwfl_module_nextcu(mod, cu, bias)) != NULL)
        if (dwarf_haspc(cu, rel - *bias) > 0)
            return cu;
    return NULL;
}

/* Fills `frames` from DWARF for file address rel.  Returns FALSE when no CU with
 * debug info covers rel (the caller falls back to the ELF symbol). */
static gboolean dwarf_frames(Dwfl_Module *mod, GElf_Addr rel, GPtrArray *frames)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cudie = dwfl_module_addrdie(mod, rel, &bias);
    if (!cudie)
        cudie = cu_by_ranges(mod, rel, &bias);
    if (!cudie)
        return FALSE;

    lg_sym_frame *inner = g_new0(lg_sym_frame, 1);
    Dwfl_Line *ln = dwfl_module_getsrc(mod, rel);
    if (ln) {
        int line = 0, col = 0;
        const char *file = dwfl_lineinfo(ln, NULL, &line, &col, NULL, NULL);
        inner->file = g_strdup(file);
        inner->line = line;
        inner->column = col;
    } else {
        Dwarf_Line *dl = dwarf_getsrc_die(cudie, rel - bias);
        int line = 0, col = 0;
        if (dl && dwarf_lineno(dl, &line) == 0) {
            dwarf_linecol(dl, &col);
            inner->file = g_strdup(dwarf_linesrc(dl, NULL, NULL));
            inner->line = line;
            inner->column = col;
        }
    }
    g_ptr_array_add(frames, inner);

    /* dwarf_getscopes follows inlined instances into their abstract origins; we only
     * want the physical nesting at rel, so take its innermost DIE and walk that DIE's
     * parents with dwarf_getscopes_die. */
    Dwarf_Die *scopes = NULL;
    int n = dwarf_getscopes(cudie, rel - bias, &scopes);
    if (n <= 0) {
        free(scopes);
        return TRUE;
    }
    Dwarf_Die innermost = scopes[0];
    free(scopes);
    Dwarf_Die *chain = NULL;
    int m = dwarf_getscopes_die(&innermost, &chain);

    lg_sym_frame *cur = inner;
    for (int i = 0; i < m; i++) {
        int tag = dwarf_tag(&chain[i]);
        if (!is_function_tag(tag))
            continue;
        cur->function = lg_dwarf_die_name(&chain[i]);
        if (tag != DW_TAG_inlined_subroutine)
            break;
        /* This instance was inlined: its caller is the next frame out, positioned
         * at the call site the instance records. */
        cur->inlined = TRUE;
        lg_sym_frame *caller = g_new0(lg_sym_frame, 1);
        call_site(&chain[i], caller);
        g_ptr_array_add(frames, caller);
        cur = caller;
    }
    free(chain);
    return TRUE;
}

static sym_entry *resolve(sym_module *m, GElf_Addr rel)
{
    sym_entry *e = g_new0(sym_entry, 1);
    e->frames = frames_new();

    GElf_Off off = 0;
    GElf_Sym sym;
    const char *symname = dwfl_module_addrinfo(m->mod, rel, &off, &sym, NULL, NULL, NULL);

    if (dwarf_frames(m->mod, rel, e->frames)) {
        e->status = LG_SYM_OK;
    } else {
        e->status = LG_SYM_NO_DEBUG_INFO;
        g_ptr_array_add(e->frames, g_new0(lg_sym_frame, 1));
    }
    lg_sym_frame *outer = g_ptr_array_index(e->frames, e->frames->len - 1);
    if (symname) {
        if (!outer->function)
            outer->function = lg_demangle(symname);
        outer->sym_offset = off;
    }
    return e;
}

static sym_module *module_get(lg_symbolizer *s, const char *path)
{
    sym_module *m = g_hash_table_lookup(s->modules, path);
    if (!m) {
        char *saved = debuginfod_hide();
        m = module_open(s, path);
        debuginfod_restore(saved);
    }
    return m;
}

/* bid_len 0: the log did not record one, nothing to check */
static gboolean same_build(const sym_module *m, const guint8 *bid, gsize bid_len)
{
    return bid_len == 0 || (bid_len == m->bid_len && memcmp(bid, m->bid, bid_len) == 0);
}

GPtrArray *lg_symbolize(lg_symbolizer *s, const char *path, guint64 base, const guint8 *bid,
                        gsize bid_len, guint64 pc, lg_sym_status *status)
{
    lg_sym_status dummy;
    if (!status)
        status = &dummy;
    if (has_no_file(path)) {
        *status = LG_SYM_MODULE_MISSING;
        return frames_new();
    }

    sym_module *m = module_get(s, path);
    GPtrArray *out;
    if (!m->dwfl) {
        *status = LG_SYM_MODULE_MISSING;
        out = frames_new();
    } else if (!same_build(m, bid, bid_len)) {
        *status = LG_SYM_BUILD_ID_MISMATCH;
        out = frames_new();
    } else {
        guint64 rel = pc - base;
        sym_entry *e = g_hash_table_lookup(m->by_rel, &rel);
        if (!e) {
            /* libdw loads DWARF (and looks for separate debug files) lazily, here. */
            char *saved = debuginfod_hide();
            e = resolve(m, rel);
            debuginfod_restore(saved);
            guint64 *key = g_new(guint64, 1);
            *key = rel;
            g_hash_table_insert(m->by_rel, key, e);
        }
        *status = e->status;
        out = g_ptr_array_ref(e->frames);
    }
    return out;
}

char *lg_symbolize_data(lg_symbolizer *s, const char *path, guint64 base, const guint8 *bid,
                        gsize bid_len, guint64 addr, const guint64 *sizes, gsize nsizes)
{
    if (has_no_file(path))
        return NULL;
    sym_module *m = module_get(s, path);
    if (!m->dwfl || !same_build(m, bid, bid_len))
        return NULL;
    if (!m->data)
        m->data = lg_data_index_new(m->mod);
    /* the index reads the DWARF (maybe a separate debug file) on first use */
    char *saved = debuginfod_hide();
    char *out = lg_data_path(m->data, addr - base, sizes, nsizes);
    debuginfod_restore(saved);
    return out;
}
