/* zarr_ds.c - a Zarr store (v2 consolidated, v2 by listing, v3) opened
 * as a dataset. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/dataset_impl.h"
#include "dataset/zsi_dataset.h"

static zs_status zarr_read(zs_var *v, const uint64_t *start,
                           const uint64_t *count, void *out)
{
    return zs_array_read(v->array, start, count, out);
}

/* ---- storage statistics ---------------------------------------------- */

struct count_keys {
    zs_array *a;
    size_t plen;
    zsi_strv keys;
};

static int count_key(void *user, const char *key)
{
    struct count_keys *c = user;
    if (zsi_array_is_chunk_key(c->a, key + c->plen))
        return zsi_strv_push(&c->keys, key) ? 0 : 1;
    return 0;
}

static zs_status zarr_storage(zs_var *v, uint64_t *stored, uint64_t *present,
                              uint64_t *expected)
{
    zs_array *a = v->array;
    struct count_keys c = {a, 0, {0}};
    char *prefix;
    zs_status st;
    if (!a)
        return zsi_err(v->g->ds->ctx, ZS_ERR_UNSUPPORTED, "%s: %s", v->path,
                       v->broken ? v->broken : "no array");
    prefix = *v->path ? zsi_asprintf("%s/", v->path) : zsi_strdup("");
    *stored = *present = 0;
    *expected = zsi_array_nobjects(a);   /* shards, not inner chunks */
    if (!prefix)
        return zsi_nomem(v->g->ds->ctx);
    c.plen = strlen(prefix);
    st = zs_store_list(zsi_array_store(a), prefix, count_key, &c);
    for (size_t i = 0; st == ZS_OK && i < c.keys.n; i++) {
        uint64_t size;
        int found;
        st = zsi_store_size(zsi_array_store(a), c.keys.v[i], &size, &found);
        if (st == ZS_OK && found) {
            *stored += size;
            (*present)++;
        }
    }
    zsi_strv_free(&c.keys);
    free(prefix);
    return st;
}

/* ---- check ------------------------------------------------------------ */

typedef struct problem {
    char *key;
    zs_status code;
    char *msg;
} problem;

typedef struct check_job {
    zs_array *a;
    pthread_mutex_t lock;
    problem *p;
    size_t n, cap;
    bool nomem;
} check_job;

static void add_problem(check_job *j, const char *key, zs_status code,
                        const char *msg)
{
    pthread_mutex_lock(&j->lock);
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        problem *p = realloc(j->p, cap * sizeof *p);
        if (!p) {
            j->nomem = true;
            pthread_mutex_unlock(&j->lock);
            return;
        }
        j->p = p;
        j->cap = cap;
    }
    j->p[j->n].key = zsi_strdup(key);
    j->p[j->n].code = code;
    j->p[j->n].msg = zsi_strdup(msg);
    j->n++;
    pthread_mutex_unlock(&j->lock);
}

static zs_status check_task(void *arg, size_t i)
{
    check_job *j = arg;
    zs_array *a = j->a;
    uint64_t cidx[ZS_MAX_DIMS];
    zsi_buf key = ZSI_BUF_INIT, dec = ZSI_BUF_INIT;
    int found = 0;
    bool stop;
    zs_status st;
    zsi_array_unravel(a, i, cidx);
    st = zsi_array_chunk_key(a, cidx, &key);
    if (st != ZS_OK)
        return st;
    st = zsi_array_load_chunk(a, cidx, &dec, &found);
    /* the walk stops at the bound on reads that find nothing */
    stop = st == ZS_OK && (st = zsi_array_note_read(a, found)) != ZS_OK;
    if (stop || st == ZS_ERR_NOMEM || st == ZS_ERR_IO ||
        st == ZS_ERR_NETWORK || st == ZS_ERR_AUTH) {
        zsi_buf_free(&key);
        zsi_buf_free(&dec);
        return st;
    }
    if (st != ZS_OK)
        add_problem(j, (char *)key.data, st,
                    zs_ctx_message(zsi_array_ctx(a)));
    else if (!found && !zs_array_fill(a, NULL))
        add_problem(j, (char *)key.data, ZS_ERR_NOTFOUND,
                    "missing chunk and fill_value is null");
    zsi_buf_free(&key);
    zsi_buf_free(&dec);
    return ZS_OK;
}

