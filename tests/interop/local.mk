# tests/interop: against independent readers and writers.
include tests/interop/codec.mk
include tests/interop/cftime.mk
include tests/interop/core.mk
include tests/interop/stores.mk
