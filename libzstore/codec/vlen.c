/* vlen.c - the "vlen-utf8" and "vlen-bytes" codecs: a frame of the item
 * count (u32 LE), then for each item its length (u32 LE) and its bytes.
 * The decoded side is the offset-table layout of zsi_vlen_build(), one
 * item per element of the chunk.  Items are NUL-terminated there, so an
 * item holding a NUL byte cannot be represented and is refused. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct vlen_state {
    const char *name;
    bool utf8;
    uint64_t count;  /* items per chunk */
} vlen_state;

/* Strict UTF-8, as Python decodes it: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
static bool utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c < 0xc2 || c > 0xf4)
            return false;
        k = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
        if (n - i <= k || p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

static zs_status create_common(zs_ctx *ctx, const zsi_kv *cfg,
                               const zsi_codec_info *info,
                               zsi_codec_info *enc, void **state, bool utf8)
{
    static const char *const keys[] = {NULL};
    const char *name = utf8 ? "vlen-utf8" : "vlen-bytes";
    vlen_state *s;
    uint64_t count;
    zs_status st = zsi_cfg_keys(ctx, name, cfg, keys);
    if (st != ZS_OK)
        return st;
    if (info->dtype != ZS_DT_STRING)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: elements are %s, not variable-length strings",
                       name, zs_dtype_name(info->dtype));
    if (!zsi_info_count(info, &count) || count > UINT32_MAX)
        return zsi_err(ctx, ZS_ERR_OVERFLOW, "%s: too many items", name);
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->name = name;
    s->utf8 = utf8;
    s->count = count;
    zsi_info_bytes(enc);
    *state = s;
    return ZS_OK;
}

static zs_status create_utf8(zs_ctx *ctx, const zsi_kv *cfg,
                             const zsi_codec_info *info,
                             zsi_codec_info *enc, void **state)
{
    return create_common(ctx, cfg, info, enc, state, true);
}

static zs_status create_bytes(zs_ctx *ctx, const zsi_kv *cfg,
                              const zsi_codec_info *info,
                              zsi_codec_info *enc, void **state)
{
    return create_common(ctx, cfg, info, enc, state, false);
}

/* Item i of a decoded buffer: checked, since the buffer comes from a
 * caller that may have built it wrongly. */
static zs_status item_at(const vlen_state *s, zs_ctx *ctx,
                         const uint8_t *in, size_t n, size_t i,
                         const uint8_t **p, size_t *len)
{
    uint64_t off;
    const uint8_t *nul;
    memcpy(&off, in + i * 8, 8);
    if (off >= n || !(nul = memchr(in + off, 0, n - off)))
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "%s: item %zu lies outside the buffer", s->name, i);
    *p = in + off;
    *len = (size_t)(nul - *p);
    if (*len > UINT32_MAX)
        return zsi_err(ctx, ZS_ERR_OVERFLOW, "%s: item %zu too long",
                       s->name, i);
    if (s->utf8 && !utf8_ok(*p, *len))
        return zsi_err(ctx, ZS_ERR_INVALID, "%s: item %zu is not UTF-8",
                       s->name, i);
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const vlen_state *s = state;
    size_t count = (size_t)s->count, total = 4, pos = 4, len;
    const uint8_t *p;
    zs_status st;
    if (n / 8 < count)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "%s: buffer too small for %zu items", s->name, count);
    for (size_t i = 0; i < count; i++) {
        if ((st = item_at(s, ctx, in, n, i, &p, &len)) != ZS_OK)
            return st;
        total += 4 + len;  /* cannot overflow: len < n */
    }
    if (!zsi_buf_resize(out, total))
        return zsi_nomem(ctx);
    zsi_put_le32(out->data, (uint32_t)count);
    for (size_t i = 0; i < count; i++) {
        item_at(s, ctx, in, n, i, &p, &len);
        zsi_put_le32(out->data + pos, (uint32_t)len);
        if (len)
            memcpy(out->data + pos + 4, p, len);
        pos += 4 + len;
    }
    return ZS_OK;
}

/* Walk the frame once to check it and size the decoded buffer. */
static zs_status scan(const vlen_state *s, zs_ctx *ctx, const uint8_t *in,
                      size_t n, size_t *total)
{
    size_t pos = 4, items;
    if (n < 4)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "%s: frame of %zu bytes has no header", s->name, n);
    items = zsi_le32(in);
    if (items != s->count)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "%s: frame holds %zu items, the chunk %llu", s->name,
                       items, (unsigned long long)s->count);
    *total = items * 9;
    for (size_t i = 0; i < items; i++) {
        size_t len;
        if (n - pos < 4)
            return zsi_err(ctx, ZS_ERR_CORRUPT, "%s: truncated at item %zu",
                           s->name, i);
        len = zsi_le32(in + pos);
        pos += 4;
        if (len > n - pos)
            return zsi_err(ctx, ZS_ERR_CORRUPT, "%s: truncated at item %zu",
                           s->name, i);
        if (memchr(in + pos, 0, len))
            return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                           "%s: item %zu contains a NUL byte", s->name, i);
        if (s->utf8 && !utf8_ok(in + pos, len))
            return zsi_err(ctx, ZS_ERR_CORRUPT,
                           "%s: item %zu is not valid UTF-8", s->name, i);
        pos += len;
        *total += len;
    }
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    const vlen_state *s = state;
    size_t total = 0, items, pos = 4, dst;
    zs_status st = scan(s, ctx, in, n, &total);
    (void)expect;
    if (st != ZS_OK)
        return st;
    if (!zsi_buf_resize(out, total))
        return zsi_nomem(ctx);
    items = (size_t)s->count;
    dst = items * 8;
    for (size_t i = 0; i < items; i++) {
        size_t len = zsi_le32(in + pos);
        uint64_t off = dst;
        memcpy(out->data + i * 8, &off, 8);
        if (len)
            memcpy(out->data + dst, in + pos + 4, len);
        out->data[dst + len] = 0;
        dst += len + 1;
        pos += 4 + len;
    }
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    (void)state;
    (void)out;
    return ZS_OK;
}

const zsi_codec_class zsi_codec_vlen_utf8 = {
    "vlen-utf8", ZSI_CODEC_ARRAY_BYTES, create_utf8, encode, decode,
    config, NULL, free,
};

const zsi_codec_class zsi_codec_vlen_bytes = {
    "vlen-bytes", ZSI_CODEC_ARRAY_BYTES, create_bytes, encode, decode,
    config, NULL, free,
};
