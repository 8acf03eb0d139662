/* ops_common.c - CF decoding and time coordinates, shared by the
 * operations. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta.h"
#include "ops/zsi_ops.h"

void zsi_cfdecode_init(zsi_cfdecode *d, const zs_var *v)
{
    const char *u = zsi_attrs_text(zs_var_attrs(v), "_Unsigned");
    size_t i;
    memset(d, 0, sizeof *d);
    d->dtype = zs_var_dtype(v);
    d->scale = 1;
    d->packed = zsi_attrs_double(zs_var_attrs(v), "scale_factor", &d->scale) |
                zsi_attrs_double(zs_var_attrs(v), "add_offset", &d->offset);
    d->is_unsigned = u && !strcmp(u, "true") &&
                     zsi_dtype_is_int(zs_var_dtype(v)) &&
                     zsi_dtype_is_signed(zs_var_dtype(v));
    if (zsi_var_has_fill(v) && zsi_dtype_is_numeric(zs_var_dtype(v))) {
        d->has_fill = true;
        d->fill = zsi_load_double(zs_var_dtype(v), zsi_var_fill_bytes(v), 0);
    }
    if (zs_attrs_find(zs_var_attrs(v), "missing_value", &i) &&
        zsi_dtype_is_numeric(zs_attrs_type(zs_var_attrs(v), i)))
        for (size_t k = 0; k < zs_attrs_length(zs_var_attrs(v), i) && k < 8;
             k++) {
            double m;
            zs_attrs_get_double(zs_var_attrs(v), i, k, &m);
            if (!(d->has_fill && m == d->fill))   /* ERA5: both -32767 */
                d->missing[d->nmissing++] = m;
        }
}

/* Rows of one raw type: the common cases in loops that vectorise, the
 * rest through zsi_cfdecode_value. */
#define DECODE_ROW(T)                                                       \
    do {                                                                    \
        const T *restrict q = (const T *)raw;                               \
        double f = d->fill, sc = d->scale, of = d->offset;                  \
        if (d->is_unsigned || d->nmissing)                                  \
            goto general;                                                   \
        if (d->packed && d->has_fill)                                       \
            ZSI_FOR_V(i, n, double x = (double)q[i];                        \
                      out[i] = x == f ? NAN : x * sc + of);                 \
        else if (d->packed)                                                 \
            ZSI_FOR_V(i, n, out[i] = (double)q[i] * sc + of);               \
        else if (d->has_fill)                                               \
            ZSI_FOR_V(i, n, double x = (double)q[i];                        \
                      out[i] = x == f ? NAN : x);                           \
        else                                                                \
            ZSI_FOR_V(i, n, out[i] = (double)q[i]);                         \
        return;                                                             \
    } while (0)

void zsi_cfdecode_row(const zsi_cfdecode *d, const void *restrict raw,
                      size_t n, double *restrict out)
{
    /* a NaN fill needs no test: NaN stays NaN through x * sc + of */
    switch (d->dtype) {
    case ZS_DT_INT8: DECODE_ROW(int8_t);
    case ZS_DT_INT16: DECODE_ROW(int16_t);
    case ZS_DT_INT32: DECODE_ROW(int32_t);
    case ZS_DT_UINT8: DECODE_ROW(uint8_t);
    case ZS_DT_UINT16: DECODE_ROW(uint16_t);
    case ZS_DT_UINT32: DECODE_ROW(uint32_t);
    case ZS_DT_FLOAT32: DECODE_ROW(float);
    case ZS_DT_FLOAT64: DECODE_ROW(double);
    default: break;
    }
general:
    for (size_t i = 0; i < n; i++)
        out[i] = zsi_cfdecode_value(d, raw, i);
}

