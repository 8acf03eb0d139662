"""Run a command and report its wall time and the peak of the summed
resident memory of its whole process tree, since tools that use worker
processes are not measured fairly by the RSS of one process.  The tree
is found through /proc/PID/task/TID/children (cheap: the sampling must
not steal a core from the command measured) every 20 ms; the kernel's
own maximum for the largest single process (wait4) is a floor under the
sampled peak.  Usage: peakrss.py COMMAND...
(prints "wall S peak_rss_mb M rc N")
"""
import os
import subprocess
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out.extend(int(c) for c in f.read().split())
    except (OSError, ValueError):
        pass
    return out


def tree_rss(root):
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/statm" % p) as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
        todo.extend(children(p))
    return total


t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:])
peak = [0]
done = threading.Event()


def sample():
    while not done.is_set():
        peak[0] = max(peak[0], tree_rss(p.pid))
        done.wait(0.02)


th = threading.Thread(target=sample)
th.start()
pid, status, ru = os.wait4(p.pid, 0)   # blocking: the wall time is exact
wall = time.monotonic() - t0
done.set()
th.join()
p.returncode = os.waitstatus_to_exitcode(status)
top = max(peak[0], ru.ru_maxrss * 1024)
print("wall %.3f peak_rss_mb %.1f rc %d" % (wall, top / 2**20, p.returncode))
sys.exit(p.returncode)
