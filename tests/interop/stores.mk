# tests/interop: store back-ends (issue 4) and pipelines of tools.

# tar streams and pipes of tools
TESTS += tests/interop/tar.sh tests/interop/pipes.sh
EXTRA_DIST += tests/interop/tar.sh tests/interop/pipes.sh

# zip files
TESTS += tests/interop/zip.sh
EXTRA_DIST += tests/interop/zip.sh tests/interop/zip_oracle.py \
	tests/interop/zip_zarrita.mjs
