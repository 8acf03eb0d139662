"""examples/ocean-pipeline.sh done in xarray, pandas and matplotlib, for
tests/interop/ocean-pipeline.sh.

Usage: ocean_xarray.py SAMPLES WORK GEOJSON

Writes WORK/xr-features.zarr (the features as xarray computes them) and
WORK/xr-ice.zarr (the regridded sea ice), then compares:
- the table: WORK/features.csv (zsel --csv of the pipeline's features)
  against ds.to_dataframe().dropna(how="all"), cell
  by cell (1e-5 relative: xarray decodes packed int16 in float32);
- the stores the maps are drawn from, as the test then checks the PNGs
  against matplotlib on xr-ice.zarr.
Prints PASS or raises.
"""
import csv
import glob
import json
import sys
import warnings

import numpy as np
import xarray as xr
from matplotlib.path import Path

warnings.simplefilter("ignore")
samples, work, geojson = sys.argv[1:4]


def mf(d):
    return xr.open_mfdataset(sorted(glob.glob("%s/%s/*.nc" % (samples, d))),
                             combine="by_coords")


# step 3: the region
sst = mf("sst").sel(lat=slice(50, 80), lon=slice(0, 40)).isel(zlev=0)
ice = mf("seaice").sel(lat=slice(80, 50), lon=slice(0, 40))
chl = mf("chl").sel(lat=slice(80, 50), lon=slice(0, 40))
# steps 4 and 5: on the SST grid and days (flags made missing first:
# the concentrations are 0..100, valid_range)
conc = ice.seaice_conc
conc = conc.where((conc >= 0) & (conc <= 100))
ice_s = conc.astype("float64").interp(lat=sst.lat, lon=sst.lon)
# (new time labels: the ones reindex gives keep the ice's encoding, whole
# days, which to_zarr would round SST's noon times to)
ice_s = ice_s.reindex(time=sst.time, method="ffill")
ice_s = ice_s.assign_coords(time=sst.time.values)
chl_s = chl.chlor_a.astype("float64").interp(lat=sst.lat, lon=sst.lon)
# The chlorophyll grid is SST's: interp should be the identity, but scipy
# loses a value beside a missing one on one side; the pipeline keeps it
# (zregrid --skipna --min-frac 1), here the value of the same point
exact = chl.chlor_a.astype("float64").reindex(lat=sst.lat, lon=sst.lon)
lost = int((chl_s.isnull() & exact.notnull()).sum())
assert lost > 0, "scipy lost no value: the fill below is not needed"
chl_s = chl_s.fillna(exact)
chl_s = chl_s.reindex(time=sst.time, method="ffill")
# step 6: features
t = sst.sst.astype("float64")
anom = t - t.mean("time")
chl_m = chl_s.where(~(ice_s > 15))
doy = sst.time.dt.dayofyear.astype("float64")
poly = json.load(open(geojson))["geometry"]["coordinates"][0]
lon2, lat2 = np.meshgrid(sst.lon.values, sst.lat.values)
inside = Path(poly).contains_points(
    np.column_stack([lon2.ravel(), lat2.ravel()])).reshape(lon2.shape)
region = xr.DataArray(inside.astype("float64"), dims=("lat", "lon"),
                      coords={"lat": sst.lat, "lon": sst.lon})
sea = t.notnull()
ds = xr.Dataset({"sst": t, "sst_anom": anom, "ice": ice_s, "chlor_a": chl_m,
                 "doy": doy.where(sea), "region": region.where(sea)})
ds = ds.drop_vars([c for c in ds.coords if c not in ("time", "lat", "lon")])
ds.to_zarr(work + "/xr-features.zarr", mode="w")
ice_s.to_dataset(name="seaice_conc").to_zarr(work + "/xr-ice.zarr", mode="w")

# step 7: the table (zsel --csv writes every row; the Parquet files, with
# --dropna, those holding any value: the CSV's rows so filtered go to
# WORK/features-dropna.csv, which DuckDB's reading of them must equal)
df = ds.to_dataframe().reset_index()
kept = len(ds.to_dataframe().dropna(how="all"))
want = {}
for r in df.itertuples(index=False):
    key = (str(np.datetime64(r.time, "s")), float(r.lat), float(r.lon))
    want[key] = r._asdict()
rd = csv.DictReader(open(work + "/features.csv", newline=""))
got = list(rd)
assert len(got) == len(want), (len(got), len(want))
cols = ("sst", "sst_anom", "ice", "chlor_a", "doy", "region")
assert sorted(rd.fieldnames) == sorted(("time", "lat", "lon") + cols), \
    rd.fieldnames
nmasked = 0
for g in got:
    key = (g["time"], float(g["lat"]), float(g["lon"]))
    e = want[key]
    for c in cols:
        x = e[c]
        if g[c] == "":
            assert np.isnan(x), (key, c, g[c], x)
            continue
        assert abs(float(g[c]) - x) <= 1e-5 * abs(x) + 1e-6, (key, c, g[c], x)
    nmasked += g["chlor_a"] == "" and g["ice"] != "" and float(g["ice"]) > 15
assert nmasked > 0, "no chlorophyll masked under ice"
assert sum(g["region"] == "1.0" for g in got) > 0
rows = [g for g in got if any(g[c] != "" for c in cols)]
assert len(rows) == kept < len(got), (len(rows), kept, len(got))
with open(work + "/features-dropna.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=rd.fieldnames, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
print("PASS %d rows, %d with values, %d masked under ice; %d chlorophyll "
      "values kept that scipy's interp loses" % (len(got), kept, nmasked, lost))
