/* dataset.c - the group/variable tree and its public accessors. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/dataset_impl.h"
#include "dataset/zsi_dataset.h"

static bool grow(void **v, size_t *cap, size_t n, size_t w)
{
    void *p;
    size_t c;
    if (n < *cap)
        return true;
    c = *cap ? *cap * 2 : 8;
    p = realloc(*v, c * w);
    if (!p)
        return false;
    *v = p;
    *cap = c;
    return true;
}

zs_status zsi_ds_new(zs_ctx *ctx, const zsi_ds_ops *ops, const char *name,
                     int source, const char *format, zs_dataset **out)
{
    zs_dataset *ds = calloc(1, sizeof *ds);
    zs_status st;
    if (!ds)
        return zsi_nomem(ctx);
    ds->ctx = ctx;
    ds->ops = ops;
    ds->source = source;
    ds->name = zsi_strdup(name);
    ds->format = zsi_strdup(format);
    if (!ds->name || !ds->format) {
        zs_dataset_close(ds);
        return zsi_nomem(ctx);
    }
    st = zsi_group_new(ds, NULL, "", &ds->root);
    if (st != ZS_OK) {
        zs_dataset_close(ds);
        return st;
    }
    *out = ds;
    return ZS_OK;
}

static void var_free(zs_var *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->ndim && v->dims; i++)
        free(v->dims[i]);
    free(v->dims);
    free(v->name);
    free(v->path);
    free(v->fill);
    free(v->codecs);
    free(v->broken);
    zsi_attrs_free(v->attrs);
    zs_array_close(v->array);
    free(v);
}

static void group_free(zs_group *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->ngroups; i++)
        group_free(g->groups[i]);
    for (size_t i = 0; i < g->nvars; i++)
        var_free(g->vars[i]);
    for (size_t i = 0; i < g->ndims; i++)
        free(g->dim_names[i]);
    free(g->groups);
    free(g->vars);
    free(g->dim_names);
    free(g->dim_sizes);
    free(g->dim_unlim);
    free(g->name);
    free(g->path);
    zsi_attrs_free(g->attrs);
    free(g);
}

void zs_dataset_close(zs_dataset *ds)
{
    if (!ds)
        return;
    group_free(ds->root);   /* variables first: they use the back-end */
    if (ds->ops && ds->ops->close)
        ds->ops->close(ds);
    free(ds->name);
    free(ds->format);
    free(ds);
}

zs_status zsi_group_new(zs_dataset *ds, zs_group *parent, const char *name,
                        zs_group **out)
{
    zs_group *g = calloc(1, sizeof *g);
    if (!g)
        return zsi_nomem(ds->ctx);
    g->ds = ds;
    g->parent = parent;
    g->name = zsi_strdup(name);
    g->path = parent ? zsi_path_join(parent->path, name) : zsi_strdup("");
    if (!g->name || !g->path || zsi_attrs_new(&g->attrs) != ZS_OK ||
        (parent && !grow((void **)&parent->groups, &parent->gcap,
                         parent->ngroups, sizeof *parent->groups))) {
        group_free(g);
        return zsi_nomem(ds->ctx);
    }
    if (parent)
        parent->groups[parent->ngroups++] = g;
    *out = g;
    return ZS_OK;
}

zs_status zsi_group_at(zs_dataset *ds, const char *path, bool create,
                       zs_group **out)
{
    zs_group *g = ds->root;
    zsi_strv parts = {0};
    zs_status st = ZS_OK;
    if (!zsi_strv_split(&parts, path, '/'))
        return zsi_nomem(ds->ctx);
    for (size_t i = 0; i < parts.n && st == ZS_OK; i++) {
        zs_group *c = NULL;
        for (size_t k = 0; k < g->ngroups; k++)
            if (strcmp(g->groups[k]->name, parts.v[i]) == 0)
                c = g->groups[k];
        if (!c && create)
            st = zsi_group_new(ds, g, parts.v[i], &c);
        else if (!c)
            st = zsi_err(ds->ctx, ZS_ERR_NOTFOUND, "%s: no group '%s'",
                         ds->name, path);
        g = c;
    }
    zsi_strv_free(&parts);
    if (st == ZS_OK)
        *out = g;
    return st;
}

