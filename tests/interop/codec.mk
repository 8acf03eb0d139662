# tests/interop/codec.mk
