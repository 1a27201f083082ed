/* Streaming JSON writer (json_stream.h): the pretty layout of json-glib's generator,
 * written as the values come. */
#include "json_stream.h"

#include <string.h>

#define JS_BUF 65536

struct lg_jstream {
    FILE *out;
    /* text not yet handed to stdio: one fwrite per 64 KiB rather than a locked
     * stdio call per token, which was most of the writer's time */
    char buf[JS_BUF];
    size_t used;
    /* per open container: how many values it holds so far (a comma and a newline
     * precede every value but the first; the closing bracket goes on its own line
     * only when the container is not empty) */
    GArray *counts; /* guint */
    gboolean after_name; /* a member name was written: the value follows on its line */
};

static void flush(lg_jstream *js)
{
    fwrite(js->buf, 1, js->used, js->out);
    js->used = 0;
}

static void put(lg_jstream *js, const char *s, size_t n)
{
    if (js->used + n > JS_BUF) {
        flush(js);
        if (n > JS_BUF) {
            fwrite(s, 1, n, js->out);
            return;
        }
    }
    memcpy(js->buf + js->used, s, n);
    js->used += n;
}

static void putch(lg_jstream *js, char c)
{
    if (js->used == JS_BUF)
        flush(js);
    js->buf[js->used++] = c;
}

static void puts_(lg_jstream *js, const char *s) { put(js, s, strlen(s)); }

lg_jstream *lg_js_new(FILE *out)
{
    lg_jstream *js = g_new0(lg_jstream, 1);
    js->out = out;
    js->counts = g_array_new(FALSE, FALSE, sizeof(guint));
    return js;
}

void lg_js_finish(lg_jstream *js)
{
    putch(js, '\n');
    flush(js);
    g_array_free(js->counts, TRUE);
    g_free(js);
}

static void indent(lg_jstream *js, guint depth)
{
    for (guint i = 0; i < depth; i++)
        put(js, "  ", 2);
}

/* Before any value or member name: the separator and indentation its position
 * needs.  After a member name the value follows directly. */
static void position(lg_jstream *js)
{
    if (js->after_name) {
        js->after_name = FALSE;
        return;
    }
    guint depth = js->counts->len;
    if (depth == 0)
        return;
    guint *n = &g_array_index(js->counts, guint, depth - 1);
    puts_(js, *n ? ",\n" : "\n");
    (*n)++;
    indent(js, depth);
}

static void open_container(lg_jstream *js, char c)
{
    position(js);
    putch(js, c);
    guint zero = 0;
    g_array_append_val(js->counts, zero);
}

static void close_container(lg_jstream *js, char c)
{
    guint depth = js->counts->len;
    g_return_if_fail(depth > 0);
    guint n = g_array_index(js->counts, guint, depth - 1);
    g_array_set_size(js->counts, depth - 1);
    if (n)
        putch(js, '\n');
    /* json-glib indents an empty object's closing brace too ("{    }"), not an
     * empty array's */
    if (n || c == '}')
        indent(js, depth - 1);
    putch(js, c);
}

void lg_js_begin_object(lg_jstream *js) { open_container(js, '{'); }
void lg_js_end_object(lg_jstream *js) { close_container(js, '}'); }
void lg_js_begin_array(lg_jstream *js) { open_container(js, '['); }
void lg_js_end_array(lg_jstream *js) { close_container(js, ']'); }

/* json-glib's escaping: the two-character escapes, \u00XX for the other control
 * characters (0x1f too, which json-glib leaves raw) and DEL, every other byte (UTF-8
 * included) as it is. */
static void quoted(lg_jstream *js, const char *s)
{
    putch(js, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': puts_(js, "\\\""); break;
        case '\\': puts_(js, "\\\\"); break;
        case '\b': puts_(js, "\\b"); break;
        case '\f': puts_(js, "\\f"); break;
        case '\n': puts_(js, "\\n"); break;
        case '\r': puts_(js, "\\r"); break;
        case '\t': puts_(js, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                char u[8];
                g_snprintf(u, sizeof u, "\\u%04x", *p);
                put(js, u, 6);
            } else {
                putch(js, (char)*p);
            }
        }
    }
    putch(js, '"');
}

void lg_js_member(lg_jstream *js, const char *name)
{
    position(js);
    quoted(js, name);
    puts_(js, " : ");
    js->after_name = TRUE;
}

void lg_js_string(lg_jstream *js, const char *v)
{
    if (!v) {
        lg_js_null(js);
        return;
    }
    position(js);
    quoted(js, v);
}

void lg_js_int(lg_jstream *js, int64_t v)
{
    position(js);
    char b[24];
    put(js, b, (size_t)g_snprintf(b, sizeof b, "%" G_GINT64_FORMAT, (gint64)v));
}

void lg_js_double(lg_jstream *js, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    position(js);
    puts_(js, g_ascii_dtostr(buf, sizeof buf, v));
    /* json-glib keeps a double a double: 4356.0, not 4356 */
    if (!strpbrk(buf, ".eEn"))
        puts_(js, ".0");
}

void lg_js_bool(lg_jstream *js, gboolean v)
{
    position(js);
    puts_(js, v ? "true" : "false");
}

void lg_js_null(lg_jstream *js)
{
    position(js);
    puts_(js, "null");
}
