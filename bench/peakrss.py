"""Run a command and report its wall time and the peak of the summed
resident memory of its whole process tree (sampled every 20 ms), since
tools that use worker processes are not measured fairly by the RSS of
one process.  Usage: peakrss.py COMMAND...  (prints "wall S peak_rss_mb M")
"""
import os
import subprocess
import sys
import time


def tree_rss(root):
    kids = {}
    rss = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/statm" % d) as f:
                rss[int(d)] = int(f.read().split()[1]) * os.sysconf(
                    "SC_PAGE_SIZE")
            kids.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(kids.get(p, []))
    return total


t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:])
peak = 0
while p.poll() is None:
    peak = max(peak, tree_rss(p.pid))
    time.sleep(0.02)
wall = time.monotonic() - t0
print("wall %.3f peak_rss_mb %.1f rc %d" % (wall, peak / 2**20, p.returncode))
sys.exit(p.returncode)
