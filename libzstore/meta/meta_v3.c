/* meta_v3.c - Zarr v3: zarr.json for groups and arrays (read). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta_common.h"

static const cJSON *member(const cJSON *obj, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(obj, k);
}

zs_status zsi_meta_v3_node(zs_ctx *ctx, const char *where,
                           const zsi_meta_doc *d, const char *key,
                           int *kind)
{
    const cJSON *root = zsi_meta_doc_entry(d, key);
    const char *t = zsi_jv_text(member(root, "node_type"));
    *kind = ZSI_NODE_NONE;
    if (!cJSON_IsObject(root) || zsi_meta_doc_format_of(root) != 3)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: zarr_format is not 3",
                       where);
    if (t && strcmp(t, "group") == 0)
        *kind = ZSI_NODE_GROUP;
    else if (t && strcmp(t, "array") == 0)
        *kind = ZSI_NODE_ARRAY;
    else
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: node_type must be \"group\" or \"array\"", where);
    return ZS_OK;
}

/* {"name": ..., "configuration": {...}} or a bare name string. */
static zs_status spec_from_json(zs_ctx *ctx, const char *where,
                                const cJSON *obj, zsi_codec_spec *s)
{
    const char *name = zsi_jv_is_text(obj) ? zsi_jv_text(obj)
                                           : zsi_jv_text(member(obj, "name"));
    const cJSON *cfg = cJSON_IsObject(obj) ? member(obj, "configuration")
                                           : NULL;
    zs_status st = ZS_OK;
    if (!name)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: codec without a name",
                       where);
    memset(&s->cfg, 0, sizeof s->cfg);
    if (cfg && !cJSON_IsNull(cfg))
        st = zsi_kv_from_json(ctx, where, cfg, NULL, &s->cfg);
    if (st != ZS_OK)
        return st;
    s->id = zsi_strdup(name);
    return s->id ? ZS_OK : zsi_nomem(ctx);
}

zs_status zsi_meta_v3_codecs(zs_ctx *ctx, const char *where,
                             const char *json, zsi_codec_spec **out,
                             size_t *n)
{
    zsi_meta_doc *d;
    zs_status st = zsi_meta_doc_parse(ctx, where, json, strlen(json), &d);
    const cJSON *arr;
    size_t k = 0;
    if (st != ZS_OK)
        return st;
    arr = zsi_doc_root(d);
    *out = NULL;
    *n = 0;
    if (!cJSON_IsArray(arr)) {
        zsi_meta_doc_free(d);
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: codecs is not a list",
                       where);
    }
    *out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
    if (!*out) {
        zsi_meta_doc_free(d);
        return zsi_nomem(ctx);
    }
    for (const cJSON *c = arr->child; c && st == ZS_OK; c = c->next) {
        st = spec_from_json(ctx, where, c, &(*out)[k]);
        if (st == ZS_OK)
            k++;
    }
    *n = k;
    zsi_meta_doc_free(d);
    return st;
}

static zs_status parse_grid(zs_ctx *ctx, const char *where,
                            const cJSON *root, zsi_array_meta *m)
{
    const cJSON *grid = member(root, "chunk_grid");
    const char *name = zsi_jv_text(member(grid, "name"));
    int nd = 0;
    zs_status st;
    if (!name || strcmp(name, "regular"))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: only the regular chunk grid is supported", where);
    st = zsi_shape_from_json(ctx, where, "chunk_shape",
                             member(member(grid, "configuration"),
                                    "chunk_shape"),
                             true, m->chunks, &nd);
    if (st == ZS_OK && nd != m->ndim)
        st = zsi_err(ctx, ZS_ERR_FORMAT,
                     "%s: chunk_shape has %d dimensions, shape %d", where,
                     nd, m->ndim);
    return st;
}

static zs_status parse_keys(zs_ctx *ctx, const char *where,
                            const cJSON *root, zsi_array_meta *m)
{
    const cJSON *enc = member(root, "chunk_key_encoding");
    const char *name = zsi_jv_text(member(enc, "name"));
    const char *sep = zsi_jv_text(member(member(enc, "configuration"),
                                         "separator"));
    if (!name || (strcmp(name, "default") && strcmp(name, "v2")))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: unsupported chunk_key_encoding", where);
    m->v3_default_keys = strcmp(name, "default") == 0;
    m->sep = m->v3_default_keys ? '/' : '.';
    if (sep) {
        if (strcmp(sep, "/") && strcmp(sep, "."))
            return zsi_err(ctx, ZS_ERR_FORMAT,
                           "%s: separator must be \"/\" or \".\"", where);
        m->sep = sep[0];
    }
    return ZS_OK;
}

static zs_status parse_codec_list(zs_ctx *ctx, const char *where,
                                  const cJSON *codecs, zsi_array_meta *m)
{
    size_t k = 0;
    zs_status st = ZS_OK;
    if (!cJSON_IsArray(codecs) || !codecs->child)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: codecs must be a non-empty "
                       "list", where);
    m->codecs = calloc((size_t)cJSON_GetArraySize(codecs), sizeof *m->codecs);
    if (!m->codecs)
        return zsi_nomem(ctx);
    for (const cJSON *c = codecs->child; c && st == ZS_OK; c = c->next) {
        st = spec_from_json(ctx, where, c, &m->codecs[k]);
        if (st == ZS_OK)
            m->ncodecs = ++k;
    }
    return st;
}

