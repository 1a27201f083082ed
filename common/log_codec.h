/* The primitives of the log encoding (see log_format.h): fixed-width little-endian
 * integers, strings, the CRC and the record header.  log_records.h lays out every
 * record with them, once, for the shim's writer and every reader alike.
 *
 * Invariants
 *  - Nothing here allocates, locks or calls into libc beyond memcpy: the encoder
 *    runs inside hooks (possibly from a signal handler) on a caller-provided buffer.
 *  - An encoder that runs out of room sets `overflow` and stops writing; the caller
 *    drops the record rather than writing a truncated one.
 *  - A decoder never reads outside [p, end): every get_* checks the remaining length
 *    and, on underrun, sets `bad` and returns zero/empty values, so a reader can
 *    decode a whole payload and check `bad` once at the end.
 */
#ifndef LOCKGRAPH_LOG_CODEC_H
#define LOCKGRAPH_LOG_CODEC_H

#include <stddef.h>
#include <stdint.h>

uint32_t lg_crc32(uint32_t crc, const void *data, size_t len);

typedef struct lg_enc {
    unsigned char *buf;
    size_t cap;
    size_t len;
    int overflow;
} lg_enc;

/* Starts a record of `type` in buf (reserves the 12-byte record header). */
void lg_enc_begin(lg_enc *e, void *buf, size_t cap, uint16_t type);
void lg_enc_u8(lg_enc *e, uint8_t v);
void lg_enc_u16(lg_enc *e, uint16_t v);
void lg_enc_u32(lg_enc *e, uint32_t v);
void lg_enc_u64(lg_enc *e, uint64_t v);
void lg_enc_bytes(lg_enc *e, const void *p, uint32_t n); /* u32 length + bytes */
void lg_enc_str(lg_enc *e, const char *s);               /* NULL encodes as "" */
/* Fills in length and crc.  Returns the total record size, or 0 on overflow. */
size_t lg_enc_finish(lg_enc *e);

/* Writes the 16-byte file header into out. */
void lg_file_header(unsigned char out[16]);

typedef struct lg_dec {
    const unsigned char *p;
    const unsigned char *end;
    int bad;
} lg_dec;

void lg_dec_init(lg_dec *d, const void *payload, size_t len);
uint8_t lg_dec_u8(lg_dec *d);
uint16_t lg_dec_u16(lg_dec *d);
uint32_t lg_dec_u32(lg_dec *d);
uint64_t lg_dec_u64(lg_dec *d);
/* Returns a pointer into the payload (not NUL-terminated) and its length. */
const unsigned char *lg_dec_bytes(lg_dec *d, uint32_t *len);
/* A count of items each at least `min_item` bytes long: rejects counts the
 * remaining payload cannot hold, so a corrupt count cannot drive a huge loop. */
uint32_t lg_dec_count(lg_dec *d, size_t min_item);
size_t lg_dec_remaining(const lg_dec *d);

/* Parsed record header. */
typedef struct lg_rec_header {
    uint16_t type;
    uint16_t reserved;
    uint32_t len;
    uint32_t crc;
} lg_rec_header;

void lg_rec_header_parse(const unsigned char in[12], lg_rec_header *h);
/* CRC a record must carry, given its first 8 header bytes and payload. */
uint32_t lg_rec_crc(const unsigned char hdr8[8], const void *payload, size_t len);

#endif
