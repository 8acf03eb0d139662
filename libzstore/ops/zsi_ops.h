/*
 * zsi_ops.h - shared pieces of the operations layer (conversion,
 * selection, reduction).
 */
#ifndef ZSI_OPS_H
#define ZSI_OPS_H

#include "dataset/zsi_cftime.h"
#include "dataset/zsi_dataset.h"

/* A chunk-aligned slab plan: one chunk along dims < k, kstep chunks along
 * dim k, all of the dims after k; k is the smallest dim for which a slab
 * fits budget bytes (a slab is never smaller than one chunk). */
typedef struct zsi_slabs {
    int ndim;
    uint64_t shape[ZS_MAX_DIMS];
    uint64_t chunks[ZS_MAX_DIMS];
    int k;
    uint64_t kstep;
    uint64_t n;            /* number of slabs */
} zsi_slabs;

void zsi_slabs_plan(zsi_slabs *p, int ndim, const uint64_t *shape,
                    const uint64_t *chunks, size_t itemsize, size_t budget);
/* Box of slab u. */
void zsi_slabs_box(const zsi_slabs *p, uint64_t u, uint64_t *start,
                   uint64_t *count);
/* Elements in the largest slab. */
uint64_t zsi_slabs_max_elems(const zsi_slabs *p);

/* CF decoding of packed or masked values: raw * scale + offset, with
 * _FillValue and missing_value (compared in the raw type) and _Unsigned
 * handled as xarray does. */
typedef struct zsi_cfdecode {
    double scale, offset;
    bool has_fill, is_unsigned, packed;
    double fill;
    double missing[8];
    size_t nmissing;
    zs_dtype dtype;        /* raw type */
} zsi_cfdecode;

void zsi_cfdecode_init(zsi_cfdecode *d, const zs_var *v);
/* Decoded value of raw element i (NaN when missing). */
double zsi_cfdecode_value(const zsi_cfdecode *d, const void *raw, size_t i);
/* Decoded values of raw elements 0..n-1 (the same, faster). */
void zsi_cfdecode_row(const zsi_cfdecode *d, const void *raw, size_t n,
                      double *out);

/* Time coordinate helpers: the instants of a 1-D time variable. */
zs_status zsi_time_coord(zs_var *v, zs_time_units **units, zsi_usec **t,
                         uint64_t *n);

/* Prepend "TIME: text" to a history attribute (CF, as NCO and CDO do). */
bool zsi_history_add(zs_attrs *a, const char *text);
/* A coordinate variable: one dimension of its own name. */
bool zsi_var_is_coord(const zs_var *v);
/* The arrays of ds other than the n used ones will not be read: a stream
 * need not keep their chunks. */
zs_status zsi_skip_unused(zs_dataset *ds, zs_var *const *used, size_t n);

/* Write the metadata of a new store: .zgroup and .zattrs of each group
 * (paths and attributes), .zarray and .zattrs of each array, and
 * .zmetadata last (its presence marks a complete store). */
zs_status zsi_write_metadata(zs_ctx *ctx, zs_store *s, size_t ngroups,
                             const char *const *group_paths,
                             const zs_attrs *const *group_attrs,
                             size_t narrays, zs_array *const *arrays);

/* A Zarr v2 array definition for writing values of variable v with a new
 * shape, chunks and dimension names: the input's dtype, fill value,
 * filters and compressor when it is a Zarr v2 array, else the default
 * compressor (blosc lz4 5 byte-shuffle). */
zs_status zsi_meta_like(zs_ctx *ctx, const zs_var *v, int ndim,
                        const uint64_t *shape, const uint64_t *chunks,
                        const char *const *dims, const zs_attrs *attrs,
                        zsi_array_meta *m);

#endif
