/* Tests of common/settings.c: the value grammar the shim (variables) and
 * `lockgraph run` (flags) share, and the table's own consistency. */
#include "settings.h"

#include <glib.h>
#include <string.h>

static const lg_setting_def *def(enum lg_setting_id id) { return &lg_setting_defs[id]; }

static gboolean ok(enum lg_setting_id id, const char *text, uint64_t want)
{
    uint64_t v = 0xdead;
    if (!lg_setting_parse(def(id), text, &v))
        return FALSE;
    g_assert_cmpuint(v, ==, want);
    return TRUE;
}

static gboolean bad(enum lg_setting_id id, const char *text)
{
    uint64_t v = 0xdead;
    gboolean r = !lg_setting_parse(def(id), text, &v);
    g_assert_cmpuint(v, ==, 0xdead); /* untouched when refused */
    return r;
}

static void test_uint(void)
{
    g_assert_true(ok(LG_SETTING_STACK_DEPTH, "1", 1));
    g_assert_true(ok(LG_SETTING_STACK_DEPTH, "256", 256));
    g_assert_true(ok(LG_SETTING_STACK_DEPTH, "007", 7));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "0"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "257"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "abc"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "12x"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "+5"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "-1"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, " 5"));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, ""));
    g_assert_true(bad(LG_SETTING_STACK_DEPTH, "99999999999999999999999"));
    g_assert_true(ok(LG_SETTING_HOLD_THRESHOLD_MS, "0", 0));
    g_assert_true(bad(LG_SETTING_DEADLOCK_MS, "0"));
    g_assert_true(ok(LG_SETTING_DEADLOCK_MS, "86400000", 86400000));
    g_assert_true(bad(LG_SETTING_DEADLOCK_MS, "86400001"));
    /* 0 would let a real deadlock exit with success */
    g_assert_true(bad(LG_SETTING_DEADLOCK_EXITCODE, "0"));
    g_assert_true(ok(LG_SETTING_DEADLOCK_EXITCODE, "1", 1));
    g_assert_true(ok(LG_SETTING_DEADLOCK_EXITCODE, "255", 255));
    g_assert_true(bad(LG_SETTING_DEADLOCK_EXITCODE, "256"));
}

static void test_flag_and_choices(void)
{
    const char *on[] = {"1", "yes", "true", "on", "YES", "On"};
    const char *off[] = {"0", "no", "false", "off", "No", "FALSE"};
    for (unsigned i = 0; i < G_N_ELEMENTS(on); i++) {
        g_assert_true(ok(LG_SETTING_QUIET, on[i], 1));
        g_assert_true(ok(LG_SETTING_QUIET, off[i], 0));
    }
    g_assert_true(bad(LG_SETTING_QUIET, "2"));
    g_assert_true(bad(LG_SETTING_QUIET, "quiet"));
    g_assert_true(bad(LG_SETTING_QUIET, ""));

    /* the choice indexes are the enums both programs use */
    g_assert_true(ok(LG_SETTING_ON_DEADLOCK, "exit", LG_ON_DEADLOCK_EXIT));
    g_assert_true(ok(LG_SETTING_ON_DEADLOCK, "abort", LG_ON_DEADLOCK_ABORT));
    g_assert_true(ok(LG_SETTING_ON_DEADLOCK, "wait", LG_ON_DEADLOCK_WAIT));
    g_assert_true(ok(LG_SETTING_TRACE_CHILDREN, "yes", LG_TRACE_CHILDREN_YES));
    g_assert_true(ok(LG_SETTING_TRACE_CHILDREN, "no", LG_TRACE_CHILDREN_NO));
    g_assert_true(bad(LG_SETTING_ON_DEADLOCK, "ignore"));
    g_assert_true(bad(LG_SETTING_ON_DEADLOCK, "exi"));
    g_assert_true(bad(LG_SETTING_ON_DEADLOCK, "exit|abort"));
    g_assert_true(bad(LG_SETTING_ON_DEADLOCK, ""));
    g_assert_true(bad(LG_SETTING_TRACE_CHILDREN, "NO"));
}

