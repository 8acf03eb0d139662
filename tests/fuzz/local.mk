# tests/fuzz - fuzz targets for the parsers of untrusted bytes: metadata
# JSON (fuzz_meta), codec frames and shards (fuzz_codec), store keys
# (fuzz_store_keys), zip files and tar streams (fuzz_archive), selection
# specifications (fuzz_select), CF time units, calendars and dates
# (fuzz_time), durations and frequencies (fuzz_duration), NetCDF files
# through netCDF-C (fuzz_nc), zcalc's expressions and GeoJSON (fuzz_calc).  See tests/fuzz/README.md.
#
# Every build compiles each target with driver.c into a program that runs
# it over its corpus, tests/fuzz/corpus/TARGET/ (seeds, and every crash
# input once fixed), as part of "make check".  With --enable-fuzz
# (CC=clang) the libFuzzer programs tests/fuzz/TARGET_lf are built too.
ZS_FUZZ_REGRESS = tests/fuzz/fuzz_meta tests/fuzz/fuzz_codec \
	tests/fuzz/fuzz_store_keys tests/fuzz/fuzz_archive \
	tests/fuzz/fuzz_select tests/fuzz/fuzz_time tests/fuzz/fuzz_duration \
	tests/fuzz/fuzz_nc
check_PROGRAMS += $(ZS_FUZZ_REGRESS)
TESTS += $(ZS_FUZZ_REGRESS)
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/run-fuzz.sh \
	tests/fuzz/lsan.supp tests/fuzz/corpus
noinst_HEADERS += tests/fuzz/fuzz.h

tests_fuzz_fuzz_meta_SOURCES = tests/fuzz/fuzz_meta.c tests/fuzz/driver.c
tests_fuzz_fuzz_meta_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_meta\"
tests_fuzz_fuzz_meta_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_codec_SOURCES = tests/fuzz/fuzz_codec.c tests/fuzz/driver.c
tests_fuzz_fuzz_codec_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_codec\"
tests_fuzz_fuzz_codec_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_store_keys_SOURCES = tests/fuzz/fuzz_store_keys.c \
	tests/fuzz/driver.c
tests_fuzz_fuzz_store_keys_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_store_keys\"
tests_fuzz_fuzz_store_keys_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_archive_SOURCES = tests/fuzz/fuzz_archive.c \
	tests/fuzz/driver.c
tests_fuzz_fuzz_archive_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_archive\"
tests_fuzz_fuzz_archive_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_select_SOURCES = tests/fuzz/fuzz_select.c tests/fuzz/driver.c
tests_fuzz_fuzz_select_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_select\"
tests_fuzz_fuzz_select_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_time_SOURCES = tests/fuzz/fuzz_time.c tests/fuzz/driver.c
tests_fuzz_fuzz_time_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_time\"
tests_fuzz_fuzz_time_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_duration_SOURCES = tests/fuzz/fuzz_duration.c tests/fuzz/driver.c
tests_fuzz_fuzz_duration_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_duration\"
tests_fuzz_fuzz_duration_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_nc_SOURCES = tests/fuzz/fuzz_nc.c tests/fuzz/driver.c
tests_fuzz_fuzz_nc_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_nc\"
tests_fuzz_fuzz_nc_LDADD = $(ZS_UNIT_LIBS)

if ZS_FUZZ
# libFuzzer programs.  For coverage-guided fuzzing the library itself
# must be instrumented too: configure with
#   CC=clang CFLAGS='-g -O1 -fsanitize=fuzzer-no-link' --enable-fuzz \
#   --enable-sanitizers
ZS_FUZZ_LF_FLAGS = -fsanitize=fuzzer
ZS_FUZZ_LF = tests/fuzz/fuzz_meta_lf tests/fuzz/fuzz_codec_lf \
	tests/fuzz/fuzz_store_keys_lf tests/fuzz/fuzz_archive_lf \
	tests/fuzz/fuzz_select_lf tests/fuzz/fuzz_time_lf \
	tests/fuzz/fuzz_duration_lf tests/fuzz/fuzz_nc_lf
noinst_PROGRAMS += $(ZS_FUZZ_LF)

