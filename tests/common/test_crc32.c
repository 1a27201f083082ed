/* Tests of the log's CRC-32 (common/log_codec.c, tables in common/crc32_tables.h):
 * every table entry recomputed from the polynomial, and the sliced CRC equal to the
 * bit-at-a-time definition at every length, alignment and split point that matters.
 * With --print it prints the table rows of crc32_tables.h (how they were made). */
#include "crc32_tables.h"
#include "log_codec.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static uint32_t ref_table[8][256];

static void make_ref_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        ref_table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            ref_table[k][i] = (ref_table[k - 1][i] >> 8) ^ ref_table[0][ref_table[k - 1][i] & 0xffu];
}

/* The definition: one bit at a time, no table. */
static uint32_t ref_crc(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

static void test_tables(void)
{
    for (int k = 0; k < 8; k++)
        for (int i = 0; i < 256; i++)
            g_assert_cmphex(crc32_slice[k][i], ==, ref_table[k][i]);
}

static void test_known_values(void)
{
    g_assert_cmphex(lg_crc32(0, "", 0), ==, 0);
    g_assert_cmphex(lg_crc32(0, "123456789", 9), ==, 0xCBF43926u); /* the check value */
    g_assert_cmphex(lg_crc32(0, "The quick brown fox jumps over the lazy dog", 43), ==,
                    0x414FA339u);
}

/* Each byte value at each position of a 24-byte buffer: every entry of every slice
 * is used, by the sliced loop and by the byte-wise tail, at every start offset. */
static void test_single_bytes(void)
{
    unsigned char buf[32];
    for (int off = 0; off < 8; off++)
        for (size_t len = 0; len <= 24; len++)
            for (size_t pos = 0; pos < len; pos++)
                for (int b = 0; b < 256; b += (pos % 3 == 0 ? 1 : 17)) {
                    memset(buf, 0, sizeof buf);
                    buf[off + pos] = (unsigned char)b;
                    g_assert_cmphex(lg_crc32(0, buf + off, len), ==, ref_crc(0, buf + off, len));
                }
}

/* Random data: whole buffers, running CRCs split at every point (lg_rec_crc feeds
 * the header and the payload separately), and a non-zero starting value. */
static void test_random(void)
{
    GRand *r = g_rand_new_with_seed(9);
    unsigned char buf[1100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)g_rand_int(r);
    for (size_t len = 0; len < 300; len++)
        g_assert_cmphex(lg_crc32(0, buf + len % 7, len), ==, ref_crc(0, buf + len % 7, len));
    uint32_t whole = ref_crc(0, buf, 1024);
    g_assert_cmphex(lg_crc32(0, buf, 1024), ==, whole);
    for (size_t cut = 0; cut <= 64; cut++)
        g_assert_cmphex(lg_crc32(lg_crc32(0, buf, cut), buf + cut, 1024 - cut), ==, whole);
    g_assert_cmphex(lg_crc32(0x12345678u, buf, 77), ==, ref_crc(0x12345678u, buf, 77));
    g_rand_free(r);
}

static void print_tables(void)
{
    for (int k = 0; k < 8; k++) {
        printf("    {");
        for (int i = 0; i < 256; i++) {
            if (i % 6 == 0)
                printf("\n        ");
            printf("0x%08xu,%s", ref_table[k][i], (i % 6 == 5 || i == 255) ? "" : " ");
        }
        printf("\n    },\n");
    }
}

int main(int argc, char **argv)
{
    make_ref_tables();
    if (argc == 2 && strcmp(argv[1], "--print") == 0) {
        print_tables();
        return 0;
    }
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/crc32/tables", test_tables);
    g_test_add_func("/crc32/known_values", test_known_values);
    g_test_add_func("/crc32/single_bytes", test_single_bytes);
    g_test_add_func("/crc32/random", test_random);
    return g_test_run();
}