int zsi_group_find_dim(const zs_group *g, const char *name,
                       const zs_group **owner, size_t *index)
{
    for (; g; g = g->parent)
        for (size_t i = 0; i < g->ndims; i++)
            if (strcmp(g->dim_names[i], name) == 0) {
                if (owner)
                    *owner = g;
                if (index)
                    *index = i;
                return 1;
            }
    return 0;
}

zs_status zsi_group_add_dim(zs_group *g, const char *name, uint64_t size,
                            bool unlimited)
{
    size_t cap = g->dcap;
    for (size_t i = 0; i < g->ndims; i++)
        if (strcmp(g->dim_names[i], name) == 0) {
            if (g->dim_sizes[i] == size)
                return ZS_OK;
            return zsi_err(g->ds->ctx, ZS_ERR_FORMAT,
                           "%s: dimension '%s' has lengths %llu and %llu",
                           g->ds->name, name,
                           (unsigned long long)g->dim_sizes[i],
                           (unsigned long long)size);
        }
    if (!grow((void **)&g->dim_names, &cap, g->ndims, sizeof(char *)) ||
        (cap = g->dcap, !grow((void **)&g->dim_sizes, &cap, g->ndims,
                              sizeof(uint64_t))) ||
        (cap = g->dcap, !grow((void **)&g->dim_unlim, &cap, g->ndims,
                              sizeof(bool))))
        return zsi_nomem(g->ds->ctx);
    g->dcap = cap;
    if (!(g->dim_names[g->ndims] = zsi_strdup(name)))
        return zsi_nomem(g->ds->ctx);
    g->dim_sizes[g->ndims] = size;
    g->dim_unlim[g->ndims] = unlimited;
    g->ndims++;
    return ZS_OK;
}

zs_status zsi_var_new(zs_group *g, const char *name, zs_dtype dtype,
                      size_t stored_itemsize, int ndim,
                      const char *const *dims, const uint64_t *shape,
                      zs_var **out)
{
    zs_var *v = calloc(1, sizeof *v);
    zs_ctx *ctx = g->ds->ctx;
    if (!v)
        return zsi_nomem(ctx);
    v->g = g;
    v->ndim = ndim;
    v->dtype = dtype;
    v->stored_itemsize = stored_itemsize;
    v->itemsize = dtype == ZS_DT_STRING ? sizeof(char *) : stored_itemsize;
    v->name = zsi_strdup(name);
    v->path = zsi_path_join(g->path, name);
    v->dims = calloc((size_t)(ndim ? ndim : 1), sizeof *v->dims);
    if (!v->name || !v->path || !v->dims ||
        zsi_attrs_new(&v->attrs) != ZS_OK)
        goto nomem;
    for (int i = 0; i < ndim; i++) {
        v->shape[i] = v->chunks[i] = shape[i];
        v->dims[i] = dims && dims[i]
                         ? zsi_strdup(dims[i])
                         : zsi_asprintf("dim_%llu",
                                        (unsigned long long)shape[i]);
        if (!v->dims[i])
            goto nomem;
    }
    if (!grow((void **)&g->vars, &g->vcap, g->nvars, sizeof *g->vars))
        goto nomem;
    g->vars[g->nvars++] = v;
    *out = v;
    return ZS_OK;
nomem:
    var_free(v);
    return zsi_nomem(ctx);
}

bool zsi_var_set_fill(zs_var *v, const void *item)
{
    free(v->fill);
    v->fill = NULL;
    v->has_fill = item != NULL;
    if (!item)
        return true;
    if (v->dtype == ZS_DT_STRING) {
        v->fill = (uint8_t *)zsi_strdup(item);
    } else if ((v->fill = malloc(v->itemsize))) {
        memcpy(v->fill, item, v->itemsize);
    }
    return v->fill != NULL;
}

