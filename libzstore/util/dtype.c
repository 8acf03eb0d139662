/* dtype.c - element types: sizes, conversions, byte order, half floats. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "util/zsi_util.h"

static const char *const dtype_names[] = {
    "none", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
    "uint32", "uint64", "float16", "float32", "float64", "bytes",
    "unicode", "string",
};

const char *zs_dtype_name(zs_dtype t)
{
    if ((unsigned)t < sizeof dtype_names / sizeof dtype_names[0])
        return dtype_names[t];
    return "unknown";
}

size_t zsi_dtype_size(zs_dtype t)
{
    switch (t) {
    case ZS_DT_BOOL: case ZS_DT_INT8: case ZS_DT_UINT8: return 1;
    case ZS_DT_INT16: case ZS_DT_UINT16: case ZS_DT_FLOAT16: return 2;
    case ZS_DT_INT32: case ZS_DT_UINT32: case ZS_DT_FLOAT32: return 4;
    case ZS_DT_INT64: case ZS_DT_UINT64: case ZS_DT_FLOAT64: return 8;
    default: return 0;
    }
}

bool zsi_dtype_is_int(zs_dtype t)
{
    return t >= ZS_DT_INT8 && t <= ZS_DT_UINT64;
}

bool zsi_dtype_is_signed(zs_dtype t)
{
    return (t >= ZS_DT_INT8 && t <= ZS_DT_INT64) || zsi_dtype_is_float(t);
}

bool zsi_dtype_is_float(zs_dtype t)
{
    return t >= ZS_DT_FLOAT16 && t <= ZS_DT_FLOAT64;
}

bool zsi_dtype_is_numeric(zs_dtype t)
{
    return t >= ZS_DT_BOOL && t <= ZS_DT_FLOAT64;
}

double zsi_load_double(zs_dtype t, const void *p, size_t i)
{
    switch (t) {
    case ZS_DT_BOOL: return ((const uint8_t *)p)[i] != 0;
    case ZS_DT_INT8: return ((const int8_t *)p)[i];
    case ZS_DT_INT16: return ((const int16_t *)p)[i];
    case ZS_DT_INT32: return ((const int32_t *)p)[i];
    case ZS_DT_INT64: return (double)((const int64_t *)p)[i];
    case ZS_DT_UINT8: return ((const uint8_t *)p)[i];
    case ZS_DT_UINT16: return ((const uint16_t *)p)[i];
    case ZS_DT_UINT32: return ((const uint32_t *)p)[i];
    case ZS_DT_UINT64: return (double)((const uint64_t *)p)[i];
    case ZS_DT_FLOAT16: return zsi_half_to_float(((const uint16_t *)p)[i]);
    case ZS_DT_FLOAT32: return ((const float *)p)[i];
    case ZS_DT_FLOAT64: return ((const double *)p)[i];
    default: return NAN;
    }
}

bool zsi_load_i64(zs_dtype t, const void *p, size_t i, int64_t *out)
{
    switch (t) {
    case ZS_DT_BOOL: *out = ((const uint8_t *)p)[i] != 0; return true;
    case ZS_DT_INT8: *out = ((const int8_t *)p)[i]; return true;
    case ZS_DT_INT16: *out = ((const int16_t *)p)[i]; return true;
    case ZS_DT_INT32: *out = ((const int32_t *)p)[i]; return true;
    case ZS_DT_INT64: *out = ((const int64_t *)p)[i]; return true;
    case ZS_DT_UINT8: *out = ((const uint8_t *)p)[i]; return true;
    case ZS_DT_UINT16: *out = ((const uint16_t *)p)[i]; return true;
    case ZS_DT_UINT32: *out = ((const uint32_t *)p)[i]; return true;
    case ZS_DT_UINT64: {
        uint64_t v = ((const uint64_t *)p)[i];
        if (v > INT64_MAX)
            return false;
        *out = (int64_t)v;
        return true;
    }
    default: {
        double d = zsi_load_double(t, p, i);
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
            d != floor(d))
            return false;
        *out = (int64_t)d;
        return true;
    }
    }
}

/* True if v is an integer in [lo, hi]. */
static bool int_in(double v, double lo, double hi)
{
    return v == floor(v) && v >= lo && v <= hi;
}

bool zsi_store_double(zs_dtype t, void *p, size_t i, double v)
{
    switch (t) {
    case ZS_DT_BOOL:
        ((uint8_t *)p)[i] = v != 0;
        return true;
    case ZS_DT_INT8:
        if (!int_in(v, -128, 127)) return false;
        ((int8_t *)p)[i] = (int8_t)v; return true;
    case ZS_DT_INT16:
        if (!int_in(v, -32768, 32767)) return false;
        ((int16_t *)p)[i] = (int16_t)v; return true;
    case ZS_DT_INT32:
        if (!int_in(v, -2147483648.0, 2147483647.0)) return false;
        ((int32_t *)p)[i] = (int32_t)v; return true;
    case ZS_DT_INT64:
        if (!(v == floor(v) && v >= -9223372036854775808.0 &&
              v < 9223372036854775808.0)) return false;
        ((int64_t *)p)[i] = (int64_t)v; return true;
    case ZS_DT_UINT8:
        if (!int_in(v, 0, 255)) return false;
        ((uint8_t *)p)[i] = (uint8_t)v; return true;
    case ZS_DT_UINT16:
        if (!int_in(v, 0, 65535)) return false;
        ((uint16_t *)p)[i] = (uint16_t)v; return true;
    case ZS_DT_UINT32:
        if (!int_in(v, 0, 4294967295.0)) return false;
        ((uint32_t *)p)[i] = (uint32_t)v; return true;
    case ZS_DT_UINT64:
        if (!(v == floor(v) && v >= 0 && v < 18446744073709551616.0))
            return false;
        ((uint64_t *)p)[i] = (uint64_t)v; return true;
    case ZS_DT_FLOAT16:
        ((uint16_t *)p)[i] = zsi_float_to_half((float)v); return true;
    case ZS_DT_FLOAT32:
        ((float *)p)[i] = (float)v; return true;
    case ZS_DT_FLOAT64:
        ((double *)p)[i] = v; return true;
    default:
        return false;
    }
}

void zsi_byteswap(void *p, size_t n, size_t w)
{
    uint8_t *b = p;
    if (w < 2)
        return;
    for (size_t i = 0; i < n; i++, b += w)
        for (size_t j = 0; j < w / 2; j++) {
            uint8_t t = b[j];
            b[j] = b[w - 1 - j];
            b[w - 1 - j] = t;
        }
}

float zsi_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    float f;
    if (exp == 0) {
        /* zero or subnormal: man * 2^-24 */
        f = (float)man * 5.9604644775390625e-08f;
        return sign ? -f : f;
    }
    if (exp == 31)
        bits = sign | 0x7f800000u | (man << 13);
    else
        bits = sign | ((exp + 112) << 23) | (man << 13);
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t zsi_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t exp = (x >> 23) & 0xff, man = x & 0x7fffff;
    if (exp == 0xff)   /* infinity, or NaN keeping its payload's top bits */
        return (uint16_t)(sign | 0x7c00 |
                          (man ? ((man >> 13) ? man >> 13 : 0x200) : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10)
            return sign;
        man |= 0x800000;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = man >> shift, rem = man & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1)))
            half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (man >> 13), rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
        half++;  /* may carry into the exponent: still correct */
    return (uint16_t)(sign | half);
}
