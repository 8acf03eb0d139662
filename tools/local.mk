# tools: thin command-line programs over <zstore.h>
bin_PROGRAMS += tools/nc2zarr tools/zinfo tools/zsel tools/zmean
noinst_HEADERS += tools/tool.h

ZS_TOOL_LIBS = libzstore/libzstore.la
tools_nc2zarr_SOURCES = tools/nc2zarr.c tools/tool.c
tools_nc2zarr_LDADD = $(ZS_TOOL_LIBS)
tools_zinfo_SOURCES = tools/zinfo.c tools/tool.c
tools_zinfo_LDADD = $(ZS_TOOL_LIBS)
tools_zsel_SOURCES = tools/zsel.c tools/tool.c
tools_zsel_LDADD = $(ZS_TOOL_LIBS)
tools_zmean_SOURCES = tools/zmean.c tools/tool.c
tools_zmean_LDADD = $(ZS_TOOL_LIBS)
