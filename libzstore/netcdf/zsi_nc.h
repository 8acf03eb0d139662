/*
 * zsi_nc.h - NetCDF import layer: NetCDF files opened as datasets through
 * netCDF-C.  The only code that includes <netcdf.h>.  Includes dataset
 * and the layers below.
 *
 * netCDF-C (and HDF5 under it) keeps process-wide state and is not
 * thread-safe, so every call into it is made under one process-wide lock.
 * To use several cores, the conversion runs several processes.
 */
#ifndef ZSI_NC_H
#define ZSI_NC_H

#include "dataset/zsi_dataset.h"

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

/* netCDF's own type name of a variable ("short", "ubyte", ...). */
const char *zsi_nc_type_name(const zs_var *v);

#endif
