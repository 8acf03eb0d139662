/* blosc.c - the "blosc" compressor (c-blosc 1.x frames), configured the
 * numcodecs way ({"cname","clevel","shuffle":0|1|2|-1,"blocksize"}) or
 * the Zarr v3 way ({"cname","clevel","shuffle":"shuffle",...,
 * "typesize"}).  Only the thread-safe _ctx entry points are used, with
 * one internal thread: parallelism comes from the chunks. */
#include "config.h"

#include <blosc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

enum { SHUF_AUTO = -1, SHUF_NONE = 0, SHUF_BYTE = 1, SHUF_BIT = 2 };

typedef struct blosc_state {
    char cname[16];
    int clevel;
    int shuffle;       /* as configured, SHUF_AUTO allowed */
    int eff_shuffle;   /* what is passed to blosc */
    size_t typesize;
    size_t blocksize;  /* 0: automatic */
} blosc_state;

static const char *const v3_shuffle[] = {"noshuffle", "shuffle",
                                         "bitshuffle"};

static zs_status check_cname(zs_ctx *ctx, const char *s)
{
    static const char *const ok[] = {"lz4", "lz4hc", "blosclz", "zstd",
                                     "zlib", NULL};
    int i = 0;
    while (ok[i] && strcmp(ok[i], s) != 0)
        i++;
    if (!ok[i] && strcmp(s, "snappy") != 0)
        return zsi_err(ctx, ZS_ERR_FORMAT, "blosc: unknown cname '%s'", s);
    if (!ok[i] || blosc_compname_to_compcode(s) < 0)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "unsupported codec '%s' (blosc cname)", s);
    return ZS_OK;
}

/* "shuffle" is an integer (numcodecs) or a name (Zarr v3). */
static zs_status parse_shuffle(zs_ctx *ctx, const zsi_kv *cfg,
                               blosc_state *s)
{
    const zsi_kv_item *it = zsi_kv_find(cfg, "shuffle");
    int64_t v = SHUF_BYTE;
    if (it && it->type == ZSI_KV_STRING) {
        for (int i = 0; i < 3; i++)
            if (strcmp(it->s, v3_shuffle[i]) == 0) {
                s->shuffle = i;
                return ZS_OK;
            }
        return zsi_err(ctx, ZS_ERR_FORMAT, "blosc: unknown shuffle '%s'",
                       it->s);
    }
    zs_status st = zsi_cfg_int(ctx, "blosc", cfg, "shuffle", -1, 2, &v);
    s->shuffle = (int)v;
    return st;
}

static zs_status parse(zs_ctx *ctx, const zsi_kv *cfg,
                       const zsi_codec_info *info, blosc_state *s)
{
    static const char *const keys[] = {"cname", "clevel", "shuffle",
                                       "blocksize", "typesize", NULL};
    const char *cname = "lz4";
    int64_t clevel = 5, blocksize = 0, typesize = (int64_t)info->itemsize;
    zs_status st = zsi_cfg_keys(ctx, "blosc", cfg, keys);
    if (st == ZS_OK)
        st = zsi_cfg_str(ctx, "blosc", cfg, "cname", &cname);
    if (st == ZS_OK)
        st = check_cname(ctx, cname);
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "blosc", cfg, "clevel", 0, 9, &clevel);
    if (st == ZS_OK)
        st = zsi_cfg_int(ctx, "blosc", cfg, "blocksize", 0,
                         BLOSC_MAX_BUFFERSIZE, &blocksize);
    if (st == ZS_OK)
        st = parse_shuffle(ctx, cfg, s);
    if (st == ZS_OK && zsi_kv_find(cfg, "typesize"))
        st = zsi_cfg_int(ctx, "blosc", cfg, "typesize", 1, INT32_MAX,
                         &typesize);
    if (st != ZS_OK)
        return st;
    snprintf(s->cname, sizeof s->cname, "%s", cname);
    s->clevel = (int)clevel;
    s->blocksize = (size_t)blocksize;
    s->typesize = typesize > 0 ? (size_t)typesize : 1;
    /* numcodecs' AUTOSHUFFLE: bit shuffle for 1-byte items */
    s->eff_shuffle = s->shuffle != SHUF_AUTO ? s->shuffle :
                     s->typesize == 1 ? SHUF_BIT : SHUF_BYTE;
    return ZS_OK;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    blosc_state *s = calloc(1, sizeof *s);
    zs_status st;
    if (!s)
        return zsi_nomem(ctx);
    st = parse(ctx, cfg, info, s);
    if (st != ZS_OK) {
        free(s);
        return st;
    }
    /* the encoded side is opaque bytes of unknown length */
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const blosc_state *s = state;
    static const uint8_t none[1];
    int r;
    if (n > BLOSC_MAX_BUFFERSIZE)
        return zsi_err(ctx, ZS_ERR_OVERFLOW,
                       "blosc: chunk of %zu bytes exceeds blosc's limit of "
                       "%d bytes", n, BLOSC_MAX_BUFFERSIZE);
    if (!zsi_buf_resize(out, n + BLOSC_MAX_OVERHEAD))
        return zsi_nomem(ctx);
    r = blosc_compress_ctx(s->clevel, s->eff_shuffle, s->typesize, n,
                           n ? (const void *)in : none, out->data,
                           n + BLOSC_MAX_OVERHEAD, s->cname, s->blocksize,
                           1);
    if (r <= 0)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "blosc: compression failed (code %d)", r);
    out->len = (size_t)r;
    return ZS_OK;
}

