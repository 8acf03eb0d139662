/* kv.c - ordered key/value parameter lists (codec configurations). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/zsi_util.h"

static void item_clear(zsi_kv_item *it)
{
    free(it->key);
    free(it->s);
    free(it->ints);
    memset(it, 0, sizeof *it);
}

void zsi_kv_free(zsi_kv *kv)
{
    for (size_t i = 0; i < kv->n; i++)
        item_clear(&kv->items[i]);
    free(kv->items);
    kv->items = NULL;
    kv->n = 0;
}

const zsi_kv_item *zsi_kv_find(const zsi_kv *kv, const char *key)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->items[i].key, key) == 0)
            return &kv->items[i];
    return NULL;
}

/* Find or append the item for key, cleared except for its key. */
static zsi_kv_item *slot(zsi_kv *kv, const char *key)
{
    zsi_kv_item *it = (zsi_kv_item *)zsi_kv_find(kv, key), *v;
    char *k;
    if (it) {
        k = it->key;
        it->key = NULL;
        item_clear(it);
        it->key = k;
        return it;
    }
    k = zsi_strdup(key);
    v = realloc(kv->items, (kv->n + 1) * sizeof *v);
    if (!k || !v) {
        free(k);
        if (v)
            kv->items = v;
        return NULL;
    }
    kv->items = v;
    it = &kv->items[kv->n++];
    memset(it, 0, sizeof *it);
    it->key = k;
    return it;
}

bool zsi_kv_set_int(zsi_kv *kv, const char *key, int64_t v)
{
    zsi_kv_item *it = slot(kv, key);
    if (!it)
        return false;
    it->type = ZSI_KV_INT;
    it->i = v;
    it->d = (double)v;
    return true;
}

bool zsi_kv_set_bool(zsi_kv *kv, const char *key, bool v)
{
    zsi_kv_item *it = slot(kv, key);
    if (!it)
        return false;
    it->type = ZSI_KV_BOOL;
    it->i = v;
    it->d = v;
    return true;
}

bool zsi_kv_set_double(zsi_kv *kv, const char *key, double v)
{
    zsi_kv_item *it = slot(kv, key);
    if (!it)
        return false;
    it->type = ZSI_KV_DOUBLE;
    it->d = v;
    return true;
}

static bool set_text(zsi_kv *kv, const char *key, const char *v, int type)
{
    zsi_kv_item *it = slot(kv, key);
    if (!it)
        return false;
    it->type = type;
    it->s = zsi_strdup(v);
    return it->s != NULL;
}

bool zsi_kv_set_string(zsi_kv *kv, const char *key, const char *v)
{
    return set_text(kv, key, v, ZSI_KV_STRING);
}

bool zsi_kv_set_json(zsi_kv *kv, const char *key, const char *json)
{
    return set_text(kv, key, json, ZSI_KV_JSON);
}

bool zsi_kv_set_null(zsi_kv *kv, const char *key)
{
    zsi_kv_item *it = slot(kv, key);
    if (!it)
        return false;
    it->type = ZSI_KV_NULL;
    return true;
}

bool zsi_kv_set_ints(zsi_kv *kv, const char *key, const int64_t *v,
                     size_t n)
{
    zsi_kv_item *it = slot(kv, key);
    if (!it)
        return false;
    it->type = ZSI_KV_INTS;
    it->ints = malloc((n ? n : 1) * sizeof *v);
    if (!it->ints)
        return false;
    if (n)
        memcpy(it->ints, v, n * sizeof *v);
    it->nints = n;
    return true;
}

bool zsi_kv_copy(zsi_kv *dst, const zsi_kv *src)
{
    zsi_kv out = {NULL, 0};
    for (size_t i = 0; i < src->n; i++) {
        const zsi_kv_item *s = &src->items[i];
        bool ok = false;
        switch (s->type) {
        case ZSI_KV_INT: ok = zsi_kv_set_int(&out, s->key, s->i); break;
        case ZSI_KV_BOOL: ok = zsi_kv_set_bool(&out, s->key, s->i); break;
        case ZSI_KV_DOUBLE: ok = zsi_kv_set_double(&out, s->key, s->d); break;
        case ZSI_KV_STRING: ok = zsi_kv_set_string(&out, s->key, s->s); break;
        case ZSI_KV_JSON: ok = zsi_kv_set_json(&out, s->key, s->s); break;
        case ZSI_KV_NULL: ok = zsi_kv_set_null(&out, s->key); break;
        case ZSI_KV_INTS:
            ok = zsi_kv_set_ints(&out, s->key, s->ints, s->nints);
            break;
        default: break;
        }
        if (!ok) {
            zsi_kv_free(&out);
            return false;
        }
    }
    *dst = out;
    return true;
}

int zsi_kv_get_int(const zsi_kv *kv, const char *key, int64_t *out)
{
    const zsi_kv_item *it = zsi_kv_find(kv, key);
    if (!it || it->type == ZSI_KV_NULL)
        return 0;
    if (it->type == ZSI_KV_INT || it->type == ZSI_KV_BOOL) {
        *out = it->i;
        return 1;
    }
    /* range first: converting an out-of-range double is undefined */
    if (it->type == ZSI_KV_DOUBLE && it->d >= -9.2e18 && it->d <= 9.2e18 &&
        it->d == (double)(int64_t)it->d) {
        *out = (int64_t)it->d;
        return 1;
    }
    return -1;
}

int zsi_kv_get_double(const zsi_kv *kv, const char *key, double *out)
{
    const zsi_kv_item *it = zsi_kv_find(kv, key);
    if (!it || it->type == ZSI_KV_NULL)
        return 0;
    if (it->type == ZSI_KV_INT || it->type == ZSI_KV_DOUBLE) {
        *out = it->type == ZSI_KV_INT ? (double)it->i : it->d;
        return 1;
    }
    return -1;
}

int zsi_kv_get_string(const zsi_kv *kv, const char *key, const char **out)
{
    const zsi_kv_item *it = zsi_kv_find(kv, key);
    if (!it || it->type == ZSI_KV_NULL)
        return 0;
    if (it->type != ZSI_KV_STRING)
        return -1;
    *out = it->s;
    return 1;
}
