# tests/interop/codec.mk - codecs against numcodecs, Python's zlib and
# HDF5 (h5py), and a store of them (skipped without numcodecs);
# zs-codec-cli is built by tests/unit/codec.mk.
TESTS += tests/interop/codec-numcodecs.sh
EXTRA_DIST += tests/interop/codec-numcodecs.sh tests/interop/codec_oracle.py \
	tests/interop/codec_store.py