/* Name of the compressor library coded in the header flags. */
static const char *format_name(unsigned flags)
{
    static const char *const names[] = {"blosclz", "lz4", "snappy", "zlib",
                                        "zstd"};
    unsigned f = flags >> 5;
    return f < sizeof names / sizeof names[0] ? names[f] : NULL;
}

/* Check everything in the 16-byte header and the block table that
 * c-blosc relies on before it reads the frame. */
static zs_status check_header(zs_ctx *ctx, const uint8_t *in, size_t n,
                              size_t expect, size_t *nbytes_out)
{
    uint32_t nbytes, blocksize, cbytes;
    const char *fmt;
    if (n < BLOSC_MIN_HEADER_LENGTH)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: frame of %zu bytes is shorter than its "
                       "header", n);
    nbytes = zsi_le32(in + 4);
    blocksize = zsi_le32(in + 8);
    cbytes = zsi_le32(in + 12);
    if (in[0] == 0 || in[0] > BLOSC_VERSION_FORMAT)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: unknown format version %u", in[0]);
    if (cbytes > n || cbytes < BLOSC_MIN_HEADER_LENGTH)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: header claims %lu compressed bytes, frame "
                       "has %zu", (unsigned long)cbytes, n);
    if (nbytes > BLOSC_MAX_BUFFERSIZE ||
        (expect == 0 && nbytes > ZSI_CODEC_MAX_UNKNOWN))
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: header claims an absurd size of %lu bytes",
                       (unsigned long)nbytes);
    if (expect && nbytes != expect)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: header claims %lu bytes, expected %zu",
                       (unsigned long)nbytes, expect);
    *nbytes_out = nbytes;
    if (in[2] & BLOSC_MEMCPYED) {
        if ((uint64_t)nbytes + BLOSC_MAX_OVERHEAD > cbytes)
            return zsi_err(ctx, ZS_ERR_CORRUPT,
                           "blosc: stored frame is truncated");
        return ZS_OK;
    }
    if (nbytes == 0)
        return ZS_OK;
    if ((uint64_t)nbytes > (uint64_t)cbytes * ZSI_CODEC_MAX_RATIO)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: header claims %lu bytes from %lu",
                       (unsigned long)nbytes, (unsigned long)cbytes);
    if (blocksize == 0 || blocksize > nbytes ||
        BLOSC_MIN_HEADER_LENGTH + 4 * ((uint64_t)nbytes / blocksize +
                                       (nbytes % blocksize != 0)) > cbytes)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: bad block size %lu for %lu bytes",
                       (unsigned long)blocksize, (unsigned long)nbytes);
    fmt = format_name(in[2]);
    if (!fmt)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: unknown compressor format %u", in[2] >> 5);
    if (blosc_compname_to_compcode(fmt) < 0)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "unsupported codec '%s' (in a blosc frame)", fmt);
    return ZS_OK;
}

/* c-blosc's own validation of a frame of n bytes that decodes to
 * nbytes. */
static zs_status validate(zs_ctx *ctx, const uint8_t *in, size_t n,
                          size_t nbytes)
{
    size_t vbytes = 0;
    if (blosc_cbuffer_validate(in, n, &vbytes) < 0 || vbytes != nbytes)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "blosc: invalid header");
    return ZS_OK;
}

/* The header checked, then c-blosc's own validation: what a frame
 * passes before any of it is decoded, whole or in part. */
