# tests/unit: C unit tests, one fragment per module.
include tests/unit/codec.mk
include tests/unit/cftime.mk
include tests/unit/core.mk
