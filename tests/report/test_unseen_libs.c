/* The "not seen" notes (analyze/unseen_libs.c, present/coverage_notes.c): a process
 * that loaded a library with locks lockgraph cannot see gets a note unless a lock
 * came from that library (its data, or a frame of its first use). */
#include "coverage_notes.h"
#include "log_builder.h"
#include "unseen_libs.h"

#include <string.h>

#define QT "/usr/lib/x86_64-linux-gnu/libQt5Core.so.5.15.8"
#define GLIB "/lib/x86_64-linux-gnu/libglib-2.0.so.0"

static lgb *with_libs(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 31, "run-n", "/usr/bin/app");
    lgb_module(b, 1, 0x400000, "/usr/bin/app", NULL, 0, 0x10000);
    lgb_module(b, 2, 0x7f0000000000, QT, NULL, 0, 0x100000);
    lgb_module(b, 3, 0x7f1000000000, GLIB, NULL, 0, 0x100000);
    lgb_module(b, 4, 0x7f2000000000, "/lib/x86_64-linux-gnu/libc.so.6", NULL, 0, 0x100000);
    return b;
}

static void test_table(void)
{
    g_assert_nonnull(lg_unseen_lib_of(QT));
    g_assert_nonnull(lg_unseen_lib_of("libtbb.so.12"));
    g_assert_nonnull(lg_unseen_lib_of("/opt/lib/libabsl_synchronization.so"));
    g_assert_null(lg_unseen_lib_of("/lib/x86_64-linux-gnu/libc.so.6"));
    g_assert_null(lg_unseen_lib_of("/usr/lib/libQt5Core.sox")); /* not the soname */
    g_assert_null(lg_unseen_lib_of("/usr/lib/libgomp.so.1"));   /* hooked */
}

/* Nothing recorded from either library: two notes, in module order, worded. */
static void test_notes_when_nothing_recorded(void)
{
    lgb *b = with_libs();
    uint64_t pcs[1] = {0x400100}; /* the program's own code */
    lgb_stack(b, 1, 1, pcs);
    lgb_lock(b, 10, 0x9000, LG_KIND_MUTEX, 0, 1, LG_CLASS_SITE, 0, 0, 1);
    lgb_end(b, LG_END_EXIT);
    lg_process *p = lgb_read(b, "n.log", 0);
    GArray *n = lg_unseen_notes(p);
    g_assert_cmpuint(n->len, ==, 2);
    const lg_unseen_note *qt = &g_array_index(n, lg_unseen_note, 0);
    g_assert_cmpstr(qt->module->path, ==, QT);
    g_assert_cmpstr(lg_unseen_extent_name(qt), ==, "all");
    char *m = lg_unseen_message(p, qt);
    g_assert_nonnull(strstr(m, "pid 31 loaded " QT ", whose locks (QMutex"));
    g_assert_nonnull(strstr(m, "recorded no lock from it"));
    g_free(m);
    const lg_unseen_note *gl = &g_array_index(n, lg_unseen_note, 1);
    g_assert_cmpstr(gl->module->path, ==, GLIB);
    g_assert_cmpstr(lg_unseen_extent_name(gl), ==, "internal");
    g_array_free(n, TRUE);
    lg_process_free(p);
    lgb_free(b);
}

/* A lock from the library (a static one in its data; one first used by a frame in
 * it) means lockgraph saw some of its locks: no note for it. */
static void test_no_note_when_a_lock_came_from_it(void)
{
    lgb *b = with_libs();
    lgb_lock(b, 10, 0x7f0000001000, LG_KIND_MUTEX, 0, 0, LG_CLASS_STATIC, 2, 0x1000, 0);
    uint64_t pcs[2] = {0x7f1000000500, 0x400100}; /* first used inside libglib */
    lgb_stack(b, 1, 2, pcs);
    lgb_lock(b, 11, 0x9000, LG_KIND_RWLOCK, 0, 1, LG_CLASS_SITE, 0, 0, 1);
    lgb_end(b, LG_END_EXIT);
    lg_process *p = lgb_read(b, "s.log", 0);
    GArray *n = lg_unseen_notes(p);
    g_assert_cmpuint(n->len, ==, 0);
    g_array_free(n, TRUE);
    lg_process_free(p);
    lgb_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/unseen_libs/table", test_table);
    g_test_add_func("/unseen_libs/notes-when-nothing-recorded", test_notes_when_nothing_recorded);
    g_test_add_func("/unseen_libs/no-note-when-a-lock-came-from-it",
                    test_no_note_when_a_lock_came_from_it);
    return g_test_run();
}