static zs_status check_frame(zs_ctx *ctx, const uint8_t *in, size_t n,
                             size_t expect, size_t *nbytes)
{
    zs_status st = check_header(ctx, in, n, expect, nbytes);
    return st == ZS_OK ? validate(ctx, in, n, *nbytes) : st;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    size_t nbytes = 0;
    zs_status st = check_frame(ctx, in, n, expect, &nbytes);
    int r;
    (void)state;
    if (st != ZS_OK)
        return st;
    if (!zsi_buf_resize(out, nbytes))
        return zsi_nomem(ctx);
    if (nbytes == 0)
        return ZS_OK;
    r = blosc_decompress_ctx(in, out->data, nbytes, 1);
    if (r < 0 || (size_t)r != nbytes)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: corrupt frame (error %d)", r);
    return ZS_OK;
}

/* Items of the checked frame in (nbytes decoded) at bytes off .. off +
 * len into dst (blosc_getitem decodes only the blocks that hold them);
 * ZS_ERR_UNSUPPORTED when the range is not in whole items. */
static zs_status get_items(zs_ctx *ctx, const uint8_t *in, size_t nbytes,
                           size_t off, size_t len, void *dst)
{
    size_t ts = in[3];
    int r;
    if (off > nbytes || len > nbytes - off)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "blosc: frame of %zu bytes, "
                       "bytes %zu to %zu wanted", nbytes, off, off + len);
    if (len == 0)
        return ZS_OK;
    if (ts == 0 || off % ts || len % ts || nbytes % ts ||
        nbytes / ts > INT32_MAX)
        return ZS_ERR_UNSUPPORTED;
    r = blosc_getitem(in, (int)(off / ts), (int)(len / ts), dst);
    if (r < 0 || (size_t)r != len)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "blosc: corrupt frame (error %d)", r);
    return ZS_OK;
}

/* Bytes off .. off + len of the decoded frame into dst, decoding only
 * the blocks that hold them.  The frame is checked as decode() checks it
 * first; the range is in whole items of the frame's type size, else
 * ZS_ERR_UNSUPPORTED (the caller decodes whole). */
zs_status zsi_blosc_decode_part(zs_ctx *ctx, const uint8_t *in, size_t n,
                                size_t expect, size_t off, size_t len,
                                void *dst)
{
    size_t nbytes = 0;
    zs_status st = check_frame(ctx, in, n, expect, &nbytes);
    return st == ZS_OK ? get_items(ctx, in, nbytes, off, len, dst) : st;
}

/* The stored bytes of a frame that bytes off .. off + len lie in, from
 * its first hn bytes (zsi_chain_part_span): the blocks from the one
 * holding off to the one holding the last byte, up to where the next
 * block starts (or the frame ends).  Anything odd (another size, a
 * range not in whole items, block starts out of order or outside the
 * frame) reads the frame whole. */
bool zsi_blosc_part_span(const uint8_t *head, size_t hn, size_t expect,
                         size_t off, size_t len, zsi_span *sp)
{
    uint32_t nbytes, blocksize, cbytes, ts;
    uint64_t nblocks, need, first, last, end;
    if (hn < BLOSC_MIN_HEADER_LENGTH) {
        sp->head = BLOSC_MIN_HEADER_LENGTH;
        return true;
    }
    nbytes = zsi_le32(head + 4);
    blocksize = zsi_le32(head + 8);
    cbytes = zsi_le32(head + 12);
    ts = head[3];
    if (nbytes != expect || ts == 0 || off % ts || len % ts ||
        nbytes / ts > INT32_MAX || cbytes < BLOSC_MIN_HEADER_LENGTH)
        return false;
    if (head[2] & BLOSC_MEMCPYED) {
        if ((uint64_t)nbytes + BLOSC_MAX_OVERHEAD > cbytes)
            return false;
        sp->head = BLOSC_MIN_HEADER_LENGTH;
        sp->off = BLOSC_MAX_OVERHEAD + (uint64_t)off;
        sp->len = len;
        return true;
    }
    if (blocksize == 0 || blocksize > nbytes)
        return false;
    nblocks = nbytes / blocksize + (nbytes % blocksize != 0);
    need = BLOSC_MIN_HEADER_LENGTH + 4 * nblocks;
    if (need > cbytes)
        return false;
    sp->head = (size_t)need;
    if (hn < need)
        return true;
    first = off / blocksize;
    last = (off + len - 1) / blocksize;
    sp->off = end = zsi_le32(head + BLOSC_MIN_HEADER_LENGTH + 4 * first);
    if (sp->off < need)
        return false;
    for (uint64_t j = first + 1; j <= last + 1; j++) {
        uint64_t b = j < nblocks
                         ? zsi_le32(head + BLOSC_MIN_HEADER_LENGTH + 4 * j)
                         : cbytes;
        if (b <= end || b > cbytes)
            return false;
        end = b;
    }
    sp->len = end - sp->off;
    return true;
}

