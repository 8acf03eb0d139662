# tests/cli: the tools' command lines, expected output and exit status
TESTS += tests/cli/nc2zarr.sh tests/cli/zinfo.sh tests/cli/bad-input.sh
EXTRA_DIST += tests/cli/nc2zarr.sh tests/cli/zinfo.sh tests/cli/bad-input.sh
TESTS += tests/cli/chunks.sh tests/cli/progress.sh tests/cli/install.sh
EXTRA_DIST += tests/cli/chunks.sh tests/cli/progress.sh tests/cli/install.sh
# hostile and inconsistent stores (issue 15)
TESTS += tests/cli/hostile.sh
EXTRA_DIST += tests/cli/hostile.sh
# tests/fuzz/run-fuzz.sh with stand-ins for the libFuzzer programs
TESTS += tests/cli/fuzz-script.sh
EXTRA_DIST += tests/cli/fuzz-script.sh
