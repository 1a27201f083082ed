#include "suppression_rules.h"
#include "log_format.h"
#include "names.h"

#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int lg_supp_parse_line(const char *line, size_t len, lg_supp_rule *out, const char **error)
{
    while (len && is_space(*line))
        line++, len--;
    while (len && is_space(line[len - 1]))
        len--;
    if (len == 0 || line[0] == '#')
        return 0;
    const char *colon = memchr(line, ':', len);
    if (!colon) {
        *error = "expected KIND:PATTERN, KIND:file:PATTERN or fingerprint:HEX";
        return -1;
    }
    size_t klen = (size_t)(colon - line);
    const char *rest = colon + 1;
    size_t rlen = len - klen - 1;
    memset(out, 0, sizeof *out);
    if (klen == 11 && memcmp(line, "fingerprint", 11) == 0) {
        if (rlen == 0) {
            *error = "expected a hexadecimal fingerprint after \"fingerprint:\"";
            return -1;
        }
        for (size_t i = 0; i < rlen; i++) {
            char c = rest[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                *error = "expected a hexadecimal fingerprint after \"fingerprint:\"";
                return -1;
            }
        }
        out->target = LG_SUPP_FINGERPRINT;
        out->pattern = rest;
        out->pattern_len = rlen;
        return 1;
    }
    if (klen == 1 && line[0] == '*') {
        out->kind = 0;
    } else {
        char kind[32];
        if (klen == 0 || klen >= sizeof kind) {
            *error = "expected a finding kind or * before the first ':'";
            return -1;
        }
        memcpy(kind, line, klen);
        kind[klen] = '\0';
        out->kind = lg_finding_kind_from_name(kind);
        if (!out->kind) {
#define KIND_ITEM(id, value, name) name ", "
            *error = "expected a finding kind (" LG_FINDING_KINDS(KIND_ITEM) "* or fingerprint)";
            return -1;
        }
    }
    out->target = LG_SUPP_FUNCTION;
    if (rlen >= 5 && memcmp(rest, "file:", 5) == 0) {
        out->target = LG_SUPP_FILE;
        rest += 5, rlen -= 5;
    } else if (rlen >= 9 && memcmp(rest, "function:", 9) == 0) {
        rest += 9, rlen -= 9;
    }
    if (rlen == 0) {
        *error = "expected a non-empty pattern";
        return -1;
    }
    out->pattern = rest;
    out->pattern_len = rlen;
    return 1;
}

int lg_supp_glob(const char *p, size_t plen, const char *t)
{
    size_t pi = 0, ti = 0, star_p = (size_t)-1, star_t = 0;
    size_t tlen = strlen(t);
    while (ti < tlen) {
        if (pi < plen && (p[pi] == '?' || p[pi] == t[ti])) {
            pi++, ti++;
        } else if (pi < plen && p[pi] == '*') {
            star_p = pi++;
            star_t = ti;
        } else if (star_p != (size_t)-1) {
            /* let the last star swallow one more character and retry */
            pi = star_p + 1;
            ti = ++star_t;
        } else {
            return 0;
        }
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

int lg_supp_match_file(const lg_supp_rule *r, const char *path)
{
    if (!memchr(r->pattern, '/', r->pattern_len)) {
        const char *slash = strrchr(path, '/');
        if (slash)
            path = slash + 1;
    }
    return lg_supp_glob(r->pattern, r->pattern_len, path);
}
