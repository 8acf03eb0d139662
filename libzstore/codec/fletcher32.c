/* fletcher32.c - numcodecs' "fletcher32" (newer than Debian 12's 0.11,
 * which lacks it; zarrs reads and writes it too): HDF5's
 * Fletcher-32 of the data (H5_checksum_fletcher32, which numcodecs
 * copies) appended as 4 bytes little-endian, as HDF5's fletcher32 filter
 * stores it.  It is not the textbook Fletcher-32: the data are read as
 * big-endian 16-bit words, an odd last byte is the high byte of a last
 * word, and the sums are folded to 16 bits rather than reduced modulo
 * 65535, so a sum may be 0xffff where the textbook one gives 0. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

/* Fold the sums every 360 words: sum2 stays below 2^32 (HDF5's bound). */
#define BLOCK_WORDS 360

static uint32_t fold(uint32_t v)
{
    return (v & 0xffff) + (v >> 16);
}

static uint32_t fletcher32(const uint8_t *p, size_t n)
{
    uint32_t sum1 = 0, sum2 = 0;
    size_t words = n / 2;
    while (words) {
        size_t k = words > BLOCK_WORDS ? BLOCK_WORDS : words;
        words -= k;
        for (; k; k--, p += 2) {
            sum1 += (uint32_t)p[0] << 8 | p[1];
            sum2 += sum1;
        }
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    if (n % 2) {
        sum1 += (uint32_t)p[0] << 8;
        sum2 += sum1;
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    return fold(sum2) << 16 | fold(sum1);
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {NULL};
    (void)info;
    *state = NULL;
    /* numcodecs hands the next codec bytes */
    enc->dtype = ZS_DT_UINT8;
    enc->itemsize = 1;
    enc->big_endian = false;
    enc->ndim = 1;
    enc->shape[0] = 0;
    return zsi_cfg_keys(ctx, "fletcher32", cfg, keys);
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    (void)state;
    if (n > SIZE_MAX - 4 || !zsi_buf_resize(out, n + 4))
        return zsi_nomem(ctx);
    if (n)
        memcpy(out->data, in, n);
    zsi_put_le32(out->data + n, fletcher32(in, n));
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    uint32_t want, got;
    (void)state;
    if (n < 4)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "fletcher32: %zu bytes, too short for a checksum",
                       n);
    if (expect && n - 4 != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "fletcher32: %zu bytes of data, expected %zu", n - 4,
                       expect);
    want = zsi_le32(in + n - 4);
    got = fletcher32(in, n - 4);
    if (want != got)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "fletcher32: checksum mismatch (stored %08lx, "
                       "computed %08lx)", (unsigned long)want,
                       (unsigned long)got);
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

const zsi_codec_class zsi_codec_fletcher32 = {
    "fletcher32", ZSI_CODEC_COMPRESSOR, create, encode, decode, config, NULL,
    nothing,
};
