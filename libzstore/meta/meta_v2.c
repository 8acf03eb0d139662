/* meta_v2.c - Zarr v2: .zarray, .zattrs, .zgroup and .zmetadata. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta_common.h"

static const cJSON *member(const cJSON *obj, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(obj, k);
}

/* One codec specification {"id": ..., params}. */
static zs_status spec_from_json(zs_ctx *ctx, const char *where,
                                const cJSON *obj, zsi_codec_spec *s)
{
    const char *id = zsi_jv_text(member(obj, "id"));
    zs_status st;
    if (!cJSON_IsObject(obj) || !id)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: codec without an \"id\"", where);
    st = zsi_kv_from_json(ctx, where, obj, "id", &s->cfg);
    if (st != ZS_OK)
        return st;
    s->id = zsi_strdup(id);
    return s->id ? ZS_OK : zsi_nomem(ctx);
}

static zs_status parse_codecs(zs_ctx *ctx, const char *where,
                              const cJSON *root, zsi_array_meta *m)
{
    const cJSON *comp = member(root, "compressor");
    const cJSON *filt = member(root, "filters");
    zs_status st = ZS_OK;
    if (comp && !cJSON_IsNull(comp)) {
        m->compressor = calloc(1, sizeof *m->compressor);
        if (!m->compressor)
            return zsi_nomem(ctx);
        st = spec_from_json(ctx, where, comp, m->compressor);
        if (st != ZS_OK)
            return st;
    }
    if (filt && !cJSON_IsNull(filt)) {
        size_t n = (size_t)cJSON_GetArraySize(filt), i = 0;
        if (!cJSON_IsArray(filt))
            return zsi_err(ctx, ZS_ERR_FORMAT,
                           "%s: filters is not a list", where);
        m->filters = calloc(n ? n : 1, sizeof *m->filters);
        if (!m->filters)
            return zsi_nomem(ctx);
        for (const cJSON *c = filt->child; c && st == ZS_OK; c = c->next) {
            st = spec_from_json(ctx, where, c, &m->filters[i++]);
            m->nfilters = i;
        }
    }
    return st;
}

/* A structured dtype, [["a", "<i4"], ["b", "<f8", [2]]], named in the
 * message as written (shortened), like any other unknown type. */
static zs_status structured_dtype(zs_ctx *ctx, const char *where,
                                  const cJSON *v)
{
    char *text = zsi_jv_brief(v, 80);
    zs_status st;
    if (!text)
        return zsi_nomem(ctx);
    st = zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                 "%s: unsupported dtype %s (structured)", where, text);
    free(text);
    return st;
}

/* dtype, with "|O" requiring an object codec we understand. */
static zs_status parse_dtype(zs_ctx *ctx, const char *where,
                             const cJSON *root, zsi_array_meta *m)
{
    const cJSON *v = member(root, "dtype");
    const char *dt = zsi_jv_text(v);
    if (!dt && cJSON_IsArray(v))
        return structured_dtype(ctx, where, v);
    if (!dt)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: missing or invalid dtype",
                       where);
    if (!zsi_dtype_from_numpy(dt, &m->dtype, &m->itemsize, &m->big_endian))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: unsupported dtype '%s'", where, dt);
    return ZS_OK;
}

static zs_status check_object_codec(zs_ctx *ctx, const char *where,
                                    const zsi_array_meta *m)
{
    const char *id;
    if (m->dtype != ZS_DT_STRING)
        return ZS_OK;
    if (!m->nfilters)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: object dtype without an object codec", where);
    id = m->filters[0].id;
    if (strcmp(id, "vlen-utf8") && strcmp(id, "vlen-bytes"))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: unsupported codec '%s' (object arrays)", where,
                       id);
    return ZS_OK;
}

