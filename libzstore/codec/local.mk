# codec: registry, chain and one file per codec
libzstore_libzscore_la_SOURCES += \
	libzstore/codec/zsi_codec.h
libzstore_libzscore_la_SOURCES += libzstore/util/npdtype.c
