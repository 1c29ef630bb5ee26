#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The REST client (feedd/rest.h) against a local TLS HTTP server.

    test_rest.py REST_GET

A certificate for "localhost" is made here with the openssl CLI and
trusted as the CA. Covered: keep-alive reuse (three requests, one
connection), chunked + gzip, 429 with Retry-After and the weight header, a
server that stalls (-ETIMEDOUT), a close mid-body (-ECONNRESET), a reopened
connection after Connection: close, the host name checked (127.0.0.1 is not
in the certificate: refused), no descriptor left after shutdown.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FAIL = []


def check(cond, what):
    if not cond:
        FAIL.append(what)
        print("FAIL: " + what, file=sys.stderr)


def make_cert(d):
    crt, key = os.path.join(d, "crt.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return crt, key


def get(exe, ca, host, port, paths, timeout_ms=5000, wrap=()):
    p = subprocess.run(list(wrap) + [exe, "-t", str(timeout_ms), "-c", ca, host, str(port)] + paths,
                       capture_output=True, text=True, timeout=120)
    print(p.stdout, end="")
    if p.stderr:
        print(p.stderr, end="", file=sys.stderr)
    lines = p.stdout.splitlines()
    check(p.returncode == 0, "rest_get exit %d" % p.returncode)
    check(lines and lines[-1] == "fds_leaked=0", "descriptors left after shutdown")
    return lines


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        crt, key = make_cert(d)
        srv = subprocess.Popen([sys.executable, os.path.join(HERE, "http_server.py"), crt, key],
                               stdout=subprocess.PIPE, text=True)
        try:
            port = int(srv.stdout.readline().split()[1])
            run_cases(exe, crt, port)
        finally:
            srv.kill()
            srv.wait()
    if FAIL:
        print("test_rest: %d failure(s)" % len(FAIL), file=sys.stderr)
        return 1
    print("test_rest: ok")
    return 0


def run_cases(exe, crt, port):
    # keep-alive: four requests, one connection (the server counts it)
    out = get(exe, crt, "localhost", port, ["/conns", "/json", "/gzip", "/429", "/conns"])
    check(out[0] == "/conns status=200 len=1 weight=-1 retry=-1 close=0 body=1", "first: " + out[0])
    check(out[1].startswith("/json status=200 len=59 weight=42 retry=-1 close=0 body={\"lastUpd"),
          "json: " + out[1])
    check(out[2].startswith("/gzip status=200 len=3009 ") and "body={\"gz\":\"xxx" in out[2],
          "gzip: " + out[2])
    check(out[3].startswith("/429 status=429 ") and " retry=7 " in out[3], "429: " + out[3])
    check(out[4].endswith("body=1"), "one connection for all: " + out[4])
    check(out[5] == "connects=1 reused=4 requests=5 errors=0 timeouts=0", out[5])

    # Connection: close, then a new connection for the next request
    out = get(exe, crt, "localhost", port, ["/close", "/json"])
    check(out[0].startswith("/close status=200 len=2 ") and " close=1 " in out[0], out[0])
    check(out[1].startswith("/json status=200"), out[1])
    check(out[2].startswith("connects=2 "), out[2])

    # a server that stalls: the per-request timeout, then the next one goes
    out = get(exe, crt, "localhost", port, ["/stall", "/json"], timeout_ms=1500)
    check(out[0].startswith("/stall err=-110 "), "stall: " + out[0])
    check(out[1].startswith("/json status=200"), "after stall: " + out[1])

    # a close in the middle of the body
    out = get(exe, crt, "localhost", port, ["/cut", "/json"])
    check(out[0].startswith("/cut err=-104 ") and "middle" in out[0], "cut: " + out[0])
    check(out[1].startswith("/json status=200"), "after cut: " + out[1])

    # the host name is checked: the certificate is for localhost only
    out = get(exe, crt, "127.0.0.1", port, ["/json"])
    check(out[0].startswith("/json err=-71 ") and "TLS" in out[0], "mismatch: " + out[0])

    # a keep-alive connection the server drops after answering: the next
    # request goes on a new one (sent again if it met the closing connection)
    out = get(exe, crt, "localhost", port, ["/quietclose", "/json"])
    check(out[0].startswith("/quietclose status=200"), out[0])
    check(out[1].startswith("/json status=200"), "after a quiet close: " + out[1])
    check(out[2].startswith("connects=2 ") and " errors=0 " in out[2], out[2])

    # the whole life cycle under memcheck: no error, no leak (a sanitizer
    # build has ASan's own checks instead: valgrind cannot run it)
    if shutil.which("valgrind") and os.environ.get("MDBUS_SANITIZED") != "1":
        out = get(exe, crt, "localhost", port, ["/json", "/gzip", "/cut", "/stall", "/json"],
                  timeout_ms=3000, wrap=("valgrind", "-q", "--leak-check=full",
                                         "--errors-for-leak-kinds=definite",
                                         "--error-exitcode=9"))
        check(len(out) == 7 and out[4].startswith("/json status=200"), "valgrind run")

    # nothing listens there: refused
    out = get(exe, crt, "localhost", 1, ["/json"])
    check(out[0].startswith("/json err=-111 "), "refused: " + out[0])


if __name__ == "__main__":
    sys.exit(main())