static zs_status v2_array(zs_ctx *ctx, const char *where, const cJSON *root,
                          const cJSON *attrs, zsi_array_meta *m)
{
    static const char *const skip[] = {"_ARRAY_DIMENSIONS", NULL};
    const char *order, *sep;
    int nd = 0;
    zs_status st;
    zsi_array_meta_init(m);
    if (!cJSON_IsObject(root))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: not a JSON object", where);
    if (zsi_meta_doc_format_of(root) != 2)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: zarr_format is not 2",
                       where);
    st = zsi_shape_from_json(ctx, where, "shape", member(root, "shape"),
                             false, m->shape, &m->ndim);
    if (st == ZS_OK)
        st = zsi_shape_from_json(ctx, where, "chunks",
                                 member(root, "chunks"), true, m->chunks,
                                 &nd);
    if (st == ZS_OK && nd != m->ndim)
        st = zsi_err(ctx, ZS_ERR_FORMAT,
                     "%s: chunks has %d dimensions, shape %d", where, nd,
                     m->ndim);
    if (st == ZS_OK)
        st = parse_dtype(ctx, where, root, m);
    if (st == ZS_OK)
        st = parse_codecs(ctx, where, root, m);
    if (st == ZS_OK)
        st = check_object_codec(ctx, where, m);
    if (st == ZS_OK)
        st = zsi_meta_check_sizes(ctx, where, m);
    if (st != ZS_OK)
        goto fail;
    order = zsi_jv_text(member(root, "order"));
    if (!order || (strcmp(order, "C") && strcmp(order, "F"))) {
        st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: order must be \"C\" or \"F\"",
                     where);
        goto fail;
    }
    m->order = order[0];
    sep = zsi_jv_text(member(root, "dimension_separator"));
    if (member(root, "dimension_separator") && !cJSON_IsNull(
            member(root, "dimension_separator")) &&
        (!sep || (strcmp(sep, ".") && strcmp(sep, "/")))) {
        st = zsi_err(ctx, ZS_ERR_FORMAT,
                     "%s: dimension_separator must be \".\" or \"/\"", where);
        goto fail;
    }
    m->sep = sep ? sep[0] : '.';
    st = zsi_fill_from_json(ctx, where, member(root, "fill_value"), m);
    if (st == ZS_OK)
        st = zsi_attrs_from_json(ctx, where, attrs, skip, &m->attrs);
    if (st == ZS_OK && attrs)
        st = zsi_dims_from_json(ctx, where,
                                member(attrs, "_ARRAY_DIMENSIONS"), m);
    if (st == ZS_OK)
        return ZS_OK;
fail:
    zsi_array_meta_free(m);
    return st;
}

int zsi_meta_doc_format_of(const cJSON *obj)
{
    const cJSON *f = member(obj, "zarr_format");
    int64_t i;
    uint64_t u;
    if (zsi_jv_int(f, &i, &u) == 2 && (i == 2 || i == 3))
        return (int)i;
    return 0;
}

zs_status zsi_meta_v2_array(zs_ctx *ctx, const char *where,
                            const zsi_meta_doc *zarray,
                            const zsi_meta_doc *zattrs, zsi_array_meta *m)
{
    return v2_array(ctx, where, zsi_doc_root(zarray), zsi_doc_root(zattrs),
                    m);
}

static const cJSON *cons_entries(const zsi_meta_doc *d)
{
    const cJSON *root = zsi_doc_root(d), *md;
    md = member(root, "metadata");
    if (cJSON_IsObject(md))
        return md;
    /* v3: consolidated_metadata.metadata */
    md = member(member(root, "consolidated_metadata"), "metadata");
    return cJSON_IsObject(md) ? md : NULL;
}

int zsi_meta_doc_has(const zsi_meta_doc *d, const char *key)
{
    return member(cons_entries(d), key) != NULL;
}

const cJSON *zsi_meta_doc_entry(const zsi_meta_doc *d, const char *key)
{
    return key ? member(cons_entries(d), key) : zsi_doc_root(d);
}

zs_status zsi_meta_doc_consolidated_keys(zs_ctx *ctx, const zsi_meta_doc *d,
                                         const char *where, zsi_strv *keys)
{
    const cJSON *md = cons_entries(d);
    if (!md)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: no \"metadata\" object", where);
    for (const cJSON *c = md->child; c; c = c->next) {
        if (!cJSON_IsObject(c))
            return zsi_err(ctx, ZS_ERR_FORMAT,
                           "%s: entry '%s' is not an object", where,
                           c->string);
        if (!zsi_strv_push(keys, c->string))
            return zsi_nomem(ctx);
    }
    zsi_strv_sort(keys);
    return ZS_OK;
}

zs_status zsi_meta_v2_array_from(zs_ctx *ctx, const zsi_meta_doc *cons,
                                 const char *path, zsi_array_meta *m)
{
    char *ka = zsi_path_join(path, ".zarray");
    char *kt = zsi_path_join(path, ".zattrs");
    zs_status st;
    if (!ka || !kt)
        st = zsi_nomem(ctx);
    else
        st = v2_array(ctx, ka, member(cons_entries(cons), ka),
                      member(cons_entries(cons), kt), m);
    free(ka);
    free(kt);
    return st;
}

zs_status zsi_meta_attrs(zs_ctx *ctx, const char *where,
                         const zsi_meta_doc *d, const char *key,
                         zs_attrs **out)
{
    return zsi_attrs_from_json(ctx, where, zsi_meta_doc_entry(d, key), NULL,
                               out);
}

