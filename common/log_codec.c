#include "log_codec.h"
#include "log_format.h"

#include <string.h>

/* Table-driven CRC-32 (reflected polynomial 0xEDB88320), the one zlib and gzip use,
 * so a log can be checked with standard tools.  The table is built at compile time
 * by the macro below: no constructor, no first-use race. */
#define LG_C1(c) (((c) & 1u) ? 0xEDB88320u ^ ((c) >> 1) : ((c) >> 1))
#define LG_C8(c) LG_C1(LG_C1(LG_C1(LG_C1(LG_C1(LG_C1(LG_C1(LG_C1(c))))))))
#define LG_T1(n) LG_C8((uint32_t)(n))
#define LG_T4(n) LG_T1(n), LG_T1((n) + 1), LG_T1((n) + 2), LG_T1((n) + 3)
#define LG_T16(n) LG_T4(n), LG_T4((n) + 4), LG_T4((n) + 8), LG_T4((n) + 12)
#define LG_T64(n) LG_T16(n), LG_T16((n) + 16), LG_T16((n) + 32), LG_T16((n) + 48)
static const uint32_t crc_table[256] = {LG_T64(0), LG_T64(64), LG_T64(128), LG_T64(192)};

uint32_t lg_crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

static void put(lg_enc *e, const void *p, size_t n)
{
    if (e->overflow || n > e->cap - e->len) {
        e->overflow = 1;
        return;
    }
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static void put_le(lg_enc *e, uint64_t v, int n)
{
    unsigned char b[8];
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(e, b, (size_t)n);
}

void lg_enc_begin(lg_enc *e, void *buf, size_t cap, uint16_t type)
{
    e->buf = buf;
    e->cap = cap;
    e->len = 0;
    e->overflow = 0;
    put_le(e, type, 2);
    put_le(e, 0, 2);
    put_le(e, 0, 4); /* len, patched by finish */
    put_le(e, 0, 4); /* crc, patched by finish */
}

void lg_enc_u8(lg_enc *e, uint8_t v) { put_le(e, v, 1); }
void lg_enc_u16(lg_enc *e, uint16_t v) { put_le(e, v, 2); }
void lg_enc_u32(lg_enc *e, uint32_t v) { put_le(e, v, 4); }
void lg_enc_u64(lg_enc *e, uint64_t v) { put_le(e, v, 8); }

void lg_enc_bytes(lg_enc *e, const void *p, uint32_t n)
{
    lg_enc_u32(e, n);
    if (n)
        put(e, p, n);
}

void lg_enc_str(lg_enc *e, const char *s)
{
    lg_enc_bytes(e, s ? s : "", s ? (uint32_t)strlen(s) : 0);
}

static void patch_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

size_t lg_enc_finish(lg_enc *e)
{
    if (e->overflow || e->len < LG_REC_HEADER_SIZE)
        return 0;
    uint32_t payload = (uint32_t)(e->len - LG_REC_HEADER_SIZE);
    if (payload > LG_REC_MAX_PAYLOAD)
        return 0;
    patch_le32(e->buf + 4, payload);
    patch_le32(e->buf + 8, lg_rec_crc(e->buf, e->buf + LG_REC_HEADER_SIZE, payload));
    return e->len;
}

void lg_file_header(unsigned char out[16])
{
    memcpy(out, LG_LOG_MAGIC, 8);
    patch_le32(out + 8, LG_LOG_VERSION);
    patch_le32(out + 12, 0);
}

void lg_dec_init(lg_dec *d, const void *payload, size_t len)
{
    d->p = payload;
    d->end = d->p + len;
    d->bad = 0;
}

static uint64_t get_le(lg_dec *d, int n)
{
    if (d->bad || d->end - d->p < n) {
        d->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)d->p[i] << (8 * i);
    d->p += n;
    return v;
}

uint8_t lg_dec_u8(lg_dec *d) { return (uint8_t)get_le(d, 1); }
uint16_t lg_dec_u16(lg_dec *d) { return (uint16_t)get_le(d, 2); }
uint32_t lg_dec_u32(lg_dec *d) { return (uint32_t)get_le(d, 4); }
uint64_t lg_dec_u64(lg_dec *d) { return get_le(d, 8); }

const unsigned char *lg_dec_bytes(lg_dec *d, uint32_t *len)
{
    uint32_t n = lg_dec_u32(d);
    if (d->bad || (size_t)(d->end - d->p) < n) {
        d->bad = 1;
        *len = 0;
        return (const unsigned char *)"";
    }
    const unsigned char *s = d->p;
    d->p += n;
    *len = n;
    return s;
}

uint32_t lg_dec_count(lg_dec *d, size_t min_item)
{
    uint32_t n = lg_dec_u32(d);
    if (d->bad)
        return 0;
    if (min_item && (size_t)n > (size_t)(d->end - d->p) / min_item) {
        d->bad = 1;
        return 0;
    }
    return n;
}

size_t lg_dec_remaining(const lg_dec *d) { return (size_t)(d->end - d->p); }

void lg_rec_header_parse(const unsigned char in[12], lg_rec_header *h)
{
    lg_dec d;
    lg_dec_init(&d, in, 12);
    h->type = lg_dec_u16(&d);
    h->reserved = lg_dec_u16(&d);
    h->len = lg_dec_u32(&d);
    h->crc = lg_dec_u32(&d);
}

uint32_t lg_rec_crc(const unsigned char hdr8[8], const void *payload, size_t len)
{
    return lg_crc32(lg_crc32(0, hdr8, 8), payload, len);
}
