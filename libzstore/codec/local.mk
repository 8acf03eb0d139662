# codec: registry, chain and one file per codec
libzstore_libzscore_la_SOURCES += \
	libzstore/codec/zsi_codec.h \
	libzstore/codec/codec_impl.h \
	libzstore/codec/codec.c \
	libzstore/codec/codec_util.c \
	libzstore/codec/blosc.c \
	libzstore/codec/zstd.c \
	libzstore/codec/lz4.c \
	libzstore/codec/zlib.c \
	libzstore/codec/delta.c \
	libzstore/codec/shuffle.c \
	libzstore/codec/fixedscaleoffset.c \
	libzstore/codec/bitround.c \
	libzstore/codec/vlen.c \
	libzstore/codec/bytes.c \
	libzstore/codec/transpose.c \
	libzstore/codec/crc32c.c \
	libzstore/codec/bz2.c \
	libzstore/codec/checksum32.c \
	libzstore/codec/fletcher32.c
libzstore_libzscore_la_SOURCES += libzstore/util/npdtype.c
