#!/bin/sh
# The store conformance suite (tests/unit/test_store) with its network
# back-ends switched on: the http rows read from a loopback nginx serving
# a scratch directory, the s3 rows read and write a bucket of a loopback
# s3rver (SigV4 checked by the server).  A server that cannot start
# leaves its rows skipped, with the reason (failed under ZS_REQUIRE_ALL).
# The http rows' values (100 bytes, 8 MiB, unusual keys) are files the
# suite writes below the served directory.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/servers.sh"

T=$top_builddir/tests/unit/test_store
[ -x "$T" ] || { skip "tests/unit/test_store is not built"; done_testing
                 exit; }
mkdir -p "$TMP/www"
if url=$(zs_nginx_start "$TMP/www"); then
    ZS_TEST_HTTP_URL=$url ZS_TEST_HTTP_ROOT=$TMP/www
    export ZS_TEST_HTTP_URL ZS_TEST_HTTP_ROOT
else
    diag "http rows skipped: $(zs_why)"
fi
if ep=$(zs_s3rver_start zstest); then
    ZS_TEST_S3_BUCKET=zstest ZS_TEST_S3_ENDPOINT=$ep
    ZS_TEST_S3_ACCESS_KEY=S3RVER ZS_TEST_S3_SECRET_KEY=S3RVER
    export ZS_TEST_S3_BUCKET ZS_TEST_S3_ENDPOINT ZS_TEST_S3_ACCESS_KEY \
        ZS_TEST_S3_SECRET_KEY
else
    diag "s3 rows skipped: $(zs_why)"
fi
# (under ZS_REQUIRE_ALL=1, as in CI, the rows of a server that did not
# start fail instead of skipping)
ZS_TEST_CONFORMANCE=1; export ZS_TEST_CONFORMANCE
# the suite prints TAP itself; run it in the foreground so that the
# servers are stopped (EXIT trap) only once it is done
TMPDIR=$TMP "$T"
