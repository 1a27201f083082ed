/* The streaming JSON writer (analyzer/report/present/json_stream.h) writes exactly
 * what json-glib's pretty generator writes for the same calls: random documents
 * (nesting, empty containers, every ASCII byte and UTF-8 in strings, integers,
 * doubles, booleans, nulls) are built both ways and compared byte for byte. */
#define _GNU_SOURCE
#include "json_stream.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct both {
    JsonBuilder *b;
    lg_jstream *js;
    GRand *r;
} both;

static char *random_string(GRand *r)
{
    GString *s = g_string_new(NULL);
    int n = g_rand_int_range(r, 0, 12);
    for (int i = 0; i < n; i++) {
        switch (g_rand_int_range(r, 0, 4)) {
        case 0: { /* any ASCII but 0x1f, which json-glib leaves raw (not JSON) */
            char c = (char)g_rand_int_range(r, 1, 128);
            g_string_append_c(s, c == 0x1f ? '_' : c);
            break;
        }
        case 1: g_string_append(s, "\xc3\xa9\xe2\x82\xac"); break; /* é € */
        default: g_string_append_c(s, (char)g_rand_int_range(r, 'a', 'z' + 1));
        }
    }
    return g_string_free(s, FALSE);
}

static void scalar(both *x)
{
    switch (g_rand_int_range(x->r, 0, 5)) {
    case 0: {
        char *s = random_string(x->r);
        json_builder_add_string_value(x->b, s);
        lg_js_string(x->js, s);
        g_free(s);
        break;
    }
    case 1: {
        gint64 v = (gint64)g_rand_int(x->r) * (g_rand_boolean(x->r) ? -977 : 1);
        json_builder_add_int_value(x->b, v);
        lg_js_int(x->js, v);
        break;
    }
    case 2: {
        static const double ds[] = {0.0, 1.0, -2.5, 0.001, 123456.789, 4356.0, 0.125, 1e16};
        double v = g_rand_boolean(x->r) ? ds[g_rand_int_range(x->r, 0, G_N_ELEMENTS(ds))]
                                        : (double)(g_rand_int(x->r) / 1000u) / 1000.0;
        json_builder_add_double_value(x->b, v);
        lg_js_double(x->js, v);
        break;
    }
    case 3: {
        gboolean v = g_rand_boolean(x->r);
        json_builder_add_boolean_value(x->b, v);
        lg_js_bool(x->js, v);
        break;
    }
    default:
        json_builder_add_null_value(x->b);
        lg_js_null(x->js);
    }
}

static void value(both *x, int depth);

static void container(both *x, int depth)
{
    gboolean obj = g_rand_boolean(x->r);
    int n = g_rand_int_range(x->r, 0, depth > 3 ? 2 : 5);
    if (obj) {
        json_builder_begin_object(x->b);
        lg_js_begin_object(x->js);
    } else {
        json_builder_begin_array(x->b);
        lg_js_begin_array(x->js);
    }
    for (int i = 0; i < n; i++) {
        if (obj) {
            char *name = g_strdup_printf("m%d_%s", i, i % 3 ? "x" : "q\"\\\t");
            json_builder_set_member_name(x->b, name);
            lg_js_member(x->js, name);
            g_free(name);
        }
        value(x, depth + 1);
    }
    if (obj) {
        json_builder_end_object(x->b);
        lg_js_end_object(x->js);
    } else {
        json_builder_end_array(x->b);
        lg_js_end_array(x->js);
    }
}

static void value(both *x, int depth)
{
    if (depth < 6 && g_rand_int_range(x->r, 0, 3) == 0)
        container(x, depth);
    else
        scalar(x);
}

/* json-glib's text of b, as lg_json_write wrote it before: pretty, newline-ended */
static char *glib_text(JsonBuilder *b)
{
    JsonGenerator *g = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    char *text = json_generator_to_data(g, NULL);
    char *out = g_strconcat(text, "\n", NULL);
    g_free(text);
    json_node_unref(root);
    g_object_unref(g);
    return out;
}

