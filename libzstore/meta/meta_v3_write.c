/* meta_v3_write.c - Zarr v3 zarr.json documents as zarr-python 3 writes
 * them: arrays (shape, data_type, chunk_grid, chunk_key_encoding,
 * fill_value, codecs, attributes, dimension_names), groups, and the
 * root group with its metadata consolidated inline; and xarray's
 * spelling of a CF _FillValue in v3 attributes. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "meta/zsi_meta_common.h"

static bool json_dims(zsi_json *j, const uint64_t *v, int n)
{
    if (!zsi_json_arr_begin(j))
        return false;
    for (int i = 0; i < n; i++)
        if (!zsi_json_u64(j, v[i]))
            return false;
    return zsi_json_arr_end(j);
}

/* {"name": ID, "configuration": {...}}; an empty configuration is left
 * out, as zarr-python does for crc32c. */
static bool json_codec(zsi_json *j, const zsi_codec_spec *c)
{
    bool ok = zsi_json_obj_begin(j) && zsi_json_key(j, "name") &&
              zsi_json_str(j, c->id);
    if (ok && c->cfg.n) {
        ok = zsi_json_key(j, "configuration") && zsi_json_obj_begin(j);
        for (size_t i = 0; ok && i < c->cfg.n; i++) {
            const zsi_kv_item *it = &c->cfg.items[i];
            ok = zsi_json_key(j, it->key);
            switch (it->type) {
            case ZSI_KV_INT: ok = ok && zsi_json_i64(j, it->i); break;
            case ZSI_KV_DOUBLE: ok = ok && zsi_json_f64(j, it->d); break;
            case ZSI_KV_STRING: ok = ok && zsi_json_str(j, it->s); break;
            case ZSI_KV_BOOL: ok = ok && zsi_json_bool(j, it->i != 0); break;
            case ZSI_KV_JSON: ok = ok && zsi_json_raw(j, it->s); break;
            case ZSI_KV_INTS:
                ok = ok && zsi_json_arr_begin(j);
                for (size_t k = 0; ok && k < it->nints; k++)
                    ok = zsi_json_i64(j, it->ints[k]);
                ok = ok && zsi_json_arr_end(j);
                break;
            default: ok = ok && zsi_json_null(j); break;
            }
        }
        ok = ok && zsi_json_obj_end(j);
    }
    return ok && zsi_json_obj_end(j);
}

static bool json_codecs(zsi_json *j, const zsi_codec_spec *c, size_t n)
{
    bool ok = zsi_json_arr_begin(j);
    for (size_t i = 0; ok && i < n; i++)
        ok = json_codec(j, &c[i]);
    return ok && zsi_json_arr_end(j);
}

zs_status zsi_meta_v3_format_codecs(zs_ctx *ctx, const zsi_codec_spec *c,
                                    size_t n, zsi_buf *out)
{
    zsi_json j;
    zsi_json_init(&j, out, false, 0);
    return json_codecs(&j, c, n) && zsi_buf_cstr(out) ? ZS_OK
                                                      : zsi_nomem(ctx);
}

/* The data type: a name, or an object for the parametrised string types
 * of zarr-python 3 (null_terminated_bytes, fixed_length_utf32). */
static bool json_dtype(zsi_json *j, const zsi_array_meta *m)
{
    const char *name = zsi_dtype_to_v3(m->dtype);
    if (name)
        return zsi_json_str(j, name);
    if (m->dtype != ZS_DT_BYTES && m->dtype != ZS_DT_UNICODE)
        return false;
    return zsi_json_obj_begin(j) && zsi_json_key(j, "name") &&
           zsi_json_str(j, m->dtype == ZS_DT_BYTES ? "null_terminated_bytes"
                                                   : "fixed_length_utf32") &&
           zsi_json_key(j, "configuration") && zsi_json_obj_begin(j) &&
           zsi_json_key(j, "length_bytes") &&
           zsi_json_u64(j, m->itemsize) && zsi_json_obj_end(j) &&
           zsi_json_obj_end(j);
}

/* v3 has no null fill value: zarr-python's default (zero, false, "")
 * stands in; null_terminated_bytes drops trailing zero bytes. */
static bool json_fill_v3(zsi_json *j, const zsi_array_meta *m)
{
    zsi_buf b = ZSI_BUF_INIT;
    size_t n;
    bool ok;
    if (!m->has_fill) {
        if (m->dtype == ZS_DT_BOOL)
            return zsi_json_bool(j, false);
        if (zsi_dtype_is_float(m->dtype))
            return zsi_json_f64(j, 0.0);
        if (zsi_dtype_is_numeric(m->dtype))
            return zsi_json_i64(j, 0);
        return zsi_json_str(j, "");
    }
    if (m->dtype != ZS_DT_BYTES)
        return zsi_json_fill(j, m);
    for (n = m->itemsize; n > 0 && m->fill[n - 1] == 0; n--)
        ;
    ok = zsi_base64_encode(m->fill, n, &b) &&
         zsi_json_str(j, b.data ? (char *)b.data : "");
    zsi_buf_free(&b);
    return ok;
}