bool zsi_var_set_codecs(zs_var *v, const char *desc)
{
    free(v->codecs);
    v->codecs = zsi_strdup(desc ? desc : "none");
    return v->codecs != NULL;
}

static zs_status each_var(zs_group *g, zsi_var_fn fn, void *user)
{
    zs_status st = ZS_OK;
    for (size_t i = 0; st == ZS_OK && i < g->nvars; i++)
        st = fn(user, g->vars[i]);
    for (size_t i = 0; st == ZS_OK && i < g->ngroups; i++)
        st = each_var(g->groups[i], fn, user);
    return st;
}

zs_status zsi_dataset_each_var(zs_dataset *ds, zsi_var_fn fn, void *user)
{
    return each_var(ds->root, fn, user);
}

static size_t count_tree(const zs_group *g)
{
    size_t n = g->nvars;
    for (size_t i = 0; i < g->ngroups; i++)
        n += count_tree(g->groups[i]);
    return n;
}

size_t zsi_dataset_nvars(const zs_dataset *ds)
{
    return count_tree(ds->root);
}

/* ---- public accessors ------------------------------------------------ */

int zs_dataset_source(const zs_dataset *ds) { return ds->source; }
zs_group *zs_dataset_root(zs_dataset *ds) { return ds->root; }
const char *zs_dataset_format(const zs_dataset *ds) { return ds->format; }

const char *zs_group_name(const zs_group *g) { return g->name; }
const char *zs_group_path(const zs_group *g) { return g->path; }
size_t zs_group_ngroups(const zs_group *g) { return g->ngroups; }
size_t zs_group_ndims(const zs_group *g) { return g->ndims; }
size_t zs_group_nvars(const zs_group *g) { return g->nvars; }
const zs_attrs *zs_group_attrs(const zs_group *g) { return g->attrs; }

zs_group *zs_group_child(zs_group *g, size_t i)
{
    return i < g->ngroups ? g->groups[i] : NULL;
}

const char *zs_group_dim_name(const zs_group *g, size_t i)
{
    return i < g->ndims ? g->dim_names[i] : NULL;
}

uint64_t zs_group_dim_size(const zs_group *g, size_t i)
{
    return i < g->ndims ? g->dim_sizes[i] : 0;
}

int zs_group_dim_unlimited(const zs_group *g, size_t i)
{
    return i < g->ndims && g->dim_unlim[i];
}

zs_var *zs_group_var(zs_group *g, size_t i)
{
    return i < g->nvars ? g->vars[i] : NULL;
}

zs_var *zs_group_find_var(zs_group *g, const char *name)
{
    for (size_t i = 0; i < g->nvars; i++)
        if (strcmp(g->vars[i]->name, name) == 0)
            return g->vars[i];
    return NULL;
}

const char *zs_var_name(const zs_var *v) { return v->name; }
const char *zs_var_path(const zs_var *v) { return v->path; }
int zs_var_ndim(const zs_var *v) { return v->ndim; }
const uint64_t *zs_var_shape(const zs_var *v) { return v->shape; }
const uint64_t *zs_var_chunks(const zs_var *v) { return v->chunks; }
zs_dtype zs_var_dtype(const zs_var *v) { return v->dtype; }
size_t zs_var_itemsize(const zs_var *v) { return v->itemsize; }
const zs_attrs *zs_var_attrs(const zs_var *v) { return v->attrs; }
zs_array *zs_var_array(zs_var *v) { return v->array; }

