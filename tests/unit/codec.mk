# tests/unit/codec.mk
