/* attrs_json.c - typed attributes and codec parameters <-> JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "meta/zsi_meta_json.h"

/* Compact JSON text of a value, for attributes with no typed form. */
static char *node_text(const cJSON *v)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_json j;
    zsi_json_init(&j, &b, false, 0);
    if (!zsi_json_node(&j, v) || !zsi_buf_cstr(&b)) {
        zsi_buf_free(&b);
        return NULL;
    }
    return (char *)zsi_buf_take(&b);
}

enum { K_NONE, K_INT, K_UINT, K_FLOAT, K_BOOL, K_TEXT, K_OTHER };

/* Kind of one scalar JSON value. */
static int scalar_kind(const cJSON *v)
{
    int64_t i;
    uint64_t u;
    switch (zsi_jv_int(v, &i, &u)) {
    case 1: case 2: return K_INT;
    case 3: return K_UINT;
    case -1: return K_FLOAT;
    default: break;
    }
    if (zsi_jv_is_number(v))
        return K_FLOAT;
    if (cJSON_IsBool(v))
        return K_BOOL;
    if (zsi_jv_is_text(v))
        return K_TEXT;
    return K_OTHER;
}

/* Common kind of a list: ints, uints (ints with one > INT64_MAX and none
 * negative), floats (numbers mixed), bools, or other. */
static int list_kind(const cJSON *arr)
{
    int kind = K_NONE;
    bool neg = false;
    for (const cJSON *c = arr->child; c; c = c->next) {
        int k = scalar_kind(c);
        int64_t i;
        uint64_t u;
        if (k == K_INT && zsi_jv_int(c, &i, &u) == 1)
            neg = true;
        if (kind == K_NONE)
            kind = k;
        else if (kind != k) {
            bool nums = (kind == K_INT || kind == K_UINT || kind == K_FLOAT)
                        && (k == K_INT || k == K_UINT || k == K_FLOAT);
            if (!nums)
                return K_OTHER;
            kind = (kind == K_FLOAT || k == K_FLOAT) ? K_FLOAT : K_UINT;
        }
        if (kind == K_TEXT || kind == K_OTHER)
            return K_OTHER;
    }
    if (kind == K_UINT && neg)
        kind = K_FLOAT;
    return kind;
}

static bool set_numbers(zs_attrs *a, const char *name, const cJSON *arr,
                        int kind, size_t n)
{
    size_t w = 8;
    uint8_t *vals = malloc(n ? n * w : 1);
    size_t k = 0;
    bool ok;
    zs_dtype t = kind == K_INT ? ZS_DT_INT64
                 : kind == K_UINT ? ZS_DT_UINT64
                 : kind == K_BOOL ? ZS_DT_BOOL : ZS_DT_FLOAT64;
    if (!vals)
        return false;
    for (const cJSON *c = arr; c && k < n; c = c->next, k++) {
        int64_t i = 0;
        uint64_t u = 0;
        double d = 0;
        if (t == ZS_DT_BOOL) {
            vals[k] = cJSON_IsTrue(c);
            continue;
        }
        zsi_jv_int(c, &i, &u);
        if (t == ZS_DT_INT64)
            memcpy(vals + k * w, &i, w);
        else if (t == ZS_DT_UINT64)
            memcpy(vals + k * w, &u, w);
        else {
            zsi_jv_double(c, &d);
            memcpy(vals + k * w, &d, w);
        }
    }
    ok = zsi_attrs_set(a, name, t, vals, n);
    free(vals);
    return ok;
}

static bool set_value(zs_attrs *a, const char *name, const cJSON *v)
{
    if (cJSON_IsArray(v)) {
        int kind = list_kind(v);
        size_t n = (size_t)cJSON_GetArraySize(v);
        if (n > 0 && kind != K_OTHER && kind != K_NONE)
            return set_numbers(a, name, v->child, kind, n);
    } else {
        int kind = scalar_kind(v);
        if (kind == K_TEXT)
            return zsi_attrs_set(a, name, ZS_DT_STRING, zsi_jv_text(v),
                                 strlen(zsi_jv_text(v)));
        if (kind != K_OTHER)
            return set_numbers(a, name, v, kind, 1);
    }
    char *txt = node_text(v);
    bool ok = txt && zsi_attrs_set(a, name, ZS_DT_NONE, txt, strlen(txt));
    free(txt);
    return ok;
}

static bool skipped(const char *name, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (strcmp(name, *skip) == 0)
            return true;
    return false;
}

