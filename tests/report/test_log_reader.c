/* The log reader: a complete log becomes the right model; every class of bad log is
 * rejected with file and offset; torn tails keep what came before. */
#include "bad_logs.h"
#include "log_builder.h"
#include "log_reader.h"

#include <string.h>

static const char BID[] = "\x12\x34\xab\xcd";

static lgb *full_log(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 4242, "run-1", "/usr/bin/prog");
    lgb_module(b, 1, 0x400000, "/usr/bin/prog", BID, 0, 0x10000);
    lgb_module(b, 2, 0x7f0000000000, "/usr/lib/libplugin.so", NULL, 0, 0x2000);
    uint64_t pcs[2] = {0x400123, 0x7f0000000456};
    lgb_stack(b, 1, 2, pcs);
    lgb_thread(b, 1, 4242, 0, 0, "main");
    lgb_thread(b, 2, 4243, 1, 1, "worker");
    lgb_lock(b, 10, 0x401000, LG_KIND_MUTEX, LG_SUB_NORMAL, 1, LG_CLASS_STATIC, 1, 0x1000, 0);
    lgb_lock(b, 11, 0x9000, LG_KIND_RWLOCK, LG_SUB_RW_PREFER_WRITER, 1, LG_CLASS_SITE, 0, 0, 1);
    lgb_lock(b, 12, 0x7f0000001000, LG_KIND_SPIN, 0, 0, LG_CLASS_STATIC, 2, 0x1000, 0);
    lgb_order(b, 2, 10, 11, 1, 1);
    lgb_order(b, 1, 10, 11, 1, 0);
    lg_item it = {.thread = 2, .lock = 10, .other_lock = 0, .stack = 1, .other_stack = 0, .mode = 0};
    lgb_finding(b, LG_FIND_LONG_HOLD, 0, 1500, "held long", 1, &it);
    lg_lock_stats s1 = {.lock = 10, .acquisitions = 5, .contended = 1};
    lgb_stats(b, 1, &s1);
    lg_lock_stats s2 = {.lock = 10, .acquisitions = 9, .contended = 3};
    lgb_stats(b, 1, &s2);
    lgb_module_unload(b, 2);
    lgb_thread_exit(b, 2);
    lgb_end(b, LG_END_EXIT);
    return b;
}

static void test_good_log(void)
{
    lgb *b = full_log();
    lg_process *p = lgb_read(b, "good.log", 3);
    g_assert_cmpuint(p->index, ==, 3);
    g_assert_true(p->has_header);
    g_assert_cmpuint(p->pid, ==, 4242);
    g_assert_cmpstr(p->run_id, ==, "run-1");
    g_assert_cmpstr(p->exe, ==, "/usr/bin/prog");
    g_assert_cmpstr(p->cmdline, ==, "prog --flag");
    g_assert_cmpuint(p->modules->len, ==, 2);
    const lg_module *m1 = lg_process_module(p, 1);
    g_assert_cmpstr(m1->build_id_hex, ==, "1234abcd");
    g_assert_cmpuint(lg_process_module(p, 2)->unload_ts, !=, UINT64_MAX);
    g_assert_cmpuint(p->threads->len, ==, 2);
    const lg_model_thread *t2 = lg_process_thread(p, 2);
    g_assert_cmpstr(t2->name, ==, "worker");
    g_assert_cmpuint(t2->creator, ==, 1);
    g_assert_true(t2->exited);
    g_assert_cmpuint(p->locks->len, ==, 3);
    /* class keys carry build-id (or basename) and offset, never the address */
    g_assert_cmpstr(lg_process_lock(p, 10)->class_key, ==, "1234abcd+0x1000");
    g_assert_cmpstr(lg_process_lock(p, 12)->class_key, ==, "libplugin.so+0x1000");
    g_assert_true(g_str_has_prefix(lg_process_lock(p, 11)->class_key, "site:"));
    g_assert_cmpuint(p->edges->len, ==, 1);
    const lg_model_edge *e = g_ptr_array_index(p->edges, 0);
    g_assert_cmpuint(e->ctxs->len, ==, 2);
    g_assert_cmpuint(p->findings->len, ==, 1);
    const lg_shim_finding *f = g_ptr_array_index(p->findings, 0);
    g_assert_cmpuint(f->value, ==, 1500);
    g_assert_cmpstr(f->detail, ==, "held long");
    uint64_t id = 10;
    const lg_lock_stats *st = g_hash_table_lookup(p->stats, &id);
    g_assert_cmpuint(st->acquisitions, ==, 9); /* the latest snapshot wins */
    g_assert_true(p->has_end);
    g_assert_cmpuint(p->end_reason, ==, LG_END_EXIT);
    g_assert_false(p->truncated);
    lg_process_free(p);
    lgb_free(b);
}

