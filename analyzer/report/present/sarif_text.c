#include "sarif_text.h"

#include <glib.h>
#include <string.h>

static gboolean word_char(char c)
{
    return g_ascii_isalnum(c) || c == '_';
}

/* Length of an address word at s ("0x" + hex digits, not followed by a word
 * character), 0 if there is none.  prev: the character before s. */
static size_t address_at(const char *s, char prev)
{
    if (prev == '+' || word_char(prev) || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
        !g_ascii_isxdigit(s[2]))
        return 0;
    size_t n = 2;
    while (g_ascii_isxdigit(s[n]))
        n++;
    return word_char(s[n]) ? 0 : n;
}

/* Length of "pid N" at s, 0 if there is none. */
static size_t pid_at(const char *s, char prev)
{
    if (word_char(prev) || strncmp(s, "pid", 3) != 0)
        return 0;
    size_t n = 3;
    while (s[n] == ' ' || s[n] == '=' || s[n] == ':')
        n++;
    if (n == 3 || !g_ascii_isdigit(s[n]))
        return 0;
    while (g_ascii_isdigit(s[n]))
        n++;
    return word_char(s[n]) ? 0 : n;
}

/* Drops spaces before ')' and ',', doubled spaces, a comma or space after '(' or at
 * the start, "()" and the space before it, and spaces (and a comma) at the end. */
static char *tidy(const char *s)
{
    GString *o = g_string_new(NULL);
    for (const char *p = s; *p; p++) {
        char last = o->len ? o->str[o->len - 1] : '(';
        if ((*p == ' ' && (last == ' ' || last == '(')) || (*p == ',' && last == '('))
            continue;
        if ((*p == ')' || *p == ',') && o->len && o->str[o->len - 1] == ' ')
            g_string_truncate(o, o->len - 1);
        if (*p == ')' && o->len && o->str[o->len - 1] == '(') {
            g_string_truncate(o, o->len - 1);
            while (o->len && o->str[o->len - 1] == ' ')
                g_string_truncate(o, o->len - 1);
            continue;
        }
        g_string_append_c(o, *p);
    }
    while (o->len && (o->str[o->len - 1] == ' ' || o->str[o->len - 1] == ','))
        g_string_truncate(o, o->len - 1);
    return g_string_free(o, FALSE);
}

char *lg_sarif_scrub(const char *text)
{
    if (!text)
        return g_strdup("");
    GString *o = g_string_new(NULL);
    gboolean changed = FALSE;
    for (const char *p = text; *p;) {
        char prev = p > text ? p[-1] : ' ';
        size_t n = address_at(p, prev);
        if (!n)
            n = pid_at(p, prev);
        if (n) {
            p += n;
            changed = TRUE;
            continue;
        }
        g_string_append_c(o, *p++);
    }
    if (!changed)
        return g_string_free(o, FALSE);
    char *out = tidy(o->str);
    g_string_free(o, TRUE);
    return out;
}
