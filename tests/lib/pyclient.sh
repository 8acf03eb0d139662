# pyclient.sh ARGS...: python3 ARGS... run by the test's Python process
# (tests/lib/pyserve.py, started by tap.sh's py_serve; ZS_PY_DIR names
# its FIFOs).  Standard input, output, error, the environment, the
# working directory and the exit status are the caller's, as with
# python3 itself.  A server that does not answer in 15 minutes is an
# error (status 124), never a hang.
d=$ZS_PY_DIR
[ -p "$d/in" ] || { echo "pyclient.sh: no Python process (ZS_PY_DIR)" >&2; exit 2; }
env -0 > "$d/env"
if [ "$1" = - ]; then cat > "$d/stdin"; else : > "$d/stdin"; fi
# the job: the words single-quoted, as Python's shlex reads them
for w in "$PWD" "$d/env" "$d/stdin" "$@"; do
    printf "'%s' " "$(printf '%s' "$w" | sed "s/'/'\\\\''/g")"
done > "$d/job"
timeout 900 sh -c 'echo go > "$1/in" && read -r rc < "$1/out" && exit "$rc"' \
    _ "$d"
rc=$?
cat "$d/out1"
cat "$d/out2" >&2
exit $rc
