/* fixedscaleoffset.c - the "fixedscaleoffset" filter:
 * {"scale": 10, "offset": 1000, "dtype": "<f4", "astype": "<i2"}.
 * Encoded = around((x - offset) * scale) as astype; decoded =
 * encoded / scale + offset as dtype.
 *
 * numcodecs computes with NumPy 1.x, whose Python scalars take part in
 * type promotion by value ("value-based casting"): float32 data with a
 * small float offset is computed in float32, an integer offset that fits
 * keeps integer data integer (wrapping), and integer division always
 * gives float64.  The precision of every step is worked out once, at
 * creation, so that the bytes match numcodecs. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec/codec_impl.h"

/* A Python number from the configuration. */
typedef struct pynum {
    bool is_int;
    int64_t i;
    double d;
} pynum;

typedef struct fso_state {
    zsi_elt dtype, astype;
    pynum scale, offset;
    zs_dtype e1, e2;  /* types of (x - offset) and of (... * scale) */
    zs_dtype d1, d2;  /* types of (e / scale) and of (... + offset) */
} fso_state;

static zs_status get_num(zs_ctx *ctx, const zsi_kv *cfg, const char *key,
                         pynum *out)
{
    const zsi_kv_item *it = zsi_kv_find(cfg, key);
    if (!it)
        return zsi_err(ctx, ZS_ERR_FORMAT, "fixedscaleoffset: missing %s",
                       key);
    if (it->type != ZSI_KV_INT && it->type != ZSI_KV_DOUBLE)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "fixedscaleoffset: %s must be a number", key);
    out->is_int = it->type == ZSI_KV_INT;
    out->i = it->i;
    out->d = it->type == ZSI_KV_INT ? (double)it->i : it->d;
    return ZS_OK;
}

/* Result type of "array of type t OP Python number v" in NumPy 1.x. */
static zs_dtype with_scalar(zs_dtype t, const pynum *v)
{
    if (zsi_dtype_is_float(t))
        return v->is_int ? t : zsi_promote(t, zsi_min_float_type(v->d));
    if (!v->is_int)
        return ZS_DT_FLOAT64;
    return zsi_promote(t, zsi_min_int_type(v->i));
}

static void plan(fso_state *s)
{
    s->e1 = with_scalar(s->dtype.t, &s->offset);
    s->e2 = with_scalar(s->e1, &s->scale);
    /* true division of integers is float64 whatever the scalar */
    s->d1 = zsi_dtype_is_float(s->astype.t)
                ? with_scalar(s->astype.t, &s->scale) : ZS_DT_FLOAT64;
    s->d2 = with_scalar(s->d1, &s->offset);
}

static zs_status parse(zs_ctx *ctx, const zsi_kv *cfg,
                       const zsi_codec_info *info, fso_state *s)
{
    static const char *const keys[] = {"scale", "offset", "dtype",
                                       "astype", NULL};
    const char *c = "fixedscaleoffset";
    bool found = false, afound = false;
    zs_status st = zsi_cfg_keys(ctx, c, cfg, keys);
    if (st == ZS_OK)
        st = get_num(ctx, cfg, "scale", &s->scale);
    if (st == ZS_OK)
        st = get_num(ctx, cfg, "offset", &s->offset);
    if (st == ZS_OK && s->scale.d == 0)
        st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: scale must not be 0", c);
    if (st == ZS_OK)
        st = zsi_cfg_elt(ctx, c, cfg, "dtype", &s->dtype, &found);
    if (st == ZS_OK && !found)
        st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: missing dtype", c);
    if (st == ZS_OK)
        st = zsi_cfg_elt(ctx, c, cfg, "astype", &s->astype, &afound);
    if (st != ZS_OK)
        return st;
    if (!afound)
        s->astype = s->dtype;
    if (s->dtype.t == ZS_DT_BOOL || s->astype.t == ZS_DT_BOOL)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: bool elements are not supported", c);
    if (info->itemsize && info->itemsize != s->dtype.size)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: dtype '%s' does not match %zu-byte elements",
                       c, s->dtype.text, info->itemsize);
    plan(s);
    return ZS_OK;
}

