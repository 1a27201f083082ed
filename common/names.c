/* The name tables, expanded from the lists in log_format.h (see names.h).  The
 * tables indexed by value double as checks: a repeated value is a compile error
 * (-Woverride-init, under -Werror), a value past the table's size too. */
#include "names.h"
#include "log_format.h"

#include <stddef.h>
#include <string.h>

#define NAME_AT_VALUE(id, value, name) [value] = name,

static const char *const kind_names[LG_FIND_KIND_MAX + 1] = {LG_FINDING_KINDS(NAME_AT_VALUE)};
static const char *const end_names[] = {LG_END_REASONS(NAME_AT_VALUE)};
static const char *const untraced_names[] = {LG_UNTRACED_REASONS(NAME_AT_VALUE)};
static const char *const mode_names[] = {LG_MODES(NAME_AT_VALUE)};
static const char *const lock_kind_names[] = {LG_LOCK_KINDS(NAME_AT_VALUE)};
static const char *const subkind_names[] = {LG_LOCK_SUBKINDS(NAME_AT_VALUE)};

/* Kinds are numbered 1..LG_FIND_KIND_MAX with no gap (--fail-on keeps them in a
 * bit mask, reports count them in an array). */
#define KIND_IN_RANGE(id, value, name) \
    _Static_assert(value >= 1 && value <= LG_FIND_KIND_MAX, #id " out of 1..MAX");
LG_FINDING_KINDS(KIND_IN_RANGE)

/* Flags: one bit each, no two alike (the sum of distinct single bits equals their OR). */
#define FLAG_ONE_BIT(id, value, name) \
    _Static_assert((value & (value - 1)) == 0 && value != 0, #id " is not one bit");
LG_FINDING_FLAGS(FLAG_ONE_BIT)
#define FLAG_OR(id, value, name) | value
#define FLAG_SUM(id, value, name) + value
_Static_assert((0 LG_FINDING_FLAGS(FLAG_OR)) == (0 LG_FINDING_FLAGS(FLAG_SUM)),
               "two finding flags share a bit");

static const struct flag_row {
    uint32_t bit;
    const char *name;
} flag_rows[] = {
#define FLAG_ROW(id, value, name) {value, name},
    LG_FINDING_FLAGS(FLAG_ROW)
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define KIND_TEXT(id, value, name) ", " name
/* ", lock-order-inversion, deadlock, ...": the list without its first ", " */
static const char kind_list[] = LG_FINDING_KINDS(KIND_TEXT);

static const char *lookup(const char *const *names, size_t n, int v)
{
    if (v >= 0 && (size_t)v < n && names[v])
        return names[v];
    return "unknown";
}

const char *lg_finding_kind_name(int kind)
{
    return lookup(kind_names, COUNT(kind_names), kind);
}

int lg_finding_kind_from_name(const char *s)
{
    for (int k = 1; k <= LG_FIND_KIND_MAX; k++)
        if (strcmp(kind_names[k], s) == 0)
            return k;
    return 0;
}

const char *lg_finding_kind_list(void) { return kind_list + 2; }

const char *lg_mode_name(int mode) { return lookup(mode_names, COUNT(mode_names), mode); }

const char *lg_lock_kind_name(int kind)
{
    return lookup(lock_kind_names, COUNT(lock_kind_names), kind);
}

const char *lg_subkind_name(int subkind)
{
    return lookup(subkind_names, COUNT(subkind_names), subkind);
}

const char *lg_end_reason_name(int reason) { return lookup(end_names, COUNT(end_names), reason); }

const char *lg_untraced_reason_name(int reason)
{
    return lookup(untraced_names, COUNT(untraced_names), reason);
}

const char *lg_finding_flag_at(unsigned i, uint32_t *bit)
{
    for (size_t r = 0; r < COUNT(flag_rows); r++) {
        if (flag_rows[r].bit & LG_FINDF_LOG_ONLY)
            continue;
        if (i-- == 0) {
            *bit = flag_rows[r].bit;
            return flag_rows[r].name;
        }
    }
    return NULL;
}

void lg_names_each(void (*row)(const char *list, unsigned value, const char *name, void *ctx),
                   void *ctx)
{
#define KIND_ROW(id, value, name) row("kind", value, name, ctx);
#define FLAG_EACH(id, value, name) row("flag", value, name, ctx);
#define END_ROW(id, value, name) row("end", value, name, ctx);
#define LOCK_KIND_ROW(id, value, name) row("lock-kind", value, name, ctx);
#define SUBKIND_ROW(id, value, name) row("subkind", value, name, ctx);
#define MODE_ROW(id, value, name) row("mode", value, name, ctx);
#define UNTRACED_ROW(id, value, name) row("untraced", value, name, ctx);
    LG_FINDING_KINDS(KIND_ROW)
    LG_FINDING_FLAGS(FLAG_EACH)
    LG_END_REASONS(END_ROW)
    LG_LOCK_KINDS(LOCK_KIND_ROW)
    LG_LOCK_SUBKINDS(SUBKIND_ROW)
    LG_MODES(MODE_ROW)
    LG_UNTRACED_REASONS(UNTRACED_ROW)
}

static unsigned put(char *out, unsigned cap, unsigned at, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n && at + 1 < cap; i++)
        out[at++] = s[i];
    if (cap)
        out[at < cap ? at : cap - 1] = 0;
    return at;
}

unsigned lg_omp_critical_name(const char *sym, char *out, unsigned cap)
{
    static const char user[] = ".gomp_critical_user_", var[] = ".var", head[] = "omp critical";
    if (!sym)
        return 0;
    if (strcmp(sym, "lg_omp_critical") == 0)
        return put(out, cap, 0, head, sizeof head - 1);
    if (strncmp(sym, user, sizeof user - 1) != 0 || !sym[sizeof user - 1])
        return 0;
    const char *name = sym + sizeof user - 1;
    size_t n = strlen(name);
    if (n > sizeof var - 1 && strcmp(name + n - (sizeof var - 1), var) == 0)
        n -= sizeof var - 1;
    unsigned at = put(out, cap, 0, head, sizeof head - 1);
    at = put(out, cap, at, "(", 1);
    at = put(out, cap, at, name, (unsigned)n);
    return put(out, cap, at, ")", 1);
}