static void test_same_as_json_glib(void)
{
    GRand *r = g_rand_new_with_seed(10);
    for (int doc = 0; doc < 2000; doc++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        both x = {json_builder_new(), lg_js_new(f), r};
        container(&x, 0); /* json-glib's root is an object or an array here */
        lg_js_finish(x.js);
        fclose(f);
        char *want = glib_text(x.b);
        if (strcmp(buf, want) != 0)
            g_error("document %d differs:\n--- json-glib\n%s\n--- stream\n%s", doc, want, buf);
        g_free(want);
        free(buf);
        g_object_unref(x.b);
    }
    g_rand_free(r);
}

/* Every control character, DEL, quote and backslash, in one string, explicitly. */
static void test_escapes(void)
{
    char s[40];
    int k = 0;
    for (int c = 1; c < 0x1f; c++)
        s[k++] = (char)c;
    s[k++] = 0x7f, s[k++] = '"', s[k++] = '\\', s[k++] = '/', s[k] = 0;
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    json_builder_add_string_value(b, s);
    json_builder_end_array(b);
    char *want = glib_text(b);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_jstream *js = lg_js_new(f);
    lg_js_begin_array(js);
    lg_js_string(js, s);
    lg_js_end_array(js);
    lg_js_finish(js);
    fclose(f);
    g_assert_cmpstr(buf, ==, want);
    g_assert_nonnull(strstr(buf, "\\u0001")); /* escaped, not raw */
    free(buf);
    /* 0x1f: json-glib writes the byte raw (not JSON); the stream escapes it */
    f = open_memstream(&buf, &len);
    js = lg_js_new(f);
    lg_js_begin_array(js);
    lg_js_string(js, "a\x1f");
    lg_js_end_array(js);
    lg_js_finish(js);
    fclose(f);
    g_assert_cmpstr(buf, ==, "[\n  \"a\\u001f\"\n]\n");
    g_free(want);
    free(buf);
    g_object_unref(b);
}

/* The one deliberate difference: json-glib writes 1e+21 as "1e+21.0", not JSON; the
 * stream leaves an exponent alone.  (The reports' doubles are milliseconds rounded to
 * the microsecond: never an exponent.) */
static void test_exponent(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_jstream *js = lg_js_new(f);
    lg_js_begin_array(js);
    lg_js_double(js, 1e21);
    lg_js_double(js, 1e-7);
    lg_js_double(js, 2.0);
    lg_js_end_array(js);
    lg_js_finish(js);
    fclose(f);
    g_assert_cmpstr(buf, ==, "[\n  1e+21,\n  9.9999999999999995e-08,\n  2.0\n]\n");
    JsonParser *p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, buf, -1, NULL));
    g_object_unref(p);
    free(buf);
}

/* NULL string: null (the reports write unknown values as null). */
static void test_null_string(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lg_jstream *js = lg_js_new(f);
    lg_js_begin_object(js);
    lg_js_member(js, "a");
    lg_js_string(js, NULL);
    lg_js_member(js, "b");
    lg_js_begin_array(js);
    lg_js_end_array(js);
    lg_js_member(js, "c");
    lg_js_begin_object(js);
    lg_js_end_object(js);
    lg_js_end_object(js);
    lg_js_finish(js);
    fclose(f);
    g_assert_cmpstr(buf, ==, "{\n  \"a\" : null,\n  \"b\" : [],\n  \"c\" : {  }\n}\n");
    free(buf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json_stream/same-as-json-glib", test_same_as_json_glib);
    g_test_add_func("/json_stream/escapes", test_escapes);
    g_test_add_func("/json_stream/null-string", test_null_string);
    g_test_add_func("/json_stream/exponent", test_exponent);
    return g_test_run();
}
