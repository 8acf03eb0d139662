# libzstore: the library, layer by layer (see libzstore(3)).
lib_LTLIBRARIES += libzstore/libzstore.la
include_HEADERS += libzstore/zstore.h
pkgconfig_DATA += libzstore/libzstore.pc
EXTRA_DIST += libzstore/libzstore.pc.in

libzstore_libzstore_la_LDFLAGS = $(AM_LDFLAGS) \
	-version-info $(ZS_LT_VERSION) -export-symbols-regex '^zs_'
libzstore_libzstore_la_CFLAGS = $(AM_CFLAGS) -fvisibility=default
libzstore_libzstore_la_CPPFLAGS = $(AM_CPPFLAGS) $(NETCDF_CFLAGS) \
	$(CJSON_CFLAGS) $(ZSTD_CFLAGS) $(LZ4_CFLAGS) $(BLOSC_CFLAGS) \
	$(CURL_CFLAGS) $(ARCHIVE_CFLAGS) $(ZLIB_CFLAGS) $(CRYPTO_CFLAGS)
libzstore_libzstore_la_LIBADD = $(NETCDF_LIBS) $(CJSON_LIBS) $(ZSTD_LIBS) \
	$(LZ4_LIBS) $(BLOSC_LIBS) $(CURL_LIBS) $(ARCHIVE_LIBS) $(ZLIB_LIBS) \
	$(CRYPTO_LIBS)

# util: context, errors, buffers, attributes, thread pool, digests
libzstore_libzstore_la_SOURCES = \
	libzstore/util/zsi_util.h \
	libzstore/util/ctx.c \
	libzstore/util/buf.c \
	libzstore/util/kv.c \
	libzstore/util/dtype.c \
	libzstore/util/attrs.c \
	libzstore/util/pool.c \
	libzstore/util/sha256.c

# store: function table and back-ends
libzstore_libzstore_la_SOURCES += \
	libzstore/store/zsi_store.h \
	libzstore/store/store.c \
	libzstore/store/store_dir.c \
	libzstore/store/store_mem.c

include libzstore/codec/local.mk
