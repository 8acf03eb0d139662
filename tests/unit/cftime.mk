# tests/unit/cftime.mk
