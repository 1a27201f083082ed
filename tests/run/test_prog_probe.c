/* Tests of analyzer/run/prog_probe.c on programs built for the purpose (see the launcher
 * block of tests/CMakeLists.txt): dynamic, static, ASan, with an $ORIGIN RUNPATH. */
#define _GNU_SOURCE
#include "prog_probe.h"

#include <elf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static lg_prog_info probe(const char *prog)
{
    lg_prog_info info;
    GError *err = NULL;
    g_assert_true(lg_prog_probe(prog, &info, &err));
    g_assert_no_error(err);
    return info;
}

static void test_dynamic(void)
{
    lg_prog_info i = probe(LGRUN_HELLO);
    g_assert_true(i.is_elf);
    g_assert_false(i.is_static);
    g_assert_false(i.is_setid);
    g_assert_null(i.asan_soname);
    g_assert_cmpint(i.elf_class, ==, ELFCLASS64);
    g_assert_cmpint(i.elf_machine, ==, EM_X86_64);
    lg_prog_info_clear(&i);
}

static void test_static(void)
{
    lg_prog_info i = probe(LGRUN_HELLO_STATIC);
    g_assert_true(i.is_elf);
    g_assert_true(i.is_static);
    lg_prog_info_clear(&i);
}

static void test_asan(void)
{
    lg_prog_info i = probe(LGRUN_HELLO_ASAN);
    g_assert_false(i.is_static);
    g_assert_nonnull(i.asan_soname);
    g_assert_true(g_str_has_prefix(i.asan_soname, "libasan.so."));
    char *lib = lg_find_library(&i, i.asan_soname);
    g_assert_nonnull(lib);
    g_assert_true(g_path_is_absolute(lib));
    g_assert_true(g_file_test(lib, G_FILE_TEST_IS_REGULAR));
    char *bn = g_path_get_basename(lib);
    g_assert_cmpstr(bn, ==, i.asan_soname);
    g_free(bn);
    g_free(lib);
    g_assert_null(lg_find_library(&i, "libno-such-library-lockgraph.so.3"));
    lg_prog_info_clear(&i);
}

