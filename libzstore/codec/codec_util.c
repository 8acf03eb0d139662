/* codec_util.c - parameter checks and NumPy-compatible element casts
 * shared by the codecs. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec_impl.h"

/* ---- parameters ----------------------------------------------------- */

zs_status zsi_cfg_keys(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                       const char *const *keys)
{
    for (size_t i = 0; cfg && i < cfg->n; i++) {
        const char *k = cfg->items[i].key;
        size_t j = 0;
        if (strcmp(k, "id") == 0 || strcmp(k, "name") == 0)
            continue;
        while (keys[j] && strcmp(keys[j], k) != 0)
            j++;
        /* A parameter we do not know could change the meaning of the
         * bytes, so it is refused rather than ignored. */
        if (!keys[j])
            return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                           "%s: unknown parameter '%s'", codec, k);
    }
    return ZS_OK;
}

zs_status zsi_cfg_int(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                      const char *key, int64_t lo, int64_t hi,
                      int64_t *out)
{
    const zsi_kv_item *it = cfg ? zsi_kv_find(cfg, key) : NULL;
    int64_t v;
    if (!it || it->type == ZSI_KV_NULL)
        return ZS_OK;
    if (it->type == ZSI_KV_BOOL || zsi_kv_get_int(cfg, key, &v) != 1)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: parameter '%s' must be an integer", codec, key);
    if (v < lo || v > hi)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: %s %lld out of range %lld..%lld", codec, key,
                       (long long)v, (long long)lo, (long long)hi);
    *out = v;
    return ZS_OK;
}

zs_status zsi_cfg_bool(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                       const char *key, bool *out)
{
    const zsi_kv_item *it = cfg ? zsi_kv_find(cfg, key) : NULL;
    if (!it || it->type == ZSI_KV_NULL)
        return ZS_OK;
    if (it->type != ZSI_KV_BOOL)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: parameter '%s' must be true or false", codec,
                       key);
    *out = it->i != 0;
    return ZS_OK;
}

zs_status zsi_cfg_str(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                      const char *key, const char **out)
{
    const char *s;
    int r = cfg ? zsi_kv_get_string(cfg, key, &s) : 0;
    if (r < 0)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: parameter '%s' must be a string", codec, key);
    if (r > 0)
        *out = s;
    return ZS_OK;
}

bool zsi_native_big_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 0;
}

void zsi_elt_init(zsi_elt *e, zs_dtype t, bool big_endian)
{
    memset(e, 0, sizeof *e);
    e->t = t;
    e->size = zsi_dtype_size(t);
    e->big_endian = e->size > 1 && big_endian;
    e->swap = e->size > 1 && e->big_endian != zsi_native_big_endian();
}

zs_status zsi_cfg_elt(zs_ctx *ctx, const char *codec, const zsi_kv *cfg,
                      const char *key, zsi_elt *e, bool *found)
{
    const char *s = NULL;
    zs_dtype t;
    size_t size;
    bool be = zsi_native_big_endian();
    zs_status st = zsi_cfg_str(ctx, codec, cfg, key, &s);
    *found = false;
    if (st != ZS_OK || !s)
        return st;
    if (!zsi_dtype_from_numpy(s, &t, &size, &be) &&
        !zsi_dtype_from_v3(s, &t, &size))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: bad %s '%s'", codec, key,
                       s);
    if (!zsi_dtype_is_numeric(t))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: %s '%s' is not a numeric type", codec, key, s);
    zsi_elt_init(e, t, be);
    snprintf(e->text, sizeof e->text, "%s", s);
    *found = true;
    return ZS_OK;
}

bool zsi_info_count(const zsi_codec_info *info, uint64_t *count)
{
    if (info->ndim < 0 || info->ndim > ZS_MAX_DIMS)
        return false;
    return zsi_prod_ok(info->shape, info->ndim, count);
}

void zsi_info_bytes(zsi_codec_info *enc)
{
    enc->dtype = ZS_DT_UINT8;
    enc->itemsize = 1;
    enc->big_endian = false;
    enc->ndim = 1;
    enc->shape[0] = 0;
}

/* ---- NumPy type rules ------------------------------------------------ */

zs_dtype zsi_min_float_type(double v)
{
    /* numpy 1.x min_scalar_type, including its rounded bounds */
    if (isnan(v) || isinf(v) || (v > -65000.0 && v < 65000.0))
        return ZS_DT_FLOAT16;
    if (v > -3.4e38 && v < 3.4e38)
        return ZS_DT_FLOAT32;
    return ZS_DT_FLOAT64;
}

