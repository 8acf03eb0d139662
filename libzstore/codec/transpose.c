/* transpose.c - the Zarr v3 "transpose" array->array codec,
 * {"order": [2, 0, 1]}: the encoded chunk is numpy.transpose(chunk,
 * order), in C order.  The early v3 drafts' "C" and "F" are accepted
 * too.  For variable-length strings only the offset table moves. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct transpose_state {
    int ndim;
    int order[ZS_MAX_DIMS];
    int inverse[ZS_MAX_DIMS];
    uint64_t shape[ZS_MAX_DIMS];      /* decoded chunk shape */
    uint64_t enc_shape[ZS_MAX_DIMS];
    uint64_t count;
    uint64_t table;                   /* count * itemsize */
    size_t itemsize;
    bool vlen;                        /* offset table + string area */
    bool noop;
    char text[8];                     /* "C" or "F" if spelt so */
} transpose_state;

static zs_status parse_order(zs_ctx *ctx, const zsi_kv *cfg,
                             transpose_state *s)
{
    const zsi_kv_item *it = zsi_kv_find(cfg, "order");
    bool seen[ZS_MAX_DIMS] = {false};
    int n = s->ndim;
    if (it && it->type == ZSI_KV_STRING &&
        (strcmp(it->s, "C") == 0 || strcmp(it->s, "F") == 0)) {
        snprintf(s->text, sizeof s->text, "%s", it->s);
        for (int i = 0; i < n; i++)
            s->order[i] = it->s[0] == 'C' ? i : n - 1 - i;
        return ZS_OK;
    }
    if (!it || it->type != ZSI_KV_INTS || it->nints != (size_t)n)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "transpose: order must list the %d dimensions", n);
    for (int i = 0; i < n; i++) {
        int64_t v = it->ints[i];
        if (v < 0 || v >= n || seen[v])
            return zsi_err(ctx, ZS_ERR_FORMAT,
                           "transpose: order is not a permutation");
        seen[v] = true;
        s->order[i] = (int)v;
    }
    return ZS_OK;
}

/* Moving only dimensions of length 1 leaves the bytes where they are. */
static bool is_noop(const transpose_state *s)
{
    int last = -1;
    for (int i = 0; i < s->ndim; i++) {
        int d = s->order[i];
        if (s->shape[d] <= 1)
            continue;
        if (d < last)
            return false;
        last = d;
    }
    return true;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    static const char *const keys[] = {"order", NULL};
    transpose_state *s;
    zs_status st = zsi_cfg_keys(ctx, "transpose", cfg, keys);
    if (st != ZS_OK)
        return st;
    if (info->itemsize == 0)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "transpose: unknown element size");
    s = calloc(1, sizeof *s);
    if (!s)
        return zsi_nomem(ctx);
    s->ndim = info->ndim;
    memcpy(s->shape, info->shape, sizeof s->shape);
    s->itemsize = info->itemsize;
    s->vlen = info->dtype == ZS_DT_STRING;
    st = parse_order(ctx, cfg, s);
    if (st == ZS_OK && (!zsi_info_count(info, &s->count) ||
                        !zsi_mul_ok(s->count, s->itemsize, &s->table) ||
                        s->table > SIZE_MAX))
        st = zsi_err(ctx, ZS_ERR_OVERFLOW, "transpose: chunk too large");
    if (st != ZS_OK) {
        free(s);
        return st;
    }
    for (int i = 0; i < s->ndim; i++) {
        s->enc_shape[i] = s->shape[s->order[i]];
        s->inverse[s->order[i]] = i;
        enc->shape[i] = s->enc_shape[i];
    }
    s->noop = is_noop(s);
    *state = s;
    return ZS_OK;
}

bool zsi_transpose_is_noop(const void *state)
{
    const transpose_state *s = state;
    return s->noop;
}

/* out[i] = in[j] with j[perm[k]] = i[k]; in has shape in_shape. */
static void permute(const uint8_t *in, const uint64_t *in_shape,
                    const int *perm, int ndim, size_t w, uint8_t *out)
{
    uint64_t stride[ZS_MAX_DIMS], out_shape[ZS_MAX_DIMS];
    uint64_t idx[ZS_MAX_DIMS] = {0}, step, rows = 1, len;
    uint64_t s = w;
    for (int d = ndim - 1; d >= 0; d--) {
        stride[d] = s;
        s *= in_shape[d];
    }
    for (int k = 0; k < ndim; k++) {
        out_shape[k] = in_shape[perm[k]];
        if (out_shape[k] == 0)
            return;
    }
    len = ndim ? out_shape[ndim - 1] : 1;
    step = ndim ? stride[perm[ndim - 1]] : 0;
    for (int k = 0; k < ndim - 1; k++)
        rows *= out_shape[k];
    for (uint64_t r = 0; r < rows; r++) {
        uint64_t base = 0;
        for (int k = 0; k < ndim - 1; k++)
            base += idx[k] * stride[perm[k]];
        for (uint64_t i = 0; i < len; i++, out += w)
            memcpy(out, in + base + i * step, w);
        for (int k = ndim - 2; k >= 0 && ++idx[k] == out_shape[k]; k--)
            idx[k] = 0;
    }
}

static zs_status run(const transpose_state *s, zs_ctx *ctx,
                     const uint8_t *in, size_t n, zsi_buf *out,
                     bool decoding)
{
    uint64_t table = s->table;
    zs_status code = decoding ? ZS_ERR_CORRUPT : ZS_ERR_INVALID;
    if (s->vlen ? n < table : n != table)
        return zsi_err(ctx, code,
                       "transpose: %zu bytes for %llu elements of %zu "
                       "bytes", n, (unsigned long long)s->count,
                       s->itemsize);
    if (!zsi_buf_resize(out, n))
        return zsi_nomem(ctx);
    if (decoding)
        permute(in, s->enc_shape, s->inverse, s->ndim, s->itemsize,
                out->data);
    else
        permute(in, s->shape, s->order, s->ndim, s->itemsize, out->data);
    /* the strings stay put: offsets count from the start of the buffer */
    if (n > table)
        memcpy(out->data + table, in + table, n - table);
    return ZS_OK;
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    return run(state, ctx, in, n, out, false);
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    (void)expect;
    return run(state, ctx, in, n, out, true);
}

static zs_status config(const void *state, zsi_kv *out)
{
    const transpose_state *s = state;
    int64_t v[ZS_MAX_DIMS];
    if (s->text[0])
        return zsi_kv_set_string(out, "order", s->text) ? ZS_OK
                                                        : ZS_ERR_NOMEM;
    for (int i = 0; i < s->ndim; i++)
        v[i] = s->order[i];
    return zsi_kv_set_ints(out, "order", v, (size_t)s->ndim)
               ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const transpose_state *s = state;
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < s->ndim && used < size; i++) {
        int r = snprintf(buf + used, size - used, i ? ",%d" : "%d",
                         s->order[i]);
        if (r < 0)
            break;
        used += (size_t)r;
    }
}

const zsi_codec_class zsi_codec_transpose = {
    "transpose", ZSI_CODEC_FILTER, create, encode, decode, config,
    describe, free,
};
