/* checksum32.c - the 32-bit checksum codecs, bytes->bytes, all one
 * frame: the data and 4 bytes little-endian of their checksum; decoding
 * checks and strips it.
 *   crc32, adler32  numcodecs.checksum32: zlib's CRC-32 or Adler-32, at
 *                   the start of the frame (every numcodecs version) or
 *                   at its end ({"location": "end"}, which versions after
 *                   Debian 12's 0.11 accept); in Zarr v2 "filters" or as
 *                   the compressor, in Zarr v3 as "numcodecs.crc32";
 *   crc32c          Zarr v3's, at the end, no configuration (crc32c.c);
 *   fletcher32      numcodecs' (HDF5's Fletcher-32, fletcher32.c), at the
 *                   end, no configuration. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "codec/codec_impl.h"

typedef uLong (*zlib_fn)(uLong, const Bytef *, uInt);

/* zlib counts in uInt: feed it in pieces. */
static uint32_t zlib_sum(zlib_fn fn, const uint8_t *p, size_t n)
{
    uLong v = fn(0L, Z_NULL, 0);  /* the start value: 0 or 1 */
    while (n) {
        uInt k = n > UINT_MAX ? UINT_MAX : (uInt)n;
        v = fn(v, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)v;
}

static uint32_t sum_crc32(const uint8_t *p, size_t n)
{
    return zlib_sum(crc32, p, n);
}

static uint32_t sum_adler32(const uint8_t *p, size_t n)
{
    return zlib_sum(adler32, p, n);
}

static uint32_t sum_crc32c(const uint8_t *p, size_t n)
{
    return zsi_crc32c(0, p, n);
}

typedef uint32_t (*sum_fn)(const uint8_t *, size_t);

typedef struct sum_state {
    const char *name;
    sum_fn fn;
    bool at_end;
    bool location_given;  /* write "location" back only if it was given */
} sum_state;

static const sum_state fixed_crc32c = {"crc32c", sum_crc32c, true, false};
static const sum_state fixed_fletcher32 = {"fletcher32", zsi_fletcher32,
                                           true, false};

static zs_status parse_location(zs_ctx *ctx, const char *name,
                                const zsi_kv *cfg, sum_state *s)
{
    const char *loc = "start";
    zs_status st = zsi_cfg_str(ctx, name, cfg, "location", &loc);
    if (st != ZS_OK)
        return st;
    if (strcmp(loc, "start") && strcmp(loc, "end"))
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: location '%s' is not \"start\" or \"end\"",
                       name, loc);
    s->at_end = strcmp(loc, "end") == 0;
    s->location_given = zsi_kv_find(cfg, "location") != NULL;
    return ZS_OK;
}

/* crc32 and adler32: a location, at the start by default. */
static zs_status create_located(zs_ctx *ctx, const zsi_kv *cfg,
                                zsi_codec_info *enc, void **state,
                                const char *name, sum_fn fn)
{
    static const char *const keys[] = {"location", NULL};
    sum_state tmp = {name, fn, false, false}, *s;
    zs_status st = zsi_cfg_keys(ctx, name, cfg, keys);
    if (st == ZS_OK)
        st = parse_location(ctx, name, cfg, &tmp);
    if (st != ZS_OK)
        return st;
    s = malloc(sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    *s = tmp;
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static zs_status create_crc32(zs_ctx *ctx, const zsi_kv *cfg,
                              const zsi_codec_info *info,
                              zsi_codec_info *enc, void **state)
{
    (void)info;
    return create_located(ctx, cfg, enc, state, "crc32", sum_crc32);
}

static zs_status create_adler32(zs_ctx *ctx, const zsi_kv *cfg,
                                const zsi_codec_info *info,
                                zsi_codec_info *enc, void **state)
{
    (void)info;
    return create_located(ctx, cfg, enc, state, "adler32", sum_adler32);
}

/* crc32c and fletcher32: at the end, no configuration; the state is a
 * constant. */
static zs_status create_fixed(zs_ctx *ctx, const zsi_kv *cfg, void **state,
                              const sum_state *fixed)
{
    static const char *const keys[] = {NULL};
    *state = (void *)fixed;
    return zsi_cfg_keys(ctx, fixed->name, cfg, keys);
}

static zs_status create_crc32c(zs_ctx *ctx, const zsi_kv *cfg,
                               const zsi_codec_info *info,
                               zsi_codec_info *enc, void **state)
{
    (void)info;
    (void)enc;    /* Zarr v3: the next codec takes bytes anyway */
    return create_fixed(ctx, cfg, state, &fixed_crc32c);
}

static zs_status create_fletcher32(zs_ctx *ctx, const zsi_kv *cfg,
                                   const zsi_codec_info *info,
                                   zsi_codec_info *enc, void **state)
{
    (void)info;
    zsi_info_bytes(enc);
    return create_fixed(ctx, cfg, state, &fixed_fletcher32);
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const sum_state *s = state;
    size_t data = s->at_end ? 0 : 4;
    if (n > SIZE_MAX - 4 || !zsi_buf_resize(out, n + 4))
        return zsi_nomem(ctx);
    if (n)
        memmove(out->data + data, in, n);
    zsi_put_le32(out->data + (s->at_end ? n : 0), s->fn(in, n));
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    const sum_state *s = state;
    const uint8_t *data = s->at_end ? in : in + 4;
    uint32_t want, got;
    if (n < 4)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "%s: %zu bytes, too short for a checksum", s->name,
                       n);
    if (expect && n - 4 != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "%s: %zu bytes of data, expected %zu", s->name,
                       n - 4, expect);
    want = zsi_le32(s->at_end ? in + n - 4 : in);
    got = s->fn(data, n - 4);
    if (want != got)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "%s: checksum mismatch (stored %08lx, computed "
                       "%08lx)", s->name, (unsigned long)want,
                       (unsigned long)got);
    if (!zsi_buf_resize(out, n - 4))
        return zsi_nomem(ctx);
    if (n > 4)
        memmove(out->data, data, n - 4);
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const sum_state *s = state;
    /* numcodecs 0.11 refuses unknown keys: leave "location" out unless
     * it was given or is not the default. */
    if (s->at_end || s->location_given)
        return zsi_kv_set_string(out, "location",
                                 s->at_end ? "end" : "start")
                   ? ZS_OK : ZS_ERR_NOMEM;
    return ZS_OK;
}

static void describe(const void *state, char *buf, size_t size)
{
    const sum_state *s = state;
    snprintf(buf, size, "%s", s->at_end ? "end" : "");
}

static zs_status no_config(const void *state, zsi_kv *out)
{
    (void)state;
    (void)out;
    return ZS_OK;
}

static void free_located(void *state)
{
    free(state);
}

static void free_fixed(void *state)
{
    (void)state;
}

const zsi_codec_class zsi_codec_crc32 = {
    "crc32", ZSI_CODEC_COMPRESSOR, create_crc32, encode, decode, config,
    describe, free_located,
};

const zsi_codec_class zsi_codec_adler32 = {
    "adler32", ZSI_CODEC_COMPRESSOR, create_adler32, encode, decode, config,
    describe, free_located,
};

const zsi_codec_class zsi_codec_crc32c = {
    "crc32c", ZSI_CODEC_COMPRESSOR, create_crc32c, encode, decode, no_config,
    NULL, free_fixed,
};

const zsi_codec_class zsi_codec_fletcher32 = {
    "fletcher32", ZSI_CODEC_COMPRESSOR, create_fletcher32, encode, decode,
    no_config, NULL, free_fixed,
};
