/*
 * zsi_nc.h - NetCDF import layer: NetCDF files opened as datasets through
 * netCDF-C.  The only code that includes <netcdf.h>.  Includes dataset
 * and the layers below.  The files of netcdf/ are a back-end of the
 * dataset layer (as dataset/zarr_ds.c is): they build datasets, groups
 * and variables, so they include the private dataset/dataset_impl.h;
 * this header does not, as the operations include it.
 *
 * netCDF-C (and HDF5 under it) keeps process-wide state and is not
 * thread-safe, so every call into it is made under one process-wide lock.
 * To use several cores, the conversion runs several processes.
 */
#ifndef ZSI_NC_H
#define ZSI_NC_H

#include "dataset/zsi_dataset.h"

/* The process-wide lock around netCDF-C and HDF5 calls. */
void zsi_nc_lock(void);
void zsi_nc_unlock(void);

/* Per-variable state of the NetCDF back-end (zs_var.bk). */
typedef struct zsi_nc_var {
    int type;                 /* nc_type */
    int probed;               /* direct reading examined */
    int64_t dset;             /* HDF5 dataset (hid_t), < 0 if unusable */
    uint64_t chunk[ZS_MAX_DIMS];
    size_t itemsize;
    bool swap;                /* stored big-endian */
    int nfilters;
    struct zsi_codec *codec[4];   /* HDF5 filter pipeline, in order */
    uint8_t fill[16];
} zsi_nc_var;

/* The back-end's file state (zs_dataset.impl). */
typedef struct nc_file {
    int ncid;
    int format;
    int64_t h5;               /* HDF5 file for direct reads, < 0 if none */
    bool h5_failed;
    zsi_nc_var **vars;
    size_t nvars, cap;
} nc_file;

bool zsi_nc_remember(nc_file *f, zsi_nc_var *v);
/* Direct chunk reads of NetCDF-4 variables through HDF5 (nc_direct.c):
 * the compressed chunks are read under the lock and decoded by our codecs
 * (libdeflate for deflate) outside it, in parallel. */
bool zsi_nc_direct_usable(zs_var *v);
zs_status zsi_nc_direct_read(zs_var *v, const uint64_t *start,
                             const uint64_t *count, void *out);
void zsi_nc_direct_close(nc_file *f);

/* 1 if path is a regular file starting with a NetCDF-3 ("CDF\1", "CDF\2",
 * "CDF\5") or HDF5 signature, 0 if not, -1 if it cannot be read (errno
 * set). */
int zsi_nc_sniff(const char *path);

/* Open a NetCDF file as a dataset.  Variables of types with no Zarr v2
 * equivalent (compound, vlen, enum, opaque) are skipped with a warning
 * naming them. */
zs_status zsi_nc_open(zs_ctx *ctx, const char *path, zs_dataset **out);

/* Check that a NetCDF-3 file is as long as its header says (netCDF-C
 * returns zeros for data past the end of a truncated file). */
zs_status zsi_nc3_check_length(zs_ctx *ctx, const char *path);

/* Regridding weights for a SCRIP file: grids as 1-D latitudes and
 * longitudes (degrees; a curvilinear source's as 2-D, src_nx x src_ny
 * each, latitude-major), links from source to target point (addresses
 * from 0, latitude-major), method and normalization as the attributes
 * map_method and normalization say them to CDO. */
typedef struct zsi_scrip {
    const char *method, *normalization;
    uint64_t src_nx, src_ny, dst_nx, dst_ny;
    const double *src_lat, *src_lon, *dst_lat, *dst_lon;
    bool src_curvi;               /* src_lat, src_lon 2-D */
    const double *dst_frac;       /* covered part of each target, or NULL */
    uint64_t nlinks;
    const uint32_t *src, *dst;
    const double *w;
} zsi_scrip;

/* Write s to the NetCDF file path (through path.partial). */
zs_status zsi_nc_write_scrip(zs_ctx *ctx, const char *path,
                             const zsi_scrip *s);

/* netCDF's own type name of a variable ("short", "ubyte", ...). */
const char *zsi_nc_type_name(const zs_var *v);

#endif
