/* meta_common.c - array metadata records, fill values, base64, and the
 * parts shared by the v2 and v3 readers. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta_common.h"

void zsi_array_meta_init(zsi_array_meta *m)
{
    memset(m, 0, sizeof *m);
    m->zarr_format = 2;
    m->order = 'C';
    m->sep = '.';
}

void zsi_codec_spec_free(zsi_codec_spec *s)
{
    if (!s)
        return;
    free(s->id);
    zsi_kv_free(&s->cfg);
    s->id = NULL;
}

bool zsi_codec_spec_set(zsi_codec_spec *s, const char *id, const zsi_kv *c)
{
    s->id = zsi_strdup(id);
    if (!s->id)
        return false;
    if (c && !zsi_kv_copy(&s->cfg, c)) {
        free(s->id);
        s->id = NULL;
        return false;
    }
    if (!c)
        memset(&s->cfg, 0, sizeof s->cfg);
    return true;
}

static void free_specs(zsi_codec_spec *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zsi_codec_spec_free(&v[i]);
    free(v);
}

void zsi_array_meta_free(zsi_array_meta *m)
{
    free(m->fill);
    free_specs(m->filters, m->nfilters);
    if (m->compressor) {
        zsi_codec_spec_free(m->compressor);
        free(m->compressor);
    }
    free_specs(m->codecs, m->ncodecs);
    if (m->dim_names) {
        for (int i = 0; i < m->ndim; i++)
            free(m->dim_names[i]);
        free(m->dim_names);
    }
    zsi_attrs_free(m->attrs);
    zsi_array_meta_init(m);
}

bool zsi_array_meta_set_fill(zsi_array_meta *m, const void *item)
{
    free(m->fill);
    m->fill = NULL;
    m->has_fill = item != NULL;
    if (!item)
        return true;
    if (m->dtype == ZS_DT_STRING) {
        m->fill = (uint8_t *)zsi_strdup(item);
    } else {
        m->fill = malloc(m->itemsize ? m->itemsize : 1);
        if (m->fill)
            memcpy(m->fill, item, m->itemsize);
    }
    return m->fill != NULL;
}

bool zsi_array_meta_set_dims(zsi_array_meta *m, const char *const *names)
{
    char **v;
    if (m->dim_names) {
        for (int i = 0; i < m->ndim; i++)
            free(m->dim_names[i]);
        free(m->dim_names);
        m->dim_names = NULL;
    }
    if (!names)
        return true;
    v = calloc((size_t)(m->ndim ? m->ndim : 1), sizeof *v);
    if (!v)
        return false;
    for (int i = 0; i < m->ndim; i++)
        if (!(v[i] = zsi_strdup(names[i]))) {
            for (int k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return false;
        }
    m->dim_names = v;
    return true;
}

static bool copy_specs(zsi_codec_spec **dst, const zsi_codec_spec *src,
                       size_t n)
{
    *dst = NULL;
    if (!n)
        return true;
    *dst = calloc(n, sizeof **dst);
    if (!*dst)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!zsi_codec_spec_set(&(*dst)[i], src[i].id, &src[i].cfg))
            return false;
    return true;
}

zs_status zsi_array_meta_copy(zs_ctx *ctx, const zsi_array_meta *src,
                              zsi_array_meta *dst)
{
    zsi_array_meta m = *src;
    m.fill = NULL;
    m.filters = m.codecs = m.compressor = NULL;
    m.dim_names = NULL;
    m.attrs = NULL;
    m.has_fill = false;
    if (!zsi_array_meta_set_fill(&m, src->has_fill ? src->fill : NULL) ||
        !copy_specs(&m.filters, src->filters, src->nfilters) ||
        !copy_specs(&m.codecs, src->codecs, src->ncodecs) ||
        !zsi_array_meta_set_dims(&m, (const char *const *)src->dim_names) ||
        zsi_attrs_copy(src->attrs, &m.attrs) != ZS_OK)
        goto nomem;
    if (src->compressor) {
        m.compressor = calloc(1, sizeof *m.compressor);
        if (!m.compressor ||
            !zsi_codec_spec_set(m.compressor, src->compressor->id,
                                &src->compressor->cfg))
            goto nomem;
    }
    *dst = m;
    return ZS_OK;
nomem:
    zsi_array_meta_free(&m);
    return zsi_nomem(ctx);
}

/* ---- base64 -------------------------------------------------------- */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool zsi_base64_encode(const uint8_t *p, size_t n, zsi_buf *out)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        char q[4];
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = b64[v >> 18 & 63];
        q[1] = b64[v >> 12 & 63];
        q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        if (!zsi_buf_append(out, q, 4))
            return false;
    }
    return zsi_buf_cstr(out) != NULL;
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

