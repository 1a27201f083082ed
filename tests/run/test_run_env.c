/* Tests of analyzer/run/run_env.c: preload order, run ids, where the shim is looked for. */
#define _GNU_SOURCE
#include "run_env.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void expect_compose(const char *const *first, const char *existing, const char *want)
{
    char *got = lg_preload_compose(first, existing);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static void test_compose(void)
{
    const char *shim_only[] = {"/opt/lg/lib/liblockgraph.so", NULL};
    expect_compose(shim_only, NULL, "/opt/lg/lib/liblockgraph.so");
    expect_compose(shim_only, "", "/opt/lg/lib/liblockgraph.so");
    /* ld.so separates entries by ':' or ' '; empty entries vanish. */
    expect_compose(shim_only, "/a/x.so /b/y.so::/c/z.so ",
                   "/opt/lg/lib/liblockgraph.so:/a/x.so:/b/y.so:/c/z.so");
    /* Already there (nested run, or the user preloaded it): moved to the front once. */
    expect_compose(shim_only, "/a/x.so:/opt/lg/lib/liblockgraph.so",
                   "/opt/lg/lib/liblockgraph.so:/a/x.so");
    const char *asan_first[] = {"/usr/lib/libasan.so.8", "/opt/lg/lib/liblockgraph.so", NULL};
    expect_compose(asan_first, "/a/x.so /usr/lib/libasan.so.8",
                   "/usr/lib/libasan.so.8:/opt/lg/lib/liblockgraph.so:/a/x.so");
}

/* Another name for the same file is a duplicate too. */
static void test_compose_same_file(void)
{
    char *dir = g_dir_make_tmp("lgenv-XXXXXX", NULL);
    char *real = g_build_filename(dir, "liblockgraph.so", NULL);
    char *link = g_build_filename(dir, "alias.so", NULL);
    char *other = g_build_filename(dir, "other.so", NULL);
    g_assert_true(g_file_set_contents(real, "x", 1, NULL));
    g_assert_true(g_file_set_contents(other, "y", 1, NULL));
    g_assert_cmpint(symlink(real, link), ==, 0);
    const char *first[] = {real, NULL};
    char *existing = g_strdup_printf("%s:%s", link, other);
    char *want = g_strdup_printf("%s:%s", real, other);
    expect_compose(first, existing, want);
    g_unlink(link);
    g_unlink(real);
    g_unlink(other);
    g_rmdir(dir);
    g_free(want);
    g_free(existing);
    g_free(other);
    g_free(link);
    g_free(real);
    g_free(dir);
}

static void test_find_asan(void)
{
    char *a = lg_preload_find_asan("/x/libfoo.so /usr/lib/libasan.so.8:/y/libbar.so");
    g_assert_cmpstr(a, ==, "/usr/lib/libasan.so.8");
    g_free(a);
    a = lg_preload_find_asan("libclang_rt.asan-x86_64.so");
    g_assert_cmpstr(a, ==, "libclang_rt.asan-x86_64.so");
    g_free(a);
    g_assert_null(lg_preload_find_asan("/x/libfoo.so:/lib/libasanish.so"));
    g_assert_null(lg_preload_find_asan(NULL));
}

static void test_run_id(void)
{
    char *a = lg_run_id_new();
    char *b = lg_run_id_new();
    g_assert_cmpuint(strlen(a), ==, 32);
    for (const char *p = a; *p; p++)
        g_assert_true(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));
    g_assert_cmpstr(a, !=, b);
    g_free(a);
    g_free(b);
}

static void test_shim_path(void)
{
    g_unsetenv("LOCKGRAPH_SHIM");
    GError *err = NULL;
    char *p = lg_shim_path(&err);
    g_assert_no_error(err);
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *exedir = g_path_get_dirname(exe);
    char *parent = g_path_get_dirname(exedir);
    char *want = g_build_filename(parent, "lib", "liblockgraph.so", NULL);
    g_assert_cmpstr(p, ==, want);
    g_free(p);

    /* The override is taken relative to the current directory, made absolute. */
    g_setenv("LOCKGRAPH_SHIM", "sub/../my-shim.so", TRUE);
    p = lg_shim_path(&err);
    char *cwd = g_get_current_dir();
    char *want2 = g_build_filename(cwd, "my-shim.so", NULL);
    g_assert_cmpstr(p, ==, want2);
    g_unsetenv("LOCKGRAPH_SHIM");
    g_free(want2);
    g_free(cwd);
    g_free(p);
    g_free(want);
    g_free(parent);
    g_free(exedir);
    g_free(exe);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/run-env/compose", test_compose);
    g_test_add_func("/run-env/compose-same-file", test_compose_same_file);
    g_test_add_func("/run-env/find-asan", test_find_asan);
    g_test_add_func("/run-env/run-id", test_run_id);
    g_test_add_func("/run-env/shim-path", test_shim_path);
    return g_test_run();
}