/* PATH lookup as execvp does it; scripts are not ELF; missing programs fail. */
static void test_path_and_scripts(void)
{
    lg_prog_info i = probe("sh");
    g_assert_true(g_path_is_absolute(i.path));
    lg_prog_info_clear(&i);

    char *dir = g_dir_make_tmp("lgprobe-XXXXXX", NULL);
    char *script = g_build_filename(dir, "script.sh", NULL);
    g_assert_true(g_file_set_contents(script, "#!/bin/sh\nexit 0\n", -1, NULL));
    g_chmod(script, 0755);
    i = probe(script);
    g_assert_false(i.is_elf);
    g_assert_false(i.is_static);
    lg_prog_info_clear(&i);

    lg_prog_info j;
    GError *err = NULL;
    g_assert_false(lg_prog_probe("no-such-program-lockgraph", &j, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    char *missing = g_build_filename(dir, "missing", NULL);
    g_assert_false(lg_prog_probe(missing, &j, &err));
    g_clear_error(&err);
    g_free(missing);
    g_unlink(script);
    g_rmdir(dir);
    g_free(script);
    g_free(dir);
}

static char *copy_file(const char *from, const char *dir, const char *name, int mode)
{
    char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(from, &data, &len, NULL));
    char *to = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
    g_chmod(to, mode);
    g_free(data);
    return to;
}

/* A group the caller may give its files other than its effective one: any group for
 * root, else a supplementary group.  0 if there is none. */
static gid_t other_group(void)
{
    if (geteuid() == 0)
        return 65534;
    gid_t groups[256];
    int n = getgroups(G_N_ELEMENTS(groups), groups);
    for (int i = 0; i < n; i++)
        if (groups[i] != getegid() && groups[i] != 0)
            return groups[i];
    return 0;
}

/* A set-user-id program owned by another user: made by root, found on the system
 * otherwise (a caller that is not root cannot give a file away).  NULL if none. */
static char *setuid_of_other_user(const char *dir)
{
    if (geteuid() == 0) {
        char *copy = copy_file(LGRUN_HELLO, dir, "hello-suid-other", 0755);
        g_assert_cmpint(chown(copy, 65534, (gid_t)-1), ==, 0);
        g_assert_cmpint(chmod(copy, 04755), ==, 0); /* chown clears the bit */
        return copy;
    }
    static const char *const known[] = {"/usr/bin/passwd", "/usr/bin/su", "/bin/su",
                                        "/usr/bin/mount", "/bin/mount", "/usr/bin/newgrp"};
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        GStatBuf st;
        if (g_stat(known[i], &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid != geteuid())
            return g_strdup(known[i]);
    }
    return NULL;
}

/* Secure mode needs exec to change ids: a setuid file owned by someone else does,
 * one owned by the caller does not; likewise a setgid file of another group. */
static void test_setid(void)
{
    char *dir = g_dir_make_tmp("lgprobe-XXXXXX", NULL);
    char *own = copy_file(LGRUN_HELLO, dir, "hello-suid", 0755);
    g_assert_cmpint(chmod(own, 04755), ==, 0);
    lg_prog_info i = probe(own);
    g_assert_false(i.is_setid);
    lg_prog_info_clear(&i);

    GString *skipped = g_string_new(NULL);
    char *other = setuid_of_other_user(dir);
    if (other) {
        i = probe(other);
        g_assert_true(i.is_setid);
        lg_prog_info_clear(&i);
        if (g_str_has_prefix(other, dir))
            g_unlink(other);
    } else {
        g_string_append(skipped, "no setuid program of another user (not root, none found)");
    }

    gid_t gid = other_group();
    char *sgid = copy_file(LGRUN_HELLO, dir, "hello-sgid", 0755);
    if (gid) {
        g_assert_cmpint(chown(sgid, (uid_t)-1, gid), ==, 0);
        g_assert_cmpint(chmod(sgid, 02755), ==, 0);
        i = probe(sgid);
        g_assert_true(i.is_setid);
        lg_prog_info_clear(&i);
    } else {
        g_string_append_printf(skipped, "%sno group other than the effective one (not root, "
                                        "no supplementary group)", skipped->len ? "; " : "");
    }
    if (skipped->len)
        g_test_skip(skipped->str);

    g_unlink(sgid);
    g_unlink(own);
    g_rmdir(dir);
    g_string_free(skipped, TRUE);
    g_free(sgid);
    g_free(other);
    g_free(own);
    g_free(dir);
}

/* DT_RUNPATH with $ORIGIN is expanded against the program's own directory, and a
 * library found there wins over the system ones. */
static void test_runpath_origin(void)
{
    char *dir = g_dir_make_tmp("lgprobe-XXXXXX", NULL);
    char *prog = copy_file(LGRUN_HELLO_RPATH, dir, "hello-rpath", 0755);
    char *rp = g_build_filename(dir, "rp", NULL);
    g_assert_cmpint(g_mkdir(rp, 0755), ==, 0);
    char *lib = copy_file(LGRUN_HARMLESS, rp, "libfake.so.1", 0644);
    /* A non-ELF file of the wanted name is skipped, as ld.so would. */
    char *junk_dir = g_build_filename(dir, "junk", NULL);
    g_assert_cmpint(g_mkdir(junk_dir, 0755), ==, 0);
    char *junk = g_build_filename(junk_dir, "libfake.so.1", NULL);
    g_assert_true(g_file_set_contents(junk, "not elf", -1, NULL));
    g_setenv("LD_LIBRARY_PATH", junk_dir, TRUE);

    lg_prog_info i = probe(prog);
    g_assert_nonnull(i.runpath);
    char *want_dir = g_build_filename(dir, "rp", NULL);
    char *got_dir = g_canonicalize_filename(i.runpath[0], NULL);
    g_assert_cmpstr(got_dir, ==, want_dir);
    char *found = lg_find_library(&i, "libfake.so.1");
    g_assert_cmpstr(found, ==, lib);
    g_unsetenv("LD_LIBRARY_PATH");

    g_free(found);
    g_free(got_dir);
    g_free(want_dir);
    lg_prog_info_clear(&i);
    g_unlink(junk);
    g_rmdir(junk_dir);
    g_unlink(lib);
    g_rmdir(rp);
    g_unlink(prog);
    g_rmdir(dir);
    g_free(junk);
    g_free(junk_dir);
    g_free(lib);
    g_free(rp);
    g_free(prog);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/prog-probe/dynamic", test_dynamic);
    g_test_add_func("/prog-probe/static", test_static);
    g_test_add_func("/prog-probe/asan", test_asan);
    g_test_add_func("/prog-probe/path-and-scripts", test_path_and_scripts);
    g_test_add_func("/prog-probe/setid", test_setid);
    g_test_add_func("/prog-probe/runpath-origin", test_runpath_origin);
    return g_test_run();
}