bool zsi_base64_decode(const char *s, zsi_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        int v = b64_val(*s);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            uint8_t byte = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
            if (!zsi_buf_append(out, &byte, 1))
                return false;
        }
    }
    return true;
}

/* ---- fill values ----------------------------------------------------- */

/* A float fill value from a JSON number or one of the special strings;
 * v3 also allows hex bit patterns "0x7fc00000". */
static bool float_fill(const cJSON *v, zs_dtype t, uint8_t *out)
{
    double d;
    const char *s = zsi_jv_text(v);
    if (s && zsi_str_starts(s, "0x")) {
        uint64_t bits = strtoull(s + 2, NULL, 16);
        uint32_t b32 = (uint32_t)bits;
        uint16_t b16 = (uint16_t)bits;
        size_t w = zsi_dtype_size(t);
        memcpy(out, w == 8 ? (void *)&bits : w == 4 ? (void *)&b32
                                                    : (void *)&b16, w);
        return true;
    }
    if (s) {
        if (strcmp(s, "NaN") == 0) d = NAN;
        else if (strcmp(s, "Infinity") == 0) d = INFINITY;
        else if (strcmp(s, "-Infinity") == 0) d = -INFINITY;
        else return false;
    } else if (!zsi_jv_double(v, &d)) {
        return false;
    }
    return zsi_store_double(t, out, 0, d);
}

static bool int_fill(const cJSON *v, zs_dtype t, uint8_t *out)
{
    int64_t i;
    uint64_t u;
    double d;
    int r = zsi_jv_int(v, &i, &u);
    if (r == 3)
        return t == ZS_DT_UINT64 && (memcpy(out, &u, 8), true);
    if (r == 1 || r == 2) {
        if (t == ZS_DT_INT64 || (t == ZS_DT_UINT64 && r == 2)) {
            memcpy(out, &i, 8);
            return true;
        }
        return zsi_store_double(t, out, 0, (double)i);
    }
    if (cJSON_IsBool(v))
        return zsi_store_double(t, out, 0, cJSON_IsTrue(v));
    /* some writers store integral fills as floats ("0.0") */
    return zsi_jv_double(v, &d) && zsi_store_double(t, out, 0, d);
}

/* Encode UTF-8 text as UCS-4 (little endian) into n code units. */
static bool ucs4_from_utf8(const char *s, uint8_t *out, size_t n)
{
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)s;
    memset(out, 0, n * 4);
    while (*p) {
        uint32_t cp;
        int extra;
        if (*p < 0x80) { cp = *p; extra = 0; }
        else if ((*p & 0xe0) == 0xc0) { cp = *p & 0x1f; extra = 1; }
        else if ((*p & 0xf0) == 0xe0) { cp = *p & 0x0f; extra = 2; }
        else if ((*p & 0xf8) == 0xf0) { cp = *p & 0x07; extra = 3; }
        else return false;
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (*p & 0x3f);
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || k >= n)
            return false;
        zsi_put_le32(out + 4 * k++, cp);
    }
    return true;
}

