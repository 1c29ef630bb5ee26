#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mdbus-sim on its own, driven by a small Python WebSocket client: the
simulator must be right before it can judge feedd.

usage: test_sim.py SCENARIO   (paths from MDBUS_SIM; E2E_VALGRIND=1 runs the
simulator under valgrind and requires a clean exit)
"""
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check  # noqa: E402

DEC8 = re.compile(r"^\d+\.\d{8}$")

VALGRIND = os.environ.get("E2E_VALGRIND") == "1"
VG = E.VALGRIND


def start(d, **kw):
    return E.Sim(d, wrap=VG if VALGRIND else None, **kw)


def subscribe(c, params, rid=1):
    c.send_text(json.dumps({"method": "SUBSCRIBE", "params": params, "id": rid}))
    while True:
        m = json.loads(c.recv_text())
        if m.get("id") == rid:
            return m


def stop(sim):
    sim.proc.signal(signal.SIGTERM)
    rc = sim.proc.wait(60 if VALGRIND else 10)
    check(rc == 0, f"mdbus-sim exit status {rc} after SIGTERM (valgrind error = 99)")
    if VALGRIND:
        fds = E.valgrind_fd_leaks(sim.proc)
        check(not fds, f"mdbus-sim leaked fds: {fds}")


def scenario_basic():
    d = E.make_certs(E.tmpdir("sim-basic"))
    sim = start(d, extra=["--rate", "20", "--symbols", "BTC-USDT,ETH-USDT",
                          "--ping-interval", "300ms"])
    c = E.WSClient("127.0.0.1", sim.port, ca=os.path.join(d, "ca.pem"))
    check(c.status == 101 and c.accept_ok, f"upgrade: {c.response!r}")
    ack = subscribe(c, ["btcusdt@trade", "btcusdt@bookTicker", "ethusdt@trade"])
    check(ack == {"result": None, "id": 1}, f"ack {ack}")
    bad = subscribe(c, ["dogeusdt@trade"], rid=7)
    check(bad.get("error", {}).get("code") == 2 and bad["error"]["msg"] == "Invalid symbol",
          f"invalid symbol reply {bad}")
    seen, pings = {}, 0
    last_tid = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (len(seen) < 3 or pings < 1):
        op, p = c.recv_frame()
        if op == 9:
            pings += 1
            c.send_frame(10, p)
            continue
        check(op == 1, f"unexpected opcode {op}")
        m = json.loads(p)
        if m.get("e") == "trade":
            key = (m["s"], "trade")
            for f in ("p", "q"):
                check(DEC8.match(m[f]), f"trade {f}={m[f]!r} is not an exact 8-decimal string")
            check(isinstance(m["m"], bool) and m["M"] is True and m["E"] > 0 and m["T"] > 0,
                  f"trade fields {m}")
            check(m["t"] > last_tid.get(m["s"], 0), f"trade ids must increase: {m}")
            last_tid[m["s"]] = m["t"]
        else:
            key = (m["s"], "bbo")
            for f in ("b", "B", "a", "A"):
                check(DEC8.match(m[f]), f"bbo {f}={m[f]!r} is not an exact 8-decimal string")
            check(float(m["b"]) < float(m["a"]), f"crossed book {m}")
        seen[key] = seen.get(key, 0) + 1
    check(set(seen) == {("BTCUSDT", "trade"), ("BTCUSDT", "bbo"), ("ETHUSDT", "trade")},
          f"streams seen {seen}")
    check(pings >= 1, "no server ping within 10 s at --ping-interval 300ms")
    # client ping -> pong with the same payload
    c.send_frame(9, b"abc")
    for _ in range(200):
        op, p = c.recv_frame()
        if op == 10:
            check(p == b"abc", f"pong payload {p!r}")
            break
    else:
        raise E.TestFailure("no pong for a client ping")
    st = sim.stats()
    check(st["open"] == 1 and st["subscriptions"] == 3 and st["pongs_sent"] >= 1 and
          st["pongs_received"] >= 1 and st["trades_sent"] > 0, f"stats {st}")
    # unsubscribe + list
    c.send_text(json.dumps({"method": "UNSUBSCRIBE", "params": ["ethusdt@trade"], "id": 3}))
    c.send_text(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 4}))
    for _ in range(500):
        m = json.loads(c.recv_text())
        if m.get("id") == 4:
            check(sorted(m["result"]) == ["btcusdt@bookTicker", "btcusdt@trade"],
                  f"list {m}")
            break
    c.close()
    stop(sim)


def scenario_faults():
    d = E.make_certs(E.tmpdir("sim-faults"))
    ca = os.path.join(d, "ca.pem")
    sim = start(d, extra=["--rate", "50"])

    def client():
        return E.WSClient("127.0.0.1", sim.port, ca=ca)

    # refuse with Retry-After
    check(sim.ctl("refuse", 503, 2).startswith("ok"), "refuse")
    c = client()
    check(c.status == 503 and re.search(r"(?im)^retry-after:\s*2\s*$", c.response),
          f"refuse response {c.response!r}")
    c.close()
    check(sim.ctl("refuse", 101).startswith("error"), "refuse 101 must be rejected")
    check(sim.ctl("bogus").startswith("error"), "unknown command must be an error")
    # badaccept
    sim.ctl("normal")
    sim.ctl("badaccept")
    c = client()
    check(c.status == 101 and not c.accept_ok, "badaccept must send a wrong accept key")
    c.close()
    # delay_handshake
    sim.ctl("normal")
    sim.ctl("delay_handshake", 700)
    t0 = time.monotonic()
    c = client()
    dt = time.monotonic() - t0
    check(c.status == 101 and c.accept_ok and dt >= 0.65, f"delayed upgrade took {dt:.3f}s")
    c.close()
    sim.ctl("normal")

    # data faults on a subscribed client
    c = client()
    subscribe(c, ["btcusdt@trade", "ethusdt@bookTicker"])
    check(sim.ctl("badjson") == "ok sent 1", "badjson")
    check(sim.ctl("badprecision") == "ok sent 1", "badprecision")
    check(sim.ctl("oversize", 200000) == "ok sent 1", "oversize")
    got_bad = got_prec = got_big = False
    for _ in range(2000):
        op, p = c.recv_frame()
        if op != 1:
            continue
        try:
            m = json.loads(p)
        except ValueError:
            got_bad = True
            continue
        if m.get("e") == "trade" and re.match(r"^\d+\.\d{12}$", m["p"]):
            got_prec = True
        if len(p) == 200000 and m.get("e") == "oversize":
            got_big = True
        if got_bad and got_prec and got_big:
            break
    check(got_bad and got_prec and got_big,
          f"badjson={got_bad} badprecision={got_prec} oversize={got_big}")

    # noping: data continues, pings unanswered
    check(sim.ctl("noping") == "ok noping 1", "noping")
    c.send_frame(9, b"p1")
    t_end = time.monotonic() + 1.0
    data = 0
    while time.monotonic() < t_end:
        op, p = c.recv_frame()
        check(op != 10, "pong received in noping mode")
        data += op == 1
    check(data > 10, f"noping must keep data flowing ({data} messages in 1 s)")
    # silent: no market data
    sim.ctl("normal")
    check(sim.ctl("silent") == "ok silent 1", "silent")
    time.sleep(0.3)
    c.sock.settimeout(0.1)
    try:  # drain what was in flight
        while True:
            c.recv_frame()
    except (socket.timeout, ssl.SSLError, TimeoutError):
        pass
    c.sock.settimeout(1.0)
    c.send_frame(9, b"p2")
    op, p = c.recv_frame()
    check(op == 10 and p == b"p2", f"silent mode must still answer pings, got {op} {p[:50]!r}")
    try:
        op, p = c.recv_frame()
        raise E.TestFailure(f"silent mode sent a frame: {op} {p[:80]!r}")
    except (socket.timeout, ssl.SSLError, TimeoutError):
        pass
    c.close()

    # stall: nothing at all, even for pings
    sim.ctl("normal")
    c = client()
    subscribe(c, ["btcusdt@trade"])
    check(sim.ctl("stall") == "ok stalled 1", "stall")
    time.sleep(0.1)
    c.sock.settimeout(0.2)
    try:
        while True:
            c.recv_frame()
    except (socket.timeout, ssl.SSLError, TimeoutError):
        pass
    c.send_frame(9, b"p3")
    c.sock.settimeout(1.0)
    try:
        op, p = c.recv_frame()
        raise E.TestFailure(f"stalled connection sent a frame: {op}")
    except (socket.timeout, ssl.SSLError, TimeoutError):
        pass
    c.close()

    # close with a code
    sim.ctl("normal")
    c = client()
    subscribe(c, ["btcusdt@trade"])
    check(sim.ctl("close", 4000) == "ok closed 1", "close")
    for _ in range(500):
        op, p = c.recv_frame()
        if op == 8:
            check(p[:2] == (4000).to_bytes(2, "big"), f"close code {p[:2].hex()}")
            break
    else:
        raise E.TestFailure("no close frame")
    c.send_frame(8, p[:2])
    c.close()

    # reset: no close frame, the connection just dies (Python's ssl module
    # reports a RST under TLS as a ragged EOF; the plain-socket RST itself is
    # checked in the replay scenario)
    c = client()
    subscribe(c, ["btcusdt@trade"])
    check(sim.ctl("reset") == "ok reset 1", "reset")
    try:
        for _ in range(1000):
            op, _p = c.recv_frame()
            check(op != 8, "reset must not send a close frame")
        raise E.TestFailure("connection still open after reset")
    except (ConnectionResetError, EOFError, ssl.SSLError):
        pass
    c.close()

    sim.ctl("rate", 0)
    c = client()
    subscribe(c, ["btcusdt@trade"])
    c.sock.settimeout(0.5)
    try:
        op, _p = c.recv_frame()
        check(op != 1, "rate 0 must stop market data")
    except (socket.timeout, ssl.SSLError, TimeoutError):
        pass
    c.close()
    st = sim.stats()
    check(st["refused"] == 1 and st["resets"] == 1 and st["accepted"] == 8, f"stats {st}")
    stop(sim)


def scenario_replay():
    d = E.make_certs(E.tmpdir("sim-replay"))
    lines = [
        '{"e":"trade","E":1700000000000,"s":"BTCUSDT","t":1,"p":"65000.12345678",'
        '"q":"0.00100000","T":1700000000000,"m":true,"M":true}',
        '{"u":10,"s":"BTCUSDT","b":"65000.00000001","B":"1.5","a":"65000.10000000","A":"2"}',
        '{"e":"trade","E":1700000000001,"s":"ETHUSDT","t":2,"p":"3500.5","q":"12.00000001",'
        '"T":1700000000001,"m":false,"M":true}',
    ]
    rp = os.path.join(d, "replay.jsonl")
    with open(rp, "w") as f:
        f.write("\n".join(lines) + "\n\n")
    sim = start(d, plain=True, extra=["--replay", rp, "--rate", "100"])
    c = E.WSClient("127.0.0.1", sim.port, tls=False)
    subscribe(c, ["btcusdt@trade", "btcusdt@bookTicker"])
    got = [c.recv_text() for _ in range(8)]
    check(all(g in lines[:2] for g in got), f"replay routing: {got}")
    check(lines[0] in got and lines[1] in got, "both BTCUSDT lines must be replayed")
    # reset on a plain socket: the client must see a RST, not a FIN
    check(sim.ctl("reset") == "ok reset 1", "reset")
    try:
        for _ in range(1000):
            c.recv_frame()
        raise E.TestFailure("connection still open after reset")
    except ConnectionResetError:
        pass
    except EOFError:
        raise E.TestFailure("reset closed with a FIN instead of a RST")
    c.close()
    # combined stream path, pre-subscribed, wrapped
    c = E.WSClient("127.0.0.1", sim.port, tls=False,
                   path="/stream?streams=ethusdt@trade")
    check(c.status == 101, f"combined path upgrade {c.response!r}")
    m = json.loads(c.recv_text())
    check(m == {"stream": "ethusdt@trade", "data": json.loads(lines[2])}, f"combined {m}")
    c.close()
    # /stream without streams: SUBSCRIBE as usual, events still wrapped
    c = E.WSClient("127.0.0.1", sim.port, tls=False, path="/stream")
    subscribe(c, ["btcusdt@bookTicker"])
    m = json.loads(c.recv_text())
    check(m == {"stream": "btcusdt@bookTicker", "data": json.loads(lines[1])}, f"combined {m}")
    c.close()
    c = E.WSClient("127.0.0.1", sim.port, tls=False, path="/nope")
    check(c.status == 404, f"unknown path must be 404: {c.response!r}")
    c.close()
    stop(sim)


def scenario_certs():
    d = E.make_certs(E.tmpdir("sim-certs"))
    ca = os.path.join(d, "ca.pem")
    for cert, why in (("expired", "expired"), ("wronghost", "match|mismatch|hostname"),
                      ("selfsigned", "self.signed|self signed")):
        sim = start(d, cert=cert)
        try:
            E.WSClient("127.0.0.1", sim.port, ca=ca)
            raise E.TestFailure(f"{cert}.pem was accepted by a verifying client")
        except ssl.SSLCertVerificationError as e:
            check(re.search(why, str(e), re.I), f"{cert}: unexpected reason {e}")
        # verification off: the handshake itself works
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", sim.port), timeout=5),
                            server_hostname="localhost")
        s.close()
        stop(sim)
    sim = start(d)
    c = E.WSClient("127.0.0.1", sim.port, ca=ca)
    check(c.status == 101, "server.pem must verify against ca.pem")
    c.close()
    c = E.WSClient("127.0.0.1", sim.port, ca=ca, server_hostname="127.0.0.1")
    check(c.status == 101, "server.pem must verify for IP 127.0.0.1")
    c.close()
    # --ctl client mode
    import subprocess
    r = subprocess.run([E.TOOLS.sim, "--ctl", sim.ctl_path, "stats"], capture_output=True,
                       timeout=10)
    check(r.returncode == 0 and json.loads(r.stdout)["upgrades"] == 2, f"--ctl stats {r}")
    r = subprocess.run([E.TOOLS.sim, "--ctl", sim.ctl_path, "refuse", "x"],
                       capture_output=True, timeout=10)
    check(r.returncode == 1 and r.stdout.startswith(b"error"), f"--ctl error reply {r}")
    stop(sim)


def scenario_signal():
    d = E.make_certs(E.tmpdir("sim-signal"))
    sim = start(d)
    clients = [E.WSClient("127.0.0.1", sim.port, ca=os.path.join(d, "ca.pem"))
               for _ in range(3)]
    for c in clients:
        subscribe(c, ["btcusdt@trade"])
    half = E.WSClient("127.0.0.1", sim.port, ca=os.path.join(d, "ca.pem"))  # no subscribe
    raw = socket.create_connection(("127.0.0.1", sim.port))  # TCP only, mid-handshake
    check(sim.stats()["clients"] == 5, "5 clients")
    t0 = time.monotonic()
    sim.proc.signal(signal.SIGINT if not VALGRIND else signal.SIGTERM)
    rc = sim.proc.wait(60 if VALGRIND else 5)
    check(rc == 0, f"exit status {rc} after a signal")
    check(VALGRIND or time.monotonic() - t0 < 2, "exit took too long")
    for c in clients + [half]:
        code = None
        try:
            for _ in range(1000):
                op, p = c.recv_frame()
                if op == 8:
                    code = int.from_bytes(p[:2], "big")
                    break
        except (EOFError, OSError):
            pass
        check(code == 1001, f"expected close 1001 on shutdown, got {code}")
        c.close()
    raw.close()
    check(not os.path.exists(sim.ctl_path), "control socket not removed at exit")
    if VALGRIND:
        fds = E.valgrind_fd_leaks(sim.proc)
        check(not fds, f"fds left open at exit: {fds}")


def data_frames(c, n, pred, what, limit=2000):
    """Reads until n text frames satisfying pred arrived (pings answered)."""
    got = []
    for _ in range(limit):
        op, p = c.recv_frame()
        if op == 9:
            c.send_frame(10, p)
            continue
        check(op == 1, f"{what}: unexpected opcode {op}")
        m = json.loads(p)
        if "id" in m:
            continue  # a reply
        check(pred(m), f"{what}: unexpected message {m}")
        got.append(m)
        if len(got) == n:
            return got
    raise E.TestFailure(f"{what}: {len(got)} of {n} messages")


def scenario_listeners():
    """One mdbus-sim, two listeners (both binance): a client on each port
    gets its own streams; stats count per listener; "on L CMD" acts on one
    listener's clients only; bad pairings are usage errors."""
    d = E.make_certs(E.tmpdir("sim-listeners"))
    ca = os.path.join(d, "ca.pem")
    sim = start(d, extra=["--venue", "binance", "--listen", "127.0.0.1:0", "--venue", "binance",
                          "--rate", "20", "--symbols", "BTC-USDT,ETH-USDT"])
    i, _ = sim.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, stdout=True)
    _, m = sim.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, start=i + 1, stdout=True)
    port2 = int(m.group(1))
    check(port2 != sim.port, f"two listeners, one port {port2}")
    c1 = E.WSClient("127.0.0.1", sim.port, ca=ca)
    check(c1.status == 101, f"upgrade on listener 0: {c1.response!r}")
    ack = subscribe(c1, ["btcusdt@trade"])
    check(ack == {"result": None, "id": 1}, f"ack on listener 0: {ack}")
    c2 = E.WSClient("127.0.0.1", port2, ca=ca, path="/stream?streams=ethusdt@bookTicker")
    check(c2.status == 101, f"upgrade on listener 1: {c2.response!r}")
    data_frames(c1, 5, lambda m: m.get("e") == "trade" and m["s"] == "BTCUSDT"
                and DEC8.match(m["p"]), "listener 0 trades")
    data_frames(c2, 5, lambda m: m.get("stream") == "ethusdt@bookTicker"
                and m["data"]["s"] == "ETHUSDT" and DEC8.match(m["data"]["b"]),
                "listener 1 combined bbo")
    st = sim.stats()
    ls = st.get("listeners", [])
    check(len(ls) == 2 and st["open"] == 2 and st["subscriptions"] == 2, f"stats {st}")
    check([x["listen"] for x in ls] == [f"127.0.0.1:{sim.port}", f"127.0.0.1:{port2}"] and
          all(x["venue"] == "binance" and x["open"] == 1 and x["subscriptions"] == 1 and
              x["upgrades"] == 1 and x["messages_sent"] >= 5 for x in ls),
          f"per-listener stats {ls}")
    check(sim.ctl("on", 2, "close").startswith("error"), "on 2: only listeners 0 and 1")
    check(sim.ctl("on", 1, "close", 4001) == "ok closed 1", "on 1 close: one client")
    code = None
    for _ in range(1000):
        op, p = c2.recv_frame()
        if op == 8:
            code = int.from_bytes(p[:2], "big")
            break
    check(code == 4001, f"listener 1's client: close {code}")
    data_frames(c1, 3, lambda m: m.get("e") == "trade", "listener 0 after on 1 close")
    ls = sim.stats()["listeners"]
    check(ls[0]["open"] == 1 and ls[1]["open"] == 0, f"after on 1 close: {ls}")
    check(sim.ctl("on", "binance", "silent") == "ok silent 1", "on VENUE: the first listener")
    c1.close()
    c2.close()
    stop(sim)
    for argv, why in ((["--listen", "127.0.0.1:0", "--venue", "nasdaq"], "unknown venue"),
                      (["--listen", "127.0.0.1:0", "--venue", "binance", "--venue", "binance"],
                       "more --venue than --listen")):
        r = subprocess.run([E.TOOLS.sim, "--plain"] + argv, capture_output=True, timeout=30)
        check(r.returncode == 2 and b"listening" not in r.stdout,
              f"{why}: exit {r.returncode} {r.stderr[-200:]!r}")


SCENARIOS = {
    "basic": scenario_basic,
    "faults": scenario_faults,
    "replay": scenario_replay,
    "certs": scenario_certs,
    "signal": scenario_signal,
    "listeners": scenario_listeners,
}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
