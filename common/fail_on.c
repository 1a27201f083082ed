#include "fail_on.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

_Static_assert(LG_FIND_KIND_MAX < 32, "a kind set is a 32-bit mask");

/* ASCII white space, as g_strstrip strips it (locale-independent). */
static int space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Is s[0..n) exactly word? */
static int is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

static int bad(char *err, size_t errlen, const char *what, const char *s, size_t n)
{
    snprintf(err, errlen,
             "--fail-on: %s '%.*s' (expected a comma-separated list of finding kinds: %s; "
             "or all, or none)",
             what, (int)n, s, lg_finding_kind_list());
    return 0;
}

int lg_fail_on_parse(const char *spec, lg_kind_set *set, char *err, size_t errlen)
{
    lg_kind_set out = 0;
    const char *p = spec;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        size_t n = len;
        while (n && space(*s))
            s++, n--;
        while (n && space(s[n - 1]))
            n--;
        if (n == 0)
            return bad(err, errlen, "empty item in", spec, strlen(spec));
        if (is(s, n, "all")) {
            out |= LG_KIND_SET_ALL;
        } else if (!is(s, n, "none")) {
            int k = 0;
            for (int c = 1; c <= LG_FIND_KIND_MAX && !k; c++)
                if (is(s, n, lg_finding_kind_name(c)))
                    k = c;
            if (!k)
                return bad(err, errlen, "unknown finding kind", s, n);
            out |= LG_KIND_BIT(k);
        }
        if (!end)
            break;
        p = end + 1;
    }
    *set = out;
    return 1;
}
