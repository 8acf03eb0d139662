# libzstore: the library, layer by layer (see libzstore(3)).
# All objects go into a convenience library (which unit tests link, to
# reach internal zsi_ functions); the installed library exports zs_ only.
noinst_LTLIBRARIES += libzstore/libzscore.la
lib_LTLIBRARIES += libzstore/libzstore.la
include_HEADERS += libzstore/zstore.h
pkgconfig_DATA += libzstore/libzstore.pc
EXTRA_DIST += libzstore/libzstore.pc.in

libzstore_libzstore_la_LDFLAGS = $(AM_LDFLAGS) \
	-version-info $(ZS_LT_VERSION) -export-symbols-regex '^zs_'
libzstore_libzstore_la_SOURCES =
libzstore_libzstore_la_LIBADD = libzstore/libzscore.la $(ZS_DEP_LIBS)
libzstore_libzscore_la_CPPFLAGS = $(AM_CPPFLAGS) $(NETCDF_CFLAGS) \
	$(CJSON_CFLAGS) $(ZSTD_CFLAGS) $(LZ4_CFLAGS) $(BLOSC_CFLAGS) \
	$(CURL_CFLAGS) $(ARCHIVE_CFLAGS) $(ZLIB_CFLAGS) $(CRYPTO_CFLAGS) \
	$(DEFLATE_CFLAGS) $(HDF5_CFLAGS) $(BZ2_CFLAGS) $(XXHASH_CFLAGS)
ZS_DEP_LIBS = $(NETCDF_LIBS) $(CJSON_LIBS) $(ZSTD_LIBS) \
	$(LZ4_LIBS) $(BLOSC_LIBS) $(CURL_LIBS) $(ARCHIVE_LIBS) $(ZLIB_LIBS) \
	$(CRYPTO_LIBS) $(DEFLATE_LIBS) $(HDF5_LIBS) $(BZ2_LIBS) \
	$(UDUNITS_LIBS) $(XXHASH_LIBS)

# util: context, errors, buffers, attributes, thread pool, digests
libzstore_libzscore_la_SOURCES = \
	libzstore/util/zsi_util.h libzstore/util/ctx_impl.h \
	libzstore/util/ctx.c \
	libzstore/util/buf.c \
	libzstore/util/kv.c \
	libzstore/util/dtype.c \
	libzstore/util/attrs.c \
	libzstore/util/pool.c \
	libzstore/util/sha256.c \
	libzstore/util/xxh.c \
	libzstore/util/spec.c

# store: function table and back-ends
libzstore_libzscore_la_SOURCES += \
	libzstore/store/zsi_store.h \
	libzstore/store/store_impl.h \
	libzstore/store/store.c \
	libzstore/store/store_dir.c \
	libzstore/store/store_mem.c \
	libzstore/store/store_zip.c \
	libzstore/store/store_zipdir.c \
	libzstore/store/store_tar.c \
	libzstore/store/store_http.c \
	libzstore/store/store_s3.c
libzstore_libzscore_la_SOURCES += libzstore/store/store_pipe.c \
	libzstore/store/store_net.c libzstore/store/zsi_net.h

include libzstore/codec/local.mk
include libzstore/dataset/local.mk

# meta: Zarr v2/v3 JSON (the only code that includes cJSON)
libzstore_libzscore_la_SOURCES += \
	libzstore/meta/zsi_meta.h \
	libzstore/meta/zsi_meta_json.h \
	libzstore/meta/zsi_meta_common.h \
	libzstore/meta/json.c \
	libzstore/meta/zsi_geojson.h \
	libzstore/meta/geojson.c \
	libzstore/meta/attrs_json.c \
	libzstore/meta/meta_common.c \
	libzstore/meta/meta_v2.c \
	libzstore/meta/meta_v3.c \
	libzstore/meta/meta_v3_write.c

# array: chunk grid, region I/O, cache, sharding
libzstore_libzscore_la_SOURCES += \
	libzstore/array/zsi_array.h \
	libzstore/array/array_impl.h \
	libzstore/array/nd.c \
	libzstore/array/blocks.c \
	libzstore/array/cache.c \
	libzstore/array/array.c \
	libzstore/array/region.c \
	libzstore/array/ahead.c \
	libzstore/array/shard.c

