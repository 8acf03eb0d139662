# tests/interop: store back-ends (issue 4) and pipelines of tools.

# the conformance suite (tests/unit/test_store) with its HTTP and S3
# servers started; tar streams and pipes of tools
TESTS += tests/interop/store-conformance.sh tests/interop/tar.sh \
	tests/interop/pipes.sh
EXTRA_DIST += tests/interop/store-conformance.sh tests/interop/tar.sh \
	tests/interop/pipes.sh

# zip files
TESTS += tests/interop/zip.sh
EXTRA_DIST += tests/interop/zip.sh tests/interop/zip_oracle.py \
	tests/interop/zip_zarrita.mjs

# HTTP(S) and S3
TESTS += tests/interop/http.sh tests/interop/s3.sh
EXTRA_DIST += tests/interop/http.sh tests/interop/s3.sh \
	tests/lib/servers.sh tests/interop/faultserver.py \
	tests/interop/blocks_store.py

# nc2zarr --resume, --part and --append into S3 and zip files (issue 13)
TESTS += tests/interop/nc-s3-resume.sh tests/interop/nc-zip-resume.sh
EXTRA_DIST += tests/interop/nc-s3-resume.sh tests/interop/objects.py \
	tests/interop/nc-zip-resume.sh

# zips over http(s):// and s3://, read by range
TESTS += tests/interop/http-zip.sh
EXTRA_DIST += tests/interop/http-zip.sh

# an overall deadline for remote requests (--deadline, http.deadline)
TESTS += tests/interop/http-deadline.sh
EXTRA_DIST += tests/interop/http-deadline.sh

# the fixture stores every store kind reads (zarr-fixtures.sh, http.sh,
# zip.sh, tar.sh)
EXTRA_DIST += tests/lib/fixtures.sh