zs_dtype zsi_min_int_type(int64_t v)
{
    if (v >= 0)
        return v <= 255 ? ZS_DT_UINT8 : v <= 65535 ? ZS_DT_UINT16 :
               v <= 4294967295LL ? ZS_DT_UINT32 : ZS_DT_UINT64;
    return v >= -128 ? ZS_DT_INT8 : v >= -32768 ? ZS_DT_INT16 :
           v >= -2147483648LL ? ZS_DT_INT32 : ZS_DT_INT64;
}

static zs_dtype signed_of(size_t size)
{
    return size == 1 ? ZS_DT_INT8 : size == 2 ? ZS_DT_INT16 :
           size == 4 ? ZS_DT_INT32 : ZS_DT_INT64;
}

static zs_dtype float_of(size_t size)
{
    return size <= 2 ? ZS_DT_FLOAT16 : size == 4 ? ZS_DT_FLOAT32 :
           ZS_DT_FLOAT64;
}

static zs_dtype larger(zs_dtype a, zs_dtype b)
{
    return zsi_dtype_size(a) >= zsi_dtype_size(b) ? a : b;
}

zs_dtype zsi_promote(zs_dtype a, zs_dtype b)
{
    size_t sa = zsi_dtype_size(a), sb = zsi_dtype_size(b);
    if (a == b || b == ZS_DT_BOOL)
        return a;
    if (a == ZS_DT_BOOL)
        return b;
    if (zsi_dtype_is_float(a) && zsi_dtype_is_float(b))
        return larger(a, b);
    if (zsi_dtype_is_float(a) || zsi_dtype_is_float(b)) {
        zs_dtype f = zsi_dtype_is_float(a) ? a : b;
        size_t isz = zsi_dtype_is_float(a) ? sb : sa;
        return larger(f, float_of(isz * 2));
    }
    if (zsi_dtype_is_signed(a) == zsi_dtype_is_signed(b))
        return larger(a, b);
    /* signed s with unsigned u: s if wider, else a signed type twice as
     * wide as u, float64 when there is none */
    {
        zs_dtype s = zsi_dtype_is_signed(a) ? a : b;
        size_t us = zsi_dtype_is_signed(a) ? sb : sa;
        if (zsi_dtype_size(s) > us)
            return s;
        return us >= 8 ? ZS_DT_FLOAT64 : signed_of(us * 2);
    }
}

/* ---- half precision ----------------------------------------------- */

uint16_t zsi_double_to_half(double d)
{
    uint64_t x, man, half, rem, mid;
    uint16_t sign;
    int e;
    memcpy(&x, &d, sizeof x);
    sign = (uint16_t)((x >> 48) & 0x8000);
    man = x & 0xfffffffffffffULL;
    e = (int)((x >> 52) & 0x7ff);
    if (e == 0x7ff)
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    e = e - 1023 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        unsigned shift;
        if (e < -10)
            return sign;
        man |= 1ULL << 52;
        shift = (unsigned)(43 - e);
        half = man >> shift;
        rem = man & ((1ULL << shift) - 1);
        mid = 1ULL << (shift - 1);
    } else {
        half = ((uint64_t)e << 10) | (man >> 42);
        rem = man & ((1ULL << 42) - 1);
        mid = 1ULL << 41;
    }
    /* round half to even; a carry into the exponent is still right */
    if (rem > mid || (rem == mid && (half & 1)))
        half++;
    return (uint16_t)(sign | half);
}

double zsi_round_to(zs_dtype t, double v)
{
    if (t == ZS_DT_FLOAT32)
        return (double)(float)v;
    if (t == ZS_DT_FLOAT16)
        return zsi_half_to_float(zsi_double_to_half(v));
    return v;
}

/* ---- raw element access --------------------------------------------- */

static uint64_t load_bits(const uint8_t *p, size_t size, bool swap)
{
    uint8_t b[8];
    uint64_t v = 0;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    memcpy(b, p, size);
    if (swap)
        zsi_byteswap(b, 1, size);
    switch (size) {
    case 1: memcpy(&u8, b, 1); v = u8; break;
    case 2: memcpy(&u16, b, 2); v = u16; break;
    case 4: memcpy(&u32, b, 4); v = u32; break;
    default: memcpy(&v, b, 8); break;
    }
    return v;
}

static void store_bits(uint8_t *p, size_t size, bool swap, uint64_t v)
{
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;
    switch (size) {
    case 1: memcpy(p, &u8, 1); break;
    case 2: memcpy(p, &u16, 2); break;
    case 4: memcpy(p, &u32, 4); break;
    default: memcpy(p, &v, 8); break;
    }
    if (swap)
        zsi_byteswap(p, 1, size);
}

