#define _GNU_SOURCE
#include "log_builder.h"
#include "log_codec.h"
#include "analysis.h"
#include "log_reader.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

struct lgb {
    GByteArray *bytes;
    uint64_t ts;
    uint32_t next_edge, next_chain;
    GHashTable *edges; /* "from:to" -> edge id */
};

lgb *lgb_new(void)
{
    lgb *b = g_new0(lgb, 1);
    b->bytes = g_byte_array_new();
    unsigned char hdr[16];
    lg_file_header(hdr);
    g_byte_array_append(b->bytes, hdr, sizeof hdr);
    b->ts = 1000;
    b->next_edge = 1;
    b->next_chain = 1;
    b->edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return b;
}

void lgb_free(lgb *b)
{
    if (!b)
        return;
    g_byte_array_free(b->bytes, TRUE);
    g_hash_table_destroy(b->edges);
    g_free(b);
}

GByteArray *lgb_bytes(lgb *b) { return b->bytes; }
void lgb_set_ts(lgb *b, uint64_t ts) { b->ts = ts; }
uint64_t lgb_ts(const lgb *b) { return b->ts; }

char *lgb_write(lgb *b, const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    GError *err = NULL;
    if (!g_file_set_contents(path, (const char *)b->bytes->data, b->bytes->len, &err))
        g_error("lgb_write %s: %s", path, err->message);
    return path;
}

void lgb_raw(lgb *b, const void *bytes, size_t len) { g_byte_array_append(b->bytes, bytes, len); }

/* Every record goes through the real encoder. */
typedef struct rec {
    lg_enc e;
    unsigned char *buf;
} rec;

static void begin(rec *r, uint16_t type)
{
    r->buf = g_malloc(1u << 20);
    lg_enc_begin(&r->e, r->buf, 1u << 20, type);
}

static void finish(lgb *b, rec *r)
{
    size_t n = lg_enc_finish(&r->e);
    g_assert_cmpuint(n, >, 0);
    g_byte_array_append(b->bytes, r->buf, n);
    g_free(r->buf);
    b->ts += 1000;
}

void lgb_record(lgb *b, uint16_t type, const void *payload, uint32_t len)
{
    rec r;
    begin(&r, type);
    for (uint32_t i = 0; i < len; i++)
        lg_enc_u8(&r.e, ((const unsigned char *)payload)[i]);
    finish(b, &r);
}

void lgb_header(lgb *b, uint32_t pid, const char *run_id, const char *exe)
{
    rec r;
    begin(&r, LG_REC_HEADER);
    lg_enc_u32(&r.e, pid);
    lg_enc_u32(&r.e, 1);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u64(&r.e, 1700000000ull * 1000000000ull);
    lg_enc_u32(&r.e, 32);
    lg_enc_u32(&r.e, 0);
    lg_enc_str(&r.e, run_id);
    lg_enc_str(&r.e, exe);
    static const char cmd[] = "prog\0--flag\0";
    lg_enc_bytes(&r.e, cmd, sizeof cmd - 1);
    finish(b, &r);
}

static void module_rec(lgb *b, uint32_t id, uint64_t base, const char *path, const void *bid,
                       uint32_t bidlen, uint32_t nseg, const uint64_t *segs)
{
    rec r;
    begin(&r, LG_REC_MODULE);
    lg_enc_u32(&r.e, id);
    lg_enc_u64(&r.e, base);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_str(&r.e, path);
    lg_enc_bytes(&r.e, bid, bidlen);
    lg_enc_u32(&r.e, nseg);
    for (uint32_t i = 0; i < 2 * nseg; i++)
        lg_enc_u64(&r.e, segs[i]);
    finish(b, &r);
}

void lgb_module(lgb *b, uint32_t id, uint64_t base, const char *path, const char *build_id,
                uint64_t seg_vaddr, uint64_t seg_memsz)
{
    uint64_t seg[2] = {seg_vaddr, seg_memsz};
    module_rec(b, id, base, path, build_id, build_id ? (uint32_t)strlen(build_id) : 0, 1, seg);
}