static bool json_attrs(zsi_json *j, const zs_attrs *a)
{
    bool ok = zsi_json_obj_begin(j);
    for (size_t i = 0; ok && i < zs_attrs_count(a); i++)
        ok = zsi_json_key(j, zs_attrs_name(a, i)) &&
             zsi_json_attr_value(j, a, i);
    return ok && zsi_json_obj_end(j);
}

static bool json_array(zsi_json *j, const zsi_array_meta *m)
{
    char sep = m->sep == '.' ? '.' : '/';
    bool ok = zsi_json_obj_begin(j) && zsi_json_key(j, "shape") &&
              json_dims(j, m->shape, m->ndim) &&
              zsi_json_key(j, "data_type") && json_dtype(j, m) &&
              zsi_json_key(j, "chunk_grid") && zsi_json_obj_begin(j) &&
              zsi_json_key(j, "name") && zsi_json_str(j, "regular") &&
              zsi_json_key(j, "configuration") && zsi_json_obj_begin(j) &&
              zsi_json_key(j, "chunk_shape") &&
              json_dims(j, m->chunks, m->ndim) && zsi_json_obj_end(j) &&
              zsi_json_obj_end(j) &&
              zsi_json_key(j, "chunk_key_encoding") &&
              zsi_json_obj_begin(j) && zsi_json_key(j, "name") &&
              zsi_json_str(j, m->v3_default_keys ? "default" : "v2") &&
              zsi_json_key(j, "configuration") && zsi_json_obj_begin(j) &&
              zsi_json_key(j, "separator") && zsi_json_strn(j, &sep, 1) &&
              zsi_json_obj_end(j) && zsi_json_obj_end(j) &&
              zsi_json_key(j, "fill_value") && json_fill_v3(j, m) &&
              zsi_json_key(j, "codecs") &&
              json_codecs(j, m->codecs, m->ncodecs) &&
              zsi_json_key(j, "attributes") && json_attrs(j, m->attrs);
    if (ok && m->dim_names) {
        ok = zsi_json_key(j, "dimension_names") && zsi_json_arr_begin(j);
        for (int d = 0; ok && d < m->ndim; d++)
            ok = zsi_json_str(j, m->dim_names[d]);
        ok = ok && zsi_json_arr_end(j);
    }
    return ok && zsi_json_key(j, "zarr_format") && zsi_json_i64(j, 3) &&
           zsi_json_key(j, "node_type") && zsi_json_str(j, "array") &&
           zsi_json_key(j, "storage_transformers") &&
           zsi_json_arr_begin(j) && zsi_json_arr_end(j) &&
           zsi_json_obj_end(j);
}

