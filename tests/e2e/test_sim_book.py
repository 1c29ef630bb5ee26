#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mdbus-sim's order books over the wire (Binance spot dialect, TLS): the
documented sync (buffer the diff depth stream, fetch the REST snapshot,
apply the deltas after it) gives back the simulator's book exactly, ids
without holes; then the book faults: drop_delta (a hole in U/u),
stale_snapshot (lastUpdateId before the first buffered U), crossed (one
delta crosses the book, the next uncrosses it), rest_429 (429 with
Retry-After, then 200 with a growing X-MBX-USED-WEIGHT-1M), and gzip.

usage: test_sim_book.py SCENARIO   (paths from MDBUS_SIM)
"""
import gzip
import json
import os
import signal
import socket
import ssl
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check  # noqa: E402


class Rest:
    """One kept-alive HTTPS connection for plain GETs."""

    def __init__(self, port, ca):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""

    def get(self, path, gz=False):
        extra = "Accept-Encoding: gzip\r\n" if gz else ""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode())
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(65536)
            check(d, "REST connection closed")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        hdr = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        n = int(hdr["content-length"])
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            check(d, "REST connection closed in the body")
            self.buf += d
        body, self.buf = self.buf[:n], self.buf[n:]
        if hdr.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return status, hdr, body


def dec(s):
    return round(float(s) * 1e8)


class Book:
    def __init__(self, snap):
        self.id = snap["lastUpdateId"]
        self.bids = {dec(p): dec(q) for p, q in snap["bids"]}
        self.asks = {dec(p): dec(q) for p, q in snap["asks"]}

    def apply(self, ev):
        for side, lv in ((self.bids, ev["b"]), (self.asks, ev["a"])):
            for p, q in lv:
                if dec(q) == 0:
                    side.pop(dec(p), None)
                else:
                    side[dec(p)] = dec(q)
        self.id = ev["u"]

    def crossed(self):
        return self.bids and self.asks and max(self.bids) >= min(self.asks)


def depth_events(c, n):
    out = []
    while len(out) < n:
        m = json.loads(c.recv_text())
        if m.get("e") == "depthUpdate":
            out.append(m)
    return out


def sync(c, rest, buffered):
    """The documented procedure: snapshot, drop u <= lastUpdateId, the first
    applied event straddles lastUpdateId + 1."""
    st, _, body = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=1000")
    check(st == 200, f"snapshot status {st}")
    book = Book(json.loads(body))
    check(buffered[0]["U"] <= book.id + 1, f"snapshot {book.id} older than first U {buffered[0]['U']}")
    evs = [e for e in buffered if e["u"] > book.id]
    while not evs:
        evs = [e for e in depth_events(c, 1) if e["u"] > book.id]
    check(evs[0]["U"] <= book.id + 1 <= evs[0]["u"], f"first event {evs[0]} vs {book.id}")
    for e in evs:
        check(e["U"] == book.id + 1 or e is evs[0], f"hole: {book.id} then {e['U']}")
        book.apply(e)
    return book


def scenario_sync():
    d = E.make_certs(E.tmpdir("sim-book"))
    ca = os.path.join(d, "ca.pem")
    rec = os.path.join(d, "record.jsonl")
    sim = E.Sim(d, extra=["--rate", "20", "--symbols", "BTC-USDT", "--seed", "5",
                          "--record", rec])
    c = E.WSClient("127.0.0.1", sim.port, ca=ca)
    c.send_text(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 1}))
    rest = Rest(sim.port, ca)
    book = sync(c, rest, depth_events(c, 3))
    seen = []
    for e in depth_events(c, 40):
        seen.append((e["U"], e["u"]))
        check(e["U"] == book.id + 1, f"hole: {book.id} then {e['U']}")
        book.apply(e)
        check(not book.crossed(), f"crossed without the fault after {e}")
    # a later snapshot equals the book rebuilt from the deltas at its id
    st, hdr, body = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=1000", gz=True)
    later = Book(json.loads(body))
    check(st == 200 and "x-mbx-used-weight-1m" in hdr, f"gzip GET {st} {hdr}")
    while book.id < later.id:
        e = depth_events(c, 1)[0]
        check(e["U"] == book.id + 1, "hole while catching up")
        book.apply(e)
    check(book.id == later.id, f"ids {book.id} vs {later.id}")
    check(book.bids == later.bids and book.asks == later.asks, "rebuilt book != snapshot")

    # drop_delta: a hole in U/u
    check(sim.ctl("drop_delta", "BTCUSDT").startswith("ok"), "drop_delta")
    holes = 0
    for e in depth_events(c, 10):
        holes += e["U"] != book.id + 1
        book.id = e["u"]
    check(holes == 1, f"drop_delta: {holes} holes in 10 events")

    # crossed: one delta crosses the book, the next uncrosses it
    book = sync(c, rest, depth_events(c, 1))
    check(sim.ctl("crossed", "BTCUSDT").startswith("ok"), "crossed")
    crossings = []
    for e in depth_events(c, 6):
        book.apply(e)
        crossings.append(bool(book.crossed()))
    check(crossings.count(True) == 1, f"crossed after exactly one delta: {crossings}")

    # rest_429 then the weight counter
    check(sim.ctl("rest_429", "1").startswith("ok"), "rest_429")
    st, hdr, _ = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=5")
    check(st == 429 and hdr.get("retry-after") == "1", f"429: {st} {hdr}")
    st, hdr, _ = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=5")
    w1 = int(hdr.get("x-mbx-used-weight-1m", "0"))
    st2, hdr2, _ = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=5")
    w2 = int(hdr2.get("x-mbx-used-weight-1m", "0"))
    check(st == 200 and st2 == 200 and w2 in (w1 + 5, 5), f"weights {w1} -> {w2}")
    st, _, _ = rest.get("/api/v3/depth?symbol=DOGEUSDT")
    check(st == 400, f"unknown symbol {st}")
    st, _, _ = rest.get("/api/v3/nothing")
    check(st == 404, f"unknown path {st}")

    # stale_snapshot: a new subscriber's first delta is newer than the snapshot
    sim.ctl("rate", "5")
    check(sim.ctl("stale_snapshot", "BTCUSDT").startswith("ok"), "stale_snapshot")
    c2 = E.WSClient("127.0.0.1", sim.port, ca=ca)
    c2.send_text(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@depth"], "id": 2}))
    first = depth_events(c2, 1)[0]
    st, _, body = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=100")
    snap = json.loads(body)
    check(st == 200 and snap["lastUpdateId"] + 1 < first["U"],
          f"stale: lastUpdateId {snap['lastUpdateId']} vs first U {first['U']}")
    st, _, body = rest.get("/api/v3/depth?symbol=BTCUSDT&limit=100")
    check(json.loads(body)["lastUpdateId"] >= first["u"], "the next snapshot is current")
    stats = sim.stats()
    check(stats["depth_sent"] > 50 and stats["rest_calls"] >= 8 and stats["rest_429"] == 1,
          f"stats {stats}")
    with open(rec) as f:
        lines = [json.loads(ln) for ln in f]
    depth = {(r["first_id"], r["last_id"]) for r in lines if r.get("kind") == "depth"}
    check(set(seen) <= depth,
          f"--record: {len(depth)} depth lines of {len(lines)}, missing {sorted(set(seen) - depth)[:3]}")
    c.close()
    c2.close()
    sim.proc.signal(signal.SIGTERM)
    check(sim.proc.wait(10) == 0, "mdbus-sim exit status after SIGTERM")


SCENARIOS = {"sync": scenario_sync}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
