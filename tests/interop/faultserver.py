#!/usr/bin/python3
"""faultserver.py ROOT - an HTTP server that serves the files below ROOT
and misbehaves on purpose, for the fault-injection tests of the http
store (tests/interop/http.sh).

It listens on 127.0.0.1, port 0, and prints the port on the first line of
its output.  The first path component chooses the behaviour, the rest is
the file: GET /MODE/store.zarr/.zmetadata.  "Once" modes misbehave on the
first request for each path and Range, then serve it properly:

  ok          serve (Range requests answered with 206 or 416)
  flaky       503 once, with Retry-After: 0
  drop        once: the full Content-Length, half the body, then a reset
  trunc       once: the full Content-Length, half the body, then a clean
              close (the body is short of what was announced)
  stall       once: half the body, then nothing for 3 seconds
  slow        once: nothing at all for 3 seconds, then the answer
  badrange    once: a 206 whose Content-Range is not the range asked
  norange     always: Range ignored, 200 with the whole file
  slowall     always: nothing for 3 seconds, then the answer
  dropall     always: as drop (the client can only give up)
  truncall    always: as trunc
  403         always 403
  500         always 500
  bearer      401 unless "Authorization: Bearer sekrit"
  basic       401 unless basic authentication as zs / pw
  redirect    302 to the same path under "leak" on host "localhost"
  leak        400 if the request carries any Authorization header
  cookie      without the cookie zs=1, 302 to /login/PATH, which sets it
              and sends back to /cookie/PATH (a login service's dance)

A query "?only=TEXT" (which the http store repeats after every key)
limits the misbehaviour to paths holding TEXT; others are served.

GET /_count answers the number of requests so far (control paths aside);
GET /_reset forgets which paths were seen and resets the count.
"""
import base64
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.realpath(sys.argv[1])
LOCK = threading.Lock()
SEEN = {}
COUNT = [0]
RESET = set()


def first_time(path):
    with LOCK:
        n = SEEN.get(path, 0)
        SEEN[path] = n + 1
        return n == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def file_of(self, rest):
        rel = os.path.normpath(rest) if rest else "."
        if os.path.isabs(rel) or rel == ".." or rel.startswith("../"):
            return None, 404
        path = os.path.join(ROOT, rel)   # symbolic links followed
        if os.path.isdir(path):
            return None, 403
        if not os.path.isfile(path):
            return None, 404
        with open(path, "rb") as f:
            return f.read(), 200

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path, _, query = self.path.partition("?")
        parts = path.lstrip("/").split("/", 1)
        mode, rest = parts[0], parts[1] if len(parts) > 1 else ""
        if mode == "_count":
            return self.answer(200, str(COUNT[0]).encode())
        if mode == "_reset":
            with LOCK:
                SEEN.clear()
                COUNT[0] = 0
            return self.answer(200, b"reset")
        with LOCK:
            COUNT[0] += 1
        # once per path and range: each range of a sharded array's shard
        # meets the fault once
        once = first_time(self.path + " " + self.headers.get("Range", ""))
        only = [q[5:] for q in query.split("&") if q.startswith("only=")]
        if only and only[0] not in rest:
            mode = "ok"
        if mode == "403":
            return self.answer(403, b"go away")
        if mode == "500":
            return self.answer(500, b"broken")
        if mode == "flaky" and once:
            return self.answer(503, b"busy", [("Retry-After", "0")])
        if mode == "slowall" or (mode == "slow" and once):
            time.sleep(3)
        if mode == "bearer" and \
                self.headers.get("Authorization") != "Bearer sekrit":
            return self.answer(401, b"token please")
        if mode == "basic":
            want = "Basic " + base64.b64encode(b"zs:pw").decode()
            if self.headers.get("Authorization") != want:
                return self.answer(401, b"password please", [
                    ("WWW-Authenticate", 'Basic realm="zs"')])
        if mode == "redirect":
            port = self.server.server_address[1]
            return self.answer(302, b"", [
                ("Location", "http://localhost:%d/leak/%s" % (port, rest))])
        if mode == "login":
            return self.answer(302, b"", [
                ("Set-Cookie", "zs=1; Path=/"),
                ("Location", "/cookie/" + rest)])
        if mode == "cookie" and "zs=1" not in self.headers.get("Cookie", ""):
            return self.answer(302, b"", [("Location", "/login/" + rest)])
        if mode == "leak" and "Authorization" in self.headers:
            return self.answer(400, b"credentials leaked to another host")
        data, code = self.file_of(rest)
        if data is None:
            return self.answer(code, b"no")
        self.send_file(mode, once, data)

    def send_file(self, mode, once, data):
        first, last = 0, len(data) - 1
        code = 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and mode != "norange":
            a, _, b = rng[6:].partition("-")
            first = int(a)
            last = min(int(b), len(data) - 1) if b else len(data) - 1
            if first >= len(data) or first > last:
                return self.answer(416, b"", [
                    ("Content-Range", "bytes */%d" % len(data))])
            code = 206
        body = data[first:last + 1]
        cr = first + 1 if mode == "badrange" and once else first
        self.send_response(code)
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (
                cr, cr + len(body) - 1, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if mode in ("dropall", "truncall"):
            mode, once = mode[:-3], True
        if once and mode in ("drop", "trunc", "stall") and len(body) > 1:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            if mode == "stall":
                time.sleep(3)
            elif mode == "drop":     # a reset, not a clean close
                RESET.add(self.connection)
            self.close_connection = True
            return
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def shutdown_request(self, request):
        if request in RESET:
            RESET.discard(request)
            request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               struct.pack("ii", 1, 0))
            request.close()
            return
        super().shutdown_request(request)


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
