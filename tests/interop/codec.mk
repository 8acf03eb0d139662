# tests/interop/codec.mk - codecs against numcodecs (skipped without it);
# zs-codec-cli is built by tests/unit/codec.mk.
TESTS += tests/interop/codec-numcodecs.sh
EXTRA_DIST += tests/interop/codec-numcodecs.sh tests/interop/codec_oracle.py
