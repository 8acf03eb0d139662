/* bytes.c - the Zarr v3 "bytes" array->bytes codec,
 * {"endian": "little" | "big"}.  The decoded side is in the machine's
 * order (what the array layer hands over for v3); the encoded side in
 * the configured order.  "endian" may be left out only when elements
 * are single bytes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct bytes_state {
    size_t unit;   /* bytes swapped as a unit (4 for UCS-4 strings) */
    bool big;
    bool given;    /* "endian" was in the configuration */
    bool swap;
} bytes_state;

static zs_status swap_unit(zs_ctx *ctx, const zsi_codec_info *info,
                           size_t *unit)
{
    if (info->dtype == ZS_DT_UNICODE)
        *unit = 4;
    else if (info->dtype == ZS_DT_BYTES)
        *unit = 1;
    else if (zsi_dtype_is_numeric(info->dtype))
        *unit = zsi_dtype_size(info->dtype);
    else
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "bytes: cannot serialise %s elements",
                       zs_dtype_name(info->dtype));
    return ZS_OK;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"endian", NULL};
    const char *endian = NULL;
    size_t unit = 1;
    bytes_state *s;
    zs_status st = zsi_cfg_keys(ctx, "bytes", cfg, keys);
    if (st == ZS_OK)
        st = zsi_cfg_str(ctx, "bytes", cfg, "endian", &endian);
    if (st == ZS_OK)
        st = swap_unit(ctx, info, &unit);
    if (st != ZS_OK)
        return st;
    if (!endian && unit > 1)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "bytes: endian is required for %s elements",
                       zs_dtype_name(info->dtype));
    if (endian && strcmp(endian, "little") != 0 &&
        strcmp(endian, "big") != 0)
        return zsi_err(ctx, ZS_ERR_FORMAT, "bytes: bad endian '%s'",
                       endian);
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->unit = unit;
    s->given = endian != NULL;
    s->big = endian && strcmp(endian, "big") == 0;
    s->swap = unit > 1 && s->big != zsi_native_big_endian();
    enc->big_endian = unit > 1 && s->big;
    *state = s;
    return ZS_OK;
}

bool zsi_bytes_is_noop(const void *state)
{
    const bytes_state *s = state;
    return !s->swap;
}

static zs_status convert(const bytes_state *s, zs_ctx *ctx,
                         const uint8_t *in, size_t n, zsi_buf *out,
                         zs_status code)
{
    if (n % s->unit)
        return zsi_err(ctx, code,
                       "bytes: %zu bytes is not a whole number of "
                       "%zu-byte elements", n, s->unit);
    if (!zsi_buf_resize(out, n))
        return zsi_nomem(ctx);
    if (n)
        memcpy(out->data, in, n);
    if (s->swap)
        zsi_byteswap(out->data, n / s->unit, s->unit);
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    return convert(state, ctx, in, n, out, ZS_ERR_INVALID);
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    (void)expect;
    return convert(state, ctx, in, n, out, ZS_ERR_CORRUPT);
}

static zs_status config(const void *state, zsi_kv *out)
{
    const bytes_state *s = state;
    if (!s->given)
        return ZS_OK;
    return zsi_kv_set_string(out, "endian", s->big ? "big" : "little")
               ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const bytes_state *s = state;
    snprintf(buf, size, "%s", !s->given ? "" : s->big ? "big" : "little");
}

const zsi_codec_class zsi_codec_bytes = {
    "bytes", ZSI_CODEC_ARRAY_BYTES, create, encode, decode, config,
    describe, free,
};
