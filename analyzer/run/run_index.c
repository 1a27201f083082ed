/* fseeko, off_t */
#define _POSIX_C_SOURCE 200809L
#include "run_index.h"

#include "log_records.h"
#include "log_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *lg_run_index_create(GError **err)
{
    char *path = NULL;
    int fd = g_file_open_tmp("lockgraph-run-XXXXXX.index", &path, err);
    if (fd < 0)
        return NULL;
    close(fd);
    return path;
}

static void run_log_free(gpointer p)
{
    lg_run_log *l = p;
    g_free(l->path);
    g_free(l);
}

GPtrArray *lg_run_index_read(const char *index_path)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(run_log_free);
    char *text = NULL;
    gsize len = 0;
    if (!index_path || !g_file_get_contents(index_path, &text, &len, NULL))
        return out;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* torn last line */
        *nl = '\0';
        char *tab = strchr(p, '\t');
        guint64 pid;
        if (tab) {
            *tab = '\0';
            const char *path = tab + 1;
            if (g_ascii_string_to_unsigned(p, 10, 1, G_MAXINT, &pid, NULL) && *path) {
                lg_run_log *l = g_new0(lg_run_log, 1);
                l->pid = (int)pid;
                l->path = g_strdup(path);
                g_ptr_array_add(out, l);
            }
        }
        p = nl + 1;
    }
    g_free(text);
    return out;
}

gboolean lg_run_index_has_pid(const GPtrArray *entries, int pid)
{
    for (guint i = 0; i < entries->len; i++)
        if (((const lg_run_log *)g_ptr_array_index(entries, i))->pid == pid)
            return TRUE;
    return FALSE;
}

char **lg_run_index_logs(const GPtrArray *entries)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < entries->len; i++) {
        const lg_run_log *l = g_ptr_array_index(entries, i);
        if (g_hash_table_add(seen, l->path))
            g_ptr_array_add(out, g_strdup(l->path));
    }
    g_hash_table_destroy(seen);
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

int lg_log_end_reason(const char *log_path)
{
    FILE *f = fopen(log_path, "rb");
    if (!f)
        return 0;
    unsigned char fh[LG_FILE_HEADER_SIZE];
    int reason = 0;
    if (fread(fh, 1, sizeof fh, f) != sizeof fh || memcmp(fh, LG_LOG_MAGIC, 8) != 0)
        goto out;
    for (;;) {
        unsigned char rh[LG_REC_HEADER_SIZE];
        if (fread(rh, 1, sizeof rh, f) != sizeof rh)
            break; /* end of file or torn tail */
        lg_rec_header h;
        lg_rec_header_parse(rh, &h);
        if (h.type == 0 || h.type > LG_REC_TYPE_MAX || h.len > LG_REC_MAX_PAYLOAD)
            break; /* corruption: nothing after it can be trusted */
        if (h.type != LG_REC_END) {
            if (fseeko(f, (off_t)h.len, SEEK_CUR) != 0)
                break;
            continue;
        }
        unsigned char *payload = g_malloc(h.len ? h.len : 1);
        gboolean whole = fread(payload, 1, h.len, f) == h.len;
        lg_log_record r;
        lg_log_error err;
        if (whole && lg_rec_crc(rh, payload, h.len) == h.crc &&
            lg_log_decode(LG_REC_END, payload, h.len, &r, &err) == 0)
            reason = r.u.end.reason;
        g_free(payload);
        if (!whole)
            break;
    }
out:
    fclose(f);
    return reason;
}