double zsi_cfdecode_value(const zsi_cfdecode *d, const void *raw, size_t i)
{
    double x = zsi_load_double(d->dtype, raw, i);
    if (d->has_fill && (x == d->fill || (isnan(x) && isnan(d->fill))))
        return NAN;
    for (size_t k = 0; k < d->nmissing; k++)
        if (x == d->missing[k])
            return NAN;
    if (d->is_unsigned && x < 0)
        x += d->dtype == ZS_DT_INT8 ? 256.0 : d->dtype == ZS_DT_INT16
                 ? 65536.0 : d->dtype == ZS_DT_INT32 ? 4294967296.0
                 : 18446744073709551616.0;
    return d->packed ? x * d->scale + d->offset : x;
}

zs_status zsi_time_coord(zs_var *v, zs_time_units **units, zsi_usec **t,
                         uint64_t *n)
{
    zs_ctx *ctx = zsi_var_ctx(v);
    const char *u = zsi_attrs_text(zs_var_attrs(v), "units");
    const char *cal = zsi_attrs_text(zs_var_attrs(v), "calendar");
    uint64_t start = 0, count = zs_var_ndim(v) ? zs_var_shape(v)[0] : 1;
    uint8_t *raw;
    zs_status st;
    if (zs_var_ndim(v) > 1 || !zsi_dtype_is_numeric(zs_var_dtype(v)) || !u)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a time coordinate",
                       zs_var_path(v));
    st = zs_time_units_parse(ctx, u, cal, units);
    if (st != ZS_OK)
        return st;
    raw = malloc((size_t)(count ? count : 1) * zs_var_itemsize(v));
    *t = malloc((size_t)(count ? count : 1) * sizeof **t);
    if (!raw || !*t) {
        free(raw);
        free(*t);
        zs_time_units_free(*units);
        return zsi_nomem(ctx);
    }
    st = zs_var_read(v, &start, &count, raw);
    zs_dtype vt = zs_var_dtype(v);
    for (uint64_t i = 0; st == ZS_OK && i < count; i++) {
        int64_t iv;
        if (zsi_dtype_is_int(vt) && zsi_load_i64(vt, raw, i, &iv))
            st = zsi_time_i64_to_usec(*units, iv, &(*t)[i]);
        else
            st = zsi_time_to_usec(*units, zsi_load_double(vt, raw, i),
                                  &(*t)[i]);
        if (st != ZS_OK)
            st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: time value %llu cannot be "
                         "decoded", zs_var_path(v), (unsigned long long)i);
    }
    free(raw);
    if (st != ZS_OK) {
        free(*t);
        *t = NULL;
        zs_time_units_free(*units);
        *units = NULL;
        return st;
    }
    *n = count;
    return ZS_OK;
}

/* What a source read decodes whole: the chunks of a Zarr array (inner
 * chunks of shards), the chunks of a NetCDF variable; contiguous NetCDF
 * storage reads any box without waste. */