# dataset: groups, variables, Zarr datasets, checksums (CF time files are
# listed in dataset/local.mk)
libzstore_libzscore_la_SOURCES += \
	libzstore/dataset/zsi_dataset.h \
	libzstore/dataset/dataset_impl.h \
	libzstore/dataset/dataset.c \
	libzstore/dataset/zarr_ds.c \
	libzstore/dataset/checksum.c \
	libzstore/dataset/varset.c \
	libzstore/dataset/zsi_writer.h \
	libzstore/dataset/writer.c \
	libzstore/dataset/write_opts.c

# netcdf: NetCDF import (the only code that includes netcdf.h)
libzstore_libzscore_la_SOURCES += \
	libzstore/netcdf/zsi_nc.h \
	libzstore/netcdf/nc_dataset.c \
	libzstore/netcdf/nc3_size.c \
	libzstore/netcdf/nc_direct.c \
	libzstore/netcdf/dataset_open.c \
	libzstore/netcdf/nc_scrip.c

# table: tables written as files (Apache Parquet)
libzstore_libzscore_la_SOURCES += \
	libzstore/table/zsi_parquet.h \
	libzstore/table/parquet.c

# ops: conversion (nc2zarr) and other operations
libzstore_libzscore_la_SOURCES += \
	libzstore/ops/zsi_ops.h \
	libzstore/ops/ops_common.c \
	libzstore/ops/zsi_convert.h \
	libzstore/ops/procs.c \
	libzstore/ops/convert_opts.c \
	libzstore/ops/convert_scan.c \
	libzstore/ops/convert_plan.c \
	libzstore/ops/convert_run.c \
	libzstore/ops/convert_resume.c \
	libzstore/ops/convert_append.c \
	libzstore/ops/convert_manifest.c \
	libzstore/ops/describe.c \
	libzstore/ops/zsi_select.h \
	libzstore/ops/select_opts.c \
	libzstore/ops/select_plan.c \
	libzstore/ops/select_write.c \
	libzstore/ops/select_rows.c \
	libzstore/ops/select_parquet.c \
	libzstore/ops/zsi_reduce.h \
	libzstore/ops/reduce_plan.c \
	libzstore/ops/reduce_run.c \
	libzstore/ops/rechunk.c
# ops: batches for machine learning (zbatch) and skill scores (zskill)
libzstore_libzscore_la_SOURCES += \
	libzstore/ops/zsi_labels.h \
	libzstore/ops/labels.c \
	libzstore/ops/zsi_batch.h \
	libzstore/ops/batch_npy.c \
	libzstore/ops/batch_plan.c \
	libzstore/ops/batch_run.c \
	libzstore/ops/batch_assemble.c \
	libzstore/ops/zsi_skill.h \
	libzstore/ops/skill_plan.c \
	libzstore/ops/skill_run.c
# ops: regridding (zregrid)
libzstore_libzscore_la_SOURCES += \
	libzstore/ops/zsi_regrid.h \
	libzstore/ops/regrid_opts.c \
	libzstore/ops/regrid_weights.c \
	libzstore/ops/regrid_plan.c \
	libzstore/ops/regrid_run.c \
	libzstore/ops/regrid_time.c \
	libzstore/ops/regrid_scrip.c \
	libzstore/ops/regrid_curvi.c \
	libzstore/ops/regrid_curvi_con.c
# render: drawing (cairo) and PNG (libpng), used only by the maps; the
# only code that includes their headers (render/zsi_render.h says why)
libzstore_libzscore_la_SOURCES += \
	libzstore/render/zsi_render.h \
	libzstore/render/canvas.c
libzstore_libzscore_la_CPPFLAGS += $(CAIRO_CFLAGS) $(PNG_CFLAGS)
ZS_DEP_LIBS += $(CAIRO_LIBS) $(PNG_LIBS)
# ops: quick-look maps (zplot); plot_colormaps.c is generated by
# tools/gen-colormaps.py from matplotlib and committed
libzstore_libzscore_la_SOURCES += \
	libzstore/ops/zsi_plot.h \
	libzstore/ops/plot_colormaps.c \
	libzstore/ops/plot_opts.c \
	libzstore/ops/plot_norm.c \
	libzstore/ops/plot_field.c \
	libzstore/ops/plot_plan.c \
	libzstore/ops/plot_run.c
EXTRA_DIST += tools/gen-colormaps.py
# ops: expressions (zcalc)
libzstore_libzscore_la_SOURCES += \
	libzstore/ops/zsi_calc.h \
	libzstore/ops/calc_parse.c \
	libzstore/ops/calc_plan.c \
	libzstore/ops/calc_join.c \
	libzstore/ops/calc_coords.c \
	libzstore/ops/calc_run.c
