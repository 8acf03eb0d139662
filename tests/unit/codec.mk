# tests/unit/codec.mk - codec layer: round trips, chains, specifications,
# robustness against bad frames, and the command-line helper used by the
# numcodecs interoperability test.
check_PROGRAMS += tests/unit/test_codec tests/unit/test_codec_robust \
	tests/unit/zs-codec-cli
TESTS += tests/unit/test_codec tests/unit/test_codec_robust
EXTRA_DIST += tests/unit/codec_kv.h tests/unit/codec_test.h

tests_unit_test_codec_SOURCES = tests/unit/test_codec.c
tests_unit_test_codec_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_codec_LDADD = $(ZS_UNIT_LIBS)

tests_unit_test_codec_robust_SOURCES = tests/unit/test_codec_robust.c
tests_unit_test_codec_robust_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_test_codec_robust_LDADD = $(ZS_UNIT_LIBS)

tests_unit_zs_codec_cli_SOURCES = tests/unit/zs-codec-cli.c
tests_unit_zs_codec_cli_CPPFLAGS = $(ZS_UNIT_CPPFLAGS)
tests_unit_zs_codec_cli_LDADD = $(ZS_UNIT_LIBS)
