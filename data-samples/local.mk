# data-samples: mksamples, a generator of deterministic synthetic NetCDF
# inputs (see data-samples/README.md).  A project utility, not installed.
#
#   make samples    writes the sample sets into $(ZS_SAMPLES_DIR) in the
#                   build tree (a stamp file records that it is done)
#   data-samples/mksamples bench DIR [--hours N] [--res DEG] [--nc3]
#                   writes the benchmark set (about 1.6 GB) where bench
#                   scripts ask; never into the source tree
#
# Tests that read the samples depend on $(ZS_SAMPLES_STAMP) and find the
# files under $(ZS_SAMPLES_DIR) (absolute: $(abs_top_builddir)/...).
noinst_PROGRAMS += data-samples/mksamples
data_samples_mksamples_SOURCES = data-samples/mksamples.c
data_samples_mksamples_CPPFLAGS = -I$(top_builddir) $(NETCDF_CFLAGS)
data_samples_mksamples_LDADD = $(NETCDF_LIBS) -lm
EXTRA_DIST += data-samples/README.md data-samples/mksamples.c

ZS_SAMPLES_DIR = data-samples/out
ZS_SAMPLES_STAMP = data-samples/out.stamp

# The directory is rebuilt from scratch, so files of an older generator
# never linger; the stamp sits beside it, not in it.
$(ZS_SAMPLES_STAMP): data-samples/mksamples$(EXEEXT)
	$(AM_V_GEN)rm -rf $(ZS_SAMPLES_DIR) $@ && \
	data-samples/mksamples$(EXEEXT) samples $(ZS_SAMPLES_DIR) && \
	echo "$(ZS_SAMPLES_DIR)" > $@

samples: $(ZS_SAMPLES_STAMP)

clean-data-samples:
	-rm -rf $(ZS_SAMPLES_DIR)

.PHONY: samples clean-data-samples
clean-local: clean-data-samples
CLEANFILES += $(ZS_SAMPLES_STAMP)
