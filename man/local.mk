# man: mdoc pages for the tools, the library and the store format.  Their
# EXAMPLES run as tests (tests/man/run-examples.sh).
dist_man_MANS += man/nc2zarr.1 man/zinfo.1 man/zsel.1 man/zmean.1 \
	man/zrechunk.1 man/libzstore.3 man/zstore.5
dist_man_MANS += man/zbatch.1 man/zskill.1
dist_man_MANS += man/zregrid.1
dist_man_MANS += man/zplot.1
dist_man_MANS += man/zcalc.1