static int cmp_problem(const void *x, const void *y)
{
    return strcmp(((const problem *)x)->key, ((const problem *)y)->key);
}

static zs_status zarr_check(zs_var *v, zs_problem_fn fn, void *user,
                            uint64_t *nbad)
{
    check_job j;
    zs_status st;
    memset(&j, 0, sizeof j);
    j.a = v->array;
    pthread_mutex_init(&j.lock, NULL);
    st = zsi_parallel_for(zsi_array_ctx(v->array),
                          (size_t)zsi_array_nchunks(v->array), check_task,
                          &j);
    if (st == ZS_OK && j.nomem)
        st = zsi_nomem(zsi_array_ctx(v->array));
    if (j.n > 1)
        qsort(j.p, j.n, sizeof *j.p, cmp_problem);
    for (size_t i = 0; i < j.n; i++) {
        if (st == ZS_OK && fn)
            fn(user, v->path, j.p[i].key, j.p[i].code,
               j.p[i].msg ? j.p[i].msg : "");
        free(j.p[i].key);
        free(j.p[i].msg);
    }
    *nbad = j.n;
    free(j.p);
    pthread_mutex_destroy(&j.lock);
    return st;
}

/* ---- building the tree ------------------------------------------------ */

/* Split "a/b/c" into parent "a/b" and name "c". */
static zs_status split_path(zs_ctx *ctx, const char *path, char **parent,
                            char **name)
{
    const char *slash = strrchr(path, '/');
    *parent = slash ? zsi_strndup(path, (size_t)(slash - path))
                    : zsi_strdup("");
    *name = zsi_strdup(slash ? slash + 1 : path);
    if (!*parent || !*name) {
        free(*parent);
        free(*name);
        return zsi_nomem(ctx);
    }
    return ZS_OK;
}

/* Name a root array after the store: its last path component. */
static char *root_array_name(const char *store)
{
    const char *s = strrchr(store, '/');
    char *n = zsi_strdup(s && s[1] ? s + 1 : store);
    char *dot = n ? strrchr(n, '.') : NULL;
    if (dot && dot != n)
        *dot = 0;
    return n;
}

/* The CF missing value of a variable: a v2 array's fill_value (xarray's
 * reading), a v3 array's _FillValue attribute (the fill_value of v3 is
 * only what unwritten chunks hold, as xarray reads v3), taken out of the
 * attributes as xarray does. */
static zs_status var_fill(zs_var *v, const zsi_array_meta *m)
{
    uint64_t item[2] = {0, 0};   /* aligned for any numeric type */
    int r;
    if (m->zarr_format != 3)
        return zsi_var_set_fill(v, m->has_fill ? m->fill : NULL)
                   ? ZS_OK : zsi_nomem(v->g->ds->ctx);
    if (v->dtype == ZS_DT_STRING || m->itemsize > sizeof item) {
        const char *t = zsi_attrs_text(v->attrs, "_FillValue");
        r = t && v->dtype == ZS_DT_STRING;
        if (r && !zsi_var_set_fill(v, t))
            return zsi_nomem(v->g->ds->ctx);
    } else {
        r = zsi_meta_v3_fill_from_attr(v->attrs, v->dtype, m->itemsize,
                                       item);
        if (r == 1 && !zsi_var_set_fill(v, item))
            return zsi_nomem(v->g->ds->ctx);
    }
    if (r == -1)
        zsi_log(v->g->ds->ctx, ZS_LOG_WARN, "%s: _FillValue attribute "
                "does not fit the data type; ignored", v->path);
    zsi_attrs_remove(v->attrs, "_FillValue");
    return ZS_OK;
}

