# tests/interop/cftime.mk
# CF time decoding and encoding against cftime (skipped without it).
TESTS += tests/interop/cftime.sh
EXTRA_DIST += tests/interop/cftime.sh tests/interop/cftime_oracle.py