zs_status zsi_meta_v3_format_array(zs_ctx *ctx, const zsi_array_meta *m,
                                   int lvl, zsi_buf *out)
{
    zsi_json j;
    if (m->dtype != ZS_DT_BYTES && m->dtype != ZS_DT_UNICODE &&
        !zsi_dtype_to_v3(m->dtype))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED, "data type %s has no Zarr "
                       "v3 form", zs_dtype_name(m->dtype));
    zsi_json_init(&j, out, true, lvl);
    return json_array(&j, m) ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_meta_v3_format_group(zs_ctx *ctx, const zs_attrs *attrs,
                                   const zsi_meta_cons *cons, int lvl,
                                   zsi_buf *out)
{
    zsi_json j;
    bool ok;
    zsi_json_init(&j, out, true, lvl);
    ok = zsi_json_obj_begin(&j) && zsi_json_key(&j, "attributes") &&
         json_attrs(&j, attrs) && zsi_json_key(&j, "zarr_format") &&
         zsi_json_i64(&j, 3) && zsi_json_key(&j, "consolidated_metadata");
    if (ok && cons) {
        zsi_buf inner = ZSI_BUF_INIT;
        /* the same sorted {"KEY": {...}} object as v2's .zmetadata */
        zs_status st = zsi_meta_cons_format_entries(ctx, cons, &inner);
        ok = st == ZS_OK && zsi_json_obj_begin(&j) &&
             zsi_json_key(&j, "kind") && zsi_json_str(&j, "inline") &&
             zsi_json_key(&j, "must_understand") &&
             zsi_json_bool(&j, false) && zsi_json_key(&j, "metadata") &&
             zsi_json_raw(&j, (char *)inner.data) && zsi_json_obj_end(&j);
        zsi_buf_free(&inner);
        if (st != ZS_OK)
            return st;
    } else if (ok) {
        ok = zsi_json_null(&j);
    }
    ok = ok && zsi_json_key(&j, "node_type") &&
         zsi_json_str(&j, "group") && zsi_json_obj_end(&j) &&
         zsi_buf_append(out, "\n", 1);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

/* ---- CF _FillValue in v3 attributes ------------------------------------ */

/* xarray keeps the CF missing value of a v3 array in its attributes
 * (the array's fill_value is only what unwritten chunks hold): integers
 * and booleans as numbers, floats as the base64 text of the
 * little-endian double, byte strings as base64, text as itself. */
bool zsi_meta_v3_fill_attr(zs_attrs *a, zs_dtype t, size_t itemsize,
                           const void *item)
{
    zsi_buf b = ZSI_BUF_INIT;
    uint64_t aligned[2] = {0, 0};   /* item may sit anywhere */
    const void *fill = item;
    bool ok;
    if (zsi_dtype_is_numeric(t)) {
        memcpy(aligned, item, zsi_dtype_size(t));
        fill = aligned;
    }
    if (zsi_dtype_is_float(t)) {
        double d = zsi_load_double(t, fill, 0);
        uint8_t le[8];
        uint64_t bits;
        memcpy(&bits, &d, 8);
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(bits >> (8 * i));
        ok = zsi_base64_encode(le, 8, &b) &&
             zsi_attrs_set(a, "_FillValue", ZS_DT_STRING, b.data, b.len);
    } else if (t == ZS_DT_UINT64) {
        ok = zsi_attrs_set(a, "_FillValue", ZS_DT_UINT64, fill, 1);
    } else if (zsi_dtype_is_numeric(t)) {
        int64_t v = 0;
        zsi_load_i64(t, fill, 0, &v);
        ok = zsi_attrs_set(a, "_FillValue", ZS_DT_INT64, &v, 1);
    } else if (t == ZS_DT_BYTES) {
        ok = zsi_base64_encode(fill, itemsize, &b) &&
             zsi_attrs_set(a, "_FillValue", ZS_DT_STRING, b.data, b.len);
    } else if (t == ZS_DT_STRING) {
        ok = zsi_attrs_set(a, "_FillValue", ZS_DT_STRING, fill,
                           strlen(fill));
    } else {
        ok = true;   /* UCS-4 text: no CF fill written */
    }
    zsi_buf_free(&b);
    return ok;
}

static int fill_from_attr(const zs_attrs *a, zs_dtype t, size_t itemsize,
                          void *item);

int zsi_meta_v3_fill_from_attr(const zs_attrs *a, zs_dtype t,
                               size_t itemsize, void *item)
{
    /* item may sit anywhere: work in an aligned copy */
    uint64_t aligned[2] = {0, 0};
    int r;
    if (!zsi_dtype_is_numeric(t))
        return fill_from_attr(a, t, itemsize, item);
    r = fill_from_attr(a, t, itemsize, aligned);
    if (r == 1)
        memcpy(item, aligned, zsi_dtype_size(t));
    return r;
}

static int fill_from_attr(const zs_attrs *a, zs_dtype t, size_t itemsize,
                          void *item)
{
    size_t i;
    zs_dtype at;
    if (!zs_attrs_find(a, "_FillValue", &i))
        return 0;
    at = zs_attrs_type(a, i);
    if (at == ZS_DT_STRING && (zsi_dtype_is_float(t) || t == ZS_DT_BYTES)) {
        zsi_buf b = ZSI_BUF_INIT;
        bool ok = zsi_base64_decode(zs_attrs_get_string(a, i), &b);
        if (ok && zsi_dtype_is_float(t) && b.len == 8) {
            uint64_t bits = 0;
            double d;
            for (int k = 7; k >= 0; k--)
                bits = bits << 8 | b.data[k];
            memcpy(&d, &bits, 8);
            ok = zsi_store_double(t, item, 0, d) || isnan(d);
            if (isnan(d))
                zsi_store_double(t, item, 0, NAN);
        } else if (ok && t == ZS_DT_BYTES && b.len <= itemsize) {
            memset(item, 0, itemsize);
            memcpy(item, b.data, b.len);
        } else {
            ok = false;
        }
        zsi_buf_free(&b);
        return ok ? 1 : -1;
    }
    if (zsi_dtype_is_numeric(t) && zsi_dtype_is_numeric(at) &&
        zs_attrs_length(a, i) == 1) {
        double d;
        int64_t v;
        if (zs_attrs_get_int64(a, i, 0, &v) == ZS_OK) {
            if (t == ZS_DT_INT64 || t == ZS_DT_UINT64) {
                memcpy(item, &v, 8);   /* every digit, not a double's */
                return 1;
            }
            return zsi_store_double(t, item, 0, (double)v) ? 1 : -1;
        }
        return zs_attrs_get_double(a, i, 0, &d) == ZS_OK &&
               zsi_store_double(t, item, 0, d) ? 1 : -1;
    }
    return -1;
}