zs_status zsi_attrs_from_json(zs_ctx *ctx, const char *where,
                              const cJSON *obj, const char *const *skip,
                              zs_attrs **out)
{
    zs_attrs *a;
    if (zsi_attrs_new(&a))
        return zsi_nomem(ctx);
    if (obj && !cJSON_IsObject(obj)) {
        zsi_attrs_free(a);
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: attributes are not a JSON object", where);
    }
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (skipped(c->string, skip))
            continue;
        if (!set_value(a, c->string, c)) {
            zsi_attrs_free(a);
            return zsi_nomem(ctx);
        }
    }
    *out = a;
    return ZS_OK;
}

zs_status zsi_kv_from_json(zs_ctx *ctx, const char *where, const cJSON *obj,
                           const char *skip, zsi_kv *out)
{
    zsi_kv kv = {NULL, 0};
    if (!cJSON_IsObject(obj))
        return zsi_err(ctx, ZS_ERR_FORMAT,
                       "%s: codec configuration is not an object", where);
    for (const cJSON *c = obj->child; c; c = c->next) {
        int64_t i;
        uint64_t u;
        double d;
        bool ok;
        if (skip && strcmp(c->string, skip) == 0)
            continue;
        int r = zsi_jv_int(c, &i, &u);
        if (r == 1 || r == 2)
            ok = zsi_kv_set_int(&kv, c->string, i);
        else if (zsi_jv_double(c, &d))
            ok = zsi_kv_set_double(&kv, c->string, d);
        else if (zsi_jv_is_text(c))
            ok = zsi_kv_set_string(&kv, c->string, zsi_jv_text(c));
        else if (cJSON_IsBool(c))
            ok = zsi_kv_set_bool(&kv, c->string, cJSON_IsTrue(c));
        else if (cJSON_IsNull(c))
            ok = zsi_kv_set_null(&kv, c->string);
        else if (cJSON_IsArray(c) && list_kind(c) == K_INT) {
            size_t n = (size_t)cJSON_GetArraySize(c), k = 0;
            int64_t *v = malloc((n ? n : 1) * sizeof *v);
            for (const cJSON *e = c->child; v && e; e = e->next)
                zsi_jv_int(e, &v[k++], &u);
            ok = v && zsi_kv_set_ints(&kv, c->string, v, n);
            free(v);
        } else {
            char *txt = node_text(c);
            ok = txt && zsi_kv_set_json(&kv, c->string, txt);
            free(txt);
        }
        if (!ok) {
            zsi_kv_free(&kv);
            return zsi_nomem(ctx);
        }
    }
    *out = kv;
    return ZS_OK;
}

bool zsi_json_attr_value(zsi_json *j, const zs_attrs *a, size_t i)
{
    zs_dtype t = zs_attrs_type(a, i);
    size_t n = zs_attrs_length(a, i);
    const void *v = zsi_attrs_values(a, i);
    bool list = n != 1;
    if (t == ZS_DT_STRING)
        return zsi_json_strn(j, v, n);
    if (t == ZS_DT_NONE)
        return zsi_json_raw(j, v);
    if (list && !zsi_json_arr_begin(j))
        return false;
    for (size_t k = 0; k < n; k++) {
        bool ok;
        int64_t iv;
        switch (t) {
        case ZS_DT_BOOL:
            ok = zsi_json_bool(j, ((const uint8_t *)v)[k] != 0);
            break;
        case ZS_DT_UINT64:
            ok = zsi_json_u64(j, ((const uint64_t *)v)[k]);
            break;
        case ZS_DT_FLOAT16: case ZS_DT_FLOAT32: case ZS_DT_FLOAT64:
            /* float32 too as its exact double value, which is what
             * Python readers compare with (as xarray writes it) */
            ok = zsi_json_f64(j, zsi_load_double(t, v, k));
            break;
        default:
            ok = zsi_load_i64(t, v, k, &iv) && zsi_json_i64(j, iv);
            break;
        }
        if (!ok)
            return false;
    }
    return !list || zsi_json_arr_end(j);
}

zs_status zs_attrs_to_json(const zs_attrs *a, size_t i, char **out)
{
    zsi_buf b = ZSI_BUF_INIT;
    zsi_json j;
    if (!a || i >= zs_attrs_count(a))
        return ZS_ERR_RANGE;
    zsi_json_init(&j, &b, false, 0);
    if (!zsi_json_attr_value(&j, a, i) || !zsi_buf_cstr(&b)) {
        zsi_buf_free(&b);
        return ZS_ERR_NOMEM;
    }
    *out = (char *)zsi_buf_take(&b);
    return ZS_OK;
}