static zs_status create(zs_ctx *ctx, const zsi_kv *cfg,
                        const zsi_codec_info *info, zsi_codec_info *enc,
                        void **state)
{
    fso_state *s = calloc(1, sizeof *s);
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

/* All-integer encoding: wrapping arithmetic in e1, then e2. */
static void enc_int(const fso_state *s, const uint8_t *in, size_t k,
                    uint8_t *out)
{
    int64_t v[ZSI_ELT_BLOCK];
    zsi_elt_get_i64(&s->dtype, in, k, v);
    for (size_t i = 0; i < k; i++) {
        int64_t t = zsi_int_wrap(s->e1, (uint64_t)v[i] -
                                            (uint64_t)s->offset.i);
        v[i] = zsi_int_wrap(s->e2, (uint64_t)t * (uint64_t)s->scale.i);
    }
    zsi_elt_put_i64(&s->astype, v, s->e2 == ZS_DT_UINT64, k, out);
}

/* Integer subtraction followed by a float multiplication. */
static void enc_int_float(const fso_state *s, const uint8_t *in, size_t k,
                          uint8_t *out)
{
    int64_t v[ZSI_ELT_BLOCK];
    double d[ZSI_ELT_BLOCK];
    zsi_elt_get_i64(&s->dtype, in, k, v);
    for (size_t i = 0; i < k; i++) {
        int64_t t = zsi_int_wrap(s->e1, (uint64_t)v[i] -
                                            (uint64_t)s->offset.i);
        double x = s->e1 == ZS_DT_UINT64 ? (double)(uint64_t)t
                                         : (double)t;
        d[i] = nearbyint(x * s->scale.d);
    }
    zsi_elt_put_f64(&s->astype, d, k, out);
}

static void enc_float(const fso_state *s, const uint8_t *in, size_t k,
                      uint8_t *out)
{
    double d[ZSI_ELT_BLOCK];
    double off = zsi_round_to(s->e1, s->offset.d);
    double sc = zsi_round_to(s->e2, s->scale.d);
    zsi_elt_get_f64(&s->dtype, in, k, d);
    for (size_t i = 0; i < k; i++) {
        double t = zsi_round_to(s->e1, d[i] - off);
        /* NumPy's around is round-half-to-even, like nearbyint */
        d[i] = nearbyint(zsi_round_to(s->e2, t * sc));
    }
    zsi_elt_put_f64(&s->astype, d, k, out);
}

static zs_status encode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out)
{
    const fso_state *s = state;
    size_t count = n / s->dtype.size;
    if (n % s->dtype.size)
        return zsi_err(ctx, ZS_ERR_INVALID,
                       "fixedscaleoffset: %zu bytes is not a whole number "
                       "of %zu-byte elements", n, s->dtype.size);
    if (!zsi_buf_resize(out, count * s->astype.size))
        return zsi_nomem(ctx);
    for (size_t i = 0; i < count; i += ZSI_ELT_BLOCK) {
        size_t k = count - i < ZSI_ELT_BLOCK ? count - i : ZSI_ELT_BLOCK;
        const uint8_t *p = in + i * s->dtype.size;
        uint8_t *q = out->data + i * s->astype.size;
        if (zsi_dtype_is_int(s->e2))
            enc_int(s, p, k, q);
        else if (zsi_dtype_is_int(s->e1))
            enc_int_float(s, p, k, q);
        else
            enc_float(s, p, k, q);
    }
    return ZS_OK;
}

static zs_status decode(const void *state, zs_ctx *ctx, const uint8_t *in,
                        size_t n, zsi_buf *out, size_t expect)
{
    const fso_state *s = state;
    size_t count = n / s->astype.size;
    double d[ZSI_ELT_BLOCK];
    double sc = zsi_round_to(s->d1, s->scale.d);
    double off = zsi_round_to(s->d2, s->offset.d);
    (void)expect;
    if (n % s->astype.size)
        return zsi_err(ctx, ZS_ERR_CORRUPT,
                       "fixedscaleoffset: %zu bytes is not a whole number "
                       "of %zu-byte elements", n, s->astype.size);
    if (!zsi_buf_resize(out, count * s->dtype.size))
        return zsi_nomem(ctx);
    for (size_t i = 0; i < count; i += ZSI_ELT_BLOCK) {
        size_t k = count - i < ZSI_ELT_BLOCK ? count - i : ZSI_ELT_BLOCK;
        zsi_elt_get_f64(&s->astype, in + i * s->astype.size, k, d);
        for (size_t j = 0; j < k; j++) {
            double t = zsi_round_to(s->d1, zsi_round_to(s->d1, d[j]) / sc);
            d[j] = zsi_round_to(s->d2, t + off);
        }
        zsi_elt_put_f64(&s->dtype, d, k, out->data + i * s->dtype.size);
    }
    return ZS_OK;
}

static bool put_num(zsi_kv *out, const char *key, const pynum *v)
{
    return v->is_int ? zsi_kv_set_int(out, key, v->i)
                     : zsi_kv_set_double(out, key, v->d);
}

static zs_status config(const void *state, zsi_kv *out)
{
    const fso_state *s = state;
    bool ok = put_num(out, "scale", &s->scale) &&
              put_num(out, "offset", &s->offset) &&
              zsi_kv_set_string(out, "dtype", s->dtype.text) &&
              zsi_kv_set_string(out, "astype", s->astype.text);
    return ok ? ZS_OK : ZS_ERR_NOMEM;
}

static void fmt_num(const pynum *v, char *buf, size_t size)
{
    if (v->is_int)
        snprintf(buf, size, "%lld", (long long)v->i);
    else
        zsi_fmt_double(v->d, buf, size);
}

static void describe(const void *state, char *buf, size_t size)
{
    const fso_state *s = state;
    char sc[32], off[32];
    fmt_num(&s->scale, sc, sizeof sc);
    fmt_num(&s->offset, off, sizeof off);
    snprintf(buf, size, "%s,astype=%s,scale=%s,offset=%s", s->dtype.text,
             s->astype.text, sc, off);
}

const zsi_codec_class zsi_codec_fixedscaleoffset = {
    "fixedscaleoffset", ZSI_CODEC_FILTER, create, encode, decode, config,
    describe, free,
};
