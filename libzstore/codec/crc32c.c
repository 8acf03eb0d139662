/* crc32c.c - the Zarr v3 "crc32c" bytes->bytes codec: append the
 * CRC-32C (Castagnoli) of the data as 4 bytes little-endian; decoding
 * checks and strips it.  The CRC is computed eight bytes at a time
 * ("slicing-by-8") with tables built once. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

#define POLY 0x82f63b78u  /* Castagnoli polynomial, reflected */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^
                          table[0][table[t - 1][i] & 0xff];
}

uint32_t zsi_crc32c(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;
    pthread_once(&table_once, build_tables);
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = zsi_le32(p) ^ crc, hi = zsi_le32(p + 4);
        crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
              table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
              table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
              table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {NULL};
    (void)info;
    (void)enc;
    *state = NULL;
    return zsi_cfg_keys(ctx, "crc32c", cfg, keys);
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    (void)state;
    if (n > SIZE_MAX - 4 || !zsi_buf_resize(out, n + 4))
        return zsi_nomem(ctx);
    if (n)
        memcpy(out->data, in, n);
    zsi_put_le32(out->data + n, zsi_crc32c(0, in, n));
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    uint32_t want, got;
    (void)state;
    if (n < 4)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "crc32c: %zu bytes, too short for a checksum", n);
    if (expect && n - 4 != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "crc32c: %zu bytes of data, expected %zu", n - 4,
                       expect);
    want = zsi_le32(in + n - 4);
    got = zsi_crc32c(0, in, n - 4);
    if (want != got)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "crc32c: checksum mismatch (stored %08lx, computed "
                       "%08lx)", (unsigned long)want, (unsigned long)got);
    if (!zsi_buf_resize(out, n - 4))
        return zsi_nomem(ctx);
    if (n > 4)
        memcpy(out->data, in, n - 4);
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    (void)state;
    (void)out;
    return ZS_OK;
}

static void nothing(void *state)
{
    (void)state;
}

const zsi_codec_class zsi_codec_crc32c = {
    "crc32c", ZSI_CODEC_COMPRESSOR, create, encode, decode, config, NULL,
    nothing,
};
