#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small HTTP/1.1 server over TLS for the REST client test (test_rest.py).

    http_server.py CERT KEY        prints "port N", serves until killed

Keep-alive; each connection is numbered. Paths:
  /json       200, Content-Length, X-MBX-USED-WEIGHT-1M: 42
  /gzip       200, chunked + gzip in three chunks, a trailer
  /429        429 with Retry-After: 7
  /stall      reads the request, never answers
  /cut        Content-Length 1000, sends 10 bytes, closes
  /close      200 with Connection: close
  /quietclose 200 keep-alive, then the connection closes anyway
  /conns      200, body: how many connections were accepted so far
"""
import gzip
import socket
import ssl
import sys
import threading
import time

CONNS = [0]
LOCK = threading.Lock()


def respond(s, status, reason, headers, body):
    head = "HTTP/1.1 %d %s\r\n" % (status, reason)
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    s.sendall(head.encode() + b"\r\n" + body)


def handle_one(s, path):
    """Answers one request; returns False when the connection must end."""
    if path == "/json":
        body = b'{"lastUpdateId":1027024,"bids":[["4.0","431.0"]],"asks":[]}'
        respond(s, 200, "OK", [("Content-Type", "application/json"),
                               ("Content-Length", len(body)),
                               ("X-MBX-USED-WEIGHT-1M", "42")], body)
    elif path == "/gzip":
        z = gzip.compress(b'{"gz":"' + b"x" * 3000 + b'"}')
        third = len(z) // 3
        parts = [z[:third], z[third:2 * third], z[2 * third:]]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
        body += b"0\r\nX-Checksum: none\r\n\r\n"
        respond(s, 200, "OK", [("Transfer-Encoding", "chunked"),
                               ("Content-Encoding", "gzip")], body)
    elif path == "/429":
        body = b'{"code":-1003,"msg":"Too many requests"}'
        respond(s, 429, "Too Many Requests", [("Retry-After", "7"),
                                              ("Content-Length", len(body))], body)
    elif path == "/stall":
        time.sleep(30)
        return False
    elif path == "/cut":
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
        return False
    elif path == "/close":
        respond(s, 200, "OK", [("Content-Length", 2), ("Connection", "close")], b"ok")
        return False
    elif path == "/quietclose":
        respond(s, 200, "OK", [("Content-Length", 2)], b"ok")
        time.sleep(0.2)
        return False
    elif path == "/conns":
        with LOCK:
            body = str(CONNS[0]).encode()
        respond(s, 200, "OK", [("Content-Length", len(body))], body)
    else:
        respond(s, 404, "Not Found", [("Content-Length", 0)], b"")
    return True


def serve(s):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = s.recv(4096)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode()
            method, path, _ = line.split(" ")
            if method != "GET" or not handle_one(s, path):
                return
    except (OSError, ValueError):
        pass
    finally:
        try:
            s.close()
        except OSError:
            pass


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    # "localhost" may resolve to ::1 or 127.0.0.1: take both when IPv6 is there.
    try:
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        ls.bind(("::", 0))
    except OSError:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.bind(("127.0.0.1", 0))
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.listen(16)
    print("port %d" % ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        with LOCK:
            CONNS[0] += 1
        try:
            t = ctx.wrap_socket(c, server_side=True)
        except (OSError, ssl.SSLError):
            c.close()
            continue
        threading.Thread(target=serve, args=(t,), daemon=True).start()


if __name__ == "__main__":
    main()
