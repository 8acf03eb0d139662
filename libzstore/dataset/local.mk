# dataset layer
libzstore_libzscore_la_SOURCES += \
	libzstore/dataset/zsi_cftime.h \
	libzstore/dataset/cf_calendar.c \
	libzstore/dataset/cf_datetime.c \
	libzstore/dataset/cf_time.c \
	libzstore/dataset/cf_convert.c \
	libzstore/dataset/cf_step.c
# units: the only code that includes <udunits2.h>
libzstore_libzscore_la_SOURCES += \
	libzstore/dataset/zsi_units.h \
	libzstore/dataset/units.c