/* A new variable of group g for array a (not yet owned by it). */
static zs_status var_of_array(zs_group *g, const char *name, zs_array *a,
                              zs_var **out)
{
    const zsi_array_meta *m = zsi_array_meta_of(a);
    zs_var *v;
    zs_status st = zsi_var_new(g, name, m->dtype,
                               m->dtype == ZS_DT_STRING ? 8 : m->itemsize,
                               m->ndim, (const char *const *)m->dim_names,
                               m->shape, &v);
    if (st != ZS_OK)
        return st;
    v->array = a;
    memcpy(v->chunks, m->chunks, sizeof v->chunks);
    zsi_attrs_free(v->attrs);
    v->attrs = NULL;
    if (zsi_attrs_copy(m->attrs, &v->attrs) != ZS_OK ||
        !zsi_var_set_codecs(v, zsi_array_codecs_desc(a)))
        st = zsi_nomem(g->ds->ctx);
    if (st == ZS_OK)
        st = var_fill(v, m);
    *out = v;
    return st;
}

/* Add the variable for an opened array at path. */
static zs_status add_array_var(zs_dataset *ds, const char *path,
                               zs_array *a)
{
    char *parent = NULL, *name = NULL;
    zs_group *g;
    zs_var *v = NULL;
    zs_status st;
    if (*path)
        st = split_path(ds->ctx, path, &parent, &name);
    else {
        parent = zsi_strdup("");
        name = root_array_name(ds->name);
        st = parent && name ? ZS_OK : zsi_nomem(ds->ctx);
    }
    if (st == ZS_OK)
        st = zsi_group_at(ds, parent, true, &g);
    if (st == ZS_OK)
        st = var_of_array(g, name, a, &v);
    if (v)
        a = NULL;   /* the variable owns it */
    zs_array_close(a);
    free(parent);
    free(name);
    return st;
}

/* An array whose metadata we cannot use (unsupported dtype, grid...)
 * stays listed as a variable that cannot be read, with the reason,
 * rather than failing the whole store or vanishing from it. */
static zs_status keep_unsupported(zs_dataset *ds, const char *path,
                                  zs_status st)
{
    char *parent = NULL, *name = NULL;
    zs_group *g;
    zs_var *v;
    if (st != ZS_ERR_UNSUPPORTED)
        return st;
    st = split_path(ds->ctx, *path ? path : "array", &parent, &name);
    if (st == ZS_OK)
        st = zsi_group_at(ds, parent, true, &g);
    if (st == ZS_OK)
        st = zsi_var_new(g, name, ZS_DT_NONE, 0, 0, NULL, NULL, &v);
    if (st == ZS_OK && (!(v->broken = zsi_strdup(zs_ctx_message(ds->ctx)))
                        || !zsi_var_set_codecs(v, "unsupported")))
        st = zsi_nomem(ds->ctx);
    free(parent);
    free(name);
    return st;
}

static zs_status open_array_meta(zs_dataset *ds, const char *path,
                                 zsi_array_meta *m)
{
    zs_array *a = NULL;
    zs_status st = zsi_array_from_meta(zsi_dataset_store(ds), path, m, &a);
    zsi_array_meta_free(m);
    if (st != ZS_OK)
        return st;
    return add_array_var(ds, path, a);
}

static char *strip_suffix(const char *key, const char *suffix)
{
    size_t n = strlen(key), s = strlen(suffix);
    if (n < s || strcmp(key + n - s, suffix))
        return NULL;
    n -= s;
    if (n > 0 && key[n - 1] == '/')
        n--;
    return zsi_strndup(key, n);
}

/* v2 consolidated: every ".zgroup" and ".zarray" entry. */
static zs_status from_v2_consolidated(zs_dataset *ds, zsi_meta_doc *cons)
{
    zsi_strv keys = {0};
    zs_status st = zsi_meta_doc_consolidated_keys(ds->ctx, cons,
                                                  ".zmetadata", &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++)
        if (!zsi_key_ok(keys.v[i]))
            st = zsi_err(ds->ctx, ZS_ERR_FORMAT,
                         ".zmetadata: invalid key '%s'", keys.v[i]);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++) {
        char *p;
        if ((p = strip_suffix(keys.v[i], ".zgroup"))) {
            zs_group *g;
            char *ak = zsi_path_join(p, ".zattrs");
            st = zsi_meta_v2_group_ok(ds->ctx, keys.v[i], cons, keys.v[i]);
            if (st == ZS_OK)
                st = zsi_group_at(ds, p, true, &g);
            if (st == ZS_OK && ak && zsi_meta_doc_has(cons, ak)) {
                zsi_attrs_free(g->attrs);
                g->attrs = NULL;
                st = zsi_meta_attrs(ds->ctx, ak, cons, ak, &g->attrs);
            }
            free(ak);
        } else if ((p = strip_suffix(keys.v[i], ".zarray"))) {
            zsi_array_meta m;
            st = zsi_meta_v2_array_from(ds->ctx, cons, p, &m);
            if (st == ZS_OK)
                st = open_array_meta(ds, p, &m);
            st = keep_unsupported(ds, p, st);
        }
        free(p);
    }
    zsi_strv_free(&keys);
    return st;
}