static void test_module_at_time(void)
{
    /* After dlclose and a new dlopen at the same address, a PC belongs to the module
     * mapped at the citing record's time. */
    lgb *b = lgb_new();
    lgb_header(b, 1, "r", "x");
    lgb_set_ts(b, 100);
    lgb_module(b, 1, 0x10000, "/lib/one.so", NULL, 0, 0x1000);
    lgb_set_ts(b, 200);
    lgb_module_unload(b, 1);
    lgb_set_ts(b, 300);
    lgb_module(b, 2, 0x10000, "/lib/two.so", NULL, 0, 0x1000);
    lg_process *p = lgb_read(b, "t.log", 0);
    g_assert_cmpstr(lg_process_module_at(p, 0x10010, 150)->path, ==, "/lib/one.so");
    g_assert_cmpstr(lg_process_module_at(p, 0x10010, 350)->path, ==, "/lib/two.so");
    g_assert_null(lg_process_module_at(p, 0x20000, 350));
    lg_process_free(p);
    lgb_free(b);
}

static void test_site_class_key_ignores_aslr(void)
{
    /* Same site stack, module at different bases: same key.  Different site: different. */
    char *keys[3];
    for (int i = 0; i < 3; i++) {
        uint64_t base = i == 1 ? 0x7f1234560000 : 0x555500000000;
        lgb *b = lgb_new();
        lgb_header(b, 10 + i, "r", "x");
        lgb_module(b, 1, base, "/usr/bin/prog", BID, 0, 0x10000);
        uint64_t pc = base + (i == 2 ? 0x300 : 0x200);
        lgb_stack(b, 1, 1, &pc);
        lgb_lock(b, 1, 0xdead0000 + (uint64_t)i * 0x100, LG_KIND_MUTEX, 0, 1, LG_CLASS_SITE, 0, 0, 1);
        lg_process *p = lgb_read(b, "t.log", 0);
        keys[i] = g_strdup(lg_process_lock(p, 1)->class_key);
        lg_process_free(p);
        lgb_free(b);
    }
    g_assert_cmpstr(keys[0], ==, keys[1]);
    g_assert_cmpstr(keys[0], !=, keys[2]);
    for (int i = 0; i < 3; i++)
        g_free(keys[i]);
}

static void test_bad_logs(void)
{
    GPtrArray *logs = bad_logs_make();
    g_assert_cmpuint(logs->len, >=, 8);
    for (guint i = 0; i < logs->len; i++) {
        const bad_log *l = g_ptr_array_index(logs, i);
        lg_process *p = NULL;
        char *msg = NULL;
        lg_read_status st = lg_log_read_buffer(l->name, l->bytes->data, l->bytes->len, 0, &p, &msg);
        g_test_message("%s: %s", l->name, msg ? msg : "(no message)");
        g_assert_nonnull(msg);
        char *where = g_strdup_printf("lockgraph: %s: offset %zu: ", l->name, l->offset);
        g_assert_true(g_str_has_prefix(msg, where));
        g_assert_nonnull(strstr(msg, l->expect));
        if (l->torn) {
            g_assert_cmpint(st, ==, LG_READ_TORN);
            g_assert_nonnull(p);
            g_assert_true(p->truncated);
            g_assert_cmpuint(p->nrecords, ==, l->kept);
            char *kept = g_strdup_printf("using the %zu records before it", l->kept);
            g_assert_nonnull(strstr(msg, kept));
            g_free(kept);
            lg_process_free(p);
        } else {
            g_assert_cmpint(st, ==, LG_READ_ERROR);
            g_assert_null(p);
            g_assert_nonnull(strstr(msg, "expected"));
        }
        g_free(where);
        g_free(msg);
    }
    bad_logs_free(logs);
}

