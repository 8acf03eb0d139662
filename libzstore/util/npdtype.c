/* npdtype.c - element types spelt the NumPy way ("<i2", "|S7", "<U13",
 * "|O"), as Zarr v2 writes them, and the Zarr v3 way ("int16"). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "util/zsi_util.h"

/* Largest itemsize accepted for fixed-width strings: far beyond any real
 * use, small enough that sizes computed from it cannot overflow. */
#define MAX_STRING_ITEMSIZE ((size_t)1 << 31)

static bool native_big(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 0;
}

/* Numeric kind letter and size to a type. */
static zs_dtype numeric(char kind, unsigned long size)
{
    static const zs_dtype ints[] = {ZS_DT_INT8, ZS_DT_INT16, ZS_DT_INT32,
                                    ZS_DT_INT64};
    static const zs_dtype uints[] = {ZS_DT_UINT8, ZS_DT_UINT16,
                                     ZS_DT_UINT32, ZS_DT_UINT64};
    static const zs_dtype floats[] = {ZS_DT_NONE, ZS_DT_FLOAT16,
                                      ZS_DT_FLOAT32, ZS_DT_FLOAT64};
    int k = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 :
            size == 8 ? 3 : -1;
    if (k < 0)
        return ZS_DT_NONE;
    switch (kind) {
    case 'b': return size == 1 ? ZS_DT_BOOL : ZS_DT_NONE;
    case 'i': return ints[k];
    case 'u': return uints[k];
    case 'f': return floats[k];
    default: return ZS_DT_NONE;
    }
}

/* A decimal count of 1 to 10 digits without sign or leading zeros. */
static bool parse_count(const char *s, unsigned long *out)
{
    unsigned long v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 10 || s[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v;
    return true;
}

bool zsi_dtype_from_numpy(const char *s, zs_dtype *t, size_t *itemsize,
                          bool *big_endian)
{
    unsigned long n = 0;
    char order, kind;
    zs_dtype r;
    size_t size;
    if (!s || !s[0] || !strchr("<>|=", s[0]) || !s[1])
        return false;
    order = s[0];
    kind = s[1];
    if (kind == 'O' && (!s[2] || strcmp(s + 2, "8") == 0)) {
        r = ZS_DT_STRING;
        size = 8;
    } else if (!parse_count(s + 2, &n)) {
        return false;
    } else if (kind == 'S' || kind == 'U') {
        r = kind == 'S' ? ZS_DT_BYTES : ZS_DT_UNICODE;
        size = kind == 'S' ? n : 4 * (size_t)n;
        if (size > MAX_STRING_ITEMSIZE)
            return false;
    } else if ((r = numeric(kind, n)) != ZS_DT_NONE) {
        size = n;
    } else {
        return false;
    }
    *t = r;
    *itemsize = size;
    /* "|" means "not applicable"; like NumPy, read it as native order */
    *big_endian = (r == ZS_DT_UNICODE || size > 1) &&
                  (order == '>' || ((order == '|' || order == '=') &&
                                    native_big()));
    if (r == ZS_DT_STRING || r == ZS_DT_BYTES)
        *big_endian = false;
    return true;
}

bool zsi_dtype_to_numpy(zs_dtype t, size_t itemsize, bool big_endian,
                        char *buf, size_t size)
{
    static const char kinds[] = "?biiiiuuuufff";
    char order = big_endian ? '>' : '<';
    int r;
    if (zsi_dtype_is_numeric(t)) {
        size_t w = zsi_dtype_size(t);
        r = snprintf(buf, size, "%c%c%zu", w == 1 ? '|' : order,
                     kinds[t], w);
    } else if (t == ZS_DT_BYTES && itemsize > 0) {
        r = snprintf(buf, size, "|S%zu", itemsize);
    } else if (t == ZS_DT_UNICODE && itemsize > 0 && itemsize % 4 == 0) {
        r = snprintf(buf, size, "%cU%zu", order, itemsize / 4);
    } else if (t == ZS_DT_STRING) {
        r = snprintf(buf, size, "|O");
    } else {
        return false;
    }
    return r > 0 && (size_t)r < size;
}

bool zsi_dtype_from_v3(const char *s, zs_dtype *t, size_t *itemsize)
{
    for (int i = ZS_DT_BOOL; s && i <= ZS_DT_FLOAT64; i++)
        if (strcmp(s, zs_dtype_name((zs_dtype)i)) == 0) {
            *t = (zs_dtype)i;
            *itemsize = zsi_dtype_size(*t);
            return true;
        }
    if (s && strcmp(s, "string") == 0) {
        *t = ZS_DT_STRING;
        *itemsize = 8;  /* the decoded form: one offset per element */
        return true;
    }
    return false;
}

const char *zsi_dtype_to_v3(zs_dtype t)
{
    if (zsi_dtype_is_numeric(t) || t == ZS_DT_STRING)
        return zs_dtype_name(t);
    return NULL;
}