static zs_status get_doc(zs_dataset *ds, const char *key,
                         zsi_meta_doc **doc, int *found)
{
    zs_store *s = zsi_dataset_store(ds);
    zsi_buf b = ZSI_BUF_INIT;
    zs_status st = zsi_store_get(s, key, &b, found);
    *doc = NULL;
    if (st == ZS_OK && *found)
        st = zsi_meta_doc_parse(ds->ctx, key, (char *)b.data, b.len, doc);
    zsi_buf_free(&b);
    return st;
}

/* Stores that cannot be listed (HTTP) are read from their consolidated
 * metadata, or hold one array at their root. */
static zs_status cannot_list(zs_dataset *ds, const char *what)
{
    return zsi_err(ds->ctx, ZS_ERR_UNSUPPORTED,
                   "%s without consolidated metadata, and this store "
                   "cannot be listed to find its arrays: consolidate it "
                   "(zarr.consolidate_metadata) or name one array", what);
}

/* v2 without consolidated metadata: list the store. */
static zs_status from_v2_listing(zs_dataset *ds)
{
    zs_store *s = zsi_dataset_store(ds);
    zsi_strv keys = {0};
    zs_status st = ZS_OK;
    if (zsi_store_caps(s) & ZSI_STORE_CAN_LIST)
        st = zsi_store_list_all(s, "", &keys);
    else if (!zsi_strv_push(&keys, ".zarray"))
        st = zsi_nomem(ds->ctx);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++) {
        char *p;
        zsi_meta_doc *d = NULL, *at = NULL;
        int found, fa;
        if ((p = strip_suffix(keys.v[i], ".zgroup"))) {
            zs_group *g;
            char *ak = zsi_path_join(p, ".zattrs");
            st = get_doc(ds, keys.v[i], &d, &found);
            if (st == ZS_OK)
                st = zsi_meta_v2_group_ok(ds->ctx, keys.v[i], d, NULL);
            if (st == ZS_OK)
                st = zsi_group_at(ds, p, true, &g);
            if (st == ZS_OK && ak)
                st = get_doc(ds, ak, &at, &fa);
            if (st == ZS_OK && at) {
                zsi_attrs_free(g->attrs);
                g->attrs = NULL;
                st = zsi_meta_attrs(ds->ctx, ak, at, NULL, &g->attrs);
            }
            free(ak);
        } else if ((p = strip_suffix(keys.v[i], ".zarray"))) {
            char *ak = zsi_path_join(p, ".zattrs");
            zsi_array_meta m;
            st = get_doc(ds, keys.v[i], &d, &found);
            if (st == ZS_OK && ak)
                st = get_doc(ds, ak, &at, &fa);
            if (st == ZS_OK)
                st = zsi_meta_v2_array(ds->ctx, keys.v[i], d, at, &m);
            if (st == ZS_OK)
                st = open_array_meta(ds, p, &m);
            st = keep_unsupported(ds, p, st);
            free(ak);
        }
        zsi_meta_doc_free(d);
        zsi_meta_doc_free(at);
        free(p);
    }
    zsi_strv_free(&keys);
    return st;
}

