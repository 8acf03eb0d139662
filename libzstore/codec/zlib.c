/* zlib.c - the "zlib" (zlib stream) and "gzip" (gzip members)
 * compressors, {"level": 1}.  Decoding follows Python's readers, which
 * numcodecs uses: bytes after a zlib stream are ignored; gzip members
 * may follow each other, with zero padding between them. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <zlib.h>

#include "codec/codec_impl.h"

typedef struct zlib_state {
    int level;
    bool gzip;
} zlib_state;

static zs_status create_common(zs_ctx *ctx, const zsi_kv *cfg,
                               zsi_codec_info *enc, void **state, bool gz)
{
    static const char *const keys[] = {"level", NULL};
    const char *name = gz ? "gzip" : "zlib";
    int64_t level = 1;  /* numcodecs' default */
    zlib_state *s;
    zs_status st = zsi_cfg_keys(ctx, name, cfg, keys);
    /* -1 is zlib's "default compression", which Python accepts */
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, name, cfg, "level", -1, 9, &level);
    if (st != ZS_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->level = (int)level;
    s->gzip = gz;
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static zs_status create_zlib(zs_ctx *ctx, const zsi_kv *cfg,
                             const zsi_codec_info *info,
                             zsi_codec_info *enc, void **state)
{
    (void)info;
    return create_common(ctx, cfg, enc, state, false);
}

static zs_status create_gzip(zs_ctx *ctx, const zsi_kv *cfg,
                             const zsi_codec_info *info,
                             zsi_codec_info *enc, void **state)
{
    (void)info;
    return create_common(ctx, cfg, enc, state, true);
}

static uInt clamp_uint(size_t n)
{
    return n > UINT_MAX ? UINT_MAX : (uInt)n;
}

/* Run deflate over all input, in pieces that fit zlib's uInt counts. */
static int deflate_all(z_stream *zs, const uint8_t *in, size_t n,
                       zsi_buf *out)
{
    size_t left = n;
    int r;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = 0;
    do {
        if (zs->avail_in == 0 && left) {
            zs->avail_in = clamp_uint(left);
            left -= zs->avail_in;
        }
        if (zs->avail_out == 0) {
            if (zs->total_out == out->cap)
                return Z_BUF_ERROR;  /* cannot happen: deflateBound */
            zs->next_out = out->data + zs->total_out;
            zs->avail_out = clamp_uint(out->cap - zs->total_out);
        }
        r = deflate(zs, left ? Z_NO_FLUSH : Z_FINISH);
    } while (r == Z_OK || (r == Z_BUF_ERROR && zs->avail_out == 0));
    return r;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const zlib_state *s = state;
    const char *name = s->gzip ? "gzip" : "zlib";
    z_stream zs;
    int r;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, s->level, Z_DEFLATED, s->gzip ? 31 : 15, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return zsi_nomem(ctx);
    if (!zsi_buf_reserve(out, deflateBound(&zs, n))) {
        deflateEnd(&zs);
        return zsi_nomem(ctx);
    }
    r = deflate_all(&zs, in, n, out);
    out->len = zs.total_out;
    deflateEnd(&zs);
    if (r != Z_STREAM_END)
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: compression failed (%d)",
                       name, r);
    return ZS_OK;
}

/* Make room for more output: up to expect + 1 bytes when the size is
 * known (one byte more reveals a stream that is too long), otherwise
 * doubling up to ZSI_CODEC_MAX_UNKNOWN. */
static zs_status grow(zs_ctx *ctx, const char *name, zsi_buf *out,
                      size_t expect, size_t n)
{
    size_t limit = expect ? expect + 1 : ZSI_CODEC_MAX_UNKNOWN + 1;
    size_t want = out->cap ? out->cap * 2 : (n < 4096 ? 16384 : n * 4);
    if (out->len >= limit)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "%s: data exceeds %zu bytes",
                       name, limit - 1);
    if (expect || want > limit)
        want = limit;
    if (!zsi_buf_reserve(out, want))
        return zsi_nomem(ctx);
    return ZS_OK;
}

/* After a gzip member: skip zero padding; true if another member
 * follows. */
