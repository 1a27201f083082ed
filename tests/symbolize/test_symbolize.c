/* Tests of analyzer/symbolize/symbolize.c against real modules: the test dlopens shared objects
 * built from tests/symbolize/data/ (see tests/CMakeLists.txt), takes call-site PCs inside
 * them, and learns each module's load bias and build-id through dl_iterate_phdr, the
 * way the shim records them.  Expected lines come from marker comments in the data
 * sources, read at test time. */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dlfcn.h>
#include <elf.h>
#include <glib.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

typedef struct module_info {
    uintptr_t addr;  /* in: an address inside the module */
    gboolean found;
    guint64 base;    /* out: dlpi_addr */
    guint8 bid[64];
    gsize bid_len;
    char *path;
} module_info;

static void read_build_id(struct dl_phdr_info *info, module_info *mi)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            const unsigned char *name = p + sizeof(*nh);
            const unsigned char *desc = name + ((nh->n_namesz + 3u) & ~3u);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= sizeof(mi->bid)) {
                memcpy(mi->bid, desc, nh->n_descsz);
                mi->bid_len = nh->n_descsz;
                return;
            }
            p = desc + ((nh->n_descsz + 3u) & ~3u);
        }
    }
}

static int find_module_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    module_info *mi = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && mi->addr >= lo && mi->addr < lo + ph->p_memsz) {
            mi->found = TRUE;
            mi->base = info->dlpi_addr;
            /* The main program has an empty name; the shim records its real path. */
            mi->path = info->dlpi_name[0] ? g_strdup(info->dlpi_name)
                                          : g_file_read_link("/proc/self/exe", NULL);
            read_build_id(info, mi);
            return 1;
        }
    }
    return 0;
}

static module_info module_of(uintptr_t addr)
{
    module_info mi = {.addr = addr};
    dl_iterate_phdr(find_module_cb, &mi);
    g_assert_true(mi.found);
    g_assert_cmpuint(mi.bid_len, >, 0);
    return mi;
}

