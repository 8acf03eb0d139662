# tests/cli: the tools' command lines, expected output and exit status
TESTS += tests/cli/nc2zarr.sh tests/cli/zinfo.sh tests/cli/bad-input.sh
EXTRA_DIST += tests/cli/nc2zarr.sh tests/cli/zinfo.sh tests/cli/bad-input.sh