zs_status zsi_fill_from_json(zs_ctx *ctx, const char *where,
                             const cJSON *v, zsi_array_meta *m)
{
    uint8_t *item;
    zsi_buf b = ZSI_BUF_INIT;
    bool ok = true;
    if (!v || cJSON_IsNull(v))
        return zsi_array_meta_set_fill(m, NULL) ? ZS_OK : zsi_nomem(ctx);
    if (m->dtype == ZS_DT_STRING) {
        /* the text itself, as zarr-python writes it for object arrays
         * (and v3 for strings); other values (0) mean "" */
        const char *s = zsi_jv_text(v);
        return zsi_array_meta_set_fill(m, s ? s : "") ? ZS_OK
                                                      : zsi_nomem(ctx);
    }
    item = calloc(1, m->itemsize ? m->itemsize : 1);
    if (!item)
        return zsi_nomem(ctx);
    if (zsi_dtype_is_float(m->dtype)) {
        ok = float_fill(v, m->dtype, item);
    } else if (zsi_dtype_is_numeric(m->dtype)) {
        ok = int_fill(v, m->dtype, item);
    } else if (m->dtype == ZS_DT_BYTES) {
        const char *s = zsi_jv_text(v);
        if (s && zsi_base64_decode(s, &b) && b.len <= m->itemsize) {
            if (b.len)
                memcpy(item, b.data, b.len);
        }
        else if (!(zsi_jv_is_int(v) || (s && !*s)))
            ok = false;   /* only 0 and "" mean all-zero besides base64 */
        zsi_buf_free(&b);
    } else if (m->dtype == ZS_DT_UNICODE) {
        const char *s = zsi_jv_text(v);
        if (s)
            ok = ucs4_from_utf8(s, item, m->itemsize / 4);
        else
            ok = zsi_jv_is_int(v);
    }
    if (!ok) {
        free(item);
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: fill_value does not fit dtype %s", where,
                       zs_dtype_name(m->dtype));
    }
    ok = zsi_array_meta_set_fill(m, item);
    free(item);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

/* ---- shapes -------------------------------------------------------- */

zs_status zsi_shape_from_json(zs_ctx *ctx, const char *where,
                              const char *what, const cJSON *arr,
                              bool positive, uint64_t *out, int *ndim)
{
    int n = 0;
    if (!cJSON_IsArray(arr))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: %s is not a list", where,
                       what);
    for (const cJSON *c = arr->child; c; c = c->next, n++) {
        int64_t i;
        uint64_t u;
        int r = zsi_jv_int(c, &i, &u);
        if (n >= ZS_MAX_DIMS)
            return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                           "%s: more than %d dimensions", where,
                           ZS_MAX_DIMS);
        if (r == 0)
            return zsi_err(ctx, ZS_ERR_FORMAT,
                           "%s: %s[%d] is not an integer", where, what, n);
        if (r == 1 || (positive && u == 0))
            return zsi_err(ctx, ZS_ERR_FORMAT, "%s: %s[%d] must be %s",
                           where, what, n,
                           positive ? "positive" : "non-negative");
        if (r != 2 || u > ((uint64_t)1 << 62))
            return zsi_err(ctx, ZS_ERR_OVERFLOW, "%s: %s[%d] is too large",
                           where, what, n);
        out[n] = u;
    }
    *ndim = n;
    return ZS_OK;
}

zs_status zsi_meta_check_sizes(zs_ctx *ctx, const char *where,
                               const zsi_array_meta *m)
{
    uint64_t n, bytes;
    if (!zsi_prod_ok(m->shape, m->ndim, &n) ||
        !zsi_mul_ok(n, m->itemsize ? m->itemsize : 1, &bytes))
        return zsi_err(ctx, ZS_ERR_OVERFLOW,
                       "%s: shape is too large (size overflows)", where);
    if (!zsi_prod_ok(m->chunks, m->ndim, &n) ||
        !zsi_mul_ok(n, m->itemsize ? m->itemsize : 1, &bytes) ||
        bytes > ZSI_MAX_CHUNK_BYTES)
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: chunks of more than %llu bytes are not "
                       "supported", where,
                       (unsigned long long)ZSI_MAX_CHUNK_BYTES);
    return ZS_OK;
}

zs_status zsi_dims_from_json(zs_ctx *ctx, const char *where,
                             const cJSON *names, zsi_array_meta *m)
{
    const char *v[ZS_MAX_DIMS];
    int n = 0;
    if (!names || cJSON_IsNull(names))
        return ZS_OK;
    if (!cJSON_IsArray(names))
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: dimension names are not a list", where);
    if (cJSON_GetArraySize(names) != m->ndim)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: %d dimension names for %d dimensions", where,
                       cJSON_GetArraySize(names), m->ndim);
    for (const cJSON *c = names->child; c; c = c->next, n++) {
        v[n] = zsi_jv_text(c);
        if (!v[n])
            return ZS_OK;  /* null names: treat as absent */
    }
    if (n != m->ndim)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: %d dimension names for %d dimensions", where,
                       cJSON_GetArraySize(names), m->ndim);
    return zsi_array_meta_set_dims(m, v) ? ZS_OK : zsi_nomem(ctx);
}

int zsi_meta_doc_format(const zsi_meta_doc *d)
{
    return zsi_meta_doc_format_of(zsi_doc_root(d));
}
