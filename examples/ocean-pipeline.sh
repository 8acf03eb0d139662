#!/bin/sh
# The ocean notebook users follow (chlorophyll, SST and sea ice: "Phase 2:
# Dask prototype", steps 2 to 8) as a shell pipeline: the three products
# converted, cut to one region, put on the SST grid and its days, SST
# anomalies, chlorophyll masked under sea ice, features, a tidy table in
# Parquet partitioned by time, and three pictures.  Each step writes a
# store (or files) in WORK; the xarray or pandas line a step replaces is
# in the comment above it.
#
#   examples/ocean-pipeline.sh SAMPLES WORK
#
# SAMPLES holds sst/, seaice/ and chl/: the OISST-, NSIDC- and VIIRS-like
# synthetic files of data-samples (data-samples/out in a build tree).
# The test tests/interop/ocean-pipeline.sh runs it and checks the table
# and the maps against the same steps done in xarray and matplotlib.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 SAMPLES WORK" >&2; exit 2; }
in=$1 w=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$w"
q="-q --overwrite"

# Step 2: find the files, open them lazily.
#   sst = xr.open_mfdataset("sst/*.nc"), ice = ..., chl = ...
nc2zarr $q "$in/sst" -o "$w/sst.zarr"
nc2zarr $q "$in/seaice" -o "$w/ice.zarr"
nc2zarr $q "$in/chl" -o "$w/chl.zarr"

# Step 3: one study region.  ds.sel(lat=slice(50, 80), lon=slice(0, 40));
# SST at its one depth, .isel(zlev=0)
zsel $q "$w/sst.zarr" -s lat=50:80 -s lon=0:40 -i zlev=0 -o "$w/sst-box.zarr"
zsel $q "$w/ice.zarr" -s lat=50:80 -s lon=0:40 -o "$w/ice-box.zarr"
zsel $q "$w/chl.zarr" -s lat=50:80 -s lon=0:40 -o "$w/chl-box.zarr"

# Steps 4 and 5: everything on the SST grid and days.
#   chl.interp(lat=sst.lat, lon=sst.lon), each day given the 8-day
#   composite that holds it;
#   ice with its flags (land, coast, lake, pole hole) made missing,
#   interpolated the same way, each SST day (at noon) given that day's map.
# Bilinear, a value wherever every source point with a weight is valid
# (--skipna --min-frac 1): so a target on a source point keeps its value
# even beside a missing one (xarray's interp loses some of those, by the
# side scipy happens to take)
zregrid $q "$w/chl-box.zarr" --like "$w/sst-box.zarr" --time within \
    --skipna --min-frac 1 -o "$w/chl-on-sst.zarr"
zregrid $q "$w/ice-box.zarr" --like "$w/sst-box.zarr" --mask-invalid \
    --time ffill --skipna --min-frac 1 -o "$w/ice-on-sst.zarr"

# Step 6: features.  sst - sst.mean("time"); chlorophyll masked where the
# ice concentration is over 15 % (kept where it is unknown:
# chl.where(~(ice > 15))); day of year and a region mask from a polygon,
# both on the sea only (.where(sst.notna())), so that land rows are
# dropped from the table
zmean $q -d time "$w/sst-box.zarr" -o "$w/sst-mean.zarr"
zcalc $q \
    -e 'sst = s.sst' \
    -e 'sst_anom = s.sst - m.sst' \
    -e 'ice = i.seaice_conc' \
    -e 'chlor_a = where(i.seaice_conc > 15, nan, c.chlor_a)' \
    -e '_sea = !isnan(s.sst)' \
    -e 'doy = where(_sea, dayofyear(time), nan)' \
    -e "region = where(_sea, inside(\"$here/ocean-region.geojson\"), nan)" \
    s="$w/sst-box.zarr" m="$w/sst-mean.zarr" c="$w/chl-on-sst.zarr" \
    i="$w/ice-on-sst.zarr" -o "$w/features.zarr"

# Step 7: a tidy table for Spark, partitioned by day.
#   ds.to_dataframe().dropna(how="all")
#     .to_parquet("table", partition_on=["time"])
zsel $q "$w/features.zarr" --parquet "$w/table" --partition-on time --dropna

# Step 8: look at it.  Sea-ice concentration on the SST grid; chlorophyll
# before and after regridding, side by side; chlorophyll against SST
zplot "$w/ice-on-sst.zarr" --var seaice_conc -s time=2020-01-02 \
    --scale 8 -o "$w/ice.png"
zplot "$w/chl-box.zarr" --var chlor_a -s time=2020-01-01 --log \
    --scale 8 --panel "$w/chl-on-sst.zarr" -o "$w/chl-before-after.png"
zplot "$w/features.zarr" --hist2d chlor_a sst --logx \
    -o "$w/chl-vs-sst.png"
echo "$w: table/ (Parquet), ice.png, chl-before-after.png, chl-vs-sst.png"
