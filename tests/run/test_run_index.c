/* Tests of analyzer/run/run_index.c: reading the run index the shim appends to, and
 * finding how a log ended (logs are written here with the shared record encoder). */
#include "run_index.h"

#include "log_codec.h"
#include "log_format.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static char *tmpdir;

static char *tmp_path(const char *name) { return g_build_filename(tmpdir, name, NULL); }

static void test_create(void)
{
    GError *err = NULL;
    char *p = lg_run_index_create(&err);
    g_assert_no_error(err);
    g_assert_nonnull(p);
    GStatBuf st;
    g_assert_cmpint(g_stat(p, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    char *q = lg_run_index_create(&err);
    g_assert_cmpstr(p, !=, q);
    g_unlink(p);
    g_unlink(q);
    g_free(p);
    g_free(q);
}

static void test_read(void)
{
    char *idx = tmp_path("run.index");
    const char *text = "101\t/tmp/a/lockgraph.101.log\n"
                       "garbage line\n"
                       "x12\t/tmp/bad-pid.log\n"
                       "102\t\n"
                       "102\t/tmp/a/lockgraph.102.log\n"
                       "101\t/tmp/a/lockgraph.101.log\n"
                       "103\t/tmp/a/torn"; /* no LF: the writer died mid-line */
    g_assert_true(g_file_set_contents(idx, text, -1, NULL));
    GPtrArray *e = lg_run_index_read(idx);
    g_assert_cmpuint(e->len, ==, 3);
    const lg_run_log *l0 = g_ptr_array_index(e, 0), *l1 = g_ptr_array_index(e, 1);
    g_assert_cmpint(l0->pid, ==, 101);
    g_assert_cmpstr(l0->path, ==, "/tmp/a/lockgraph.101.log");
    g_assert_cmpint(l1->pid, ==, 102);
    g_assert_true(lg_run_index_has_pid(e, 101));
    g_assert_true(lg_run_index_has_pid(e, 102));
    g_assert_false(lg_run_index_has_pid(e, 103));
    char **logs = lg_run_index_logs(e);
    g_assert_cmpuint(g_strv_length(logs), ==, 2);
    g_assert_cmpstr(logs[0], ==, "/tmp/a/lockgraph.101.log");
    g_assert_cmpstr(logs[1], ==, "/tmp/a/lockgraph.102.log");
    g_strfreev(logs);
    g_ptr_array_unref(e);

    /* Missing file: nothing recorded, not an error. */
    e = lg_run_index_read("/nonexistent-lockgraph/run.index");
    g_assert_cmpuint(e->len, ==, 0);
    g_ptr_array_unref(e);
    g_unlink(idx);
    g_free(idx);
}

/* Appends one encoded record to s. */
static void add_header_rec(GByteArray *s)
{
    unsigned char buf[256];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_HEADER);
    lg_enc_u32(&e, 4242);
    lg_enc_u32(&e, 1);
    lg_enc_u64(&e, 1);
    lg_enc_u64(&e, 2);
    lg_enc_u32(&e, 32);
    lg_enc_u32(&e, 0);
    lg_enc_str(&e, "0123456789abcdef0123456789abcdef");
    lg_enc_str(&e, "/bin/prog");
    lg_enc_str(&e, "prog");
    size_t n = lg_enc_finish(&e);
    g_assert_cmpuint(n, >, 0);
    g_byte_array_append(s, buf, (guint)n);
}

static void add_end_rec(GByteArray *s, int reason)
{
    unsigned char buf[64];
    lg_enc e;
    lg_enc_begin(&e, buf, sizeof buf, LG_REC_END);
    lg_enc_u64(&e, 99);
    lg_enc_u8(&e, (uint8_t)reason);
    size_t n = lg_enc_finish(&e);
    g_assert_cmpuint(n, >, 0);
    g_byte_array_append(s, buf, (guint)n);
}

static GByteArray *new_log(void)
{
    GByteArray *s = g_byte_array_new();
    unsigned char fh[LG_FILE_HEADER_SIZE];
    lg_file_header(fh);
    g_byte_array_append(s, fh, sizeof fh);
    add_header_rec(s);
    return s;
}

static int end_reason_of(GByteArray *s)
{
    char *p = tmp_path("t.log");
    g_assert_true(g_file_set_contents(p, (const char *)s->data, s->len, NULL));
    int r = lg_log_end_reason(p);
    g_unlink(p);
    g_free(p);
    return r;
}

static void test_end_reason(void)
{
    GByteArray *s = new_log();
    g_assert_cmpint(end_reason_of(s), ==, 0); /* still running or killed: no END */
    add_end_rec(s, LG_END_DEADLOCK);
    g_assert_cmpint(end_reason_of(s), ==, LG_END_DEADLOCK);
    /* A torn record after it does not hide it. */
    g_byte_array_append(s, (const guint8 *)"\x04\x00\x00\x00\x40", 5);
    g_assert_cmpint(end_reason_of(s), ==, LG_END_DEADLOCK);
    g_byte_array_unref(s);

    s = new_log();
    add_end_rec(s, LG_END_EXIT);
    g_assert_cmpint(end_reason_of(s), ==, LG_END_EXIT);
    g_byte_array_unref(s);

    /* A corrupted END record (bad crc) does not count. */
    s = new_log();
    add_end_rec(s, LG_END_DEADLOCK);
    s->data[s->len - 1] ^= 0x7f;
    g_assert_cmpint(end_reason_of(s), ==, 0);
    g_byte_array_unref(s);

    /* Not a lockgraph log at all; a missing file. */
    s = g_byte_array_new();
    g_byte_array_append(s, (const guint8 *)"hello world, not a log at all", 29);
    g_assert_cmpint(end_reason_of(s), ==, 0);
    g_byte_array_unref(s);
    g_assert_cmpint(lg_log_end_reason("/nonexistent-lockgraph/x.log"), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("lgindex-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/run-index/create", test_create);
    g_test_add_func("/run-index/read", test_read);
    g_test_add_func("/run-index/end-reason", test_end_reason);
    int r = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return r;
}
