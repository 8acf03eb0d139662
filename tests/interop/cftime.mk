# tests/interop/cftime.mk
