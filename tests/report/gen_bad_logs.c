/* Writes the malformed-log corpus (bad_logs.c) and one good log into a directory:
 * `gen_bad_logs DIR`.  Used to seed the fuzzer and to look at the files by hand. */
#include "bad_logs.h"
#include "log_builder.h"

#include <glib/gstdio.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_bad_logs DIR\n");
        return 2;
    }
    g_mkdir_with_parents(argv[1], 0755);
    GPtrArray *logs = bad_logs_make();
    for (guint i = 0; i < logs->len; i++) {
        const bad_log *l = g_ptr_array_index(logs, i);
        char *path = g_build_filename(argv[1], l->name, NULL);
        if (!g_file_set_contents(path, (const char *)l->bytes->data, l->bytes->len, NULL)) {
            fprintf(stderr, "gen_bad_logs: cannot write %s\n", path);
            return 1;
        }
        g_free(path);
    }
    bad_logs_free(logs);

    lgb *b = lgb_new();
    lgb_header(b, 7, "seed", "/bin/seed");
    lgb_module(b, 1, 0x400000, "/bin/seed", "\x01\x02", 0, 0x10000);
    uint64_t pc = 0x400100;
    lgb_stack(b, 1, 1, &pc);
    lgb_thread(b, 1, 7, 0, 0, "main");
    lgb_thread(b, 2, 8, 1, 1, "w");
    lgb_lock(b, 1, 0x401000, LG_KIND_MUTEX, 0, 1, LG_CLASS_STATIC, 1, 0x1000, 0);
    lgb_lock(b, 2, 0x402000, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_READER, 1, LG_CLASS_SITE, 0, 0, 1);
    lgb_order(b, 1, 1, 2, 1, 1);
    lgb_order(b, 2, 2, 1, 1, 1);
    lg_item it = {.thread = 1, .lock = 1, .other_lock = 0, .stack = 1, .other_stack = 0, .mode = 0};
    lgb_finding(b, LG_FIND_LONG_HOLD, 0, 2000, "", 1, &it);
    lg_lock_stats s = {.lock = 1, .acquisitions = 3};
    lgb_stats(b, 1, &s);
    lgb_end(b, LG_END_EXIT);
    g_free(lgb_write(b, argv[1], "good.log"));
    lgb_free(b);
    return 0;
}