typedef struct self_info {
    uint64_t base;
    uint32_t nseg;
    uint64_t segs[32];
} self_info;

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    self_info *s = data;
    /* the first object is the main program */
    s->base = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum && s->nseg < 16; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD) {
            s->segs[2 * s->nseg] = info->dlpi_phdr[i].p_vaddr;
            s->segs[2 * s->nseg + 1] = info->dlpi_phdr[i].p_memsz;
            s->nseg++;
        }
    return 1;
}

void lgb_module_self(lgb *b, uint32_t id)
{
    self_info s = {0};
    dl_iterate_phdr(find_self, &s);
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_assert_nonnull(exe);
    module_rec(b, id, s.base, exe, NULL, 0, s.nseg, s.segs);
    g_free(exe);
}

uint64_t lgb_pc(void (*fn)(void))
{
    /* a call site inside fn, as a STACK record would hold */
    return (uint64_t)(uintptr_t)fn + 4;
}

void lgb_module_unload(lgb *b, uint32_t id)
{
    rec r;
    begin(&r, LG_REC_MODULE_UNLOAD);
    lg_enc_u32(&r.e, id);
    lg_enc_u64(&r.e, b->ts);
    finish(b, &r);
}

void lgb_stack(lgb *b, uint32_t id, uint32_t n, const uint64_t *pcs)
{
    rec r;
    begin(&r, LG_REC_STACK);
    lg_enc_u32(&r.e, id);
    lg_enc_u32(&r.e, n);
    for (uint32_t i = 0; i < n; i++)
        lg_enc_u64(&r.e, pcs[i]);
    finish(b, &r);
}

void lgb_thread(lgb *b, uint32_t serial, uint32_t tid, uint32_t creator, uint32_t create_stack,
                const char *name)
{
    rec r;
    begin(&r, LG_REC_THREAD);
    lg_enc_u32(&r.e, serial);
    lg_enc_u32(&r.e, tid);
    lg_enc_u32(&r.e, creator);
    lg_enc_u32(&r.e, create_stack);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_str(&r.e, name);
    finish(b, &r);
}

void lgb_thread_exit(lgb *b, uint32_t serial)
{
    rec r;
    begin(&r, LG_REC_THREAD_EXIT);
    lg_enc_u32(&r.e, serial);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_str(&r.e, "");
    lg_enc_u32(&r.e, 0);
    finish(b, &r);
}

void lgb_lock(lgb *b, uint64_t id, uint64_t addr, uint8_t kind, uint8_t subkind,
              uint32_t first_stack, uint8_t class_type, uint32_t class_module,
              uint64_t class_offset, uint32_t class_stack)
{
    rec r;
    begin(&r, LG_REC_LOCK);
    lg_enc_u64(&r.e, id);
    lg_enc_u64(&r.e, addr);
    lg_enc_u32(&r.e, 0);
    lg_enc_u8(&r.e, kind);
    lg_enc_u8(&r.e, subkind);
    lg_enc_u16(&r.e, 0);
    lg_enc_u32(&r.e, first_stack);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u8(&r.e, class_type);
    lg_enc_u32(&r.e, class_module);
    lg_enc_u64(&r.e, class_offset);
    lg_enc_u32(&r.e, class_stack);
    finish(b, &r);
}

void lgb_mutex(lgb *b, uint64_t id)
{
    lgb_lock(b, id, 0x1000 + id * 64, LG_KIND_MUTEX, LG_SUB_NORMAL, 0, 0, 0, 0, 0);
}

void lgb_edge(lgb *b, uint32_t id, uint64_t from, uint64_t to)
{
    rec r;
    begin(&r, LG_REC_EDGE);
    lg_enc_u32(&r.e, id);
    lg_enc_u64(&r.e, from);
    lg_enc_u64(&r.e, to);
    lg_enc_u64(&r.e, b->ts);
    finish(b, &r);
}

void lgb_chain(lgb *b, uint32_t id, uint32_t n, const lg_held_lock *held)
{
    rec r;
    begin(&r, LG_REC_CHAIN);
    lg_enc_u32(&r.e, id);
    lg_enc_u32(&r.e, n);
    for (uint32_t i = 0; i < n; i++) {
        lg_enc_u64(&r.e, held[i].lock);
        lg_enc_u8(&r.e, held[i].mode);
    }
    finish(b, &r);
}