/* v3: one zarr.json document (root, or an entry of the consolidated). */
static zs_status v3_node(zs_dataset *ds, const char *path,
                         const zsi_meta_doc *d, const char *key)
{
    int kind;
    zs_status st = zsi_meta_v3_node(ds->ctx, key ? key : "zarr.json", d,
                                    key, &kind);
    if (st != ZS_OK)
        return st;
    if (kind == ZSI_NODE_GROUP) {
        zs_group *g;
        st = zsi_group_at(ds, path, true, &g);
        if (st == ZS_OK) {
            zs_attrs *a = NULL;
            st = zsi_meta_v3_group_attrs(ds->ctx, path, d, key, &a);
            if (st == ZS_OK) {
                zsi_attrs_free(g->attrs);
                g->attrs = a;
            }
        }
        return st;
    }
    zsi_array_meta m;
    st = zsi_meta_v3_array(ds->ctx, *path ? path : "zarr.json", d, key, &m);
    if (st == ZS_OK)
        st = open_array_meta(ds, path, &m);
    return keep_unsupported(ds, path, st);
}

/* What the dataset's store can do (ZSI_STORE_*). */
static bool store_can(zs_dataset *ds, unsigned cap)
{
    return (zsi_store_caps(zsi_dataset_store(ds)) & cap) != 0;
}

static zs_status from_v3(zs_dataset *ds, zsi_meta_doc *root)
{
    zsi_strv keys = {0};
    zs_status st = v3_node(ds, "", root, NULL);
    if (st != ZS_OK)
        return st;
    if (zsi_meta_doc_has_consolidated(root)) {
        free(ds->format);
        ds->format = zsi_strdup("zarr v3 (consolidated)");
        st = zsi_meta_doc_consolidated_keys(ds->ctx, root, "zarr.json",
                                            &keys);
        for (size_t i = 0; st == ZS_OK && i < keys.n; i++)
            if (!zsi_key_ok(keys.v[i]))
                st = zsi_err(ds->ctx, ZS_ERR_FORMAT,
                             "zarr.json: invalid consolidated key '%s'",
                             keys.v[i]);
        for (size_t i = 0; st == ZS_OK && i < keys.n; i++)
            st = v3_node(ds, keys.v[i], root, keys.v[i]);
        zsi_strv_free(&keys);
        return st;
    }
    if (!store_can(ds, ZSI_STORE_CAN_LIST)) {
        const zs_group *g = ds->root;   /* an array at the root, or not */
        return g->nvars ? ZS_OK : cannot_list(ds, "a Zarr v3 group");
    }
    st = zsi_store_list_all(zsi_dataset_store(ds), "", &keys);
    for (size_t i = 0; st == ZS_OK && i < keys.n; i++) {
        char *p = strip_suffix(keys.v[i], "zarr.json");
        zsi_meta_doc *d = NULL;
        int found;
        if (p && *p) {
            st = get_doc(ds, keys.v[i], &d, &found);
            if (st == ZS_OK && found)
                st = v3_node(ds, p, d, NULL);
        }
        zsi_meta_doc_free(d);
        free(p);
    }
    zsi_strv_free(&keys);
    return st;
}

zs_store *zsi_dataset_store(zs_dataset *ds)
{
    return ds->impl;
}

/* The first variable of g before v that gave dimension name length
 * len (the one whose length v contradicts). */
static const zs_var *dim_owner(const zs_var *v, const char *name,
                               uint64_t *len)
{
    const zs_group *g = v->g;
    for (size_t k = 0; k < g->nvars && g->vars[k] != v; k++)
        for (int i = 0; i < g->vars[k]->ndim; i++)
            if (strcmp(g->vars[k]->dims[i], name) == 0) {
                *len = g->vars[k]->shape[i];
                return g->vars[k];
            }
    return NULL;
}

/* Register each variable's dimensions with its group.  Arrays that share
 * a dimension name must agree on its length, as xarray requires: a store
 * that says otherwise is refused (it was a warning, and an array whose
 * shape was made to lie could then be walked for ever). */
static zs_status collect_dims(void *user, zs_var *v)
{
    (void)user;
    for (int i = 0; i < v->ndim; i++) {
        zs_status st = zsi_group_add_dim(v->g, v->dims[i], v->shape[i],
                                         false);
        if (st == ZS_ERR_FORMAT) {
            uint64_t len = 0;
            const zs_var *w = dim_owner(v, v->dims[i], &len);
            return zsi_err(v->g->ds->ctx, ZS_ERR_FORMAT, "dimension '%s' "
                           "has length %llu in '%s' and %llu in '%s' "
                           "(arrays that share a dimension must agree on "
                           "its length)", v->dims[i],
                           (unsigned long long)len, w ? w->path : "?",
                           (unsigned long long)v->shape[i], v->path);
        }
        if (st != ZS_OK)
            return st;
    }
    return ZS_OK;
}

