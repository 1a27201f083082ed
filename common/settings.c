#include "settings.h"

#include <string.h>
#include <strings.h>

const lg_setting_def lg_setting_defs[LG_N_SETTINGS] = {
#define LG_SETTING(ID, TYPE, flag, var, lo, hi, def, def_text, choices, arg, help) \
    [LG_SETTING_##ID] = {flag, var, LG_SET_##TYPE, lo, hi, def, def_text, choices, arg, help},
#include "settings.def"
#undef LG_SETTING
};

/* Every default lies in its own range (UINT, FLAG, CHOICE). */
#define LG_SETTING(ID, TYPE, flag, var, lo, hi, def, ...) \
    _Static_assert((def) >= (lo) && (def) <= (hi), #ID ": default out of range");
#include "settings.def"
#undef LG_SETTING

static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!*s)
        return 0;
    uint64_t n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10)
            return 0;
        n = n * 10 + d;
    }
    if (n < lo || n > hi)
        return 0;
    *out = n;
    return 1;
}

static int parse_flag(const char *s, uint64_t *out)
{
    static const char *const words[] = {"0", "no", "false", "off", "1", "yes", "true", "on"};
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(s, words[i]) == 0) {
            *out = i >= 4;
            return 1;
        }
    return 0;
}

static int parse_choice(const char *choices, const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    uint64_t index = 0;
    for (const char *c = choices;; index++) {
        const char *end = strchr(c, '|');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (n && len == n && memcmp(c, s, n) == 0) {
            *out = index;
            return 1;
        }
        if (!end)
            return 0;
        c = end + 1;
    }
}

int lg_setting_parse(const lg_setting_def *def, const char *text, uint64_t *value)
{
    switch (def->type) {
    case LG_SET_UINT:
        return parse_uint(text, def->min, def->max, value);
    case LG_SET_FLAG:
        return parse_flag(text, value);
    case LG_SET_CHOICE:
        return parse_choice(def->choices, text, value);
    case LG_SET_PATH:
    case LG_SET_FILE:
        if (!*text || strlen(text) >= LG_SETTING_PATH_MAX)
            return 0;
        *value = 0;
        return 1;
    }
    return 0;
}

/* ---- text for messages (no stdio: the shim prints these too) -------------------- */

struct out {
    char *buf;
    size_t n, len;
};

static void put(struct out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len && o->len + 1 < o->n; i++)
        o->buf[o->len++] = s[i];
    if (o->n)
        o->buf[o->len] = 0;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void put_u(struct out *o, uint64_t v)
{
    char d[20];
    size_t k = 0;
    do
        d[sizeof d - ++k] = (char)('0' + v % 10);
    while ((v /= 10) && k < sizeof d);
    put(o, d + sizeof d - k, k);
}

/* The index-th choice of "a|b|c". */
static void put_choice(struct out *o, const char *choices, uint64_t index)
{
    const char *c = choices;
    for (; index && strchr(c, '|'); index--)
        c = strchr(c, '|') + 1;
    const char *end = strchr(c, '|');
    put(o, c, end ? (size_t)(end - c) : strlen(c));
}

const char *lg_setting_expected(const lg_setting_def *def, char *buf, size_t n)
{
    struct out o = {buf, n, 0};
    put(&o, "", 0);
    switch (def->type) {
    case LG_SET_UINT:
        puts_(&o, "an integer in ");
        put_u(&o, def->min);
        puts_(&o, "..");
        put_u(&o, def->max);
        break;
    case LG_SET_FLAG:
        puts_(&o, "1 or 0 (yes/no, true/false, on/off)");
        break;
    case LG_SET_CHOICE:
        puts_(&o, "one of ");
        for (uint64_t i = 0; i <= def->max; i++) {
            if (i)
                puts_(&o, ", ");
            put_choice(&o, def->choices, i);
        }
        break;
    case LG_SET_PATH:
    case LG_SET_FILE:
        puts_(&o, "a path of 1..");
        put_u(&o, LG_SETTING_PATH_MAX - 1);
        puts_(&o, " bytes");
        break;
    }
    return buf;
}

const char *lg_setting_default_text(const lg_setting_def *def, char *buf, size_t n)
{
    struct out o = {buf, n, 0};
    put(&o, "", 0);
    switch (def->type) {
    case LG_SET_UINT:
        put_u(&o, def->def);
        return buf;
    case LG_SET_FLAG:
        puts_(&o, def->def ? "on" : "off");
        return buf;
    case LG_SET_CHOICE:
        put_choice(&o, def->choices, def->def);
        return buf;
    case LG_SET_PATH:
    case LG_SET_FILE:
        break;
    }
    if (!def->def_text)
        return NULL;
    puts_(&o, def->def_text);
    return buf;
}
