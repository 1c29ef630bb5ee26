#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Minimal Binance-like TLS WebSocket server for feedd core tests.

Prints "PORT <n>" on stdout once listening. Per connection: HTTP upgrade,
answers {"method":"SUBSCRIBE"} with {"result":null,"id":N}, then streams
trades and bookTickers for the subscribed symbols every --interval seconds;
answers pings with pongs, sends its own pings, echoes close frames.
Modes: --silent (ack but never send data: stale test), --no-pong,
--refuse (answer 429 with Retry-After: 1), --drop-after N (close the TCP
connection after N data messages), --ignore-close (never answer a close).
"""
import argparse, base64, hashlib, json, os, socket, ssl, struct, sys, threading, time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf

def read_frame(sock):
    h = recv_exact(sock, 2)
    fin, op = h[0] & 0x80, h[0] & 0x0F
    masked, ln = h[1] & 0x80, h[1] & 0x7F
    if ln == 126:
        ln = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif ln == 127:
        ln = struct.unpack("!Q", recv_exact(sock, 8))[0]
    mask = recv_exact(sock, 4) if masked else b"\0\0\0\0"
    data = bytearray(recv_exact(sock, ln))
    for i in range(ln):
        data[i] ^= mask[i % 4]
    return op, bytes(data)

def frame(op, payload):
    n = len(payload)
    if n < 126:
        h = struct.pack("!BB", 0x80 | op, n)
    elif n < 65536:
        h = struct.pack("!BBH", 0x80 | op, 126, n)
    else:
        h = struct.pack("!BBQ", 0x80 | op, 127, n)
    return h + payload

class Conn:
    def __init__(self, sock, args, log):
        self.sock, self.args, self.log = sock, args, log
        self.lock = threading.Lock()
        self.streams = []
        self.alive = True

    def send(self, op, payload):
        with self.lock:
            self.sock.sendall(frame(op, payload))

    def upgrade(self):
        req = b""
        while b"\r\n\r\n" not in req:
            c = self.sock.recv(4096)
            if not c:
                raise EOFError
            req += c
        lines = req.decode("latin1").split("\r\n")
        hdr = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                hdr[k.strip().lower()] = v.strip()
        if self.args.refuse:
            self.sock.sendall(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\n"
                              b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            raise EOFError
        key = hdr.get("sec-websocket-key", "")
        acc = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % acc).encode())
        self.log("upgraded path=%s" % lines[0].split(" ")[1])

    def pump(self):
        n = 0
        tid = 1
        while self.alive:
            time.sleep(self.args.interval)
            if self.args.silent or not self.streams:
                continue
            now = int(time.time() * 1000)
            for st in list(self.streams):
                sym, kind = st.split("@")
                if kind == "trade":
                    m = {"e": "trade", "E": now, "s": sym.upper(), "t": tid, "p": "65000.10",
                         "q": "0.00100000", "T": now, "m": tid % 2 == 0, "M": True}
                    tid += 1
                else:
                    m = {"u": tid, "s": sym.upper(), "b": "64999.99", "B": "1.5",
                         "a": "65000.01", "A": "2.25"}
                try:
                    self.send(1, json.dumps(m).encode())
                except OSError:
                    self.alive = False
                    return
                n += 1
                if self.args.drop_after and n >= self.args.drop_after:
                    self.log("dropping connection")
                    self.alive = False
                    try:
                        self.sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return

    def pinger(self):
        while self.alive:
            time.sleep(1.0)
            try:
                self.send(9, b"srvping")
            except OSError:
                return

    def run(self):
        try:
            self.upgrade()
            threading.Thread(target=self.pump, daemon=True).start()
            threading.Thread(target=self.pinger, daemon=True).start()
            while self.alive:
                op, data = read_frame(self.sock)
                if op == 1:
                    msg = json.loads(data)
                    if msg.get("method") == "SUBSCRIBE":
                        self.streams += msg["params"]
                        self.log("subscribe %s" % ",".join(msg["params"]))
                        self.send(1, json.dumps({"result": None, "id": msg["id"]}).encode())
                elif op == 9:
                    if not self.args.no_pong:
                        self.send(10, data)
                elif op == 8:
                    self.log("close received")
                    if self.args.ignore_close:
                        continue
                    self.send(8, data[:2] if len(data) >= 2 else b"")
                    break
        except (EOFError, OSError, ssl.SSLError, ValueError) as e:
            self.log("connection ended: %r" % (e,))
        finally:
            self.alive = False
            try:
                self.sock.close()
            except OSError:
                pass

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--no-pong", action="store_true")
    ap.add_argument("--refuse", action="store_true")
    ap.add_argument("--drop-after", type=int, default=0)
    ap.add_argument("--ignore-close", action="store_true")
    args = ap.parse_args()
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(16)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    count = [0]

    def log(msg):
        print("wsserver: %s" % msg, file=sys.stderr, flush=True)

    while True:
        s, _ = ls.accept()
        count[0] += 1
        log("accept %d" % count[0])
        try:
            if ctx:
                s = ctx.wrap_socket(s, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log("tls failed: %r" % (e,))
            s.close()
            continue
        threading.Thread(target=Conn(s, args, log).run, daemon=True).start()

if __name__ == "__main__":
    main()
