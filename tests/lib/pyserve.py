"""One Python process that runs a test's oracle scripts in turn, so that
numpy, xarray and the rest are imported once per test, not once per
call (1.5 to 3.5 seconds each).  Started by tap.sh's py_serve; each
call is tests/lib/pyclient.sh, in place of /usr/bin/python3.

Usage: pyserve.py DIR
DIR holds two FIFOs: "in" takes a job, "out" gives back its exit status.
A job is the file DIR/job: shell words, the first three the working
directory, the file of the caller's environment (env -0) and the file
the script's standard input was saved in; then the arguments python3
would get: SCRIPT ARGS..., -c CODE ARGS... or - ARGS... (the program
on standard input).  The job's standard output and error go to DIR/out1
and DIR/out2.  Each job starts from the caller's environment and
directory, with the sys.path and sys.argv python3 would give it;
modules imported stay imported.
"""
import contextlib
import io
import os
import runpy
import shlex
import sys
import threading
import time
import traceback
import warnings

d = sys.argv[1]
base_path = list(sys.path)
base_filters = list(warnings.filters)
parent = os.getppid()


def watch():
    """End with the test that started us (it may not kill us: a test
    that replaces tap.sh's EXIT trap)."""
    while os.getppid() == parent and os.path.isdir(d):
        time.sleep(1)
    os._exit(0)


def environment(path):
    with open(path, "rb") as fh:
        items = fh.read().split(b"\0")
    env = {}
    for it in items:
        if b"=" in it:
            k, v = it.split(b"=", 1)
            env[os.fsdecode(k)] = os.fsdecode(v)
    return env


def run(words):
    cwd, envfile, stdin = words[:3]
    args = words[3:]
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environment(envfile))
    sys.path[:] = base_path
    warnings.resetwarnings()              # python3's own filters again
    warnings.filters.extend(base_filters)
    with open(stdin, "rb") as fh:
        sys.stdin = io.TextIOWrapper(io.BytesIO(fh.read()))
    if args[0] == "-c":
        sys.argv = ["-c"] + args[2:]
        sys.path.insert(0, "")
        code = compile(args[1], "<string>", "exec")
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
    elif args[0] == "-":
        sys.argv = ["-"] + args[1:]
        sys.path.insert(0, "")
        code = compile(sys.stdin.read(), "<stdin>", "exec")
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
    else:
        sys.argv = list(args)
        sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
        runpy.run_path(args[0], run_name="__main__")


def main():
    while True:
        with open(os.path.join(d, "in")) as fh:
            if fh.read().strip() == "quit":
                return
        with open(os.path.join(d, "job")) as fh:
            words = shlex.split(fh.read())
        rc = 0
        with open(os.path.join(d, "out1"), "w") as o1, \
                open(os.path.join(d, "out2"), "w") as o2, \
                contextlib.redirect_stdout(o1), contextlib.redirect_stderr(o2):
            try:
                run(words)
            except SystemExit as e:
                if e.code is None:
                    rc = 0
                elif isinstance(e.code, int):
                    rc = e.code
                else:
                    print(e.code, file=sys.stderr)
                    rc = 1
            except BaseException:
                traceback.print_exc()
                rc = 1
            sys.stdout.flush()
            sys.stderr.flush()
        with open(os.path.join(d, "out"), "w") as fh:
            fh.write("%d\n" % rc)


threading.Thread(target=watch, daemon=True).start()
main()
