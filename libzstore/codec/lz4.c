/* lz4.c - the "lz4" compressor in numcodecs' framing: the decoded size
 * as 4 bytes little-endian, then one raw LZ4 block.
 * {"acceleration": 1}. */
#include "config.h"

#include <limits.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec/codec_impl.h"

/* An LZ4 block expands at most about 255 times (a match length grows by
 * 255 per extra byte); anything claiming more is corrupt. */
#define LZ4_MAX_RATIO 255

typedef struct lz4_state {
    int accel;
} lz4_state;

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"acceleration", NULL};
    int64_t accel = 1;
    lz4_state *s;
    zs_status st = zsi_cfg_keys(ctx, "lz4", cfg, keys);
    (void)info;
    /* LZ4 itself treats values below 1 as 1 */
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "lz4", cfg, "acceleration", INT_MIN,
                         INT_MAX, &accel);
    if (st != ZS_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->accel = (int)accel;
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const lz4_state *s = state;
    int cap, r;
    if (n > LZ4_MAX_INPUT_SIZE)
        return zsi_err(ctx, ZS_ERR_OVERFLOW,
                       "lz4: chunk of %zu bytes exceeds lz4's limit of %d "
                       "bytes", n, LZ4_MAX_INPUT_SIZE);
    cap = LZ4_compressBound((int)n);
    if (!zsi_buf_resize(out, 4 + (size_t)cap))
        return zsi_nomem(ctx);
    r = LZ4_compress_fast((const char *)in, (char *)out->data + 4, (int)n,
                          cap, s->accel);
    if (r <= 0)
        return zsi_err(ctx, ZS_ERR_INVALID, "lz4: compression failed");
    zsi_put_le32(out->data, (uint32_t)n);
    out->len = 4 + (size_t)r;
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    uint32_t size;
    int r;
    (void)state;
    if (n < 5)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "lz4: frame of %zu bytes is too short", n);
    size = zsi_le32(in);
    if (expect && size != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "lz4: header claims %lu bytes, expected %zu",
                       (unsigned long)size, expect);
    if (size > LZ4_MAX_INPUT_SIZE || n - 4 > INT_MAX ||
        (uint64_t)size > (uint64_t)(n - 4) * LZ4_MAX_RATIO + 16)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "lz4: header claims %lu bytes from %zu compressed",
                       (unsigned long)size, n - 4);
    if (!zsi_buf_resize(out, size))
        return zsi_nomem(ctx);
    r = LZ4_decompress_safe((const char *)in + 4, (char *)out->data,
                            (int)(n - 4), (int)size);
    if (r < 0 || (uint32_t)r != size)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "lz4: corrupt block");
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const lz4_state *s = state;
    return zsi_kv_set_int(out, "acceleration", s->accel) ? ZS_OK
                                                         : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const lz4_state *s = state;
    snprintf(buf, size, "%d", s->accel);
}

const zsi_codec_class zsi_codec_lz4 = {
    "lz4", ZSI_CODEC_COMPRESSOR, create, encode, decode, config,
    describe, free,
};