void zsi_source_unit(const zs_var *v, uint64_t *src)
{
    const uint64_t *u = zsi_var_array(v)
                            ? zsi_array_read_unit(zsi_var_array(v))
                            : zs_var_chunks(v);
    bool contiguous = !zsi_var_array(v) && zsi_var_codec_desc(v) &&
                      !strcmp(zsi_var_codec_desc(v), "none");
    for (int d = 0; d < zs_var_ndim(v); d++) {
        contiguous = contiguous && zs_var_chunks(v)[d] == zs_var_shape(v)[d];
        src[d] = u[d] ? u[d] : 1;
    }
    for (int d = 0; contiguous && d < zs_var_ndim(v); d++)
        src[d] = 1;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The least common multiple of a and b, at most the dimension's length
 * (a box that long covers both to the end). */
uint64_t zsi_lcm_cap(uint64_t a, uint64_t b, uint64_t len)
{
    uint64_t g = gcd(a, b), l;
    if (!zsi_mul_ok(a / g, b, &l) || l > len)
        return len ? len : 1;
    return l;
}

zs_status zsi_copy_define(zsi_writer *w, const zs_write_opts *o, zs_var *v,
                          zs_array **out)
{
    zsi_codec_spec *c = NULL;
    size_t nc = 0;
    uint64_t chunks[ZS_MAX_DIMS];
    zsi_array_def d;
    zs_status st = zsi_codecs_of_var(v, 0, &c, &nc);
    memcpy(chunks, zs_var_chunks(v), sizeof chunks);
    zsi_write_chunks(o, zs_var_ndim(v), zsi_var_dims(v),
                     zs_var_shape(v), zsi_var_stored_itemsize(v), chunks);
    d = (zsi_array_def){zs_var_path(v), zs_var_ndim(v), zs_var_shape(v),
                        chunks, zsi_var_dims(v), zs_var_dtype(v),
                        zsi_var_stored_itemsize(v), zsi_var_fill_bytes(v),
                        zs_var_attrs(v), c, nc, zsi_var_array(v) != NULL};
    if (st == ZS_OK)
        st = zsi_writer_add_array(w, &d, out);
    zsi_codecs_free(c, nc);
    return st;
}

static zs_status skip_var(void *user, zs_var *v)
{
    struct {
        zs_var *const *used;
        size_t n;
    } *u = user;
    char *prefix;
    zs_status st;
    for (size_t i = 0; i < u->n; i++)
        if (u->used[i] == v)
            return ZS_OK;
    if (!zsi_var_array(v) || zs_var_ndim(v) <= 1)   /* coordinates stay */
        return ZS_OK;
    if (!(prefix = zsi_asprintf("%s/", zs_var_path(v))))
        return zsi_nomem(zsi_var_ctx(v));
    st = zsi_store_skip(zsi_array_store(zsi_var_array(v)), prefix);
    free(prefix);
    return st;
}

zs_status zsi_skip_unused(zs_dataset *ds, zs_var *const *used, size_t n)
{
    struct {
        zs_var *const *used;
        size_t n;
    } u = {used, n};
    return zsi_dataset_each_var(ds, skip_var, &u);
}


zs_status zsi_float_dtype(zs_ctx *ctx, const char *what, zs_dtype t,
                          bool none_ok)
{
    if (t == ZS_DT_FLOAT32 || t == ZS_DT_FLOAT64 ||
        (none_ok && t == ZS_DT_NONE))
        return ZS_OK;
    return zsi_err(ctx, ZS_ERR_INVALID, "%s %s: want float32 or float64",
                   what, zs_dtype_name(t));
}

zs_dtype zsi_decoded_dtype(const zs_var *v)
{
    size_t si = 0, oi = 0;
    bool hs, ho;
    zs_dtype ts, to;
    hs = zs_attrs_find(zs_var_attrs(v), "scale_factor", &si);
    ho = zs_attrs_find(zs_var_attrs(v), "add_offset", &oi);
    ts = hs ? zs_attrs_type(zs_var_attrs(v), si) : ZS_DT_NONE;
    to = ho ? zs_attrs_type(zs_var_attrs(v), oi) : ZS_DT_NONE;
    if (hs && ho && ts == to &&
        (ts == ZS_DT_FLOAT32 || ts == ZS_DT_FLOAT64))
        return zsi_dtype_is_int(zs_var_dtype(v)) &&
                       zsi_dtype_size(zs_var_dtype(v)) == 4
                   ? ZS_DT_FLOAT64
                   : ts;
    if (ho)
        return ZS_DT_FLOAT64;
    if (hs)
        return ts == ZS_DT_FLOAT32 ? ZS_DT_FLOAT32 : ZS_DT_FLOAT64;
    if (zsi_dtype_is_float(zs_var_dtype(v)))
        return zs_var_dtype(v) == ZS_DT_FLOAT64 ? ZS_DT_FLOAT64
                                                : ZS_DT_FLOAT32;
    if ((zsi_var_has_fill(v) ||
         zs_attrs_find(zs_var_attrs(v), "missing_value", NULL)) &&
        zsi_dtype_size(zs_var_dtype(v)) <= 2)
        return ZS_DT_FLOAT32;
    return ZS_DT_FLOAT64;
}
