/* zstd.c - the "zstd" compressor: {"level": 1, "checksum": true}.
 * Frames with or without a content size (streamed) are decoded, as are
 * several frames in a row, with or without a content checksum (libzstd
 * verifies one when a frame has it: a flipped byte is an error, not other
 * numbers).  Frames are written with the checksum unless the metadata
 * says "checksum": false; the key is written back only when it was
 * given, since numcodecs before 0.12 (Debian 12 has 0.11) refuses it,
 * and readers need only the frame's own flag.  A context is made per
 * call: instances stay immutable and shareable between threads. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

#include "codec/codec_impl.h"

typedef struct zstd_state {
    int level;
    bool checksum;
    bool checksum_given;  /* write "checksum" back only if it was given */
} zstd_state;

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"level", "checksum", NULL};
    int64_t level = 1;  /* numcodecs' default */
    bool checksum = true;   /* ours: corruption is caught when read */
    zstd_state *s;
    zs_status st = zsi_cfg_keys(ctx, "zstd", cfg, keys);
    (void)info;
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "zstd", cfg, "level", ZSTD_minCLevel(),
                         ZSTD_maxCLevel(), &level);
    if (st == ZS_OK)
        st = zsi_cfg_bool(ctx, "zstd", cfg, "checksum", &checksum);
    if (st != ZS_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->level = (int)level;
    s->checksum = checksum;
    s->checksum_given = zsi_kv_find(cfg, "checksum") != NULL;
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const zstd_state *s = state;
    size_t cap = ZSTD_compressBound(n), r;
    ZSTD_CCtx *cc;
    if (ZSTD_isError(cap))
        return zsi_err(ctx, ZS_ERR_OVERFLOW, "zstd: chunk too large");
    if (!zsi_buf_resize(out, cap) || !(cc = ZSTD_createCCtx()))
        return zsi_nomem(ctx);
    if (s->checksum) {
        r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, s->level);
        if (!ZSTD_isError(r))
            r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
        if (!ZSTD_isError(r))
            r = ZSTD_compress2(cc, out->data, cap, in, n);
    } else {
        /* what numcodecs calls (ZSTD_compress) */
        r = ZSTD_compressCCtx(cc, out->data, cap, in, n, s->level);
    }
    ZSTD_freeCCtx(cc);
    if (ZSTD_isError(r))
        return zsi_err(ctx, ZS_ERR_INVALID, "zstd: %s",
                       ZSTD_getErrorName(r));
    out->len = r;
    return ZS_OK;
}

/* Known size: one pass into a buffer of exactly that size; zstd fails if
 * the frames hold more, and fewer bytes are caught here. */
static zs_status decode_known(ZSTD_DCtx *dc, zs_ctx *ctx, const uint8_t *in,
                              size_t n, zsi_buf *out, size_t expect)
{
    size_t r;
    if (!zsi_buf_resize(out, expect))
        return zsi_nomem(ctx);
    r = ZSTD_decompressDCtx(dc, out->data, expect, in, n);
    if (ZSTD_isError(r))
        return zsi_err(ctx, ZS_ERR_CORRUPT, "zstd: %s",
                       ZSTD_getErrorName(r));
    if (r != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "zstd: decoded %zu bytes, expected %zu", r, expect);
    return ZS_OK;
}

/* Unknown size: stream into a buffer that grows as data comes out, up to
 * ZSI_CODEC_MAX_UNKNOWN; memory follows real output, not a header. */
static zs_status decode_stream(ZSTD_DCtx *dc, zs_ctx *ctx,
                               const uint8_t *in, size_t n, zsi_buf *out)
{
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob;
    size_t r = 1, cap = n < (1 << 20) ? (size_t)1 << 16 : n * 2;
    unsigned long long hint = ZSTD_getFrameContentSize(in, n);
    if (hint != ZSTD_CONTENTSIZE_UNKNOWN && hint != ZSTD_CONTENTSIZE_ERROR) {
        if (hint > ZSI_CODEC_MAX_UNKNOWN ||
            hint > (unsigned long long)n * ZSI_CODEC_MAX_RATIO)
            return zsi_err(ctx, ZS_ERR_CORRUPT,
                           "zstd: frame claims %llu bytes from %zu", hint,
                           n);
        cap = (size_t)hint + 1;
    }
    out->len = 0;
    while (ib.pos < ib.size || r != 0) {
        if (out->len == out->cap || out->cap < cap) {
            size_t want = out->cap < cap ? cap : out->cap * 2;
            if (out->len >= ZSI_CODEC_MAX_UNKNOWN)
                return zsi_err(ctx, ZS_ERR_CORRUPT,
                               "zstd: data exceeds %zu bytes",
                               ZSI_CODEC_MAX_UNKNOWN);
            if (want > ZSI_CODEC_MAX_UNKNOWN + 1)
                want = ZSI_CODEC_MAX_UNKNOWN + 1;
            if (!zsi_buf_reserve(out, want))
                return zsi_nomem(ctx);
        }
        ob.dst = out->data;
        ob.size = out->cap;
        ob.pos = out->len;
        r = ZSTD_decompressStream(dc, &ob, &ib);
        out->len = ob.pos;
        if (ZSTD_isError(r))
            return zsi_err(ctx, ZS_ERR_CORRUPT, "zstd: %s",
                           ZSTD_getErrorName(r));
        if (r != 0 && ib.pos == ib.size && ob.pos < ob.size)
            return zsi_err(ctx, ZS_ERR_CORRUPT, "zstd: truncated frame");
    }
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    ZSTD_DCtx *dc;
    zs_status st;
    (void)state;
    if (n == 0)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "zstd: empty frame");
    dc = ZSTD_createDCtx();
    if (!dc)
        return zsi_nomem(ctx);
    if (expect)
        st = decode_known(dc, ctx, in, n, out, expect);
    else
        st = decode_stream(dc, ctx, in, n, out);
    ZSTD_freeDCtx(dc);
    return st;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const zstd_state *s = state;
    bool ok = zsi_kv_set_int(out, "level", s->level);
    /* numcodecs 0.11 refuses unknown keys: leave "checksum" out unless
     * it was given (the frames say whether they carry one) */
    if (s->checksum_given)
        ok = ok && zsi_kv_set_bool(out, "checksum", s->checksum);
    return ok ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const zstd_state *s = state;
    /* as the metadata says */
    snprintf(buf, size, s->checksum_given && s->checksum ? "%d,checksum"
                                                         : "%d", s->level);
}

const zsi_codec_class zsi_codec_zstd = {
    "zstd", ZSI_CODEC_COMPRESSOR, create, encode, decode, config,
    describe, free,
};
