#include "symbol_cache.h"

#include <string.h>

#include "symbolize.h"

static gboolean enabled = TRUE;
static GHashTable *cache; /* "path\nbuild-id\noffset" -> lg_sym* */
/* "path\nbuild-id\noffset\nsizes" -> name in `strings`, or "" for none */
static GHashTable *data_names;
static GStringChunk *strings;
static lg_symbolizer *symbolizer;

static void sym_free(lg_sym *s)
{
    g_array_free(s->inlined, TRUE);
    g_free(s);
}

void lg_symbols_set_enabled(gboolean on) { enabled = on; }

void lg_symbols_reset(void)
{
    if (cache)
        g_hash_table_destroy(cache);
    if (strings)
        g_string_chunk_free(strings);
    if (data_names)
        g_hash_table_destroy(data_names);
    cache = NULL;
    data_names = NULL;
    strings = NULL;
    if (symbolizer)
        lg_symbolizer_free(symbolizer);
    symbolizer = NULL;
}

static const char *keep(const char *s)
{
    return s ? g_string_chunk_insert_const(strings, s) : NULL;
}

static void fill(lg_sym *out, const lg_module *m, uint64_t offset)
{
    if (!symbolizer)
        symbolizer = lg_symbolizer_new();
    GPtrArray *frames = lg_symbolize(symbolizer, m->path, m->base, m->build_id,
                                     m->build_id_len, m->base + offset, NULL);
    /* frames[0] is the innermost (the exact source line); the rest are the
     * functions it was inlined into, outward. */
    for (guint i = 0; i < frames->len; i++) {
        const lg_sym_frame *f = g_ptr_array_index(frames, i);
        if (i == 0) {
            out->function = keep(f->function);
            out->file = keep(f->file);
            out->line = f->line;
        } else {
            lg_sym_inline in = {keep(f->function), keep(f->file), f->line};
            g_array_append_val(out->inlined, in);
        }
        if (i + 1 == frames->len)
            out->sym_offset = f->sym_offset;
    }
    g_ptr_array_unref(frames);
}

static void cache_init(void)
{
    if (!cache) {
        cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)sym_free);
        data_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        strings = g_string_chunk_new(4096);
    }
}

const lg_sym *lg_symbols_lookup(const lg_module *m, uint64_t offset)
{
    cache_init();
    char *key = g_strdup_printf("%s\n%s\n%" G_GINT64_MODIFIER "x", m ? m->path : "",
                                m ? m->build_id_hex : "", offset);
    lg_sym *s = g_hash_table_lookup(cache, key);
    if (s) {
        g_free(key);
        return s;
    }
    s = g_new0(lg_sym, 1);
    s->inlined = g_array_new(FALSE, TRUE, sizeof(lg_sym_inline));
    if (enabled && m)
        fill(s, m, offset);
    g_hash_table_insert(cache, key, s);
    return s;
}

const char *lg_symbols_data_name(const lg_module *m, uint64_t offset, const uint64_t *sizes,
                                 size_t nsizes)
{
    if (!enabled || !m)
        return NULL;
    cache_init();
    GString *key = g_string_new(NULL);
    g_string_printf(key, "%s\n%s\n%" G_GINT64_MODIFIER "x\n", m->path, m->build_id_hex, offset);
    for (size_t i = 0; i < nsizes; i++)
        g_string_append_printf(key, "%" G_GINT64_MODIFIER "x,", sizes[i]);
    const char *name = g_hash_table_lookup(data_names, key->str);
    if (name) {
        g_string_free(key, TRUE);
        return *name ? name : NULL;
    }
    if (!symbolizer)
        symbolizer = lg_symbolizer_new();
    char *found = lg_symbolize_data(symbolizer, m->path, m->base, m->build_id, m->build_id_len,
                                    m->base + offset, sizes, nsizes);
    name = keep(found ? found : "");
    g_free(found);
    g_hash_table_insert(data_names, g_string_free(key, FALSE), (gpointer)name);
    return *name ? name : NULL;
}
