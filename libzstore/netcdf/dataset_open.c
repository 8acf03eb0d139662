/* dataset_open.c - zs_dataset_open: NetCDF file or Zarr store by name. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "netcdf/zsi_nc.h"

zs_status zs_dataset_open(zs_ctx *ctx, const char *name, zs_dataset **out)
{
    struct stat st;
    int kind;
    if (!name || !*name)
        return zsi_err(ctx, ZS_ERR_INVALID, "empty name");
    if (strstr(name, "://") || stat(name, &st) != 0 || S_ISDIR(st.st_mode))
        return zsi_dataset_open_zarr(ctx, name, out);
    kind = zsi_nc_sniff(name);
    if (kind < 0)
        return zsi_errno(ctx, errno, "%s", name);
    if (kind == 1)
        return zsi_nc_open(ctx, name, out);
    if (zsi_str_ends_ci(name, ".zip") || zsi_str_ends_ci(name, ".tar"))
        return zsi_dataset_open_zarr(ctx, name, out);   /* zip, tar file */
    return zsi_err(ctx, ZS_ERR_FORMAT,
                   "%s: not a NetCDF file or a Zarr store", name);
}