static void test_torn_tail_keeps_records(void)
{
    lgb *b = full_log();
    GByteArray *bytes = lgb_bytes(b);
    size_t whole = bytes->len;
    lg_process *ref = lgb_read(b, "t.log", 0);
    size_t nrec = ref->nrecords;
    lg_process_free(ref);
    /* cut the last record (END, 12 + 9 bytes) at every possible point */
    for (size_t cut = 1; cut < 21; cut++) {
        lg_process *p = NULL;
        char *msg = NULL;
        lg_read_status st = lg_log_read_buffer("t.log", bytes->data, whole - cut, 0, &p, &msg);
        g_assert_cmpint(st, ==, LG_READ_TORN);
        g_assert_cmpuint(p->nrecords, ==, nrec - 1);
        g_assert_false(p->has_end);
        g_assert_cmpuint(p->locks->len, ==, 3);
        g_assert_cmpuint(p->edges->len, ==, 1);
        lg_process_free(p);
        g_free(msg);
    }
    lgb_free(b);
}

static void test_every_prefix_is_safe(void)
{
    /* Any truncation is a torn tail or (inside the file header) an error, never a
     * crash or a silently accepted partial record. */
    lgb *b = full_log();
    GByteArray *bytes = lgb_bytes(b);
    for (size_t n = 0; n < bytes->len; n++) {
        lg_process *p = NULL;
        char *msg = NULL;
        lg_read_status st = lg_log_read_buffer("t.log", bytes->data, n, 0, &p, &msg);
        if (n < LG_FILE_HEADER_SIZE)
            g_assert_cmpint(st, ==, LG_READ_ERROR);
        else
            g_assert_cmpint(st, !=, LG_READ_ERROR);
        lg_process_free(p);
        g_free(msg);
    }
    lgb_free(b);
}

/* UNTRACED records: each exec'd program that ran without the shim, in log order,
 * with its reason; one this reader does not know is kept as its number. */
static void test_untraced(void)
{
    lgb *b = lgb_new();
    lgb_header(b, 77, "run-u", "/bin/sh");
    lgb_untraced(b, LG_UNTRACED_STATIC, "/usr/bin/foo");
    lgb_untraced(b, 9, "/usr/bin/bar");
    lgb_end(b, LG_END_EXEC);
    lg_process *p = lgb_read(b, "untraced.log", 0);
    g_assert_cmpuint(p->untraced->len, ==, 2);
    const lg_untraced *u = g_ptr_array_index(p->untraced, 0);
    g_assert_cmpstr(u->path, ==, "/usr/bin/foo");
    g_assert_cmpuint(u->reason, ==, LG_UNTRACED_STATIC);
    u = g_ptr_array_index(p->untraced, 1);
    g_assert_cmpstr(u->path, ==, "/usr/bin/bar");
    g_assert_cmpuint(u->reason, ==, 9);
    g_assert_cmpuint(p->end_reason, ==, LG_END_EXEC);
    lg_process_free(p);
    lgb_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log_reader/good-log", test_good_log);
    g_test_add_func("/log_reader/module-at-time", test_module_at_time);
    g_test_add_func("/log_reader/site-class-key-ignores-aslr", test_site_class_key_ignores_aslr);
    g_test_add_func("/log_reader/bad-logs", test_bad_logs);
    g_test_add_func("/log_reader/untraced", test_untraced);
    g_test_add_func("/log_reader/torn-tail-keeps-records", test_torn_tail_keeps_records);
    g_test_add_func("/log_reader/every-prefix-is-safe", test_every_prefix_is_safe);
    return g_test_run();
}
