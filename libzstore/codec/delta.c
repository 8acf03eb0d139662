/* delta.c - the "delta" filter ({"dtype": "<i2", "astype": "<i2"}):
 * the first element, then differences of neighbours.  The arithmetic
 * follows numcodecs (NumPy): differences are taken in dtype and cast to
 * astype; decoding accumulates in the promotion of both types, then
 * casts to dtype. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"

typedef struct delta_state {
    zsi_elt dtype, astype;
    zs_dtype acc;  /* NumPy's accumulator type for decoding */
} delta_state;

static zs_status parse(zs_ctx *ctx, const zsi_kv *cfg,
                       const zsi_codec_info *info, delta_state *s)
{
    static const char *const keys[] = {"dtype", "astype", NULL};
    bool found = false, afound = false;
    zs_status st = zsi_cfg_keys(ctx, "delta", cfg, keys);
    if (st == ZS_OK)
        st = zsi_cfg_elt(ctx, "delta", cfg, "dtype", &s->dtype, &found);
    if (st == ZS_OK && !found)
        st = zsi_err(ctx, ZS_ERR_FORMAT, "delta: missing dtype");
    if (st == ZS_OK)
        st = zsi_cfg_elt(ctx, "delta", cfg, "astype", &s->astype, &afound);
    if (st != ZS_OK)
        return st;
    if (!afound)
        s->astype = s->dtype;
    if (s->dtype.t == ZS_DT_BOOL || s->astype.t == ZS_DT_BOOL)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "delta: bool elements are not supported");
    if (info->itemsize && info->itemsize != s->dtype.size)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "delta: dtype '%s' does not match %zu-byte elements",
                       s->dtype.text, info->itemsize);
    s->acc = zsi_promote(s->dtype.t, s->astype.t);
    return ZS_OK;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    delta_state *s = calloc(1, sizeof *s);
    zs_status st;
    if (!s)
        return zsi_nomem(ctx);
    st = parse(ctx, cfg, info, s);
    if (st != ZS_OK) {
        free(s);
        return st;
    }
    enc->dtype = s->astype.t;
    enc->itemsize = s->astype.size;
    enc->big_endian = s->astype.big_endian;
    *state = s;
    return ZS_OK;
}

/* Differences of integers, modulo 2^width of dtype. */
static void diff_int(const delta_state *s, const uint8_t *in, size_t k,
                     int64_t *prev, bool first, uint8_t *out)
{
    int64_t v[ZSI_ELT_BLOCK];
    zsi_elt_get_i64(&s->dtype, in, k, v);
    for (size_t i = 0; i < k; i++) {
        int64_t cur = v[i];
        if (i > 0 || !first)
            v[i] = zsi_int_wrap(s->dtype.t,
                                (uint64_t)cur - (uint64_t)*prev);
        *prev = cur;
    }
    zsi_elt_put_i64(&s->astype, v, s->dtype.t == ZS_DT_UINT64, k, out);
}

/* Differences of floats, rounded to dtype's precision. */
static void diff_float(const delta_state *s, const uint8_t *in, size_t k,
                       double *prev, bool first, uint8_t *out)
{
    double v[ZSI_ELT_BLOCK];
    zsi_elt_get_f64(&s->dtype, in, k, v);
    for (size_t i = 0; i < k; i++) {
        double cur = v[i];
        if (i > 0 || !first)
            v[i] = zsi_round_to(s->dtype.t, cur - *prev);
        *prev = cur;
    }
    zsi_elt_put_f64(&s->astype, v, k, out);
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const delta_state *s = state;
    size_t count = n / s->dtype.size;
    int64_t iprev = 0;
    double fprev = 0;
    if (n % s->dtype.size)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "delta: %zu bytes is not a whole number of "
                       "%zu-byte elements", n, s->dtype.size);
    if (!zsi_buf_resize(out, count * s->astype.size))
        return zsi_nomem(ctx);
    for (size_t i = 0; i < count; i += ZSI_ELT_BLOCK) {
        size_t k = count - i < ZSI_ELT_BLOCK ? count - i : ZSI_ELT_BLOCK;
        const uint8_t *p = in + i * s->dtype.size;
        uint8_t *q = out->data + i * s->astype.size;
        if (zsi_dtype_is_int(s->dtype.t))
            diff_int(s, p, k, &iprev, i == 0, q);
        else
            diff_float(s, p, k, &fprev, i == 0, q);
    }
    return ZS_OK;
}

/* Integer accumulator: sums modulo 2^64, truncated to dtype on store. */
static void sum_int(const delta_state *s, const uint8_t *in, size_t k,
                    uint64_t *acc, uint8_t *out)
{
    int64_t v[ZSI_ELT_BLOCK];
    zsi_elt_get_i64(&s->astype, in, k, v);
    for (size_t i = 0; i < k; i++) {
        *acc += (uint64_t)v[i];
        v[i] = (int64_t)*acc;
    }
    zsi_elt_put_i64(&s->dtype, v, false, k, out);
}

/* Float accumulator: every partial sum rounded to the accumulator type
 * (NumPy's cumsum is sequential); the first value is copied. */
static void sum_float(const delta_state *s, const uint8_t *in, size_t k,
                      double *acc, bool first, uint8_t *out)
{
    double v[ZSI_ELT_BLOCK];
    zsi_elt_get_f64(&s->astype, in, k, v);
    for (size_t i = 0; i < k; i++) {
        double e = zsi_round_to(s->acc, v[i]);
        *acc = i == 0 && first ? e : zsi_round_to(s->acc, *acc + e);
        v[i] = *acc;
    }
    zsi_elt_put_f64(&s->dtype, v, k, out);
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    const delta_state *s = state;
    size_t count = n / s->astype.size;
    uint64_t iacc = 0;
    double facc = 0;
    (void)expect;
    if (n % s->astype.size)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "delta: %zu bytes is not a whole number of "
                       "%zu-byte elements", n, s->astype.size);
    if (!zsi_buf_resize(out, count * s->dtype.size))
        return zsi_nomem(ctx);
    for (size_t i = 0; i < count; i += ZSI_ELT_BLOCK) {
        size_t k = count - i < ZSI_ELT_BLOCK ? count - i : ZSI_ELT_BLOCK;
        const uint8_t *p = in + i * s->astype.size;
        uint8_t *q = out->data + i * s->dtype.size;
        if (zsi_dtype_is_int(s->acc))
            sum_int(s, p, k, &iacc, q);
        else
            sum_float(s, p, k, &facc, i == 0, q);
    }
    return ZS_OK;
}

static zs_status config(const void *state, zsi_kv *out)
{
    const delta_state *s = state;
    bool ok = zsi_kv_set_string(out, "dtype", s->dtype.text) &&
              zsi_kv_set_string(out, "astype", s->astype.text);
    return ok ? ZS_OK : ZS_ERR_NOMEM;
}

static void describe(const void *state, char *buf, size_t size)
{
    const delta_state *s = state;
    if (strcmp(s->dtype.text, s->astype.text) == 0)
        snprintf(buf, size, "%s", s->dtype.text);
    else
        snprintf(buf, size, "%s,astype=%s", s->dtype.text, s->astype.text);
}

const zsi_codec_class zsi_codec_delta = {
    "delta", ZSI_CODEC_FILTER, create, encode, decode, config, describe,
    free,
};
