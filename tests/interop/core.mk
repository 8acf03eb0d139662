# tests/interop: the core library and tools against other implementations
TESTS += tests/interop/zarr-fixtures.sh
EXTRA_DIST += tests/interop/zarr-fixtures.sh tests/interop/expected_digest.py
TESTS += tests/interop/nc-convert.sh
EXTRA_DIST += tests/interop/nc-convert.sh tests/interop/compare_nc_zarr.py
TESTS += tests/interop/multifile.sh
EXTRA_DIST += tests/interop/multifile.sh
TESTS += tests/interop/nc-parts.sh
EXTRA_DIST += tests/interop/nc-parts.sh tests/interop/mk_nc_series.py
TESTS += tests/interop/nc-append.sh
EXTRA_DIST += tests/interop/nc-append.sh
TESTS += tests/interop/nc-manifest.sh
EXTRA_DIST += tests/interop/nc-manifest.sh
TESTS += tests/interop/ncdump.sh
EXTRA_DIST += tests/interop/ncdump.sh tests/interop/ncdump_blocks.awk
TESTS += tests/interop/zsel.sh
EXTRA_DIST += tests/interop/zsel.sh tests/interop/compare_sel.py
TESTS += tests/interop/parquet.sh
EXTRA_DIST += tests/interop/parquet.sh tests/interop/parquet_rows.mjs
TESTS += tests/interop/zmean.sh
EXTRA_DIST += tests/interop/zmean.sh tests/interop/compare_reduce.py
TESTS += tests/interop/nc-direct.sh
EXTRA_DIST += tests/interop/nc-direct.sh
TESTS += tests/interop/nc-usertypes.sh
EXTRA_DIST += tests/interop/nc-usertypes.sh tests/interop/nc-usertypes.cdl
TESTS += tests/interop/zrechunk.sh
EXTRA_DIST += tests/interop/zrechunk.sh
TESTS += tests/interop/v3-output.sh
EXTRA_DIST += tests/interop/v3-output.sh tests/interop/zarrita_digest.mjs
TESTS += tests/interop/nc-fillvalue.sh
EXTRA_DIST += tests/interop/nc-fillvalue.sh
TESTS += tests/interop/nc-cdf5.sh
EXTRA_DIST += tests/interop/nc-cdf5.sh tests/interop/nc-cdf5.cdl
TESTS += tests/interop/zbatch.sh
EXTRA_DIST += tests/interop/zbatch.sh tests/interop/compare_batch.py \
	tests/interop/batch_checks.py tests/interop/decode64.py
TESTS += tests/interop/zskill.sh
EXTRA_DIST += tests/interop/zskill.sh tests/interop/compare_skill.py
TESTS += tests/interop/era5-pipeline.sh
EXTRA_DIST += tests/interop/era5-pipeline.sh
TESTS += tests/interop/zregrid.sh tests/interop/zregrid-curvi.sh
EXTRA_DIST += tests/interop/zregrid.sh tests/interop/compare_regrid.py \
	tests/interop/zregrid-curvi.sh tests/interop/regrid-common.sh
TESTS += tests/interop/plot.sh
EXTRA_DIST += tests/interop/plot.sh tests/interop/compare_plot.py \
	tests/interop/compare_ascii.py
# the images tests/interop/plot.sh keeps for people to look at
clean-plot-images:
	-rm -rf tests/interop/plot-images
.PHONY: clean-plot-images
clean-local: clean-plot-images
TESTS += tests/interop/zcalc.sh
EXTRA_DIST += tests/interop/zcalc.sh tests/interop/compare_calc.py
TESTS += tests/interop/ocean-pipeline.sh
EXTRA_DIST += tests/interop/ocean-pipeline.sh tests/interop/ocean_xarray.py
# the pictures tests/interop/ocean-pipeline.sh keeps for people to look at
clean-ocean-images:
	-rm -rf tests/interop/ocean-images
.PHONY: clean-ocean-images
clean-local: clean-ocean-images
