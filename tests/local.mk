# tests: unit (C), cli, interop, man-page examples.  All print TAP.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
if ZS_SANITIZE
ZS_TEST_SANITIZED = yes
else
ZS_TEST_SANITIZED = no
endif
# ZS_SANITIZED=yes: memory figures mean nothing (ASan keeps freed memory).
# Sanitizer reports exit with 86, so that no test takes one for a refusal.
# Leaks inside libnetcdf and HDF5 are theirs (tests/fuzz/lsan.supp).
AM_TESTS_ENVIRONMENT = srcdir='$(abs_top_srcdir)'; \
	top_builddir='$(abs_top_builddir)'; \
	ZS_SANITIZED=$(ZS_TEST_SANITIZED); \
	ASAN_OPTIONS="exitcode=86$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}"; \
	UBSAN_OPTIONS="exitcode=86:print_stacktrace=1$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS}"; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/fuzz/lsan.supp:print_suppressions=0$${LSAN_OPTIONS:+:$$LSAN_OPTIONS}"; \
	export srcdir top_builddir ZS_SANITIZED ASAN_OPTIONS UBSAN_OPTIONS \
	LSAN_OPTIONS;
EXTRA_DIST += tests/lib/tap.sh tests/lib/pyserve.py tests/lib/pyclient.sh \
	tests/unit/tap.h

# Unit tests link the library's objects statically, so that they can test
# internal (zsi_) functions.
ZS_UNIT_CPPFLAGS = $(libzstore_libzscore_la_CPPFLAGS) -I$(top_srcdir)/tests/unit
ZS_UNIT_LIBS = libzstore/libzscore.la $(ZS_DEP_LIBS)

# the private headers of the layers stay private (libzstore(3))
TESTS += tests/layering.sh
EXTRA_DIST += tests/layering.sh

include tests/unit/local.mk
include tests/cli/local.mk
include tests/interop/local.mk
include tests/man/local.mk
include tests/fuzz/local.mk
check_DATA += $(ZS_SAMPLES_STAMP)