/* 1-based number of the line of `file` containing `marker`. */
static int marker_line(const char *file, const char *marker)
{
    char *path = g_build_filename(SYMTEST_SRC_DIR, file, NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    char **lines = g_strsplit(text, "\n", -1);
    int found = 0;
    for (int i = 0; lines[i]; i++)
        if (strstr(lines[i], marker)) {
            found = i + 1;
            break;
        }
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    g_assert_cmpint(found, >, 0);
    return found;
}

static char *basename_of(const char *path)
{
    g_assert_nonnull(path);
    return g_path_get_basename(path);
}

static void *symtest_handle;

static uintptr_t call_symtest(const char *fn)
{
    void *sym = dlsym(symtest_handle, fn);
    g_assert_nonnull(sym);
    uintptr_t (*f)(void) = (uintptr_t(*)(void))sym;
    return f();
}

static void test_line_at_O0(void)
{
    uintptr_t pc = call_symtest("symtest_outer");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    g_assert_cmpuint(fr->len, ==, 1);
    lg_sym_frame *f = g_ptr_array_index(fr, 0);
    g_assert_cmpstr(f->function, ==, "symtest_outer");
    char *bn = basename_of(f->file);
    g_assert_cmpstr(bn, ==, "symtest_lib.c");
    g_assert_cmpint(f->line, ==, marker_line("symtest_lib.c", "MARK:outer-call"));
    g_assert_false(f->inlined);
    g_assert_cmpuint(f->sym_offset, >, 0);
    g_free(bn);
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

static void test_inlined_frames(void)
{
    void *sym = dlsym(symtest_handle, "symtest_inline_outer");
    g_assert_nonnull(sym);
    uintptr_t (*f)(int) = (uintptr_t(*)(int))sym;
    uintptr_t pc = f(5);
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    g_assert_cmpuint(fr->len, ==, 2);

    lg_sym_frame *in = g_ptr_array_index(fr, 0);
    g_assert_cmpstr(in->function, ==, "symtest_inner");
    g_assert_true(in->inlined);
    char *bn = basename_of(in->file);
    g_assert_cmpstr(bn, ==, "symtest_inline.c");
    g_free(bn);
    g_assert_cmpint(in->line, ==, marker_line("symtest_inline.c", "MARK:inline-call"));

    lg_sym_frame *out = g_ptr_array_index(fr, 1);
    g_assert_cmpstr(out->function, ==, "symtest_inline_outer");
    g_assert_false(out->inlined);
    bn = basename_of(out->file);
    g_assert_cmpstr(bn, ==, "symtest_inline.c");
    g_free(bn);
    g_assert_cmpint(out->line, ==, marker_line("symtest_inline.c", "MARK:inline-site"));

    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

static void test_cxx_demangled(void)
{
    uintptr_t pc = call_symtest("symtest_cxx_entry");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    g_assert_cmpuint(fr->len, ==, 1);
    lg_sym_frame *f = g_ptr_array_index(fr, 0);
    g_assert_cmpstr(f->function, ==, "lgtest::Widget::capture_here(int)");
    g_assert_cmpint(f->line, ==, marker_line("symtest_cxx.cc", "MARK:cxx-call"));
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

/* The same file at another load bias (another process) gives the same answer from
 * the cache; a second lookup of one pc returns the cached array itself. */
static void test_cache_and_relocation(void)
{
    uintptr_t pc = call_symtest("symtest_outer");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st1 = -1, st2 = -1, st3 = -1;
    GPtrArray *a = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st1);
    GPtrArray *b = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st2);
    g_assert_true(a == b);
    const guint64 shift = 0x100000000ull;
    GPtrArray *c = lg_symbolize(s, mi.path, mi.base + shift, mi.bid, mi.bid_len, pc + shift, &st3);
    g_assert_cmpint(st3, ==, LG_SYM_OK);
    lg_sym_frame *fa = g_ptr_array_index(a, 0), *fc = g_ptr_array_index(c, 0);
    g_assert_cmpstr(fc->function, ==, fa->function);
    g_assert_cmpint(fc->line, ==, fa->line);
    /* A pc elsewhere in the module is a different answer. */
    GPtrArray *d = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len,
                                (guint64)(uintptr_t)dlsym(symtest_handle, "symtest_capture") + 1,
                                NULL);
    g_assert_cmpstr(((lg_sym_frame *)g_ptr_array_index(d, 0))->function, ==, "symtest_capture");
    g_ptr_array_unref(a);
    g_ptr_array_unref(b);
    g_ptr_array_unref(c);
    g_ptr_array_unref(d);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

/* A PIE main program: dl_iterate_phdr names it "", the shim records its real path. */
__attribute__((noinline)) static uintptr_t main_program_pc(void)
{
    return (uintptr_t)__builtin_return_address(0) - 1;
}

static void test_main_program(void)
{
    uintptr_t pc = main_program_pc();
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    lg_sym_frame *f = g_ptr_array_index(fr, fr->len - 1);
    g_assert_cmpstr(f->function, ==, "test_main_program");
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

static void test_build_id_mismatch(void)
{
    uintptr_t pc = call_symtest("symtest_outer");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();

    /* The file at the recorded path was rebuilt (different code, different id). */
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, SYMTEST_OTHER_LIB, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_BUILD_ID_MISMATCH);
    g_assert_cmpuint(fr->len, ==, 0);
    g_ptr_array_unref(fr);

    /* Same file, but the log says another build ran: no lines either, even though
     * this pc is cached as resolvable for the right id. */
    GPtrArray *ok = lg_symbolize(s, mi.path, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    g_ptr_array_unref(ok);
    guint8 wrong[64];
    memcpy(wrong, mi.bid, mi.bid_len);
    wrong[0] ^= 0xff;
    fr = lg_symbolize(s, mi.path, mi.base, wrong, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_BUILD_ID_MISMATCH);
    g_assert_cmpuint(fr->len, ==, 0);
    g_ptr_array_unref(fr);

    /* No recorded id: nothing to check against, so the answer is given. */
    fr = lg_symbolize(s, mi.path, mi.base, NULL, 0, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

static void test_module_missing(void)
{
    lg_symbolizer *s = lg_symbolizer_new();
    const guint8 bid[4] = {1, 2, 3, 4};
    const char *paths[] = {"/nonexistent-lockgraph-dir/libgone.so", "linux-vdso.so.1", "[vdso]",
                           ""};
    for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
        lg_sym_status st = -1;
        GPtrArray *fr = lg_symbolize(s, paths[i], 0x7f0000000000ull, bid, sizeof bid,
                                     0x7f0000001234ull, &st);
        g_assert_nonnull(fr);
        g_assert_cmpint(st, ==, LG_SYM_MODULE_MISSING);
        g_assert_cmpuint(fr->len, ==, 0);
        g_ptr_array_unref(fr);
    }
    lg_symbolizer_free(s);
}

/* objcopy --strip-debug keeps .symtab and the build-id: the function name is
 * still known, the line is not. */
static void test_stripped_copy(void)
{
    uintptr_t pc = call_symtest("symtest_outer");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, SYMTEST_STRIPPED_LIB, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_NO_DEBUG_INFO);
    g_assert_cmpuint(fr->len, ==, 1);
    lg_sym_frame *f = g_ptr_array_index(fr, 0);
    g_assert_cmpstr(f->function, ==, "symtest_outer");
    g_assert_null(f->file);
    g_assert_cmpint(f->line, ==, 0);
    g_assert_cmpuint(f->sym_offset, >, 0);
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

/* Debug info split off into a file named by .gnu_debuglink is found and used. */
static void test_debuglink(void)
{
    uintptr_t pc = call_symtest("symtest_outer");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, SYMTEST_SPLIT_LIB, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_OK);
    g_assert_cmpuint(fr->len, ==, 1);
    lg_sym_frame *f = g_ptr_array_index(fr, 0);
    g_assert_cmpstr(f->function, ==, "symtest_outer");
    g_assert_cmpint(f->line, ==, marker_line("symtest_lib.c", "MARK:outer-call"));
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
}

/* DEBUGINFOD_URLS must be back as it was after a lookup that hid it. */
static void test_debuginfod_env_restored(void)
{
    g_setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9/", TRUE);
    uintptr_t pc = call_symtest("symtest_outer");
    module_info mi = module_of(pc);
    lg_symbolizer *s = lg_symbolizer_new();
    lg_sym_status st = -1;
    GPtrArray *fr = lg_symbolize(s, SYMTEST_STRIPPED_LIB, mi.base, mi.bid, mi.bid_len, pc, &st);
    g_assert_cmpint(st, ==, LG_SYM_NO_DEBUG_INFO);
    g_assert_cmpstr(g_getenv("DEBUGINFOD_URLS"), ==, "http://127.0.0.1:9/");
    g_ptr_array_unref(fr);
    lg_symbolizer_free(s);
    g_free(mi.path);
    g_unsetenv("DEBUGINFOD_URLS");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    symtest_handle = dlopen(SYMTEST_LIB, RTLD_NOW | RTLD_LOCAL);
    if (!symtest_handle)
        g_error("dlopen %s: %s", SYMTEST_LIB, dlerror());
    g_test_add_func("/symbolize/line-at-O0", test_line_at_O0);
    g_test_add_func("/symbolize/inlined-frames", test_inlined_frames);
    g_test_add_func("/symbolize/cxx-demangled", test_cxx_demangled);
    g_test_add_func("/symbolize/cache-and-relocation", test_cache_and_relocation);
    g_test_add_func("/symbolize/main-program", test_main_program);
    g_test_add_func("/symbolize/build-id-mismatch", test_build_id_mismatch);
    g_test_add_func("/symbolize/module-missing", test_module_missing);
    g_test_add_func("/symbolize/stripped-copy", test_stripped_copy);
    g_test_add_func("/symbolize/debuglink", test_debuglink);
    g_test_add_func("/symbolize/debuginfod-env-restored", test_debuginfod_env_restored);
    return g_test_run();
}
