/* getrandom */
#define _GNU_SOURCE
#include "run_env.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

/* Two names denote one library if they are the same string or the same file: a
 * library preloaded twice would run its constructors (and, for the shim, its hooks)
 * twice. */
static gboolean same_library(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return TRUE;
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

char *lg_preload_compose(const char *const *first, const char *existing)
{
    GPtrArray *out = g_ptr_array_new();
    for (int i = 0; first && first[i]; i++)
        g_ptr_array_add(out, (gpointer)first[i]);
    gsize nfirst = out->len;

    char **old = g_strsplit_set(existing ? existing : "", ": ", -1);
    for (int i = 0; old[i]; i++) {
        if (!*old[i])
            continue;
        gboolean dup = FALSE;
        for (gsize j = 0; j < nfirst && !dup; j++)
            dup = same_library(old[i], g_ptr_array_index(out, j));
        if (!dup)
            g_ptr_array_add(out, old[i]);
    }
    g_ptr_array_add(out, NULL);
    char *joined = g_strjoinv(":", (char **)out->pdata);
    g_ptr_array_free(out, TRUE);
    g_strfreev(old);
    return joined;
}

char *lg_preload_find_asan(const char *existing)
{
    char **entries = g_strsplit_set(existing ? existing : "", ": ", -1);
    char *found = NULL;
    for (int i = 0; entries[i] && !found; i++) {
        char *base = g_path_get_basename(entries[i]);
        if (*entries[i] &&
            (g_str_has_prefix(base, "libasan.so") || g_str_has_prefix(base, "libclang_rt.asan")))
            found = g_strdup(entries[i]);
        g_free(base);
    }
    g_strfreev(entries);
    return found;
}

char *lg_run_id_new(void)
{
    guint8 raw[16];
    gsize got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (gsize)n;
    }
    /* getrandom only fails on kernels without it (< 3.17); an id that is merely
     * unlikely to repeat is still good enough to tell runs apart. */
    for (; got < sizeof raw; got++)
        raw[got] = (guint8)g_random_int_range(0, 256);
    GString *s = g_string_sized_new(32);
    for (gsize i = 0; i < sizeof raw; i++)
        g_string_append_printf(s, "%02x", raw[i]);
    return g_string_free(s, FALSE);
}

char *lg_shim_path(GError **err)
{
    const char *over = g_getenv("LOCKGRAPH_SHIM");
    if (over && *over)
        return g_canonicalize_filename(over, NULL);
    char *exe = g_file_read_link("/proc/self/exe", err);
    if (!exe)
        return NULL;
    char *dir = g_path_get_dirname(exe);
    char *rel = g_build_filename(dir, "..", "lib", "liblockgraph.so", NULL);
    char *abs = g_canonicalize_filename(rel, NULL);
    g_free(rel);
    g_free(dir);
    g_free(exe);
    return abs;
}
