/* The one rule for the source line a report shows for a stack (frames.h:
 * lg_frames_source_site), used by both the SARIF locations and the HTML source
 * excerpts, on synthetic frames: user code, system libraries with and without lines,
 * a user level inlined under a system header, and no line at all. */
#include "frames.h"

static lg_module app = {.id = 1, .path = "/work/app/app"};
static lg_module libc = {.id = 2, .path = "/lib/x86_64-linux-gnu/libc.so.6"};

static lg_frame frame(const lg_module *m, const char *fn, const char *file, int line,
                      const lg_sym_inline *in, guint nin)
{
    lg_sym *s = g_new0(lg_sym, 1);
    s->function = fn, s->file = file, s->line = line;
    s->inlined = g_array_new(FALSE, FALSE, sizeof(lg_sym_inline));
    if (nin)
        g_array_append_vals(s->inlined, in, nin);
    return (lg_frame){.pc = 0x1000, .module = m, .offset = 0x100, .sym = s};
}

static GArray *stack(const lg_frame *f, guint n)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(lg_frame));
    g_array_append_vals(a, f, n);
    return a;
}

static void free_stack(GArray *a)
{
    for (guint i = 0; i < a->len; i++) {
        lg_sym *s = (lg_sym *)g_array_index(a, lg_frame, i).sym;
        g_array_free(s->inlined, TRUE);
        g_free(s);
    }
    g_array_free(a, TRUE);
}

static void test_rule(void)
{
    /* a libc frame with a line (libc6-dbg) before the user's: the user's line */
    lg_frame f1[] = {frame(&libc, "pthread_mutex_lock", "./nptl/pthread_mutex_lock.c", 80, NULL, 0),
                     frame(&app, "worker", "/work/app/a.c", 10, NULL, 0)};
    GArray *s = stack(f1, 2);
    lg_user_site u = lg_frames_source_site(s);
    g_assert_cmpint(u.frame, ==, 1);
    g_assert_cmpstr(u.file, ==, "/work/app/a.c");
    g_assert_cmpint(u.line, ==, 10);
    free_stack(s);

    /* the user site has no line: its caller's line, not libc's (the HTML report took
     * the first frame with a line, libc's, and SARIF the caller's) */
    lg_frame f2[] = {frame(&libc, "pthread_mutex_lock", "./nptl/pthread_mutex_lock.c", 80, NULL, 0),
                     frame(&app, "lock_both", "/work/app/a.c", 0, NULL, 0),
                     frame(&app, "worker", "/work/app/b.c", 20, NULL, 0)};
    s = stack(f2, 3);
    u = lg_frames_source_site(s);
    g_assert_cmpint(u.frame, ==, 2);
    g_assert_cmpint(u.level, ==, 0);
    g_assert_cmpstr(u.file, ==, "/work/app/b.c");
    g_assert_cmpint(u.line, ==, 20);
    free_stack(s);

    /* std::mutex::lock inlined into the user's function: the user's inlined level */
    lg_sym_inline in[] = {{"bank::Account::transfer_to", "/work/app/account.cpp", 9}};
    lg_frame f3[] = {frame(&app, "std::mutex::lock", "/usr/include/c++/12/bits/std_mutex.h", 100, in, 1)};
    s = stack(f3, 1);
    u = lg_frames_source_site(s);
    g_assert_cmpint(u.frame, ==, 0);
    g_assert_cmpint(u.level, ==, 1);
    g_assert_cmpstr(u.file, ==, "/work/app/account.cpp");
    g_assert_cmpint(u.line, ==, 9);
    free_stack(s);

    /* no user code at all: the first frame with a line, from the innermost */
    lg_frame f4[] = {frame(&libc, "__lll_lock_wait", NULL, 0, NULL, 0),
                     frame(&libc, "pthread_mutex_lock", "./nptl/pthread_mutex_lock.c", 80, NULL, 0)};
    s = stack(f4, 2);
    u = lg_frames_source_site(s);
    g_assert_cmpint(u.frame, ==, 1);
    g_assert_cmpint(u.line, ==, 80);
    free_stack(s);

    /* a user site whose frames outwards have no line: the line inside it (libc's) */
    lg_frame f5[] = {frame(&libc, "pthread_mutex_lock", "./nptl/pthread_mutex_lock.c", 80, NULL, 0),
                     frame(&app, "worker", "/work/app/a.c", 0, NULL, 0)};
    s = stack(f5, 2);
    u = lg_frames_source_site(s);
    g_assert_cmpint(u.frame, ==, 0);
    free_stack(s);

    /* no line anywhere */
    lg_frame f6[] = {frame(&app, "worker", NULL, 0, NULL, 0)};
    s = stack(f6, 1);
    g_assert_cmpint(lg_frames_source_site(s).frame, ==, -1);
    free_stack(s);
    s = stack(f6, 0);
    g_assert_cmpint(lg_frames_source_site(s).frame, ==, -1);
    g_array_free(s, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/source_site/rule", test_rule);
    return g_test_run();
}
