/* attrs.c - ordered lists of typed attribute values (zs_attrs). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/zsi_util.h"

typedef struct attr {
    char *name;
    zs_dtype type;
    size_t n;      /* values, or bytes of text */
    void *values;  /* text is NUL-terminated */
} attr;

struct zs_attrs {
    attr *v;
    size_t n;
};

static bool is_text(zs_dtype t)
{
    return t == ZS_DT_STRING || t == ZS_DT_NONE;
}

zs_status zsi_attrs_new(zs_attrs **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? ZS_OK : ZS_ERR_NOMEM;
}

static void attr_clear(attr *a)
{
    free(a->name);
    free(a->values);
}

void zsi_attrs_free(zs_attrs *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        attr_clear(&a->v[i]);
    free(a->v);
    free(a);
}

size_t zs_attrs_count(const zs_attrs *a)
{
    return a ? a->n : 0;
}

const char *zs_attrs_name(const zs_attrs *a, size_t i)
{
    return a && i < a->n ? a->v[i].name : NULL;
}

int zs_attrs_find(const zs_attrs *a, const char *name, size_t *index)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (strcmp(a->v[i].name, name) == 0) {
            if (index)
                *index = i;
            return 1;
        }
    return 0;
}

zs_dtype zs_attrs_type(const zs_attrs *a, size_t i)
{
    return a && i < a->n ? a->v[i].type : ZS_DT_NONE;
}

size_t zs_attrs_length(const zs_attrs *a, size_t i)
{
    return a && i < a->n ? a->v[i].n : 0;
}

const void *zsi_attrs_values(const zs_attrs *a, size_t i)
{
    return a && i < a->n ? a->v[i].values : NULL;
}

zs_status zs_attrs_get_double(const zs_attrs *a, size_t i, size_t k,
                              double *out)
{
    if (!a || i >= a->n || k >= a->v[i].n)
        return ZS_ERR_RANGE;
    if (!zsi_dtype_is_numeric(a->v[i].type))
        return ZS_ERR_INVALID;
    *out = zsi_load_double(a->v[i].type, a->v[i].values, k);
    return ZS_OK;
}

zs_status zs_attrs_get_int64(const zs_attrs *a, size_t i, size_t k,
                             int64_t *out)
{
    if (!a || i >= a->n || k >= a->v[i].n)
        return ZS_ERR_RANGE;
    if (!zsi_dtype_is_numeric(a->v[i].type))
        return ZS_ERR_INVALID;
    return zsi_load_i64(a->v[i].type, a->v[i].values, k, out)
               ? ZS_OK : ZS_ERR_RANGE;
}

const char *zs_attrs_get_string(const zs_attrs *a, size_t i)
{
    if (!a || i >= a->n || !is_text(a->v[i].type))
        return NULL;
    return a->v[i].values;
}

bool zsi_attrs_set(zs_attrs *a, const char *name, zs_dtype t,
                   const void *values, size_t n)
{
    size_t bytes = is_text(t) ? n + 1 : n * zsi_dtype_size(t);
    void *copy;
    size_t idx;
    if (!is_text(t) && !zsi_dtype_size(t))
        return false;
    copy = malloc(bytes ? bytes : 1);
    if (!copy)
        return false;
    if (is_text(t)) {
        memcpy(copy, values, n);
        ((char *)copy)[n] = 0;
    } else if (bytes) {
        memcpy(copy, values, bytes);
    }
    if (zs_attrs_find(a, name, &idx)) {
        free(a->v[idx].values);
        a->v[idx].type = t;
        a->v[idx].n = n;
        a->v[idx].values = copy;
        return true;
    }
    attr *v = realloc(a->v, (a->n + 1) * sizeof *v);
    char *nm = zsi_strdup(name);
    if (!v || !nm) {
        if (v)
            a->v = v;
        free(nm);
        free(copy);
        return false;
    }
    a->v = v;
    a->v[a->n].name = nm;
    a->v[a->n].type = t;
    a->v[a->n].n = n;
    a->v[a->n].values = copy;
    a->n++;
    return true;
}

bool zsi_attrs_remove(zs_attrs *a, const char *name)
{
    size_t i;
    if (!zs_attrs_find(a, name, &i))
        return false;
    attr_clear(&a->v[i]);
    memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof a->v[0]);
    a->n--;
    return true;
}

zs_status zsi_attrs_copy(const zs_attrs *src, zs_attrs **out)
{
    zs_attrs *a;
    if (zsi_attrs_new(&a))
        return ZS_ERR_NOMEM;
    for (size_t i = 0; src && i < src->n; i++)
        if (!zsi_attrs_set(a, src->v[i].name, src->v[i].type,
                           src->v[i].values, src->v[i].n)) {
            zsi_attrs_free(a);
            return ZS_ERR_NOMEM;
        }
    *out = a;
    return ZS_OK;
}

int zsi_attrs_double(const zs_attrs *a, const char *name, double *out)
{
    size_t i;
    if (!zs_attrs_find(a, name, &i) || a->v[i].n < 1 ||
        !zsi_dtype_is_numeric(a->v[i].type))
        return 0;
    *out = zsi_load_double(a->v[i].type, a->v[i].values, 0);
    return 1;
}

const char *zsi_attrs_text(const zs_attrs *a, const char *name)
{
    size_t i;
    if (!zs_attrs_find(a, name, &i))
        return NULL;
    return zs_attrs_get_string(a, i);
}

bool zsi_attrs_lists(const zs_attrs *a, const char *name, const char *word)
{
    const char *t = zsi_attrs_text(a, name);
    zsi_strv w = {0};
    bool hit;
    if (!t)
        return false;
    zsi_strv_split(&w, t, ' ');
    hit = zsi_strv_contains(&w, word);
    zsi_strv_free(&w);
    return hit;
}

bool zsi_attrs_value_equal(const zs_attrs *a, size_t i, const zs_attrs *b,
                           size_t j)
{
    const attr *x = &a->v[i], *y = &b->v[j];
    size_t bytes;
    if (x->type != y->type || x->n != y->n)
        return false;
    bytes = is_text(x->type) ? x->n : x->n * zsi_dtype_size(x->type);
    return memcmp(x->values, y->values, bytes) == 0;
}
