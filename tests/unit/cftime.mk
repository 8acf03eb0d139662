# tests/unit/cftime.mk
# CF time units and calendars; zs-cftime-cli drives the same code for the
# interop test against cftime (tests/interop/cftime.sh).
check_PROGRAMS += tests/unit/test_cftime tests/unit/zs-cftime-cli
TESTS += tests/unit/test_cftime
tests_unit_test_cftime_SOURCES = tests/unit/test_cftime.c
tests_unit_test_cftime_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_cftime_LDADD = $(ZS_UNIT_LIBS)
tests_unit_zs_cftime_cli_SOURCES = tests/unit/zs-cftime-cli.c
tests_unit_zs_cftime_cli_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_zs_cftime_cli_LDADD = $(ZS_UNIT_LIBS)