/* The data type as written: a name in quotes, or a short rendering of
 * an extension type such as {"name": "numpy.datetime64", ...}. */
static zs_status unknown_data_type(zs_ctx *ctx, const char *where,
                                   const cJSON *v)
{
    char *text;
    zs_status st;
    if (!v)
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: missing data_type", where);
    if (zsi_jv_text(v))
        return zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                       "%s: unsupported data_type '%s'", where,
                       zsi_jv_text(v));
    text = zsi_jv_brief(v, 80);
    if (!text)
        return zsi_nomem(ctx);
    st = zsi_err(ctx, ZS_ERR_UNSUPPORTED, "%s: unsupported data_type %s",
                 where, text);
    free(text);
    return st;
}

/* zarr-python 3's fixed-width strings, {"name": ..., "configuration":
 * {"length_bytes": N}}: null_terminated_bytes (NumPy "|S") and
 * fixed_length_utf32 (NumPy "<U"). */
static zs_status string_dtype(zs_ctx *ctx, const char *where,
                              const cJSON *dt, zsi_array_meta *m)
{
    const char *name = zsi_jv_text(member(dt, "name"));
    const cJSON *len = member(member(dt, "configuration"), "length_bytes");
    int64_t i;
    uint64_t u;
    if (!name || (strcmp(name, "null_terminated_bytes") &&
                  strcmp(name, "fixed_length_utf32")))
        return unknown_data_type(ctx, where, dt);
    m->dtype = name[0] == 'n' ? ZS_DT_BYTES : ZS_DT_UNICODE;
    if (zsi_jv_int(len, &i, &u) != 2 || u == 0 || u > INT32_MAX ||
        (m->dtype == ZS_DT_UNICODE && u % 4))
        return zsi_err(ctx, ZS_ERR_FORMAT, "%s: %s needs a length_bytes "
                       "that is a positive %s", where, name,
                       m->dtype == ZS_DT_UNICODE ? "multiple of 4"
                                                 : "integer");
    m->itemsize = (size_t)u;
    return ZS_OK;
}

zs_status zsi_meta_v3_array(zs_ctx *ctx, const char *where,
                            const zsi_meta_doc *d, const char *key,
                            zsi_array_meta *m)
{
    const cJSON *root = zsi_meta_doc_entry(d, key);
    const char *dt;
    zs_status st;
    int kind;
    zsi_array_meta_init(m);
    m->zarr_format = 3;
    st = zsi_meta_v3_node(ctx, where, d, key, &kind);
    if (st == ZS_OK && kind != ZSI_NODE_ARRAY)
        st = zsi_err(ctx, ZS_ERR_FORMAT, "%s: not an array", where);
    if (st == ZS_OK)
        st = zsi_shape_from_json(ctx, where, "shape", member(root, "shape"),
                                 false, m->shape, &m->ndim);
    dt = zsi_jv_text(member(root, "data_type"));
    if (st == ZS_OK && dt && !zsi_dtype_from_v3(dt, &m->dtype,
                                                &m->itemsize))
        st = unknown_data_type(ctx, where, member(root, "data_type"));
    else if (st == ZS_OK && !dt)
        st = string_dtype(ctx, where, member(root, "data_type"), m);
    if (st == ZS_OK)
        st = parse_grid(ctx, where, root, m);
    if (st == ZS_OK)
        st = parse_keys(ctx, where, root, m);
    if (st == ZS_OK)
        st = parse_codec_list(ctx, where, member(root, "codecs"), m);
    if (st == ZS_OK && cJSON_GetArraySize(member(root,
                                                 "storage_transformers")))
        st = zsi_err(ctx, ZS_ERR_UNSUPPORTED,
                     "%s: storage transformers are not supported", where);
    if (st == ZS_OK)
        st = zsi_meta_check_sizes(ctx, where, m);
    if (st == ZS_OK)
        st = zsi_fill_from_json(ctx, where, member(root, "fill_value"), m);
    if (st == ZS_OK)
        st = zsi_attrs_from_json(ctx, where, member(root, "attributes"),
                                 NULL, &m->attrs);
    if (st == ZS_OK)
        st = zsi_dims_from_json(ctx, where, member(root, "dimension_names"),
                                m);
    if (st != ZS_OK)
        zsi_array_meta_free(m);
    return st;
}

zs_status zsi_meta_v3_group_attrs(zs_ctx *ctx, const char *where,
                                  const zsi_meta_doc *d, const char *key,
                                  zs_attrs **out)
{
    return zsi_attrs_from_json(ctx, where,
                               member(zsi_meta_doc_entry(d, key),
                                      "attributes"), NULL, out);
}

int zsi_meta_doc_has_consolidated(const zsi_meta_doc *d)
{
    const cJSON *c = member(zsi_doc_root(d), "consolidated_metadata");
    return cJSON_IsObject(member(c, "metadata"));
}
