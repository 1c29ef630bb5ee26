#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mdbus-sim's protocol-level faults (tools/sim/faults.c) and --numbered, on
their own, driven by the small WebSocket client of tests/e2e: each fault
must put exactly the bytes it claims on the wire before the chaos driver
(chaos.py) may use it to judge feedd.

usage: test_sim_faults.py SCENARIO   (paths from MDBUS_SIM)
"""
import json
import os
import socket
import ssl
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2elib as E  # noqa: E402
from e2elib import check  # noqa: E402


def client(sim, d, trades=("btcusdt@trade",)):
    c = E.WSClient("127.0.0.1", sim.port, ca=os.path.join(d, "ca.pem"))
    check(c.status == 101 and c.accept_ok, f"upgrade: {c.response!r}")
    c.send_text(json.dumps({"method": "SUBSCRIBE", "params": list(trades), "id": 1}))
    return c


def raw_header(c):
    """The next frame's first two bytes and its extended length, unparsed."""
    c._need(2)
    b0, b1 = c.buf[0], c.buf[1]
    n = b1 & 0x7F
    if n == 127:
        c._need(10)
        n = struct.unpack(">Q", c.buf[2:10])[0]
    return b0, b1, n


def skip_to(c, want_b0, limit=200):
    """Reads whole frames until the next one starts with byte want_b0."""
    for _ in range(limit):
        c._need(1)
        if c.buf[0] == want_b0:
            return
        c.recv_frame()
    raise E.TestFailure(f"no frame starting 0x{want_b0:02x} within {limit} frames")


def scenario_frames():
    d = E.make_certs(E.tmpdir("simf-frames"))
    sim = E.Sim(d, extra=["--rate", "0", "--symbols", "BTC-USDT"])
    for kind, b0, masked in (("rsv", 0xC1, False), ("opcode", 0x83, False),
                             ("masked", 0x81, True)):
        c = client(sim, d)
        c.recv_text()  # the ack
        check(sim.ctl("badframe", kind) == f"ok badframe {kind} 1", f"badframe {kind}")
        got0, got1, n = raw_header(c)
        check(got0 == b0 and bool(got1 & 0x80) == masked and n == 2,
              f"badframe {kind}: header {got0:02x} {got1:02x} len {n}")
        if masked:
            c._need(8)
            body = bytes(x ^ 0x5A for x in c.buf[6:8])
            check(body == b"{}", f"masked payload decodes to {body!r}")
        c.close()
    check(sim.ctl("badframe", "nonsense").startswith("error"), "badframe checks its kind")
    c = client(sim, d)
    c.recv_text()
    check(sim.ctl("hugeframe") == "ok hugeframe 1", "hugeframe")
    b0, b1, n = raw_header(c)
    check(b0 == 0x82 and b1 == 127 and n == 2**63 - 1, f"hugeframe header {b0:02x} {b1} {n}")
    c.close()
    c = client(sim, d)
    c.recv_text()
    check(sim.ctl("badutf8") == "ok badutf8 1", "badutf8")
    op, p = c.recv_frame()
    check(op == 1, f"badutf8 opcode {op}")
    try:
        p.decode("utf-8")
        raise E.TestFailure(f"badutf8 payload is valid UTF-8: {p!r}")
    except UnicodeDecodeError:
        pass
    c.close()
    return 0


def scenario_fragments():
    d = E.make_certs(E.tmpdir("simf-frag"))
    sim = E.Sim(d, extra=["--rate", "0", "--symbols", "BTC-USDT", "--numbered",
                          "--ping-interval", "1h"])
    c = client(sim, d)
    c.recv_text()
    n = 100000
    check(sim.ctl("fragments", n) == f"ok fragments {n} 1", "fragments")
    parts, msg = 0, b""
    while True:
        op, p = c.recv_frame()
        parts += 1
        check(op == (1 if parts == 1 else 0), f"fragment {parts}: opcode {op}")
        msg += p
        if parts == n:
            break
    check(parts == n, f"{parts} frames, want {n}")
    t = json.loads(msg)
    check(t["e"] == "trade" and t["t"] == (1 << 32) | 1, f"reassembled {t}")
    check(sim.ctl("pingflood", 5000) == "ok pingflood 5000 1", "pingflood")
    for i in range(5000):
        op, p = c.recv_frame()
        check(op == 9 and p == b"pingpong", f"ping {i}: opcode {op} {p!r}")
    c.close()
    return 0


