/* bz2.c - the "bz2" compressor (numcodecs BZ2): {"level": 1..9,
 * default 1}.  Encoding is what Python's bz2.compress does (one stream,
 * block size level x 100 kB, default work factor), so our frames are
 * byte for byte numcodecs'.  Decoding follows bz2.decompress: streams
 * may follow each other, and bytes after a complete stream that do not
 * start a valid one are ignored.  libbz2 counts in unsigned int, so
 * data goes through in pieces. */
#include "config.h"

#include <bzlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct bz2_state {
    int level;
} bz2_state;

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"level", NULL};
    int64_t level = 1;  /* numcodecs' default */
    bz2_state *s;
    zs_status st = zsi_cfg_keys(ctx, "bz2", cfg, keys);
    (void)info;
    /* the range bz2.compress accepts */
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "bz2", cfg, "level", 1, 9, &level);
    if (st != ZS_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->level = (int)level;
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static unsigned clamp_uint(size_t n)
{
    return n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

/* Refill the input window from the bytes not yet handed to libbz2. */
static void feed(bz_stream *bz, size_t *left)
{
    if (bz->avail_in == 0 && *left) {
        bz->avail_in = clamp_uint(*left);
        *left -= bz->avail_in;
    }
}

static int compress_all(bz_stream *bz, const uint8_t *in, size_t n,
                        zsi_buf *out)
{
    size_t left = n;
    int r;
    bz->next_in = (char *)(uintptr_t)in;
    do {
        feed(bz, &left);
        if (out->len == out->cap && !zsi_buf_reserve(out, out->cap * 2))
            return BZ_MEM_ERROR;
        bz->next_out = (char *)out->data + out->len;
        bz->avail_out = clamp_uint(out->cap - out->len);
        r = BZ2_bzCompress(bz, left || bz->avail_in > 0 ? BZ_RUN
                                                          : BZ_FINISH);
        out->len = (size_t)((uint8_t *)bz->next_out - out->data);
    } while (r == BZ_RUN_OK || r == BZ_FINISH_OK);
    return r;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const bz2_state *s = state;
    /* bzip2's documented worst case: 1% more, plus 600 bytes */
    size_t bound = n / 100 + 600;
    bz_stream bz;
    int r;
    memset(&bz, 0, sizeof bz);
    out->len = 0;
    if (n > SIZE_MAX - bound || !zsi_buf_reserve(out, n + bound))
        return zsi_nomem(ctx);
    if (BZ2_bzCompressInit(&bz, s->level, 0, 0) != BZ_OK)
        return zsi_nomem(ctx);
    r = compress_all(&bz, in, n, out);
    BZ2_bzCompressEnd(&bz);
    if (r == BZ_MEM_ERROR)
        return zsi_nomem(ctx);
    if (r != BZ_STREAM_END)
        return zsi_err(ctx, ZS_ERR_INVALID, "bz2: compression failed (%d)",
                       r);
    return ZS_OK;
}

/* Where decoded bytes may go. */
typedef struct sink {
    zsi_buf *out;
    size_t limit;   /* most bytes accepted (the expected size if known) */
    size_t first;   /* first allocation when the size is not known */
    uint8_t spare;  /* one byte past the limit: shows the data is longer */
} sink;

/* Point the stream at free space: the buffer, grown up to the limit, or
 * once the limit is reached the spare byte.  A buffer borrowed with
 * room for exactly the limit is never grown. */
static bool make_room(bz_stream *bz, sink *k)
{
    zsi_buf *out = k->out;
    size_t end = out->cap < k->limit ? out->cap : k->limit;
    if (out->len == end && out->len < k->limit) {
        size_t want = out->cap ? out->cap * 2 : k->first;
        if (want > k->limit || want < out->cap)
            want = k->limit;
        if (!zsi_buf_reserve(out, want))
            return false;
        end = out->cap < k->limit ? out->cap : k->limit;
    }
    if (out->len < end) {
        bz->next_out = (char *)out->data + out->len;
        bz->avail_out = clamp_uint(end - out->len);
    } else {
        bz->next_out = (char *)&k->spare;
        bz->avail_out = 1;
    }
    return true;
}

/* The result of BZ2_bzDecompress as a status, the spare byte counted. */
static zs_status after_step(zs_ctx *ctx, bz_stream *bz, sink *k, int r,
                            size_t left)
{
    if (bz->next_out == (char *)&k->spare + 1)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "bz2: data exceeds %zu bytes",
                       k->limit);
    if (bz->next_out != (char *)&k->spare)
        k->out->len = (size_t)((uint8_t *)bz->next_out - k->out->data);
    if (r == BZ_STREAM_END)
        return ZS_OK;
    if (r == BZ_MEM_ERROR)
        return zsi_nomem(ctx);
    if (r == BZ_DATA_ERROR_MAGIC)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "bz2: not a bzip2 stream");
    if (r != BZ_OK)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "bz2: corrupt stream (%d)", r);
    if (bz->avail_in == 0 && left == 0 && bz->avail_out != 0)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "bz2: truncated stream");
    return ZS_OK;
}

/* Decode one stream from in into k; *used receives the bytes it took,
 * *bad whether libbz2 found the bytes invalid (as opposed to cut short
 * or too long). */
static zs_status one_stream(zs_ctx *ctx, const uint8_t *in, size_t n,
                            sink *k, size_t *used, bool *bad)
{
    bz_stream bz;
    size_t left = n;
    zs_status st = ZS_OK;
    int r = BZ_OK;
    memset(&bz, 0, sizeof bz);
    *bad = false;
    *used = 0;
    if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK)
        return zsi_nomem(ctx);
    bz.next_in = (char *)(uintptr_t)in;
    while (st == ZS_OK && r != BZ_STREAM_END) {
        feed(&bz, &left);
        if (!make_room(&bz, k)) {
            st = zsi_nomem(ctx);
            break;
        }
        r = BZ2_bzDecompress(&bz);
        st = after_step(ctx, &bz, k, r, left);
    }
    *bad = r == BZ_DATA_ERROR || r == BZ_DATA_ERROR_MAGIC;
    *used = n - left - bz.avail_in;
    BZ2_bzDecompressEnd(&bz);
    return st;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    sink k = {out, expect ? expect : ZSI_CODEC_MAX_UNKNOWN,
              n < 4096 ? 16384 : n * 4, 0};
    size_t pos = 0, used;
    zs_status st = ZS_OK;
    bool bad;
    (void)state;
    out->len = 0;
    if (n == 0)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "bz2: empty frame");
    if (expect && !zsi_buf_reserve(out, expect))
        return zsi_nomem(ctx);
    while (pos < n) {
        size_t before = out->len;
        st = one_stream(ctx, in + pos, n - pos, &k, &used, &bad);
        if (st != ZS_OK && bad && pos > 0) {
            /* Python drops what follows the streams if it is not one */
            out->len = before;
            st = ZS_OK;
            break;
        }
        if (st != ZS_OK)
            return st;
        pos += used;
    }
    if (expect && out->len != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "bz2: decoded %zu bytes, expected %zu", out->len,
                       expect);
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const bz2_state *s = state;
    return zsi_kv_set_int(out, "level", s->level) ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const bz2_state *s = state;
    snprintf(buf, size, "%d", s->level);
}

const zsi_codec_class zsi_codec_bz2 = {
    "bz2", ZSI_CODEC_COMPRESSOR, create, encode, decode, config, describe,
    free,
};
