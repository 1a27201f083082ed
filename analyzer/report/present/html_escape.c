#include "html_escape.h"

#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void lg_html_escape_append(GString *buf, const char *s)
{
    if (!s)
        return;
    const char *p = s;
    const char *end = s + strlen(s);
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80) {
            /* one whole UTF-8 character, or one byte replaced */
            gunichar u = g_utf8_get_char_validated(p, end - p);
            if (u == (gunichar)-1 || u == (gunichar)-2) {
                g_string_append(buf, REPLACEMENT);
                p++;
                continue;
            }
            const char *next = g_utf8_next_char(p);
            if (u >= 0x80 && u < 0xa0) /* C1 controls */
                g_string_append(buf, REPLACEMENT);
            else
                g_string_append_len(buf, p, next - p);
            p = next;
            continue;
        }
        switch (c) {
        case '&': g_string_append(buf, "&amp;"); break;
        case '<': g_string_append(buf, "&lt;"); break;
        case '>': g_string_append(buf, "&gt;"); break;
        case '"': g_string_append(buf, "&quot;"); break;
        case '\'': g_string_append(buf, "&#39;"); break;
        case '\t':
        case '\n':
        case '\r': g_string_append_c(buf, (char)c); break;
        default:
            if (c < 0x20 || c == 0x7f)
                g_string_append(buf, REPLACEMENT);
            else
                g_string_append_c(buf, (char)c);
        }
        p++;
    }
}

char *lg_html_escape_dup(const char *s)
{
    GString *buf = g_string_new(NULL);
    lg_html_escape_append(buf, s);
    return g_string_free(buf, FALSE);
}

void lg_html_escape(FILE *out, const char *s)
{
    char *e = lg_html_escape_dup(s);
    fputs(e, out);
    g_free(e);
}
