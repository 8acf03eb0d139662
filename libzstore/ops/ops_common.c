/* ops_common.c - slabs, CF decoding, time coordinates and history,
 * shared by the operations. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta/zsi_meta.h"
#include "ops/zsi_ops.h"

static uint64_t grid(const zsi_slabs *p, int d)
{
    return p->shape[d] ? (p->shape[d] - 1) / p->chunks[d] + 1 : 0;
}

void zsi_slabs_plan(zsi_slabs *p, int ndim, const uint64_t *shape,
                    const uint64_t *chunks, size_t itemsize, size_t budget)
{
    uint64_t w = itemsize ? itemsize : 1, n = 1, one;
    int k;
    memset(p, 0, sizeof *p);
    p->ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        p->shape[d] = shape[d];
        p->chunks[d] = chunks[d] ? chunks[d] : 1;
    }
    if (ndim == 0) {
        p->kstep = 1;
        p->n = 1;
        return;
    }
    for (k = 0; k < ndim; k++) {
        uint64_t b = w;
        for (int d = 0; d < ndim; d++)
            b *= d <= k ? p->chunks[d] : (shape[d] ? shape[d] : 1);
        if (b <= budget)
            break;
    }
    if (k == ndim)
        k = ndim - 1;
    one = w;
    for (int d = 0; d < ndim; d++)
        one *= d <= k ? p->chunks[d] : (shape[d] ? shape[d] : 1);
    p->k = k;
    p->kstep = one && one < budget ? budget / one : 1;
    if (p->kstep > grid(p, k))
        p->kstep = grid(p, k) ? grid(p, k) : 1;
    for (int d = 0; d < k; d++)
        n *= grid(p, d);
    n *= (grid(p, k) + p->kstep - 1) / p->kstep;
    p->n = n;
}

void zsi_slabs_box(const zsi_slabs *p, uint64_t u, uint64_t *start,
                   uint64_t *count)
{
    uint64_t nk, ik, rest, len;
    for (int d = 0; d < p->ndim; d++) {
        start[d] = 0;
        count[d] = p->shape[d];
    }
    if (p->ndim == 0)
        return;
    nk = (grid(p, p->k) + p->kstep - 1) / p->kstep;
    ik = u % nk;
    rest = u / nk;
    len = p->kstep * p->chunks[p->k];
    start[p->k] = ik * len;
    count[p->k] = p->shape[p->k] - start[p->k] < len
                      ? p->shape[p->k] - start[p->k] : len;
    for (int d = p->k - 1; d >= 0; d--) {
        uint64_t g = grid(p, d), i = rest % g;
        rest /= g;
        start[d] = i * p->chunks[d];
        count[d] = p->shape[d] - start[d] < p->chunks[d]
                       ? p->shape[d] - start[d] : p->chunks[d];
    }
}

uint64_t zsi_slabs_max_elems(const zsi_slabs *p)
{
    uint64_t n = 1;
    for (int d = 0; d < p->ndim; d++) {
        uint64_t e = d < p->k ? p->chunks[d]
                     : d == p->k ? p->kstep * p->chunks[d] : p->shape[d];
        n *= e < p->shape[d] ? e : p->shape[d];
    }
    return n;
}

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

bool zsi_var_is_coord(const zs_var *v)
{
    return v->ndim == 1 && v->dims && v->dims[0] &&
           !strcmp(v->dims[0], v->name);
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
    st = zsi_store_skip(v->array->store, prefix);
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

bool zsi_history_add(zs_attrs *a, const char *text)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    const char *old = zsi_attrs_text(a, "history");
    char *h;
    bool ok;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    h = old && *old ? zsi_asprintf("%s: %s\n%s", stamp, text, old)
                    : zsi_asprintf("%s: %s", stamp, text);
    ok = h && zsi_attrs_set(a, "history", ZS_DT_STRING, h, strlen(h));
    free(h);
    return ok;
}

/* Write key = text and remember it for .zmetadata. */
static zs_status put_meta(zs_ctx *ctx, zs_store *s, zsi_meta_cons *cons,
                          const char *key, zsi_buf *text)
{
    zs_status st;
    if (!zsi_buf_cstr(text))
        return zsi_nomem(ctx);
    st = zs_store_set(s, key, text->data, text->len);
    if (st == ZS_OK)
        st = zsi_meta_cons_add(ctx, cons, key, (char *)text->data);
    text->len = 0;
    return st;
}

