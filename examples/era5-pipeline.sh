#!/bin/sh
# The ERA5 workshop ("Scalable N-D array analysis", part 3) as a shell
# pipeline: convert the NetCDF archive once, look at it, slice it, average
# it over time, rechunk it into time series, cut it into patches for a
# model, put the model's predictions back on the grid and score them.
# Each step writes a store (or files) in WORK; none holds the data in
# memory.  The xarray, xbatcher and xskillscore line each step replaces
# is in the comment above it.
#
#   examples/era5-pipeline.sh /nas/era5 work
#
# The test tests/interop/era5-pipeline.sh runs it on the sample files and
# checks every output against those lines.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 NETCDF-DIR WORK" >&2; exit 2; }
in=$1 w=$2
here=$(dirname "$0")
py=${PYTHON:-python3}
mkdir -p "$w"

# 1. Convert once.  xr.open_mfdataset("*.nc").chunk(time=24)
#    .to_zarr("era5.zarr", consolidated=True): a day of hours per chunk
nc2zarr -q --overwrite -c time=24 "$in" -o "$w/era5.zarr"
# ds and ds.chunks
zinfo "$w/era5.zarr" > "$w/era5.txt"

# 2. A slice.  ds.sel(latitude=slice(60, 30), longitude=slice(0, 40),
#    time="2019-07-02")
zsel -q --overwrite "$w/era5.zarr" -s latitude=30:60 -s longitude=0:40 \
    -s time=2019-07-02:2019-07-02 -o "$w/box.zarr"

# 3. The mean over time.  ds.mean("time").to_zarr("mean.zarr")
zmean -q --overwrite -d time "$w/era5.zarr" -o "$w/mean.zarr"

# 4. Time series.  ds.chunk(time=-1, latitude=8, longitude=8)
#    .to_zarr("series.zarr")
zrechunk -q --overwrite "$w/era5.zarr" -c time=-1,latitude=8,longitude=8 \
    -o "$w/series.zarr"

# 5. Patches for a model.  xbatcher.BatchGenerator(ds[["t2m", "msl"]],
#    input_dims={"latitude": 16, "longitude": 16},
#    input_overlap={"latitude": 4, "longitude": 4}, batch_dims={"time": 1});
#    u10 is the target
zbatch -q --overwrite "$w/era5.zarr" -I latitude=16,longitude=16 \
    -O latitude=4,longitude=4 -B time=1 --vars t2m,msl --target u10 \
    --index "$w/index.csv" -o "$w/batches"

# 6. The model: a linear fit streamed through a torch DataLoader
"$py" "$here/era5-model.py" "$w/batches" "$w/pred.npy"

# 7. Its predictions back on the grid (the mean where patches overlap)
zbatch -q --overwrite --assemble "$w/pred.npy" --index "$w/index.csv" \
    --like "$w/era5.zarr" --names u10 -o "$w/pred.zarr"

# 8. Their skill.  xs.rmse(pred.u10, ds.u10, dim="time", skipna=True) and
#    xs.pearson_r(...) per point; xs.rmse(...) over everything
zskill -q --overwrite -f "$w/pred.zarr" -r "$w/era5.zarr" --vars u10 \
    -M rmse,pearson_r -d time --skipna -o "$w/skill.zarr"
zskill -f "$w/pred.zarr" -r "$w/era5.zarr" --vars u10 -M rmse,me,pearson_r \
    --skipna --csv > "$w/skill.csv"
cat "$w/skill.csv"
