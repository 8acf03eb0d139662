"""The workflow nc2zarr replaces: xarray.open_mfdataset(...).to_zarr()
with dask, chunked like nc2zarr's default (whole grid, 4 records)."""
import sys
import xarray as xr

out, files = sys.argv[1], sys.argv[2:]
ds = xr.open_mfdataset(files, chunks={"time": 4}, combine="by_coords",
                       parallel=False)
ds.to_zarr(out, mode="w", consolidated=True)
