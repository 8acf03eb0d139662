# tools: thin command-line programs over <zstore.h>; tool.c (the shared
# options and messages) is compiled once into a convenience library.
bin_PROGRAMS += tools/nc2zarr tools/zinfo tools/zsel tools/zmean \
	tools/zrechunk
noinst_HEADERS += tools/tool.h
noinst_LTLIBRARIES += tools/libztool.la
tools_libztool_la_SOURCES = tools/tool.c

ZS_TOOL_LIBS = tools/libztool.la libzstore/libzstore.la
tools_nc2zarr_SOURCES = tools/nc2zarr.c
tools_nc2zarr_LDADD = $(ZS_TOOL_LIBS)
tools_zinfo_SOURCES = tools/zinfo.c
tools_zinfo_LDADD = $(ZS_TOOL_LIBS)
tools_zsel_SOURCES = tools/zsel.c
tools_zsel_LDADD = $(ZS_TOOL_LIBS)
tools_zmean_SOURCES = tools/zmean.c
tools_zmean_LDADD = $(ZS_TOOL_LIBS)
tools_zrechunk_SOURCES = tools/zrechunk.c
tools_zrechunk_LDADD = $(ZS_TOOL_LIBS)
bin_PROGRAMS += tools/zbatch tools/zskill
tools_zbatch_SOURCES = tools/zbatch.c
tools_zbatch_LDADD = $(ZS_TOOL_LIBS)
tools_zskill_SOURCES = tools/zskill.c
tools_zskill_LDADD = $(ZS_TOOL_LIBS)
bin_PROGRAMS += tools/zregrid
tools_zregrid_SOURCES = tools/zregrid.c
tools_zregrid_LDADD = $(ZS_TOOL_LIBS)
bin_PROGRAMS += tools/zplot
tools_zplot_SOURCES = tools/zplot.c
tools_zplot_LDADD = $(ZS_TOOL_LIBS)
EXTRA_DIST += examples/zplot-sst.png
bin_PROGRAMS += tools/zcalc
tools_zcalc_SOURCES = tools/zcalc.c
tools_zcalc_LDADD = $(ZS_TOOL_LIBS)