tests_fuzz_fuzz_meta_lf_SOURCES = tests/fuzz/fuzz_meta.c
tests_fuzz_fuzz_meta_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_meta_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_meta_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_meta_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_codec_lf_SOURCES = tests/fuzz/fuzz_codec.c
tests_fuzz_fuzz_codec_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_codec_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_codec_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_codec_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_store_keys_lf_SOURCES = tests/fuzz/fuzz_store_keys.c
tests_fuzz_fuzz_store_keys_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_store_keys_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_store_keys_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_store_keys_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_archive_lf_SOURCES = tests/fuzz/fuzz_archive.c
tests_fuzz_fuzz_archive_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_archive_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_archive_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_archive_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_select_lf_SOURCES = tests/fuzz/fuzz_select.c
tests_fuzz_fuzz_select_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_select_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_select_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_select_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_time_lf_SOURCES = tests/fuzz/fuzz_time.c
tests_fuzz_fuzz_time_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_time_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_time_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_time_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_duration_lf_SOURCES = tests/fuzz/fuzz_duration.c
tests_fuzz_fuzz_duration_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_duration_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_duration_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_duration_lf_LDADD = $(ZS_UNIT_LIBS)

tests_fuzz_fuzz_nc_lf_SOURCES = tests/fuzz/fuzz_nc.c
tests_fuzz_fuzz_nc_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_nc_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_nc_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_nc_lf_LDADD = $(ZS_UNIT_LIBS)

# make fuzz-long [FUZZ_SECONDS=N]: every libFuzzer program in turn, N
# seconds each (default 600), from the committed corpus; run-fuzz.sh
# prints the executions and findings of each.
FUZZ_SECONDS = 600
fuzz-programs: $(ZS_FUZZ_LF)
fuzz-long: $(ZS_FUZZ_LF)
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz.sh $(abs_top_builddir) \
	    $(FUZZ_SECONDS)
else
fuzz-programs fuzz-long:
	@echo "$@: configure with --enable-fuzz and CC=clang" \
	    "(see tests/fuzz/README.md)" >&2; exit 2
endif

# the small languages of options: dimension specifications (chunks,
# shards, patches), lists of names, memory sizes (util/spec.c)
check_PROGRAMS += tests/fuzz/fuzz_spec
TESTS += tests/fuzz/fuzz_spec
tests_fuzz_fuzz_spec_SOURCES = tests/fuzz/fuzz_spec.c tests/fuzz/driver.c
tests_fuzz_fuzz_spec_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_spec\"
tests_fuzz_fuzz_spec_LDADD = $(ZS_UNIT_LIBS)
if ZS_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_spec_lf
tests_fuzz_fuzz_spec_lf_SOURCES = tests/fuzz/fuzz_spec.c
tests_fuzz_fuzz_spec_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_spec_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_spec_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_spec_lf_LDADD = $(ZS_UNIT_LIBS)
endif

# the .npy header parser (zbatch --assemble)
check_PROGRAMS += tests/fuzz/fuzz_npy
TESTS += tests/fuzz/fuzz_npy
tests_fuzz_fuzz_npy_SOURCES = tests/fuzz/fuzz_npy.c tests/fuzz/driver.c
tests_fuzz_fuzz_npy_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_npy\"
tests_fuzz_fuzz_npy_LDADD = $(ZS_UNIT_LIBS)
if ZS_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_npy_lf
tests_fuzz_fuzz_npy_lf_SOURCES = tests/fuzz/fuzz_npy.c
tests_fuzz_fuzz_npy_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_npy_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_npy_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_npy_lf_LDADD = $(ZS_UNIT_LIBS)
endif

.PHONY: fuzz-programs fuzz-long

# zcalc's expressions (ops/calc_parse.c) and GeoJSON polygons
# (meta/geojson.c)
check_PROGRAMS += tests/fuzz/fuzz_calc
TESTS += tests/fuzz/fuzz_calc
tests_fuzz_fuzz_calc_SOURCES = tests/fuzz/fuzz_calc.c tests/fuzz/driver.c
tests_fuzz_fuzz_calc_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) \
	-DZS_FUZZ_NAME=\"fuzz_calc\"
tests_fuzz_fuzz_calc_LDADD = $(ZS_UNIT_LIBS)
if ZS_FUZZ
noinst_PROGRAMS += tests/fuzz/fuzz_calc_lf
tests_fuzz_fuzz_calc_lf_SOURCES = tests/fuzz/fuzz_calc.c
tests_fuzz_fuzz_calc_lf_CPPFLAGS = $(ZS_UNIT_CPPFLAGS) -DZS_LIBFUZZER
tests_fuzz_fuzz_calc_lf_CFLAGS = $(AM_CFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_calc_lf_LDFLAGS = $(AM_LDFLAGS) $(ZS_FUZZ_LF_FLAGS)
tests_fuzz_fuzz_calc_lf_LDADD = $(ZS_UNIT_LIBS)
endif