zs_status zsi_write_metadata(zs_ctx *ctx, zs_store *s, size_t ngroups,
                             const char *const *group_paths,
                             const zs_attrs *const *group_attrs,
                             size_t narrays, zs_array *const *arrays)
{
    zsi_meta_cons cons = {{0}, {0}};
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < ngroups; i++) {
        char *kg = zsi_path_join(group_paths[i], ".zgroup");
        char *ka = zsi_path_join(group_paths[i], ".zattrs");
        st = kg && ka ? zsi_meta_v2_format_group(ctx, 0, &b) : zsi_nomem(ctx);
        if (st == ZS_OK)
            st = put_meta(ctx, s, &cons, kg, &b);
        if (st == ZS_OK)
            st = zsi_meta_format_attrs(ctx, group_attrs[i], NULL, 0, 0, &b);
        if (st == ZS_OK)
            st = put_meta(ctx, s, &cons, ka, &b);
        free(kg);
        free(ka);
    }
    for (size_t i = 0; st == ZS_OK && i < narrays; i++) {
        zs_array *a = arrays[i];
        char *kz = zsi_path_join(a->path, ".zarray");
        char *ka = zsi_path_join(a->path, ".zattrs");
        st = kz && ka ? zsi_array_format_zarray(a, 0, &b) : zsi_nomem(ctx);
        if (st == ZS_OK)
            st = put_meta(ctx, s, &cons, kz, &b);
        if (st == ZS_OK)
            st = zsi_array_format_zattrs(a, 0, &b);
        if (st == ZS_OK)
            st = put_meta(ctx, s, &cons, ka, &b);
        free(kz);
        free(ka);
    }
    if (st == ZS_OK)
        st = zsi_meta_cons_format(ctx, &cons, &b);
    if (st == ZS_OK)
        st = zs_store_set(s, ".zmetadata", b.data, b.len);
    zsi_buf_free(&b);
    zsi_meta_cons_free(&cons);
    return st;
}

static bool default_compressor(zsi_array_meta *m)
{
    const char *id = NULL;
    zsi_kv kv = {NULL, 0};
    bool ok = zsi_compressor_parse(NULL, "blosc:lz4:5:shuffle", &id, &kv) ==
                  ZS_OK &&
              (m->compressor = calloc(1, sizeof *m->compressor)) &&
              zsi_codec_spec_set(m->compressor, id, &kv);
    zsi_kv_free(&kv);
    return ok;
}

zs_status zsi_meta_like(zs_ctx *ctx, const zs_var *v, int ndim,
                        const uint64_t *shape, const uint64_t *chunks,
                        const char *const *dims, const zs_attrs *attrs,
                        zsi_array_meta *m)
{
    const zsi_array_meta *in = v->array ? &v->array->meta : NULL;
    zs_status st = ZS_OK;
    zsi_array_meta_init(m);
    if (in && in->zarr_format == 2) {
        st = zsi_array_meta_copy(ctx, in, m);
        if (st != ZS_OK)
            return st;
        m->order = 'C';   /* we write C order whatever we read */
        m->sep = '.';
        zsi_attrs_free(m->attrs);
        m->attrs = NULL;
    } else {
        m->dtype = v->dtype;
        m->itemsize = v->stored_itemsize;
        if (!zsi_array_meta_set_fill(m, v->has_fill ? v->fill : NULL))
            return zsi_nomem(ctx);
        if (v->dtype == ZS_DT_STRING) {
            m->filters = calloc(1, sizeof *m->filters);
            if (!m->filters || !zsi_codec_spec_set(m->filters, "vlen-utf8",
                                                   NULL))
                return zsi_nomem(ctx);
            m->nfilters = 1;
        }
        if (!default_compressor(m))
            return zsi_nomem(ctx);
    }
    zsi_array_meta_set_dims(m, NULL);
    m->ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        m->shape[d] = shape[d];
        m->chunks[d] = chunks[d] ? chunks[d] : 1;
    }
    if (!zsi_array_meta_set_dims(m, dims) ||
        zsi_attrs_copy(attrs, &m->attrs) != ZS_OK)
        return zsi_nomem(ctx);
    return ZS_OK;
}