static bool next_member(z_stream *zs, size_t *left)
{
    while (zs->avail_in == 0 || *zs->next_in == 0) {
        if (zs->avail_in == 0) {
            if (*left == 0)
                return false;
            zs->avail_in = clamp_uint(*left);
            *left -= zs->avail_in;
            continue;
        }
        zs->next_in++;
        zs->avail_in--;
    }
    return inflateReset(zs) == Z_OK;
}

static zs_status inflate_loop(z_stream *zs, zs_ctx *ctx, const zlib_state *s,
                              size_t n, zsi_buf *out, size_t expect)
{
    const char *name = s->gzip ? "gzip" : "zlib";
    size_t left = n;
    zs_status st;
    int r;
    for (;;) {
        if (zs->avail_in == 0 && left) {
            zs->avail_in = clamp_uint(left);
            left -= zs->avail_in;
        }
        if (out->len == out->cap &&
            (st = grow(ctx, name, out, expect, n)) != ZS_OK)
            return st;
        zs->next_out = out->data + out->len;
        zs->avail_out = clamp_uint(out->cap - out->len);
        r = inflate(zs, Z_NO_FLUSH);
        out->len = (size_t)(zs->next_out - out->data);
        if (r == Z_STREAM_END) {
            if (!s->gzip || !next_member(zs, &left))
                return ZS_OK;
        } else if (r == Z_BUF_ERROR && zs->avail_out != 0) {
            return zsi_err(ctx, ZS_ERR_CORRUPT, "%s: truncated stream",
                           name);
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            return zsi_err(ctx, ZS_ERR_CORRUPT, "%s: %s", name,
                           zs->msg ? zs->msg : "corrupt stream");
        }
    }
}

/* When the decoded size is known, libdeflate decodes the same bytes about
 * twice as fast as zlib.  Anything it does not take whole (an error, a
 * second gzip member) goes through zlib, which also words the errors. */
static bool fast_decode(const zlib_state *s, const uint8_t *in, size_t n,
                        zsi_buf *out, size_t expect)
{
    struct libdeflate_decompressor *d;
    enum libdeflate_result r;
    size_t used = 0, got = 0;
    if (!expect || !zsi_buf_reserve(out, expect))
        return false;
    d = libdeflate_alloc_decompressor();
    if (!d)
        return false;
    if (s->gzip)
        r = libdeflate_gzip_decompress_ex(d, in, n, out->data, expect, &used,
                                          &got);
    else
        r = libdeflate_zlib_decompress_ex(d, in, n, out->data, expect, &used,
                                          &got);
    libdeflate_free_decompressor(d);
    if (r != LIBDEFLATE_SUCCESS || got != expect || (s->gzip && used != n))
        return false;
    out->len = got;
    return true;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    const zlib_state *s = state;
    const char *name = s->gzip ? "gzip" : "zlib";
    z_stream zs;
    zs_status st;
    out->len = 0;
    if (n && fast_decode(s, in, n, out, expect))
        return ZS_OK;
    out->len = 0;
    if (n == 0 && s->gzip)  /* Python reads an empty gzip file as "" */
        st = ZS_OK;
    else if (n == 0)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "zlib: empty stream");
    else {
        memset(&zs, 0, sizeof zs);
        zs.next_in = (Bytef *)(uintptr_t)in;
        if (inflateInit2(&zs, s->gzip ? 31 : 15) != Z_OK)
            return zsi_nomem(ctx);
        st = inflate_loop(&zs, ctx, s, n, out, expect);
        inflateEnd(&zs);
    }
    if (st == ZS_OK && expect && out->len != expect)
        st = zsi_err(ctx, ZS_ERR_CORRUPT,
                     "%s: decoded %zu bytes, expected %zu", name, out->len,
                     expect);
    return st;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const zlib_state *s = state;
    return zsi_kv_set_int(out, "level", s->level) ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const zlib_state *s = state;
    snprintf(buf, size, "%d", s->level);
}

const zsi_codec_class zsi_codec_zlib = {
    "zlib", ZSI_CODEC_COMPRESSOR, create_zlib, encode, decode, config,
    describe, free,
};

const zsi_codec_class zsi_codec_gzip = {
    "gzip", ZSI_CODEC_COMPRESSOR, create_gzip, encode, decode, config,
    describe, free,
};
