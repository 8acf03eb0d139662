# tests/interop/core.mk
