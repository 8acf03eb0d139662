# tests/man
