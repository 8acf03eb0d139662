/*
 * zsi_dataset.h - dataset layer: groups, dimensions, variables and their
 * attributes, over a back-end that reads values (Zarr arrays here; the
 * NetCDF import layer above plugs in its own).  CF helpers live in
 * zsi_cftime.h and zsi_cf.h.
 */
#ifndef ZSI_DATASET_H
#define ZSI_DATASET_H

#include "array/zsi_array.h"
#include "util/zsi_util.h"

typedef struct zsi_ds_ops {
    /* Read a box of raw values (C order, native, itemsize per element). */
    zs_status (*read)(zs_var *v, const uint64_t *start,
                      const uint64_t *count, void *out);
    /* Optional: storage statistics. */
    zs_status (*storage)(zs_var *v, uint64_t *stored, uint64_t *present,
                         uint64_t *expected);
    /* Optional: decode-everything check. */
    zs_status (*check)(zs_var *v, zs_problem_fn fn, void *user,
                       uint64_t *nbad);
    /* Free the back-end state (variables' bk fields included). */
    void (*close)(zs_dataset *ds);
    /* Optional: requests made and bytes read so far. */
    void (*io_stats)(zs_dataset *ds, uint64_t *requests, uint64_t *bytes);
} zsi_ds_ops;

/* The bodies of zs_dataset, zs_group and zs_var are private to the
 * dataset layer and its back-ends (dataset_impl.h); the layers above use
 * the functions of zstore.h and these. */

/* The dataset's context. */
zs_ctx *zsi_dataset_ctx(const zs_dataset *ds);
/* The name the dataset was opened with. */
const char *zsi_dataset_name(const zs_dataset *ds);
/* The root group of a const dataset (zs_dataset_root). */
zs_group *zsi_dataset_root(const zs_dataset *ds);

/* The group's variables (zs_group_nvars of them), of a const group. */
zs_var *const *zsi_group_vars(const zs_group *g);

/* The group a variable belongs to. */
zs_group *zsi_var_group(const zs_var *v);
/* The dataset of a variable's group, and that dataset's context. */
zs_dataset *zsi_var_dataset(const zs_var *v);
zs_ctx *zsi_var_ctx(const zs_var *v);
/* The names of the variable's dimensions (ndim of them). */
const char *const *zsi_var_dims(const zs_var *v);
/* Bytes per element as stored (and hashed); zs_var_itemsize is as read. */
size_t zsi_var_stored_itemsize(const zs_var *v);
/* Whether a fill value is set, and its itemsize bytes (text for
 * ZS_DT_STRING), borrowed; NULL when none is set. */
bool zsi_var_has_fill(const zs_var *v);
const uint8_t *zsi_var_fill_bytes(const zs_var *v);
/* The codec description as set, or NULL (zs_var_codecs says "none"). */
const char *zsi_var_codec_desc(const zs_var *v);
/* The Zarr back-end array (NULL for other back-ends), of a const var. */
zs_array *zsi_var_array(const zs_var *v);
/* Why the variable cannot be read as the back-end set it, or NULL
 * (zs_var_problem also asks the array). */
const char *zsi_var_broken(const zs_var *v);

/* ---- construction (for back-ends) ---------------------------------- */

zs_status zsi_ds_new(zs_ctx *ctx, const zsi_ds_ops *ops, const char *name,
                     int source, const char *format, zs_dataset **out);
/* New child group of parent (NULL for the root). */
zs_status zsi_group_new(zs_dataset *ds, zs_group *parent, const char *name,
                        zs_group **out);
/* Add a dimension; a second one with the same name is an error unless
 * the size agrees. */
zs_status zsi_group_add_dim(zs_group *g, const char *name, uint64_t size,
                            bool unlimited);
/* Find a group by path ("a/b"); create missing groups if create. */
zs_status zsi_group_at(zs_dataset *ds, const char *path, bool create,
                       zs_group **out);
/* New variable; dims may be NULL (then named "dim_<size>"...). */
zs_status zsi_var_new(zs_group *g, const char *name, zs_dtype dtype,
                      size_t stored_itemsize, int ndim,
                      const char *const *dims, const uint64_t *shape,
                      zs_var **out);
bool zsi_var_set_fill(zs_var *v, const void *item);
bool zsi_var_set_codecs(zs_var *v, const char *desc);
/* Named by a variable of v's group in its attribute attr, a list of
 * names separated by spaces ("coordinates", "bounds"). */
bool zsi_var_named_in(const zs_var *v, const char *attr);
/* Find a dimension by name looking in g and its ancestors. */
int zsi_group_find_dim(const zs_group *g, const char *name,
                       const zs_group **owner, size_t *index);

/* Zarr back-end: open a store as a dataset (v2 consolidated, v2 by
 * listing, v3). */
zs_status zsi_dataset_open_zarr(zs_ctx *ctx, const char *name,
                                zs_dataset **out);
/* The store of a Zarr dataset. */
zs_store *zsi_dataset_store(zs_dataset *ds);

/* Visit every variable of the tree (depth first, groups in order). */
typedef zs_status (*zsi_var_fn)(void *user, zs_var *v);
zs_status zsi_dataset_each_var(zs_dataset *ds, zsi_var_fn fn, void *user);
/* The number of variables of the whole tree. */
size_t zsi_dataset_nvars(const zs_dataset *ds);

/* The variables of a dataset (depth first) and whether each is taken:
 * all of them, or those keep names (by name or path) and what they need
 * (the coordinates of their dimensions, those their "coordinates"
 * attribute lists, and the "bounds" of those); less those exclude
 * names.  A name that matches nothing is an error.  keep and exclude
 * may be NULL. */
typedef struct zsi_varset {
    zs_var **v;
    bool *keep;
    size_t n, cap;
} zsi_varset;
zs_status zsi_varset_choose(zs_dataset *ds, const zsi_strv *keep,
                            const zsi_strv *exclude, zsi_varset *s);
void zsi_varset_free(zsi_varset *s);


#endif /* ZSI_DATASET_H */
