#include "sarif_uri.h"

#include <string.h>

char *lg_sarif_root_dir(const char *dir)
{
    char *c = g_canonicalize_filename(dir, NULL);
    if (g_str_has_suffix(c, "/"))
        return c;
    char *out = g_strconcat(c, "/", NULL);
    g_free(c);
    return out;
}

GHashTable *lg_sarif_toplevel_cache_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* dir: canonical, no trailing '/' except for "/" itself. */
static char *toplevel_of_dir(const char *dir, GHashTable *cache)
{
    gpointer hit;
    if (cache && g_hash_table_lookup_extended(cache, dir, NULL, &hit))
        return g_strdup(hit);
    char *git = g_build_filename(dir, ".git", NULL);
    char *out = NULL;
    if (g_file_test(git, G_FILE_TEST_EXISTS)) {
        out = lg_sarif_root_dir(dir);
    } else if (strcmp(dir, "/") != 0) {
        char *parent = g_path_get_dirname(dir);
        out = toplevel_of_dir(parent, cache);
        g_free(parent);
    }
    g_free(git);
    if (cache)
        g_hash_table_insert(cache, g_strdup(dir), g_strdup(out));
    return out;
}

char *lg_sarif_git_toplevel(const char *file, GHashTable *cache)
{
    if (!file || !g_path_is_absolute(file))
        return NULL;
    char *canon = g_canonicalize_filename(file, NULL);
    char *dir = g_path_get_dirname(canon);
    char *out = toplevel_of_dir(dir, cache);
    g_free(dir);
    g_free(canon);
    return out;
}

char *lg_sarif_auto_root(const GPtrArray *files)
{
    GHashTable *cache = lg_sarif_toplevel_cache_new();
    /* roots in first-seen order and their votes: few roots, a linear search will do */
    GPtrArray *roots = g_ptr_array_new_with_free_func(g_free);
    GArray *votes = g_array_new(FALSE, TRUE, sizeof(guint));
    for (guint i = 0; i < files->len; i++) {
        char *top = lg_sarif_git_toplevel(g_ptr_array_index(files, i), cache);
        if (!top)
            continue;
        guint k = 0;
        while (k < roots->len && strcmp(roots->pdata[k], top) != 0)
            k++;
        if (k == roots->len) {
            g_ptr_array_add(roots, top);
            g_array_set_size(votes, roots->len);
        } else {
            g_free(top);
        }
        g_array_index(votes, guint, k)++;
    }
    const char *best = NULL;
    guint best_n = 0;
    for (guint k = 0; k < roots->len; k++)
        if (g_array_index(votes, guint, k) > best_n)
            best = roots->pdata[k], best_n = g_array_index(votes, guint, k);
    char *out = g_strdup(best);
    g_array_free(votes, TRUE);
    g_ptr_array_free(roots, TRUE);
    g_hash_table_unref(cache);
    return out;
}

char *lg_sarif_relative_uri(const char *root, const char *file)
{
    if (!root || !file || !g_path_is_absolute(file))
        return NULL;
    char *canon = g_canonicalize_filename(file, NULL);
    char *out = NULL;
    size_t n = strlen(root);
    if (strncmp(canon, root, n) == 0 && canon[n])
        out = g_uri_escape_string(canon + n, "/", FALSE);
    g_free(canon);
    return out;
}

char *lg_sarif_root_uri(const char *root)
{
    char *uri = g_filename_to_uri(root, NULL, NULL);
    if (!uri) /* not absolute: lg_sarif_root_dir always is */
        return g_strdup(root);
    if (g_str_has_suffix(uri, "/"))
        return uri;
    char *out = g_strconcat(uri, "/", NULL);
    g_free(uri);
    return out;
}
