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
    const char *u = zsi_attrs_text(v->attrs, "_Unsigned");
    size_t i;
    memset(d, 0, sizeof *d);
    d->dtype = v->dtype;
    d->scale = 1;
    d->packed = zsi_attrs_double(v->attrs, "scale_factor", &d->scale) |
                zsi_attrs_double(v->attrs, "add_offset", &d->offset);
    d->is_unsigned = u && !strcmp(u, "true") && zsi_dtype_is_int(v->dtype) &&
                     zsi_dtype_is_signed(v->dtype);
    if (v->has_fill && zsi_dtype_is_numeric(v->dtype)) {
        d->has_fill = true;
        d->fill = zsi_load_double(v->dtype, v->fill, 0);
    }
    if (zs_attrs_find(v->attrs, "missing_value", &i) &&
        zsi_dtype_is_numeric(zs_attrs_type(v->attrs, i)))
        for (size_t k = 0; k < zs_attrs_length(v->attrs, i) && k < 8; k++) {
            double m;
            zs_attrs_get_double(v->attrs, i, k, &m);
            if (!(d->has_fill && m == d->fill))   /* ERA5: both -32767 */
                d->missing[d->nmissing++] = m;
        }
}

/* Rows of one raw type: the common cases in tight loops, the rest
 * through zsi_cfdecode_value. */
#define DECODE_ROW(T)                                                       \
    do {                                                                    \
        const T *q = (const T *)raw;                                        \
        double f = d->fill, sc = d->scale, of = d->offset;                  \
        if (d->is_unsigned || d->nmissing)                                  \
            goto general;                                                   \
        if (d->packed && d->has_fill)                                       \
            for (size_t i = 0; i < n; i++) {                                \
                double x = (double)q[i];                                    \
                out[i] = x == f ? NAN : x * sc + of;                        \
            }                                                               \
        else if (d->packed)                                                 \
            for (size_t i = 0; i < n; i++)                                  \
                out[i] = (double)q[i] * sc + of;                            \
        else if (d->has_fill)                                               \
            for (size_t i = 0; i < n; i++) {                                \
                double x = (double)q[i];                                    \
                out[i] = x == f ? NAN : x;                                  \
            }                                                               \
        else                                                                \
            for (size_t i = 0; i < n; i++)                                  \
                out[i] = (double)q[i];                                      \
        return;                                                             \
    } while (0)

void zsi_cfdecode_row(const zsi_cfdecode *d, const void *raw, size_t n,
                      double *out)
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
    zs_ctx *ctx = v->g->ds->ctx;
    const char *u = zsi_attrs_text(v->attrs, "units");
    const char *cal = zsi_attrs_text(v->attrs, "calendar");
    uint64_t start = 0, count = v->ndim ? v->shape[0] : 1;
    uint8_t *raw;
    zs_status st;
    if (v->ndim > 1 || !zsi_dtype_is_numeric(v->dtype) || !u)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a time coordinate",
                       v->path);
    st = zs_time_units_parse(ctx, u, cal, units);
    if (st != ZS_OK)
        return st;
    raw = malloc((size_t)(count ? count : 1) * v->itemsize);
    *t = malloc((size_t)(count ? count : 1) * sizeof **t);
    if (!raw || !*t) {
        free(raw);
        free(*t);
        zs_time_units_free(*units);
        return zsi_nomem(ctx);
    }
    st = zs_var_read(v, &start, &count, raw);
    for (uint64_t i = 0; st == ZS_OK && i < count; i++) {
        int64_t iv;
        if (zsi_dtype_is_int(v->dtype) && zsi_load_i64(v->dtype, raw, i, &iv))
            st = zsi_time_i64_to_usec(*units, iv, &(*t)[i]);
        else
            st = zsi_time_to_usec(*units, zsi_load_double(v->dtype, raw, i),
                                  &(*t)[i]);
        if (st != ZS_OK)
            st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: time value %llu cannot be "
                         "decoded", v->path, (unsigned long long)i);
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
    const uint64_t *u = v->array ? zsi_array_read_unit(v->array) : v->chunks;
    bool contiguous = !v->array && v->codecs && !strcmp(v->codecs, "none");
    for (int d = 0; d < v->ndim; d++) {
        contiguous = contiguous && v->chunks[d] == v->shape[d];
        src[d] = u[d] ? u[d] : 1;
    }
    for (int d = 0; contiguous && d < v->ndim; d++)
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
    memcpy(chunks, v->chunks, sizeof chunks);
    zsi_write_chunks(o, v->ndim, (const char *const *)v->dims, v->shape,
                     v->stored_itemsize, chunks);
    d = (zsi_array_def){v->path, v->ndim, v->shape, chunks,
                        (const char *const *)v->dims, v->dtype,
                        v->stored_itemsize, v->has_fill ? v->fill : NULL,
                        v->attrs, c, nc, v->array != NULL};
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
    if (!v->array || v->ndim <= 1)   /* coordinates stay */
        return ZS_OK;
    if (!(prefix = zsi_asprintf("%s/", v->path)))
        return zsi_nomem(v->g->ds->ctx);
    st = zsi_store_skip(zsi_array_store(v->array), prefix);
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
    hs = zs_attrs_find(v->attrs, "scale_factor", &si);
    ho = zs_attrs_find(v->attrs, "add_offset", &oi);
    ts = hs ? zs_attrs_type(v->attrs, si) : ZS_DT_NONE;
    to = ho ? zs_attrs_type(v->attrs, oi) : ZS_DT_NONE;
    if (hs && ho && ts == to &&
        (ts == ZS_DT_FLOAT32 || ts == ZS_DT_FLOAT64))
        return zsi_dtype_is_int(v->dtype) && zsi_dtype_size(v->dtype) == 4
                   ? ZS_DT_FLOAT64 : ts;
    if (ho)
        return ZS_DT_FLOAT64;
    if (hs)
        return ts == ZS_DT_FLOAT32 ? ZS_DT_FLOAT32 : ZS_DT_FLOAT64;
    if (zsi_dtype_is_float(v->dtype))
        return v->dtype == ZS_DT_FLOAT64 ? ZS_DT_FLOAT64 : ZS_DT_FLOAT32;
    if ((v->has_fill || zs_attrs_find(v->attrs, "missing_value", NULL)) &&
        zsi_dtype_size(v->dtype) <= 2)
        return ZS_DT_FLOAT32;
    return ZS_DT_FLOAT64;
}