/* Bytes off .. off + len from a frame read by range: its header and
 * block starts (sp->head bytes), checked as a whole decode checks them,
 * then the span after them, made a frame of its own (its size, and the
 * block starts moved to where the span lies in it, the others to its
 * start; c-blosc checks every block it decodes against the frame's size,
 * so a block that runs past the span is an error, never a read beyond
 * it). */
zs_status zsi_blosc_decode_span(zs_ctx *ctx, uint8_t *frame,
                                const zsi_span *sp, size_t expect,
                                size_t off, size_t len, void *dst)
{
    size_t nbytes = 0, n, nblocks;
    zs_status st = check_header(ctx, frame, zsi_le32(frame + 12), expect,
                                &nbytes);
    if (st != ZS_OK)
        return st;
    if (sp->head < BLOSC_MIN_HEADER_LENGTH || sp->len > UINT32_MAX ||
        sp->head > UINT32_MAX - sp->len)
        return zsi_err(ctx, ZS_ERR_CORRUPT, "blosc: a span beyond the "
                       "frame");
    if (frame[2] & BLOSC_MEMCPYED) {
        if (off > nbytes || len != sp->len ||
            sp->off != BLOSC_MAX_OVERHEAD + (uint64_t)off)
            return zsi_err(ctx, ZS_ERR_CORRUPT, "blosc: a span that is not "
                           "the bytes wanted");
        memcpy(dst, frame + sp->head, len);
        return ZS_OK;
    }
    n = sp->head + (size_t)sp->len;
    nblocks = (sp->head - BLOSC_MIN_HEADER_LENGTH) / 4;
    zsi_put_le32(frame + 12, (uint32_t)n);
    for (size_t j = 0; j < nblocks; j++) {
        uint8_t *b = frame + BLOSC_MIN_HEADER_LENGTH + 4 * j;
        uint64_t at = zsi_le32(b);
        zsi_put_le32(b, (uint32_t)(at >= sp->off && at - sp->off < sp->len
                                        ? at - sp->off + sp->head
                                        : sp->head));
    }
    st = validate(ctx, frame, n, nbytes);
    return st == ZS_OK ? get_items(ctx, frame, nbytes, off, len, dst) : st;
}

/* numcodecs' spelling (Zarr v2): the shuffle as a number, no typesize
 * (numcodecs takes it from the data). */
static zs_status config(const void *state, zsi_kv *out)
{
    const blosc_state *s = state;
    bool ok = zsi_kv_set_string(out, "cname", s->cname) &&
              zsi_kv_set_int(out, "clevel", s->clevel) &&
              zsi_kv_set_int(out, "shuffle", s->shuffle) &&
              zsi_kv_set_int(out, "blocksize", (int64_t)s->blocksize);
    return ok ? ZS_OK : ZS_ERR_NOMEM;
}

/* Zarr v3 names the shuffle and needs the typesize; numcodecs' automatic
 * shuffle is resolved as numcodecs resolves it. */
zs_status zsi_blosc_config_v3(const void *state, zsi_kv *out)
{
    const blosc_state *s = state;
    bool ok = zsi_kv_set_string(out, "cname", s->cname) &&
              zsi_kv_set_int(out, "clevel", s->clevel) &&
              zsi_kv_set_string(out, "shuffle",
                                v3_shuffle[s->eff_shuffle]) &&
              zsi_kv_set_int(out, "typesize", (int64_t)s->typesize) &&
              zsi_kv_set_int(out, "blocksize", (int64_t)s->blocksize);
    return ok ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const blosc_state *s = state;
    const char *sh = s->shuffle == SHUF_AUTO ? "auto" :
                     v3_shuffle[s->shuffle];
    if (s->blocksize)
        snprintf(buf, size, "%s,%d,%s,blocksize=%zu", s->cname, s->clevel,
                 sh, s->blocksize);
    else
        snprintf(buf, size, "%s,%d,%s", s->cname, s->clevel, sh);
}

const zsi_codec_class zsi_codec_blosc = {
    "blosc", ZSI_CODEC_COMPRESSOR, create, encode, decode, config,
    describe, free,
};