int64_t zsi_int_wrap(zs_dtype t, uint64_t v)
{
    switch (t) {
    case ZS_DT_INT8: return (int8_t)(uint8_t)v;
    case ZS_DT_INT16: return (int16_t)(uint16_t)v;
    case ZS_DT_INT32: return (int32_t)(uint32_t)v;
    case ZS_DT_UINT8: return (uint8_t)v;
    case ZS_DT_UINT16: return (uint16_t)v;
    case ZS_DT_UINT32: return (uint32_t)v;
    case ZS_DT_BOOL: return v != 0;
    default: return (int64_t)v;
    }
}

static double bits_to_f64(zs_dtype t, uint64_t v)
{
    float f;
    double d;
    uint32_t u32 = (uint32_t)v;
    switch (t) {
    case ZS_DT_FLOAT16: return zsi_half_to_float((uint16_t)v);
    case ZS_DT_FLOAT32: memcpy(&f, &u32, 4); return f;
    case ZS_DT_FLOAT64: memcpy(&d, &v, 8); return d;
    case ZS_DT_UINT64: return (double)v;
    default: return (double)zsi_int_wrap(t, v);
    }
}

void zsi_elt_get_f64(const zsi_elt *e, const uint8_t *p, size_t n,
                     double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = bits_to_f64(e->t, load_bits(p + i * e->size, e->size,
                                             e->swap));
}

void zsi_elt_get_i64(const zsi_elt *e, const uint8_t *p, size_t n,
                     int64_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = zsi_int_wrap(e->t, load_bits(p + i * e->size, e->size,
                                             e->swap));
}

/* Float to integer bits as the x86-64 conversion instructions give them
 * (NumPy casts with plain C conversions): narrow types go through a
 * 32-bit conversion, out-of-range values become the "integer
 * indefinite" pattern.  Written so that C never sees an out-of-range
 * conversion. */
static uint64_t float_to_int_bits(zs_dtype t, double d)
{
    const double two63 = 9223372036854775808.0;
    switch (t) {
    case ZS_DT_INT8: case ZS_DT_INT16: case ZS_DT_INT32:
    case ZS_DT_UINT8: case ZS_DT_UINT16:
        if (d > -2147483649.0 && d < 2147483648.0)
            return (uint64_t)(int64_t)(int32_t)d;
        return (uint64_t)(int64_t)INT32_MIN;
    case ZS_DT_UINT64:
        if (d >= two63 && d < 2 * two63)
            return (uint64_t)(int64_t)(d - two63) ^ (1ULL << 63);
        if (!(d < two63))
            return 0;  /* NaN and >= 2^64: indefinite ^ sign bit */
        /* fall through */
    default:
        if (d >= -two63 && d < two63)
            return (uint64_t)(int64_t)d;
        return 1ULL << 63;
    }
}

static uint64_t f64_to_bits(zs_dtype t, double d)
{
    float f;
    uint32_t u32;
    uint64_t v;
    switch (t) {
    case ZS_DT_BOOL: return d != 0;
    case ZS_DT_FLOAT16: return zsi_double_to_half(d);
    case ZS_DT_FLOAT32: f = (float)d; memcpy(&u32, &f, 4); return u32;
    case ZS_DT_FLOAT64: memcpy(&v, &d, 8); return v;
    default: return float_to_int_bits(t, d);
    }
}

void zsi_elt_put_f64(const zsi_elt *e, const double *in, size_t n,
                     uint8_t *p)
{
    for (size_t i = 0; i < n; i++)
        store_bits(p + i * e->size, e->size, e->swap,
                   f64_to_bits(e->t, in[i]));
}

static uint64_t i64_to_bits(zs_dtype t, int64_t v, bool is_unsigned)
{
    float f;
    uint32_t u32;
    double d;
    uint64_t b;
    switch (t) {
    case ZS_DT_BOOL: return v != 0;
    case ZS_DT_FLOAT16:
        d = is_unsigned ? (double)(uint64_t)v : (double)v;
        return zsi_double_to_half(d);
    case ZS_DT_FLOAT32:
        f = is_unsigned ? (float)(uint64_t)v : (float)v;
        memcpy(&u32, &f, 4);
        return u32;
    case ZS_DT_FLOAT64:
        d = is_unsigned ? (double)(uint64_t)v : (double)v;
        memcpy(&b, &d, 8);
        return b;
    default:
        return (uint64_t)v;
    }
}

void zsi_elt_put_i64(const zsi_elt *e, const int64_t *in, bool is_unsigned,
                     size_t n, uint8_t *p)
{
    for (size_t i = 0; i < n; i++)
        store_bits(p + i * e->size, e->size, e->swap,
                   i64_to_bits(e->t, in[i], is_unsigned));
}