static void test_paths(void)
{
    g_assert_true(ok(LG_SETTING_OUTPUT, "lg.%p.log", 0));
    g_assert_true(bad(LG_SETTING_OUTPUT, ""));
    char *longest = g_strnfill(LG_SETTING_PATH_MAX - 1, 'a');
    char *too_long = g_strnfill(LG_SETTING_PATH_MAX, 'a');
    g_assert_true(ok(LG_SETTING_SUPPRESSIONS, longest, 0));
    g_assert_true(bad(LG_SETTING_SUPPRESSIONS, too_long));
    g_free(longest);
    g_free(too_long);
}

/* Each row: a flag and a variable of its own, a default that parses as itself. */
static void test_table(void)
{
    for (int i = 0; i < LG_N_SETTINGS; i++) {
        const lg_setting_def *d = def((enum lg_setting_id)i);
        g_assert_true(g_str_has_prefix(d->env, "LOCKGRAPH_"));
        g_assert_nonnull(d->help);
        for (int j = 0; j < i; j++) {
            g_assert_cmpstr(d->flag, !=, lg_setting_defs[j].flag);
            g_assert_cmpstr(d->env, !=, lg_setting_defs[j].env);
        }
        char buf[LG_SETTING_PATH_MAX];
        const char *dt = lg_setting_default_text(d, buf, sizeof buf);
        if (d->type == LG_SET_FILE || d->type == LG_SET_PATH) {
            g_assert_true(d->def_text == NULL || ok((enum lg_setting_id)i, dt, 0));
        } else {
            g_assert_nonnull(dt);
            g_assert_true(ok((enum lg_setting_id)i, dt, d->def));
        }
        if (d->type == LG_SET_CHOICE) { /* max is the last choice's index */
            char **alts = g_strsplit(d->choices, "|", -1);
            g_assert_cmpuint(d->max + 1, ==, g_strv_length(alts));
            g_strfreev(alts);
        }
    }
    g_assert_cmpuint(LG_DEFAULT_STACK_DEPTH, ==, 32);
    g_assert_cmpuint(LG_DEFAULT_DEADLOCK_EXITCODE, ==, 86);
}

static void test_messages(void)
{
    char buf[128];
    g_assert_cmpstr(lg_setting_expected(def(LG_SETTING_STACK_DEPTH), buf, sizeof buf), ==,
                    "an integer in 1..256");
    g_assert_cmpstr(lg_setting_expected(def(LG_SETTING_ON_DEADLOCK), buf, sizeof buf), ==,
                    "one of exit, abort, wait");
    g_assert_cmpstr(lg_setting_default_text(def(LG_SETTING_ON_DEADLOCK), buf, sizeof buf), ==,
                    "exit");
    g_assert_cmpstr(lg_setting_default_text(def(LG_SETTING_TRACE_CHILDREN), buf, sizeof buf), ==,
                    "yes");
    g_assert_cmpstr(lg_setting_default_text(def(LG_SETTING_QUIET), buf, sizeof buf), ==, "off");
    g_assert_cmpstr(lg_setting_default_text(def(LG_SETTING_OUTPUT), buf, sizeof buf), ==,
                    "lockgraph.%p.log");
    g_assert_null(lg_setting_default_text(def(LG_SETTING_SUPPRESSIONS), buf, sizeof buf));
    /* cut, never overflowed */
    char small[6];
    g_assert_cmpstr(lg_setting_expected(def(LG_SETTING_STACK_DEPTH), small, sizeof small), ==,
                    "an in");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/settings/uint", test_uint);
    g_test_add_func("/settings/flag-and-choices", test_flag_and_choices);
    g_test_add_func("/settings/paths", test_paths);
    g_test_add_func("/settings/table", test_table);
    g_test_add_func("/settings/messages", test_messages);
    return g_test_run();
}