void lgb_context(lgb *b, uint32_t edge, uint32_t thread, uint32_t chain, uint8_t from_mode,
                 uint8_t to_mode, uint16_t flags, uint32_t stack, uint32_t held_stack)
{
    rec r;
    begin(&r, LG_REC_CONTEXT);
    lg_enc_u32(&r.e, edge);
    lg_enc_u32(&r.e, thread);
    lg_enc_u32(&r.e, chain);
    lg_enc_u8(&r.e, from_mode);
    lg_enc_u8(&r.e, to_mode);
    lg_enc_u16(&r.e, flags);
    lg_enc_u32(&r.e, stack);
    lg_enc_u32(&r.e, held_stack);
    lg_enc_u64(&r.e, b->ts);
    finish(b, &r);
}

void lgb_ctx(lgb *b, uint32_t thread, uint64_t from, uint8_t from_mode, uint64_t to,
             uint8_t to_mode, uint16_t flags, uint32_t stack, uint32_t held_stack,
             const uint64_t *gates, uint32_t ngates, uint8_t gate_mode)
{
    char *key = g_strdup_printf("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, from, to);
    uint32_t edge = GPOINTER_TO_UINT(g_hash_table_lookup(b->edges, key));
    if (!edge) {
        edge = b->next_edge++;
        lgb_edge(b, edge, from, to);
        g_hash_table_insert(b->edges, key, GUINT_TO_POINTER(edge));
    } else {
        g_free(key);
    }
    lg_held_lock held[16];
    uint32_t n = 0;
    for (uint32_t i = 0; i < ngates && n < 15; i++)
        held[n++] = (lg_held_lock){gates[i], gate_mode};
    held[n++] = (lg_held_lock){from, from_mode};
    uint32_t chain = b->next_chain++;
    lgb_chain(b, chain, n, held);
    lgb_context(b, edge, thread, chain, from_mode, to_mode, flags, stack, held_stack);
}

void lgb_order(lgb *b, uint32_t thread, uint64_t from, uint64_t to, uint32_t stack,
               uint32_t held_stack)
{
    lgb_ctx(b, thread, from, LG_MODE_EXCL, to, LG_MODE_EXCL, 0, stack, held_stack, NULL, 0, 0);
}

void lgb_finding(lgb *b, uint8_t kind, uint16_t flags, uint64_t value, const char *detail,
                 uint32_t n, const lg_item *items)
{
    rec r;
    begin(&r, LG_REC_FINDING);
    lg_enc_u8(&r.e, kind);
    lg_enc_u16(&r.e, flags);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u64(&r.e, value);
    lg_enc_str(&r.e, detail);
    lg_enc_u32(&r.e, n);
    for (uint32_t i = 0; i < n; i++) {
        lg_enc_u32(&r.e, items[i].thread);
        lg_enc_u64(&r.e, items[i].lock);
        lg_enc_u64(&r.e, items[i].other_lock);
        lg_enc_u32(&r.e, items[i].stack);
        lg_enc_u32(&r.e, items[i].other_stack);
        lg_enc_u8(&r.e, items[i].mode);
    }
    finish(b, &r);
}

void lgb_waits(lgb *b, uint32_t n, const lg_item *items)
{
    rec r;
    begin(&r, LG_REC_WAITS);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u32(&r.e, n);
    for (uint32_t i = 0; i < n; i++) {
        lg_enc_u32(&r.e, items[i].thread);
        lg_enc_u8(&r.e, items[i].wait_flags);
        lg_enc_u64(&r.e, items[i].waited_ns);
        lg_enc_u64(&r.e, items[i].held_ns);
    }
    finish(b, &r);
}

void lgb_stats(lgb *b, uint32_t n, const lg_lock_stats *s)
{
    rec r;
    begin(&r, LG_REC_STATS);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u32(&r.e, n);
    for (uint32_t i = 0; i < n; i++) {
        lg_enc_u64(&r.e, s[i].lock);
        lg_enc_u64(&r.e, s[i].acquisitions);
        lg_enc_u64(&r.e, s[i].contended);
        lg_enc_u64(&r.e, s[i].wait_total_ns);
        lg_enc_u64(&r.e, s[i].wait_max_ns);
        lg_enc_u64(&r.e, s[i].hold_total_ns);
        lg_enc_u64(&r.e, s[i].hold_max_ns);
    }
    finish(b, &r);
}

void lgb_end(lgb *b, uint8_t reason)
{
    rec r;
    begin(&r, LG_REC_END);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u8(&r.e, reason);
    finish(b, &r);
}

void lgb_untraced(lgb *b, uint8_t reason, const char *path)
{
    rec r;
    begin(&r, LG_REC_UNTRACED);
    lg_enc_u64(&r.e, b->ts);
    lg_enc_u8(&r.e, reason);
    lg_enc_str(&r.e, path);
    finish(b, &r);
}

void lgb_losses(lgb *b, uint32_t n, const lg_log_loss *l)
{
    rec r;
    r.buf = g_malloc(1u << 20);
    lg_encode_losses(&r.e, r.buf, 1u << 20, &(lg_log_losses){.ts = b->ts, .n = n});
    for (uint32_t i = 0; i < n; i++)
        lg_encode_losses_item(&r.e, &l[i]);
    finish(b, &r);
}

lg_process *lgb_read(lgb *b, const char *name, unsigned index)
{
    lg_process *p = NULL;
    char *msg = NULL;
    lg_read_status st = lg_log_read_buffer(name, b->bytes->data, b->bytes->len, index, &p, &msg);
    if (st != LG_READ_OK)
        g_error("log %s unreadable: %s", name, msg ? msg : "?");
    g_free(msg);
    return p;
}

lg_analysis *lgb_analyze(lgb *const *logs, unsigned n, const lg_analysis_opts *opts)
{
    GPtrArray *procs = g_ptr_array_new_with_free_func((GDestroyNotify)lg_process_free);
    for (unsigned i = 0; i < n; i++) {
        char name[32];
        g_snprintf(name, sizeof name, "log%u.log", i);
        g_ptr_array_add(procs, lgb_read(logs[i], name, i));
    }
    return lg_analyze(procs, opts);
}

lgb *lgb_formats_scenario(const char *run_id, const char *exe, const char *thread2_name,
                          void (*const *fns)(void), uint32_t n)
{
    enum { A = 1, B = 2, C = 3, G = 4 };
    lgb *b = lgb_new();
    lgb_header(b, 321, run_id, exe);
    lgb_module_self(b, 1);
    for (uint32_t s = 0; s < n; s++) {
        uint64_t pc = lgb_pc(fns[s]);
        lgb_stack(b, s + 1, 1, &pc);
    }
    lgb_thread(b, 1, 321, 0, 0, "main");
    lgb_thread(b, 2, 322, 1, 4, thread2_name);
    lgb_thread(b, 3, 323, 1, 4, "beta");
    for (uint64_t l = A; l <= G; l++)
        lgb_lock(b, l, 0x10000 + l * 64, LG_KIND_MUTEX, 0, 3, LG_CLASS_SITE, 0, 0, 3);
    lgb_order(b, 2, A, B, 1, 3);
    lgb_order(b, 3, B, A, 2, 3);
    /* a gated cycle over B, C (filtered) */
    uint64_t g = G;
    lgb_ctx(b, 2, B, LG_MODE_EXCL, C, LG_MODE_EXCL, 0, 1, 3, &g, 1, LG_MODE_EXCL);
    lgb_ctx(b, 3, C, LG_MODE_EXCL, B, LG_MODE_EXCL, 0, 2, 3, &g, 1, LG_MODE_EXCL);
    lg_lock_stats st[2] = {{.lock = A, .acquisitions = 100, .contended = 7, .wait_total_ns = 5000000,
                            .wait_max_ns = 2000000, .hold_total_ns = 9000000, .hold_max_ns = 1000000},
                           {.lock = B, .acquisitions = 50, .contended = 20}};
    lgb_stats(b, 2, st);
    return b;
}
