# codec: registry, chain and one file per codec
libzstore_libzstore_la_SOURCES += \
	libzstore/codec/zsi_codec.h