zs_status zsi_meta_v2_group_ok(zs_ctx *ctx, const char *where,
                               const zsi_meta_doc *d, const char *key)
{
    const cJSON *g = zsi_meta_doc_entry(d, key);
    if (!cJSON_IsObject(g) || zsi_meta_doc_format_of(g) != 2)
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: not a Zarr v2 group (zarr_format != 2)", where);
    return ZS_OK;
}

/* ---- writing ------------------------------------------------------- */

bool zsi_json_fill(zsi_json *j, const zsi_array_meta *m)
{
    zsi_buf b = ZSI_BUF_INIT;
    bool ok;
    if (!m->has_fill)
        return zsi_json_null(j);
    switch (m->dtype) {
    case ZS_DT_BOOL:
        return zsi_json_bool(j, m->fill[0] != 0);
    case ZS_DT_FLOAT16: case ZS_DT_FLOAT32: case ZS_DT_FLOAT64:
        /* the exact double value, as zarr-python writes float(fill) */
        return zsi_json_f64(j, zsi_load_double(m->dtype, m->fill, 0));
    case ZS_DT_UINT64:
        return zsi_json_u64(j, *(const uint64_t *)(const void *)m->fill);
    case ZS_DT_BYTES:
        ok = zsi_base64_encode(m->fill, m->itemsize, &b) &&
             zsi_json_str(j, (char *)b.data);
        zsi_buf_free(&b);
        return ok;
    case ZS_DT_UNICODE: {
        /* UCS-4 to UTF-8, trailing NULs dropped */
        for (size_t k = 0; k + 4 <= m->itemsize; k += 4) {
            uint32_t cp = zsi_le32(m->fill + k);
            char u[4];
            size_t n = 0;
            if (cp == 0)
                break;
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                cp = 0xfffd;    /* not a character: never emit bad UTF-8 */
            if (cp < 0x80) { u[n++] = (char)cp; }
            else if (cp < 0x800) {
                u[n++] = (char)(0xc0 | cp >> 6);
                u[n++] = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                u[n++] = (char)(0xe0 | cp >> 12);
                u[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[n++] = (char)(0x80 | (cp & 0x3f));
            } else {
                u[n++] = (char)(0xf0 | cp >> 18);
                u[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
                u[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[n++] = (char)(0x80 | (cp & 0x3f));
            }
            if (!zsi_buf_append(&b, u, n)) {
                zsi_buf_free(&b);
                return false;
            }
        }
        ok = zsi_json_strn(j, b.data ? (char *)b.data : "", b.len);
        zsi_buf_free(&b);
        return ok;
    }
    case ZS_DT_STRING:   /* the text, as zarr-python writes it */
        return zsi_json_str(j, (const char *)m->fill);
    default: {
        int64_t v;
        return zsi_load_i64(m->dtype, m->fill, 0, &v) && zsi_json_i64(j, v);
    }
    }
}

static bool json_dims(zsi_json *j, const uint64_t *v, int n)
{
    if (!zsi_json_arr_begin(j))
        return false;
    for (int i = 0; i < n; i++)
        if (!zsi_json_u64(j, v[i]))
            return false;
    return zsi_json_arr_end(j);
}

zs_status zsi_meta_v2_format_array(zs_ctx *ctx, const zsi_array_meta *m,
                                   int lvl, zsi_buf *out)
{
    zsi_json j;
    char dt[32];
    bool ok;
    zsi_json_init(&j, out, true, lvl);
    if (!zsi_dtype_to_numpy(m->dtype, m->itemsize, m->big_endian, dt,
                            sizeof dt))
        return zsi_err(ctx, ZS_ERR_INVALID, "dtype %s has no Zarr v2 form",
                       zs_dtype_name(m->dtype));
    ok = zsi_json_obj_begin(&j) && zsi_json_key(&j, "chunks") &&
         json_dims(&j, m->chunks, m->ndim) &&
         zsi_json_key(&j, "compressor");
    if (ok && m->compressor)
        ok = zsi_json_kv(&j, m->compressor->id, &m->compressor->cfg);
    else if (ok)
        ok = zsi_json_null(&j);
    ok = ok && zsi_json_key(&j, "dimension_separator") &&
         zsi_json_strn(&j, &m->sep, 1) && zsi_json_key(&j, "dtype") &&
         zsi_json_str(&j, dt) && zsi_json_key(&j, "fill_value") &&
         zsi_json_fill(&j, m) && zsi_json_key(&j, "filters");
    if (ok && m->nfilters) {
        ok = zsi_json_arr_begin(&j);
        for (size_t i = 0; ok && i < m->nfilters; i++)
            ok = zsi_json_kv(&j, m->filters[i].id, &m->filters[i].cfg);
        ok = ok && zsi_json_arr_end(&j);
    } else if (ok) {
        ok = zsi_json_null(&j);
    }
    ok = ok && zsi_json_key(&j, "order") &&
         zsi_json_strn(&j, &m->order, 1) && zsi_json_key(&j, "shape") &&
         json_dims(&j, m->shape, m->ndim) &&
         zsi_json_key(&j, "zarr_format") && zsi_json_i64(&j, 2) &&
         zsi_json_obj_end(&j);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_meta_format_attrs(zs_ctx *ctx, const zs_attrs *a,
                                const char *const *dims, int ndims,
                                int lvl, zsi_buf *out)
{
    zsi_json j;
    bool ok;
    zsi_json_init(&j, out, true, lvl);
    ok = zsi_json_obj_begin(&j);
    if (ok && dims) {
        ok = zsi_json_key(&j, "_ARRAY_DIMENSIONS") && zsi_json_arr_begin(&j);
        for (int i = 0; ok && i < ndims; i++)
            ok = zsi_json_str(&j, dims[i]);
        ok = ok && zsi_json_arr_end(&j);
    }
    for (size_t i = 0; ok && i < zs_attrs_count(a); i++) {
        if (dims && strcmp(zs_attrs_name(a, i), "_ARRAY_DIMENSIONS") == 0)
            continue;
        ok = zsi_json_key(&j, zs_attrs_name(a, i)) &&
             zsi_json_attr_value(&j, a, i);
    }
    ok = ok && zsi_json_obj_end(&j);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_meta_v2_format_group(zs_ctx *ctx, int lvl, zsi_buf *out)
{
    zsi_json j;
    zsi_json_init(&j, out, true, lvl);
    if (zsi_json_obj_begin(&j) && zsi_json_key(&j, "zarr_format") &&
        zsi_json_i64(&j, 2) && zsi_json_obj_end(&j))
        return ZS_OK;
    return zsi_nomem(ctx);
}

void zsi_meta_cons_free(zsi_meta_cons *c)
{
    zsi_strv_free(&c->keys);
    zsi_strv_free(&c->texts);
}

zs_status zsi_meta_cons_add(zs_ctx *ctx, zsi_meta_cons *c, const char *key,
                            const char *json)
{
    if (!zsi_strv_push(&c->keys, key))
        return zsi_nomem(ctx);
    if (!zsi_strv_push(&c->texts, json)) {
        free(c->keys.v[--c->keys.n]);
        return zsi_nomem(ctx);
    }
    return ZS_OK;
}

static int cmp_index(const void *a, const void *b, void *keys)
{
    const zsi_strv *k = keys;
    return strcmp(k->v[*(const size_t *)a], k->v[*(const size_t *)b]);
}

/* {"KEY": TEXT, ...} sorted by key (order: room for the sort). */
static bool json_entries(zsi_json *j, const zsi_meta_cons *c, size_t *order)
{
    bool ok = zsi_json_obj_begin(j);
    for (size_t i = 0; i < c->keys.n; i++)
        order[i] = i;
    qsort_r(order, c->keys.n, sizeof *order, cmp_index, (void *)&c->keys);
    for (size_t i = 0; ok && i < c->keys.n; i++)
        ok = zsi_json_key(j, c->keys.v[order[i]]) &&
             zsi_json_raw(j, c->texts.v[order[i]]);
    return ok && zsi_json_obj_end(j);
}

zs_status zsi_meta_cons_format_entries(zs_ctx *ctx, const zsi_meta_cons *c,
                                       zsi_buf *out)
{
    size_t *order = malloc((c->keys.n ? c->keys.n : 1) * sizeof *order);
    zsi_json j;
    bool ok;
    if (!order)
        return zsi_nomem(ctx);
    zsi_json_init(&j, out, true, 0);
    ok = json_entries(&j, c, order) && zsi_buf_cstr(out);
    free(order);
    return ok ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_meta_cons_format(zs_ctx *ctx, const zsi_meta_cons *c,
                               zsi_buf *out)
{
    zsi_buf entries = ZSI_BUF_INIT;
    zsi_json j;
    zs_status st = zsi_meta_cons_format_entries(ctx, c, &entries);
    bool ok = st == ZS_OK;
    zsi_json_init(&j, out, true, 0);
    ok = ok && zsi_json_obj_begin(&j) && zsi_json_key(&j, "metadata") &&
         zsi_json_raw(&j, (char *)entries.data) &&
         zsi_json_key(&j, "zarr_consolidated_format") &&
         zsi_json_i64(&j, 1) && zsi_json_obj_end(&j) &&
         zsi_buf_append(out, "\n", 1);
    zsi_buf_free(&entries);
    if (st != ZS_OK)
        return st;
    return ok ? ZS_OK : zsi_nomem(ctx);
}
