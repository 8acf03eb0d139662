# bench: side-by-side benchmarks against the peers (not part of make check)
noinst_PROGRAMS += bench/cpulimit
bench_cpulimit_SOURCES = bench/cpulimit.c
bench_cpulimit_CPPFLAGS = $(NETCDF_CFLAGS) $(BLOSC_CFLAGS)
bench_cpulimit_LDADD = $(NETCDF_LIBS) $(BLOSC_LIBS)
EXTRA_DIST += bench/nc2zarr.sh bench/reduce.sh bench/zip.sh bench/peakrss.py \
	bench/to_zarr_xarray.py bench/xarray_ops.py \
	bench/RESULTS.md
EXTRA_DIST += bench/stream.sh bench/parts.sh
EXTRA_DIST += bench/http.sh
EXTRA_DIST += bench/longer.sh bench/repeat_store.py bench/tools.sh
EXTRA_DIST += bench/rechunk.sh bench/regrid.sh bench/regrid-curvi.sh
EXTRA_DIST += bench/batch.sh bench/perturb_store.py bench/xskill_ops.py
EXTRA_DIST += bench/parquet.sh
EXTRA_DIST += bench/resume-kill.sh bench/manifest.sh bench/many-files.sh
EXTRA_DIST += bench/calc.sh