/* Internal accessors for the layers above (zsi_dataset.h). */
zs_ctx *zsi_dataset_ctx(const zs_dataset *ds) { return ds->ctx; }
const char *zsi_dataset_name(const zs_dataset *ds) { return ds->name; }
zs_group *zsi_dataset_root(const zs_dataset *ds) { return ds->root; }
zs_var *const *zsi_group_vars(const zs_group *g) { return g->vars; }
zs_group *zsi_var_group(const zs_var *v) { return v->g; }
zs_dataset *zsi_var_dataset(const zs_var *v) { return v->g->ds; }
zs_ctx *zsi_var_ctx(const zs_var *v) { return v->g->ds->ctx; }
const char *const *zsi_var_dims(const zs_var *v)
{
    return (const char *const *)v->dims;
}
size_t zsi_var_stored_itemsize(const zs_var *v)
{
    return v->stored_itemsize;
}
bool zsi_var_has_fill(const zs_var *v) { return v->has_fill; }
const uint8_t *zsi_var_fill_bytes(const zs_var *v)
{
    return v->fill;   /* NULL when has_fill is false */
}
const char *zsi_var_codec_desc(const zs_var *v) { return v->codecs; }
zs_array *zsi_var_array(const zs_var *v) { return v->array; }
const char *zsi_var_broken(const zs_var *v) { return v->broken; }

const char *zs_var_dim_name(const zs_var *v, int i)
{
    return i >= 0 && i < v->ndim ? v->dims[i] : NULL;
}

const char *zs_var_codecs(const zs_var *v)
{
    return v->codecs ? v->codecs : "none";
}

const char *zs_var_problem(const zs_var *v)
{
    if (v->broken)
        return v->broken;
    return v->array ? zsi_array_problem(v->array) : NULL;
}

int zs_var_fill(const zs_var *v, void *item)
{
    if (!v->has_fill)
        return 0;
    if (item && v->dtype == ZS_DT_STRING)
        *(char **)item = zsi_strdup((const char *)v->fill);
    else if (item)
        memcpy(item, v->fill, v->itemsize);
    return 1;
}

int zs_var_is_coord(const zs_var *v)
{
    return v->ndim == 1 && strcmp(v->dims[0], v->name) == 0;
}

bool zsi_var_named_in(const zs_var *v, const char *attr)
{
    for (size_t i = 0; i < v->g->nvars; i++)
        if (zsi_attrs_lists(v->g->vars[i]->attrs, attr, v->name))
            return true;
    return false;
}

zs_status zs_var_read(zs_var *v, const uint64_t *start,
                      const uint64_t *count, void *out)
{
    if (v->broken)
        return zsi_err(v->g->ds->ctx, ZS_ERR_UNSUPPORTED, "%s", v->broken);
    return v->g->ds->ops->read(v, start, count, out);
}

void zs_dataset_io_stats(zs_dataset *ds, uint64_t *requests, uint64_t *bytes)
{
    *requests = *bytes = 0;
    if (ds->ops->io_stats)
        ds->ops->io_stats(ds, requests, bytes);
}

zs_status zs_var_storage(zs_var *v, uint64_t *stored, uint64_t *present,
                         uint64_t *expected)
{
    const zsi_ds_ops *ops = v->g->ds->ops;
    if (!ops->storage)
        return zsi_err(v->g->ds->ctx, ZS_ERR_UNSUPPORTED,
                       "%s: storage statistics not available", v->path);
    return ops->storage(v, stored, present, expected);
}

zs_status zs_var_check(zs_var *v, zs_problem_fn fn, void *user,
                       uint64_t *nbad)
{
    const zsi_ds_ops *ops = v->g->ds->ops;
    *nbad = 0;
    if (v->broken) {
        *nbad = 1;
        if (fn)
            fn(user, v->path, v->path, ZS_ERR_UNSUPPORTED, v->broken);
        return ZS_OK;
    }
    if (!ops->check)
        return zsi_err(v->g->ds->ctx, ZS_ERR_UNSUPPORTED,
                       "%s: decoding every chunk works on Zarr stores only", v->path);
    return ops->check(v, fn, user, nbad);
}

