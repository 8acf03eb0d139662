# tests/man: the man pages' EXAMPLES run as tests, mandoc lint, --help
# against OPTIONS, zstore.h against libzstore(3).
TESTS += tests/man/run-examples.sh
EXTRA_DIST += tests/man/run-examples.sh
