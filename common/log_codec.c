#include "log_codec.h"
#include "crc32_tables.h"
#include "log_format.h"

#include <string.h>

/* CRC-32 (reflected polynomial 0xEDB88320), the one zlib and gzip use, so a log can
 * be checked with standard tools.  Slicing-by-8 (crc32_tables.h): eight table
 * lookups per eight bytes instead of a dependent lookup per byte; every record the
 * shim writes is checksummed, and byte at a time this was a quarter of the cost of a
 * new lock (docs/performance.md).  The bytes are assembled little-endian by hand, so
 * the result does not depend on the host's byte order or alignment. */
static inline uint32_t le32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t lg_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint32_t(*t)[256] = crc32_slice;
    const unsigned char *p = data;
    crc = ~crc;
    for (; len >= 8; p += 8, len -= 8) {
        uint32_t lo = crc ^ le32_at(p), hi = le32_at(p + 4);
        crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^
              t[4][lo >> 24] ^ t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^
              t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
    }
    while (len--)
        crc = t[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
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
