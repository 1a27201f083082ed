/* Tests of common/fail_on.c: the one --fail-on grammar of `lockgraph report` and
 * `lockgraph run` (docs/cli.md, "Finding kinds"). */
#include "fail_on.h"
#include "names.h"

#include <glib.h>
#include <string.h>

static lg_kind_set parse_ok(const char *spec)
{
    char err[512] = "";
    lg_kind_set set = 0xdeadbeef;
    if (!lg_fail_on_parse(spec, &set, err, sizeof err))
        g_error("'%s' refused: %s", spec, err);
    return set;
}

/* Refused, with a message that starts with the option and quotes `quoted`. */
static void parse_bad(const char *spec, const char *quoted)
{
    char err[512] = "";
    lg_kind_set set = 0;
    g_assert_false(lg_fail_on_parse(spec, &set, err, sizeof err));
    g_assert_true(g_str_has_prefix(err, "--fail-on: "));
    char *q = g_strdup_printf("'%s'", quoted);
    if (!strstr(err, q))
        g_error("message for '%s' does not quote %s: %s", spec, q, err);
    g_free(q);
    /* and says what is allowed, from the names table */
    g_assert_nonnull(strstr(err, lg_finding_kind_list()));
    g_assert_nonnull(strstr(err, "none"));
}

static void test_kinds(void)
{
    g_assert_cmphex(parse_ok("deadlock"), ==, LG_KIND_BIT(LG_FIND_DEADLOCK));
    g_assert_cmphex(parse_ok("deadlock, lock-order-inversion"), ==,
                    LG_KIND_BIT(LG_FIND_DEADLOCK) | LG_KIND_BIT(LG_FIND_LOCK_ORDER_INVERSION));
    g_assert_cmphex(parse_ok(" long-hold\t"), ==, LG_KIND_BIT(LG_FIND_LONG_HOLD));
    g_assert_cmphex(parse_ok("deadlock,deadlock"), ==, LG_KIND_BIT(LG_FIND_DEADLOCK));
    /* every name of the table is accepted */
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        g_assert_cmphex(parse_ok(lg_finding_kind_name(k)), ==, LG_KIND_BIT(k));
}

/* none and all are items like any other, anywhere in the list: the set is the union. */
static void test_all_and_none(void)
{
    g_assert_cmphex(parse_ok("all"), ==, LG_KIND_SET_ALL);
    g_assert_cmphex(parse_ok("none"), ==, 0);
    g_assert_cmphex(parse_ok("deadlock,all"), ==, LG_KIND_SET_ALL);
    g_assert_cmphex(parse_ok("all,none"), ==, LG_KIND_SET_ALL);
    g_assert_cmphex(parse_ok("none,deadlock"), ==, LG_KIND_BIT(LG_FIND_DEADLOCK));
    g_assert_cmphex(parse_ok("none,none"), ==, 0);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        g_assert_true(lg_kind_set_has(LG_KIND_SET_ALL, k));
        g_assert_true(lg_kind_set_has(LG_FAIL_ON_DEFAULT, k) == (k != LG_FIND_LONG_HOLD));
    }
    g_assert_false(lg_kind_set_has(LG_KIND_SET_ALL, 0));
    g_assert_false(lg_kind_set_has(LG_KIND_SET_ALL, LG_FIND_KIND_MAX + 1));
}

static void test_errors(void)
{
    parse_bad("races", "races");
    parse_bad("deadlock,races", "races");
    parse_bad("Deadlock", "Deadlock"); /* names are case-sensitive */
    parse_bad("", "");
    parse_bad("deadlock,,long-hold", "deadlock,,long-hold");
    parse_bad("deadlock,", "deadlock,");
    parse_bad(" , ", " , ");
    /* a short buffer still gets a terminated prefix of the message */
    char err[12];
    lg_kind_set set;
    g_assert_false(lg_fail_on_parse("races", &set, err, sizeof err));
    g_assert_cmpstr(err, ==, "--fail-on: ");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fail-on/kinds", test_kinds);
    g_test_add_func("/fail-on/all-and-none", test_all_and_none);
    g_test_add_func("/fail-on/errors", test_errors);
    return g_test_run();
}
