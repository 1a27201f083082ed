/* libFuzzer target: any bytes as a log.  The reader must answer OK, TORN or ERROR,
 * never crash, leak or read out of bounds; and whatever it accepts must survive the
 * whole analysis and every output format. */
#include "analysis.h"
#include "formats.h"
#include "log_reader.h"
#include "symbol_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_codec.h"
#include "log_format.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        lg_symbols_set_enabled(FALSE); /* fuzzed module paths must not open files */
        init = 1;
    }
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