def scenario_numbered():
    d = E.make_certs(E.tmpdir("simf-num"))
    sim = E.Sim(d, extra=["--rate", "50", "--symbols", "BTC-USDT,ETH-USDT", "--numbered"])
    conns = [client(sim, d, ("btcusdt@trade", "ethusdt@trade")) for _ in range(2)]
    ids = set()
    for c in conns:
        seen = {}
        while min(len(v) for v in (seen.get("BTCUSDT", []), seen.get("ETHUSDT", []))) < 20:
            m = json.loads(c.recv_text())
            if m.get("e") == "trade":
                seen.setdefault(m["s"], []).append(m["t"])
        for sym, ts in seen.items():
            conn = {t >> 32 for t in ts}
            check(len(conn) == 1, f"{sym}: several connection ids {conn}")
            check([t & 0xFFFFFFFF for t in ts] == list(range(1, len(ts) + 1)),
                  f"{sym}: per-connection numbers {[t & 0xFFFFFFFF for t in ts][:10]}...")
            ids |= conn
        c.close()
    check(len(ids) == 2, f"two connections, two ids: {ids}")
    return 0


def scenario_blackhole():
    d = E.make_certs(E.tmpdir("simf-hole"))
    sim = E.Sim(d, extra=["--rate", "50", "--symbols", "BTC-USDT", "--ping-interval", "200ms"])
    c = client(sim, d)
    c.recv_text()
    c.recv_text()
    check(sim.ctl("blackhole") == "ok blackhole 1", "blackhole")
    time.sleep(0.3)
    c.sock.settimeout(1.0)
    try:
        while True:  # drain what was queued before the fault
            c.recv_frame()
    except (socket.timeout, ssl.SSLError, TimeoutError):
        pass
    c.sock.settimeout(1.5)
    try:
        c.recv_frame()
        raise E.TestFailure("a black hole sent a frame")
    except (socket.timeout, TimeoutError):
        pass
    # Our close must go unnoticed: the simulator keeps the connection.
    c.close()
    time.sleep(1.0)
    st = sim.stats()
    check(st["clients"] == 1 and st["open"] == 1, f"black hole was freed at once: {st}")
    check(sim.ctl("normal") == "ok normal", "normal")
    c2 = client(sim, d)
    c2.recv_text()
    check(json.loads(c2.recv_text())["e"] == "trade", "a new client gets data")
    return 0


def scenario_handshake():
    d = E.make_certs(E.tmpdir("simf-hs"))
    sim = E.Sim(d, extra=["--rate", "10", "--symbols", "BTC-USDT"])
    check(sim.ctl("endless_headers") == "ok endless_headers", "endless_headers")
    raw = socket.create_connection(("127.0.0.1", sim.port), timeout=5)
    s = ssl.create_default_context(cafile=os.path.join(d, "ca.pem")).wrap_socket(
        raw, server_hostname="localhost")
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    got, t0 = b"", time.monotonic()
    while time.monotonic() - t0 < 1.5:
        got += s.recv(4096)
    s.close()
    check(got.startswith(b"HTTP/1.1 101 "), f"endless_headers status line: {got[:40]!r}")
    check(got.count(b"X-Mdbus-Sim-Dribble:") >= 5, f"few header lines: {got!r}")
    check(b"\r\n\r\n" not in got, "the header block ended")
    check(sim.ctl("normal") == "ok normal", "normal")
    for name, want in (("expired", "expired"), ("wronghost", "match"),
                       ("selfsigned", "self")):
        check(sim.ctl("badcert", name) == f"ok badcert {name}", f"badcert {name}")
        try:
            E.WSClient("127.0.0.1", sim.port, ca=os.path.join(d, "ca.pem"))
            raise E.TestFailure(f"badcert {name}: the handshake succeeded")
        except ssl.SSLCertVerificationError as e:
            check(want in str(e).lower(), f"badcert {name}: {e}")
        sim.ctl("normal")
        c = client(sim, d)
        c.close()
    check(sim.ctl("badcert", "other").startswith("error"), "badcert checks its name")
    return 0


def scenario_restart():
    d = E.make_certs(E.tmpdir("simf-restart"))
    sim = E.Sim(d, extra=["--rate", "20", "--symbols", "BTC-USDT", "--numbered"])
    c = client(sim, d)
    c.recv_text()
    first = json.loads(c.recv_text())["t"] >> 32
    check(sim.ctl("restart", 800) == "ok restart 800", "restart")
    try:
        while True:
            c.recv_frame()
    except (EOFError, ConnectionError, ssl.SSLError, E.TestFailure):
        pass
    t0 = time.monotonic()
    try:
        socket.create_connection(("127.0.0.1", sim.port), timeout=1).close()
        raise E.TestFailure("the listener accepted during the restart")
    except ConnectionRefusedError:
        pass
    while True:
        try:
            c2 = client(sim, d)
            break
        except (ConnectionRefusedError, ConnectionResetError):
            check(time.monotonic() - t0 < 10, "no listener 10 s after restart 800")
            time.sleep(0.1)
    check(time.monotonic() - t0 >= 0.5, "listening again too early")
    c2.recv_text()
    second = json.loads(c2.recv_text())["t"] >> 32
    check(second > first, f"connection ids go on across a restart: {first} then {second}")
    return 0


SCENARIOS = {
    "frames": scenario_frames,
    "fragments": scenario_fragments,
    "numbered": scenario_numbered,
    "blackhole": scenario_blackhole,
    "handshake": scenario_handshake,
    "restart": scenario_restart,
}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
