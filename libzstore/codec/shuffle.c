/* shuffle.c - the "shuffle" filter ({"elementsize": 4}): byte j of every
 * element goes to plane j, as numcodecs' Shuffle.  Like numcodecs, the
 * encoded side is a flat array of bytes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct shuffle_state {
    size_t elementsize;
} shuffle_state;

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"elementsize", NULL};
    int64_t es = 4;  /* numcodecs' default */
    uint64_t count;
    shuffle_state *s;
    zs_status st = zsi_cfg_keys(ctx, "shuffle", cfg, keys);
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "shuffle", cfg, "elementsize", 0, 1 << 20,
                         &es);
    if (st != ZS_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->elementsize = (size_t)es;
    zsi_info_bytes(enc);
    if (!zsi_info_count(info, &count) ||
        !zsi_mul_ok(count, info->itemsize, &enc->shape[0]))
        enc->shape[0] = 0;
    *state = s;
    return ZS_OK;
}

static zs_status check(const shuffle_state *s, zs_ctx *ctx, size_t n,
                       zs_status code, zsi_buf *out)
{
    if (s->elementsize > 1 && n % s->elementsize)
        return zsi_err(ctx, code,
                       "shuffle: %zu bytes is not a whole number of "
                       "%zu-byte elements", n, s->elementsize);
    if (!zsi_buf_resize(out, n))
        return zsi_nomem(ctx);
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const shuffle_state *s = state;
    size_t es = s->elementsize, count;
    zs_status st = check(s, ctx, n, ZS_ERR_INVALID, out);
    if (st != ZS_OK || n == 0)
        return st;
    if (es <= 1) {
        memcpy(out->data, in, n);
        return ZS_OK;
    }
    count = n / es;
    for (size_t j = 0; j < es; j++) {
        uint8_t *q = out->data + j * count;
        for (size_t i = 0; i < count; i++)
            q[i] = in[i * es + j];
    }
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    const shuffle_state *s = state;
    size_t es = s->elementsize, count;
    zs_status st = check(s, ctx, n, ZS_ERR_CORRUPT, out);
    (void)expect;
    if (st != ZS_OK || n == 0)
        return st;
    if (es <= 1) {
        memcpy(out->data, in, n);
        return ZS_OK;
    }
    count = n / es;
    for (size_t j = 0; j < es; j++) {
        const uint8_t *p = in + j * count;
        for (size_t i = 0; i < count; i++)
            out->data[i * es + j] = p[i];
    }
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const shuffle_state *s = state;
    return zsi_kv_set_int(out, "elementsize", (int64_t)s->elementsize)
               ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const shuffle_state *s = state;
    snprintf(buf, size, "%zu", s->elementsize);
}

const zsi_codec_class zsi_codec_shuffle = {
    "shuffle", ZSI_CODEC_FILTER, create, encode, decode, config, describe,
    free,
};
