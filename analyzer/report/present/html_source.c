#define _GNU_SOURCE
#include "html_source.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct source_file {
    char **lines; /* NULL if unreadable */
    guint nlines;
    char *why;
} source_file;

struct lg_html_sources {
    GHashTable *files; /* path -> source_file* */
};

static void source_file_free(gpointer p)
{
    source_file *f = p;
    g_strfreev(f->lines);
    g_free(f->why);
    g_free(f);
}

lg_html_sources *lg_html_sources_new(void)
{
    lg_html_sources *s = g_new0(lg_html_sources, 1);
    s->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, source_file_free);
    return s;
}

void lg_html_sources_free(lg_html_sources *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->files);
    g_free(s);
}

/* The file's bytes, or NULL with *why. */
static char *read_regular(const char *path, size_t *len, char **why)
{
    if (!g_path_is_absolute(path)) {
        *why = g_strdup("relative path (the build directory is not recorded)");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *why = g_strdup(strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        *why = g_strdup(strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        *why = g_strdup("not a regular file");
    } else if ((unsigned long long)st.st_size > LG_HTML_SOURCE_MAX) {
        *why = g_strdup("file too large to show");
    } else {
        size_t want = (size_t)st.st_size, got = 0;
        buf = g_malloc(want + 1);
        while (got < want) {
            ssize_t n = read(fd, buf + got, want - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (n < 0) {
                    *why = g_strdup(strerror(errno));
                    g_clear_pointer(&buf, g_free);
                }
                break; /* a file that shrank: show what there is */
            }
            got += (size_t)n;
        }
        if (buf) {
            buf[got] = '\0';
            *len = got;
        }
    }
    close(fd);
    return buf;
}

static source_file *load(const char *path)
{
    source_file *f = g_new0(source_file, 1);
    size_t len = 0;
    char *text = read_regular(path, &len, &f->why);
    if (!text)
        return f;
    if (memchr(text, '\0', len)) {
        f->why = g_strdup("not a text file");
        g_free(text);
        return f;
    }
    f->lines = g_strsplit(text, "\n", -1);
    g_free(text);
    f->nlines = g_strv_length(f->lines);
    if (f->nlines && f->lines[f->nlines - 1][0] == '\0')
        f->nlines--; /* the empty piece after the last newline is no line */
    for (guint i = 0; i < f->nlines; i++) {
        size_t n = strlen(f->lines[i]);
        if (n && f->lines[i][n - 1] == '\r')
            f->lines[i][n - 1] = '\0';
    }
    return f;
}

gboolean lg_html_source_lines(lg_html_sources *s, const char *path, char *const **lines,
                              guint *nlines, const char **why)
{
    source_file *f = g_hash_table_lookup(s->files, path);
    if (!f) {
        f = load(path);
        g_hash_table_insert(s->files, g_strdup(path), f);
    }
    if (!f->lines) {
        *why = f->why;
        return FALSE;
    }
    *lines = f->lines;
    *nlines = f->nlines;
    return TRUE;
}
