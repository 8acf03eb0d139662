# tests/unit/core.mk - the core layers: the store conformance suite (every
# back-end), util, metadata, array and dataset unit tests.
ZS_CORE_TESTS = tests/unit/test_store tests/unit/test_util \
	tests/unit/test_meta tests/unit/test_array tests/unit/test_dataset
check_PROGRAMS += $(ZS_CORE_TESTS)
TESTS += $(ZS_CORE_TESTS)
# a dataset opened with any context options (tests/interop/http-deadline.sh)
check_PROGRAMS += tests/unit/zs-open-cli
tests_unit_zs_open_cli_SOURCES = tests/unit/zs-open-cli.c
tests_unit_zs_open_cli_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_zs_open_cli_LDADD = $(ZS_UNIT_LIBS)

tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_store_LDADD = $(ZS_UNIT_LIBS)

tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_util_LDADD = $(ZS_UNIT_LIBS)

tests_unit_test_meta_SOURCES = tests/unit/test_meta.c
tests_unit_test_meta_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_meta_LDADD = $(ZS_UNIT_LIBS)

tests_unit_test_array_SOURCES = tests/unit/test_array.c
tests_unit_test_array_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_array_LDADD = $(ZS_UNIT_LIBS)

tests_unit_test_dataset_SOURCES = tests/unit/test_dataset.c
tests_unit_test_dataset_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_dataset_LDADD = $(ZS_UNIT_LIBS)

# the operations through the public API only (zstore.h)
check_PROGRAMS += tests/unit/test_ops
TESTS += tests/unit/test_ops
tests_unit_test_ops_SOURCES = tests/unit/test_ops.c
tests_unit_test_ops_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_ops_LDADD = $(ZS_UNIT_LIBS)

# the colour arithmetic of the maps (zplot) at its edges
check_PROGRAMS += tests/unit/test_plot
TESTS += tests/unit/test_plot
tests_unit_test_plot_SOURCES = tests/unit/test_plot.c
tests_unit_test_plot_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_plot_LDADD = $(ZS_UNIT_LIBS)
