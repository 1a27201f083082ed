#include "bad_logs.h"
#include "log_builder.h"
#include "log_codec.h"

#include <stdio.h>
#include <string.h>

static bad_log *add(GPtrArray *out, const char *name, lgb *b, int torn, size_t offset,
                    const char *expect, size_t kept)
{
    bad_log *l = g_new0(bad_log, 1);
    l->name = name;
    l->bytes = g_byte_array_new();
    g_byte_array_append(l->bytes, lgb_bytes(b)->data, lgb_bytes(b)->len);
    l->torn = torn;
    l->offset = offset;
    l->expect = expect;
    l->kept = kept;
    g_ptr_array_add(out, l);
    lgb_free(b);
    return l;
}

/* A small valid prefix: HEADER, one thread, two locks.  Returns the builder and the
 * offset where the next record starts. */
static lgb *prefix(size_t *next)
{
    lgb *b = lgb_new();
    lgb_header(b, 42, "run", "/bin/prog");
    lgb_thread(b, 1, 42, 0, 0, "main");
    lgb_mutex(b, 1);
    lgb_mutex(b, 2);
    *next = lgb_bytes(b)->len;
    return b;
}

GPtrArray *bad_logs_make(void)
{
    GPtrArray *out = g_ptr_array_new();
    size_t at;

    lgb *b = lgb_new();
    g_byte_array_set_size(lgb_bytes(b), 0);
    add(out, "empty.log", b, 0, 0, "found an empty file", 0);

    b = lgb_new();
    g_byte_array_set_size(lgb_bytes(b), 0);
    lgb_raw(b, "#!/bin/sh\necho not a log\n", 25);
    add(out, "foreign.log", b, 0, 0, "found a foreign file", 0);

    b = lgb_new();
    lgb_bytes(b)->data[8] = 9; /* version 9 */
    lgb_header(b, 1, "r", "x");
    add(out, "future_version.log", b, 0, 8, "found version 9", 0);

    b = lgb_new();
    g_byte_array_set_size(lgb_bytes(b), 11);
    add(out, "truncated_header.log", b, 0, 11, "expected a 16-byte file header", 0);

    /* a record in the middle whose CRC does not match its bytes */
    b = prefix(&at);
    lgb_mutex(b, 3);
    lgb_mutex(b, 4);
    lgb_bytes(b)->data[at + LG_REC_HEADER_SIZE + 9] ^= 0x40; /* a byte of lock 3's addr */
    add(out, "bad_crc_mid.log", b, 0, at, "expected record CRC", 0);

    /* a record header that claims 1 GiB */
    b = prefix(&at);
    lgb_mutex(b, 3);
    lgb_mutex(b, 4);
    {
        unsigned char *h = lgb_bytes(b)->data + at;
        h[4] = 0, h[5] = 0, h[6] = 0, h[7] = 0x40;
    }
    add(out, "absurd_length.log", b, 0, at, "expected a record length of at most", 0);

    b = prefix(&at);
    lgb_record(b, 99, "abc", 3);
    lgb_mutex(b, 3);
    /* the message names the highest type this version knows */
    static char unknown_type[64];
    g_snprintf(unknown_type, sizeof unknown_type, "expected a record type 1..%d, found 99",
               (int)LG_REC_TYPE_MAX);
    add(out, "unknown_type.log", b, 0, at, unknown_type, 0);

    /* the file ends inside a record: the process was killed mid-write */
    b = prefix(&at);
    lgb_mutex(b, 3);
    g_byte_array_set_size(lgb_bytes(b), lgb_bytes(b)->len - 7);
    add(out, "torn_tail.log", b, 1, at, "log ends with a torn record", 4);

    /* the last record is whole but its CRC fails: also a torn tail */
    b = prefix(&at);
    lgb_mutex(b, 3);
    lgb_bytes(b)->data[lgb_bytes(b)->len - 1] ^= 0xff;
    add(out, "torn_crc_tail.log", b, 1, at, "log ends with a torn record", 4);

    /* the file ends inside a record header */
    b = prefix(&at);
    lgb_raw(b, "\x07\x00\x00", 3);
    add(out, "torn_header_tail.log", b, 1, at, "log ends with a torn record", 4);

    /* an EDGE naming a lock that was never defined */
    b = prefix(&at);
    lgb_edge(b, 1, 1, 77);
    add(out, "undefined_id.log", b, 0, at, "expected a defined lock id, found 77", 0);

    /* a CONTEXT naming a thread that was never defined */
    b = prefix(&at);
    lgb_edge(b, 1, 1, 2);
    size_t ctx_at = lgb_bytes(b)->len;
    lgb_context(b, 1, 9, 0, LG_MODE_EXCL, LG_MODE_EXCL, 0, 0, 0);
    add(out, "undefined_thread.log", b, 0, ctx_at, "expected a defined thread serial, found 9", 0);

    /* a WAITS record that follows no deadlock FINDING */
    b = prefix(&at);
    {
        lg_item w = {.thread = 1, .waited_ns = 5};
        lgb_waits(b, 1, &w);
    }
    lgb_mutex(b, 3);
    add(out, "stray_waits.log", b, 0, at, "expected WAITS right after a deadlock FINDING", 0);

    /* a WAITS record whose thread is not the deadlock item's */
    b = prefix(&at);
    lgb_thread(b, 2, 43, 1, 0, "t2");
    {
        lg_item d = {.thread = 1, .lock = 1, .other_lock = 2};
        lgb_finding(b, LG_FIND_DEADLOCK, 0, 0, "", 1, &d);
        at = lgb_bytes(b)->len;
        d.thread = 2;
        lgb_waits(b, 1, &d);
    }
    add(out, "waits_wrong_thread.log", b, 0, at, "expected WAITS item 0 for thread 1", 0);

    /* a record whose payload is shorter than its type needs (CRC valid) */
    b = prefix(&at);
    lgb_record(b, LG_REC_LOCK, "\x01\x02\x03", 3);
    lgb_mutex(b, 3);
    add(out, "short_payload.log", b, 0, at, "expected a complete LOCK payload", 0);

    /* an UNTRACED record cut after its reason (CRC valid): no path */
    b = prefix(&at);
    lgb_record(b, LG_REC_UNTRACED, "\x01\0\0\0\0\0\0\0\x01", 9);
    lgb_mutex(b, 3);
    add(out, "short_untraced.log", b, 0, at, "expected a complete UNTRACED payload", 0);

    /* records before HEADER */
    b = lgb_new();
    lgb_mutex(b, 1);
    add(out, "no_header.log", b, 0, LG_FILE_HEADER_SIZE, "expected a HEADER record first", 0);

    return out;
}

void bad_logs_free(GPtrArray *logs)
{
    for (guint i = 0; i < logs->len; i++) {
        bad_log *l = g_ptr_array_index(logs, i);
        g_byte_array_free(l->bytes, TRUE);
        g_free(l);
    }
    g_ptr_array_free(logs, TRUE);
}
