/* Tests of common/names.c: the name tables expanded from log_format.h's lists. */
#include "log_format.h"
#include "names.h"

#include <glib.h>
#include <string.h>

static void test_kinds(void)
{
    g_assert_cmpint(LG_FIND_KIND_MAX, ==, 10);
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++) {
        const char *n = lg_finding_kind_name(k);
        g_assert_cmpstr(n, !=, "unknown");
        g_assert_cmpint(lg_finding_kind_from_name(n), ==, k);
        g_assert_nonnull(strstr(lg_finding_kind_list(), n));
    }
    g_assert_cmpstr(lg_finding_kind_name(LG_FIND_SELF_DEADLOCK), ==, "self-deadlock");
    g_assert_cmpstr(lg_finding_kind_name(0), ==, "unknown");
    g_assert_cmpstr(lg_finding_kind_name(LG_FIND_KIND_MAX + 1), ==, "unknown");
    g_assert_cmpstr(lg_finding_kind_name(-1), ==, "unknown");
    g_assert_cmpint(lg_finding_kind_from_name("all"), ==, 0);
    g_assert_cmpstr(lg_finding_kind_list(), ==,
                    "lock-order-inversion, deadlock, self-deadlock, bad-unlock, "
                    "destroy-locked, long-hold, bad-cond-wait, use-after-destroy, "
                    "fork-held-lock, exit-held-lock");
}

static void test_flags(void)
{
    GString *s = g_string_new(NULL);
    uint32_t bit, prev = 0;
    const char *name;
    for (unsigned i = 0; (name = lg_finding_flag_at(i, &bit)); i++) {
        g_assert_cmpuint(bit, >, prev); /* bit order */
        g_assert_false(bit & LG_FINDF_LOG_ONLY);
        g_string_append_printf(s, "%s%s", s->len ? "," : "", name);
        prev = bit;
    }
    g_assert_cmpstr(s->str, ==,
                    "single_thread,timed,orphaned,still_held,cross_run,budget,not_owner,join,"
                    "not_mutex");
    g_string_free(s, TRUE);
}

static void test_others(void)
{
    g_assert_cmpstr(lg_end_reason_name(LG_END_EXIT), ==, "exit");
    g_assert_cmpstr(lg_end_reason_name(LG_END_DEADLOCK), ==, "deadlock");
    g_assert_cmpstr(lg_end_reason_name(LG_END_EXEC), ==, "exec");
    g_assert_cmpstr(lg_end_reason_name(0), ==, "unknown");
    g_assert_cmpstr(lg_end_reason_name(99), ==, "unknown");
    g_assert_cmpstr(lg_lock_kind_name(LG_KIND_SPIN), ==, "spinlock");
    g_assert_cmpstr(lg_lock_kind_name(0), ==, "unknown");
    g_assert_cmpstr(lg_subkind_name(LG_SUB_NORMAL), ==, "normal");
    g_assert_cmpstr(lg_subkind_name(LG_SUB_RW_PREFER_WRITER), ==, "prefer-writer");
    g_assert_cmpstr(lg_subkind_name(4), ==, "unknown");
    g_assert_cmpstr(lg_mode_name(LG_MODE_EXCL), ==, "mutex");
    g_assert_cmpstr(lg_mode_name(LG_MODE_SPIN), ==, "spin");
    g_assert_cmpstr(lg_mode_name(5), ==, "unknown");
}

static void row(const char *list, unsigned value, const char *name, void *ctx)
{
    g_string_append_printf(ctx, "%s %u %s\n", list, value, name);
}

static void test_each(void)
{
    GString *s = g_string_new(NULL);
    lg_names_each(row, s);
    g_assert_nonnull(strstr(s->str, "kind 1 lock-order-inversion\n"));
    g_assert_nonnull(strstr(s->str, "flag 256 quiet\n"));
    g_assert_nonnull(strstr(s->str, "end 2 deadlock\n"));
    g_assert_nonnull(strstr(s->str, "subkind 16 prefer-reader\n"));
    g_assert_nonnull(strstr(s->str, "lock-kind 5 file\n"));
    g_assert_nonnull(strstr(s->str, "mode 3 write\n"));
    g_string_free(s, TRUE);
}

/* OpenMP critical sections: GCC's and clang's symbols, the shim's unnamed one,
 * anything else refused, and a short buffer cut but terminated. */
static void test_omp_critical(void)
{
    char b[64];
    g_assert_cmpuint(lg_omp_critical_name(".gomp_critical_user_alpha", b, sizeof b), ==, 19);
    g_assert_cmpstr(b, ==, "omp critical(alpha)");
    g_assert_cmpuint(lg_omp_critical_name(".gomp_critical_user_beta.var", b, sizeof b), >, 0);
    g_assert_cmpstr(b, ==, "omp critical(beta)");
    g_assert_cmpuint(lg_omp_critical_name("lg_omp_critical", b, sizeof b), >, 0);
    g_assert_cmpstr(b, ==, "omp critical");
    g_assert_cmpuint(lg_omp_critical_name(".gomp_critical_user_", b, sizeof b), ==, 0);
    g_assert_cmpuint(lg_omp_critical_name("gomp_critical_user_x", b, sizeof b), ==, 0);
    g_assert_cmpuint(lg_omp_critical_name("la", b, sizeof b), ==, 0);
    g_assert_cmpuint(lg_omp_critical_name(NULL, b, sizeof b), ==, 0);
    char small[8];
    lg_omp_critical_name(".gomp_critical_user_alpha", small, sizeof small);
    g_assert_cmpstr(small, ==, "omp cri");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/names/kinds", test_kinds);
    g_test_add_func("/names/flags", test_flags);
    g_test_add_func("/names/others", test_others);
    g_test_add_func("/names/each", test_each);
    g_test_add_func("/names/omp-critical", test_omp_critical);
    return g_test_run();
}
