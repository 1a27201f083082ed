/* Static locks named by their DWARF path (lg_lock_name, analyzer/symbolize/data_path.h):
 * `sn_m[1]` rather than `sn_m+0x28`.  The locks are objects of liblgstaticnames.so
 * (data/static_names_a.c, _b.c at -O0, data/static_names.cpp at -O2, all -g), linked
 * into this test so their addresses are known; a copy without DWARF gives the ELF
 * names the report falls back to. */
#define _GNU_SOURCE
#include "lock_label.h"
#include "log_builder.h"
#include "symbol_cache.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

/* The library's types, to compute addresses of its objects (data/static_names.h). */
#include "data/static_names.h"

static uint64_t lib_base;

static void *sym(const char *name)
{
    void *p = dlsym(RTLD_DEFAULT, name);
    g_assert_nonnull(p);
    return p;
}

static int find_lib(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    if (!strstr(info->dlpi_name, "liblgstaticnames.so"))
        return 0;
    lib_base = info->dlpi_addr;
    return 1;
}

/* The name lg_lock_name gives a static lock of `kind` at `addr` in the module file
 * `path` (the library, or its copy without DWARF). */
static char *name_of(const char *path, const volatile void *addr, uint8_t kind)
{
    uint64_t off = (uint64_t)(uintptr_t)addr - lib_base;
    lgb *b = lgb_new();
    lgb_header(b, 5, "r", "x");
    lgb_module(b, 1, lib_base, path, NULL, 0, 1 << 20);
    lgb_lock(b, 1, (uint64_t)(uintptr_t)addr, kind, 0, 0, LG_CLASS_STATIC, 1, off, 0);
    lg_process *p = lgb_read(b, "t.log", 0);
    char *name = lg_lock_name(p, lg_process_lock(p, 1));
    lg_process_free(p);
    lgb_free(b);
    return name;
}

static void expect(const volatile void *addr, uint8_t kind, const char *want)
{
    char *got = name_of(SN_LIB, addr, kind);
    if (g_strcmp0(got, want) != 0)
        g_error("lock at %s+0x%" G_GINT64_MODIFIER "x named %s, expected %s", SN_LIB,
                (uint64_t)(uintptr_t)addr - lib_base, got ? got : "(null)", want);
    g_free(got);
}

static void test_c_arrays(void)
{
    pthread_mutex_t *m = sym("sn_m");
    pthread_mutex_t(*grid)[3] = sym("sn_grid");
    expect(&m[0], LG_KIND_MUTEX, "sn_m[0]");
    expect(&m[1], LG_KIND_MUTEX, "sn_m[1]");
    expect(&m[3], LG_KIND_MUTEX, "sn_m[3]");
    expect(&grid[0][2], LG_KIND_MUTEX, "sn_grid[0][2]");
    expect(&grid[1][0], LG_KIND_MUTEX, "sn_grid[1][0]");
    expect(&grid[1][2], LG_KIND_MUTEX, "sn_grid[1][2]");
}

static void test_c_structs(void)
{
    struct sn_item *items = sym("sn_items");
    struct sn_table *tables = sym("sn_tables");
    expect(&items[0].lk, LG_KIND_MUTEX, "sn_items[0].lk");
    expect(&items[2].lk, LG_KIND_MUTEX, "sn_items[2].lk");
    /* an unnamed member adds no component; other kinds stop at their own size */
    expect(&tables[1].rw[1], LG_KIND_RWLOCK, "sn_tables[1].rw[1]");
    expect(&tables[0].slots[3].spin, LG_KIND_SPIN, "sn_tables[0].slots[3].spin");
    /* the unnamed struct at offset 0 of slots[0]: still the spinlock, not the slot */
    expect(&tables[1].slots[0].spin, LG_KIND_SPIN, "sn_tables[1].slots[0].spin");
}

static void test_file_statics(void)
{
    /* two `static pthread_mutex_t sn_local[]` in two units: each address is named
     * from its own unit's DIE (index 2 exists only in static_names_b.c's) */
    expect(sn_a_local(1), LG_KIND_MUTEX, "sn_local[1]");
    expect(sn_b_local(1), LG_KIND_MUTEX, "sn_local[1]");
    expect(sn_b_local(2), LG_KIND_MUTEX, "sn_local[2]");
}

static void test_cxx(void)
{
    expect(sn_cxx_account_mu(2), LG_KIND_MUTEX, "bank::g_accounts[2].mu");
    expect(sn_cxx_bank_mu(3), LG_KIND_MUTEX, "bank::g_bank.accounts[3].mu");
    expect(sn_cxx_registry(), LG_KIND_MUTEX, "bank::Registry::lock");
    /* a base class's member: no component for the base, as C++ writes it */
    expect(sn_cxx_derived_base_mu(1), LG_KIND_MUTEX, "bank::g_derived[1].base_mu");
    expect(sn_cxx_derived_rw(1), LG_KIND_RWLOCK, "bank::g_derived[1].rw");
    /* derived from std::mutex: the element is the lock (never its _M_mutex) */
    expect(sn_cxx_guarded(2), LG_KIND_MUTEX, "bank::g_guarded[2]");
}

static void test_fallbacks(void)
{
    pthread_mutex_t *m = sym("sn_m");
    struct sn_item *items = sym("sn_items");
    /* not the start of a lock (inside sn_m[1]): the symbol and offset, as before */
    expect((const char *)&m[1] + 8, LG_KIND_MUTEX, "sn_m+0x30");
    /* no DWARF: the ELF symbol and offset */
    char *got = name_of(SN_LIB_NODWARF, &m[1], LG_KIND_MUTEX);
    g_assert_cmpstr(got, ==, "sn_m+0x28");
    g_free(got);
    got = name_of(SN_LIB_NODWARF, &items[2].lk, LG_KIND_MUTEX);
    g_assert_cmpstr(got, ==, "sn_items+0x68");
    g_free(got);
    /* --no-symbols: no name at all */
    lg_symbols_set_enabled(FALSE);
    lg_symbols_reset();
    got = name_of(SN_LIB, &m[1], LG_KIND_MUTEX);
    g_assert_null(got);
    lg_symbols_set_enabled(TRUE);
    lg_symbols_reset();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    dl_iterate_phdr(find_lib, NULL);
    g_assert_cmpuint(lib_base, !=, 0);
    g_test_add_func("/static-names/c-arrays", test_c_arrays);
    g_test_add_func("/static-names/c-structs", test_c_structs);
    g_test_add_func("/static-names/file-statics", test_file_statics);
    g_test_add_func("/static-names/cxx", test_cxx);
    g_test_add_func("/static-names/fallbacks", test_fallbacks);
    int rc = g_test_run();
    lg_symbols_reset();
    return rc;
}
