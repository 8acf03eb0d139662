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
	$(CURL_CFLAGS) $(ARCHIVE_CFLAGS) $(ZLIB_CFLAGS) $(CRYPTO_CFLAGS)
ZS_DEP_LIBS = $(NETCDF_LIBS) $(CJSON_LIBS) $(ZSTD_LIBS) \
	$(LZ4_LIBS) $(BLOSC_LIBS) $(CURL_LIBS) $(ARCHIVE_LIBS) $(ZLIB_LIBS) \
	$(CRYPTO_LIBS)

# util: context, errors, buffers, attributes, thread pool, digests
libzstore_libzscore_la_SOURCES = \
	libzstore/util/zsi_util.h \
	libzstore/util/ctx.c \
	libzstore/util/buf.c \
	libzstore/util/kv.c \
	libzstore/util/dtype.c \
	libzstore/util/attrs.c \
	libzstore/util/pool.c \
	libzstore/util/sha256.c

# store: function table and back-ends
libzstore_libzscore_la_SOURCES += \
	libzstore/store/zsi_store.h \
	libzstore/store/store.c \
	libzstore/store/store_dir.c \
	libzstore/store/store_mem.c

include libzstore/codec/local.mk
include libzstore/dataset/local.mk
