/*
 * dataset_impl.h - private to the dataset layer: the insides of a
 * dataset, a group and a variable.  Included by the files in dataset/
 * and by the dataset back-ends, which construct datasets: zarr_ds.c here
 * and the NetCDF back-end in netcdf/ (the same layer's back-end, below
 * ops).  The layers above (ops, render, table, the tools) use the
 * functions of zstore.h and zsi_dataset.h; tests/layering.sh checks
 * that they do not include this header.
 */
#ifndef ZSI_DATASET_IMPL_H
#define ZSI_DATASET_IMPL_H

#include "dataset/zsi_dataset.h"

struct zs_dataset {
    zs_ctx *ctx;
    const zsi_ds_ops *ops;
    void *impl;            /* back-end state */
    zs_group *root;
    char *name;
    char *format;
    int source;            /* ZS_SRC_* */
};

struct zs_group {
    zs_dataset *ds;
    zs_group *parent;
    char *name, *path;
    zs_attrs *attrs;
    size_t ndims, dcap;
    char **dim_names;
    uint64_t *dim_sizes;
    bool *dim_unlim;
    size_t nvars, vcap;
    zs_var **vars;
    size_t ngroups, gcap;
    zs_group **groups;
};

struct zs_var {
    zs_group *g;
    char *name, *path;
    int ndim;
    char **dims;
    uint64_t shape[ZS_MAX_DIMS];
    uint64_t chunks[ZS_MAX_DIMS];
    zs_dtype dtype;
    size_t itemsize;       /* bytes per element as read (sizeof(char *)
                              for ZS_DT_STRING) */
    size_t stored_itemsize;/* bytes per element as stored/hashed */
    zs_attrs *attrs;
    bool has_fill;
    uint8_t *fill;         /* itemsize bytes; text for ZS_DT_STRING */
    char *codecs;
    zs_array *array;       /* Zarr back-end */
    char *broken;          /* why the variable cannot be read, or NULL */
    int bk_id;             /* other back-ends: e.g. netCDF ids */
    int bk_id2;
    void *bk;
};

#endif /* ZSI_DATASET_IMPL_H */