/* A stream read in one pass forgets chunks once read, but coordinates
 * (and other arrays of at most one dimension) are read again. */
static zs_status pin_small(void *user, zs_var *v)
{
    zs_store *s = user;
    char *prefix;
    zs_status st;
    if (v->ndim > 1)
        return ZS_OK;
    if (!(prefix = zsi_asprintf("%s/", v->path)))
        return zsi_nomem(v->g->ds->ctx);
    st = zsi_store_pin(s, prefix);
    free(prefix);
    return st;
}

static zs_status build(zs_dataset *ds)
{
    zsi_meta_doc *d = NULL;
    int found;
    zs_status st = get_doc(ds, ".zmetadata", &d, &found);
    if (st == ZS_OK && found) {
        st = from_v2_consolidated(ds, d);
    } else if (st == ZS_OK) {
        st = get_doc(ds, "zarr.json", &d, &found);
        if (st == ZS_OK && found) {
            free(ds->format);
            ds->format = zsi_strdup("zarr v3");
            st = from_v3(ds, d);
        } else if (st == ZS_OK) {
            free(ds->format);
            ds->format = zsi_strdup("zarr v2");
            zsi_meta_doc *g = NULL, *a = NULL;
            int fg = 0, fa = 0;
            st = get_doc(ds, ".zgroup", &g, &fg);
            if (st == ZS_OK && !fg)
                st = get_doc(ds, ".zarray", &a, &fa);
            if (st == ZS_OK && !fg && !fa)
                st = zsi_err(ds->ctx, ZS_ERR_FORMAT,
                             "not a Zarr store (no .zmetadata, .zgroup, "
                             ".zarray or zarr.json)");
            if (st == ZS_OK && fg &&
                !store_can(ds, ZSI_STORE_CAN_LIST))
                st = cannot_list(ds, "a Zarr v2 group");
            if (st == ZS_OK)
                st = from_v2_listing(ds);
            zsi_meta_doc_free(g);
            zsi_meta_doc_free(a);
        }
    }
    zsi_meta_doc_free(d);
    if (st == ZS_OK)
        st = zsi_dataset_each_var(ds, collect_dims, NULL);
    if (st == ZS_OK && store_can(ds, ZSI_STORE_STREAM))
        st = zsi_dataset_each_var(ds, pin_small, zsi_dataset_store(ds));
    return st;
}

static void close_store(zs_dataset *ds)
{
    zs_store_close(ds->impl);
    ds->impl = NULL;
}

static void zarr_io_stats(zs_dataset *ds, uint64_t *requests,
                          uint64_t *bytes)
{
    zsi_store_stats(zsi_dataset_store(ds), requests, bytes);
}

static const zsi_ds_ops zarr_ops_owning = {
    .read = zarr_read,
    .storage = zarr_storage,
    .check = zarr_check,
    .close = close_store,
    .io_stats = zarr_io_stats,
};

zs_status zsi_dataset_open_zarr(zs_ctx *ctx, const char *name,
                                zs_dataset **out)
{
    zs_store *s;
    zs_dataset *ds;
    zs_status st = zs_store_open(ctx, name, ZS_STORE_READ, &s);
    if (st != ZS_OK)
        return st;
    st = zsi_ds_new(ctx, &zarr_ops_owning, name, ZS_SRC_ZARR,
                    "zarr v2 (consolidated)", &ds);
    if (st != ZS_OK) {
        zs_store_close(s);
        return st;
    }
    ds->impl = s;
    st = build(ds);
    if (st != ZS_OK) {
        zsi_err_prefix(ctx, st, "%s", name);
        /* variables hold arrays on the store: close them first */
        zs_dataset_close(ds);
        return st;
    }
    *out = ds;
    return ZS_OK;
}
