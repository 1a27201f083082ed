/* libFuzzer target: any bytes as a log.  The reader must answer OK, TORN or ERROR,
 * never crash, leak or read out of bounds; and whatever it accepts must survive the
 * whole analysis and every output format.  The same bytes are also given to the
 * shared record decoder (common/log_records.c) as the payload of every record type,
 * and every list item of what it accepts is read back. */
#include "analysis.h"
#include "formats.h"
#include "log_reader.h"
#include "symbol_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_codec.h"
#include "log_format.h"
#include "log_records.h"

/* Random bytes almost never carry a valid CRC, so mutations would stop at the framing.
 * For half of the inputs (last byte odd) every complete record gets its correct CRC,
 * which lets mutated payloads reach decoding, the model and the analysis. */
static void fix_crcs(unsigned char *buf, size_t len)
{
    size_t off = LG_FILE_HEADER_SIZE;
    while (off + LG_REC_HEADER_SIZE <= len) {
        lg_rec_header h;
        lg_rec_header_parse(buf + off, &h);
        if (h.len > len - off - LG_REC_HEADER_SIZE)
            return;
        uint32_t crc = lg_rec_crc(buf + off, buf + off + LG_REC_HEADER_SIZE, h.len);
        for (int i = 0; i < 4; i++)
            buf[off + 8 + i] = (unsigned char)(crc >> (8 * i));
        off += LG_REC_HEADER_SIZE + h.len;
    }
}

/* Any bytes as a payload of each type: the decoder answers, and the items of what it
 * accepts lie inside the payload (ASan checks every read). */
static void decode_as_every_type(const uint8_t *data, size_t size)
{
    volatile uint64_t sink = 0;
    for (uint16_t type = 0; type <= LG_REC_TYPE_MAX + 1; type++) {
        lg_log_record r;
        lg_log_error err;
        if (lg_log_decode(type, data, size, &r, &err) != 0) {
            if (!err.what[0] || err.at > size)
                __builtin_trap();
            continue;
        }
        switch (type) {
        case LG_REC_MODULE:
            for (uint32_t i = 0; i < r.u.module.nseg; i++)
                sink += lg_log_module_item(&r.u.module, i).memsz;
            break;
        case LG_REC_STACK:
            for (uint32_t i = 0; i < r.u.stack.n; i++)
                sink += lg_log_stack_item(&r.u.stack, i);
            break;
        case LG_REC_THREAD_EXIT:
            for (uint32_t i = 0; i < r.u.thread_exit.n; i++)
                sink += lg_log_thread_exit_item(&r.u.thread_exit, i);
            break;
        case LG_REC_CHAIN:
            for (uint32_t i = 0; i < r.u.chain.n; i++)
                sink += lg_log_chain_item(&r.u.chain, i).lock;
            break;
        case LG_REC_FINDING:
            for (uint32_t i = 0; i < r.u.finding.n; i++)
                sink += lg_log_finding_item_at(&r.u.finding, i).lock_id;
            break;
        case LG_REC_STATS:
            for (uint32_t i = 0; i < r.u.stats.n; i++)
                sink += lg_log_stats_item(&r.u.stats, i).hold_max_ns;
            break;
        case LG_REC_LOSSES:
            for (uint32_t i = 0; i < r.u.losses.n; i++)
                sink += lg_log_losses_item(&r.u.losses, i).value;
            break;
        case LG_REC_WAITS:
            for (uint32_t i = 0; i < r.u.waits.n; i++)
                sink += lg_log_waits_item(&r.u.waits, i).held_ns;
            break;
        default:
            break;
        }
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        lg_symbols_set_enabled(FALSE); /* fuzzed module paths must not open files */
        init = 1;
    }
    decode_as_every_type(data, size);
    unsigned char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (size && (data[size - 1] & 1))
        fix_crcs(copy, size);
    lg_process *p = NULL;
    char *msg = NULL;
    lg_read_status st = lg_log_read_buffer("fuzz.log", copy, size, 0, &p, &msg);
    free(copy);
    if ((st == LG_READ_ERROR) != (p == NULL) || (st != LG_READ_OK && !msg))
        __builtin_trap();
    g_free(msg);
    if (p) {
        GPtrArray *procs = g_ptr_array_new_with_free_func((GDestroyNotify)lg_process_free);
        g_ptr_array_add(procs, p);
        lg_analysis_opts o = {.max_cycles = 200, .max_steps = 200000, .rule_budget = 20000};
        lg_analysis *a = lg_analyze(procs, &o);
        FILE *null = fopen("/dev/null", "w");
        lg_format_opts fo = {.verbose = TRUE, .top = 5};
        lg_format_text(null, a, &fo);
        lg_format_json(null, a, &fo);
        lg_format_sarif(null, a, &fo);
        lg_format_dot(null, a, &fo);
        fclose(null);
        lg_analysis_free(a);
    }
    lg_symbols_reset();
    return 0;
}
