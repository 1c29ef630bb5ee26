#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feedd against a WebSocket server we did not write: Debian's
python3-websockets (interop_server.py, run with /usr/bin/python3), TLS with
our test CA and tls_verify on, Binance spot dialect. Read back with
mdbus-tail --json (every tick compared with what the server sent) and
mdbus-top --json (the ping round trip).

usage: test_interop.py SCENARIO
  ticks         fragmented messages (with a ping between fragments, and
                messages of several 6 KB frames), the library's keepalive
                pings every 1 s with a 1 s timeout, feedd's own pings (RTT in
                health), a clean close handshake on SIGTERM
  server_close  the server closes with 1001: feedd logs server_close, echoes
                the close, reconnects, resubscribes; nothing lost or doubled
  combined      the /stream endpoint ({"stream":..,"data":{..}}), every
                other message fragmented
Paths: MDBUS_FEEDD, MDBUS_SIM (certificates), MDBUS_TAIL, MDBUS_TOP;
MDBUS_INTEROP_PYTHON (default /usr/bin/python3, which must import websockets).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import e2elib as E  # noqa: E402
import interop_server as G  # noqa: E402  (its generator needs no websockets)
from e2elib import check, log  # noqa: E402

SESSION = "ws"
LIVE = rf"\bsession={SESSION} venue=\S+ state=LIVE event=state\b"
STATE = rf"\bsession={SESSION} venue=\S+ state=\S+ event=state\b"
ERR_LINE = rf"\bsession={SESSION} venue=\S+ state=\S+ event=state from=\S+ error=(\w+) reason=(.*)$"
SERVER = os.path.join(HERE, "interop_server.py")
PY = os.environ.get("MDBUS_INTEROP_PYTHON", "/usr/bin/python3")
TOP = os.environ.get("MDBUS_TOP", "mdbus-top")
NORM = {"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT"}

FAST = {"reconnect_initial": "200ms", "reconnect_max": "1s", "reconnect_jitter": "0.1",
        "handshake_timeout": "5s", "ping_interval": "1s", "pong_timeout": "2s",
        "tls_verify": "yes"}
CLOSED = (r"^conn {n}: closed code=(\S+) reason=.* rcvd=(\S+) sent=(\S+) clean=(\d) "
          r"keepalive_pongs=(\d+) keepalive_timeout=(\d) client_pings=(\d+) mid_pings=(\d+) "
          r"mid_pongs=(\d+) data=(\d+) fragmented=(\d+) big=(\d+) dropped_pings=(\d+) "
          r"unsolicited_pongs=(\d+)$")


def closed_stats(m):
    keys = ("code", "rcvd", "sent", "clean", "keepalive_pongs", "keepalive_timeout",
            "client_pings", "mid_pings", "mid_pongs", "data", "fragmented", "big",
            "dropped_pings", "unsolicited_pongs")
    return {k: (int(v) if v.isdigit() else v) for k, v in zip(keys, m.groups())}


class Rig:
    """certs + websockets server + config + feedd on a private bus."""

    def __init__(self, tag, server_args=(), path="/ws", keys=None):
        r = subprocess.run([PY, "-c", "import websockets; print(websockets.__version__)"],
                           capture_output=True, timeout=30)
        # A missing package is a setup error, not a kernel feature: fail, do not skip.
        check(r.returncode == 0, f"{PY} cannot import websockets (apt-get install "
                                 f"python3-websockets): {r.stderr.decode()[-300:]}")
        log(f"websockets {r.stdout.decode().strip()} under {PY}")
        self.d = E.make_certs(E.tmpdir(tag))
        self.bus = E.bus_name(tag)
        self.record = os.path.join(self.d, "sent.jsonl")
        self.srv = E.Proc("wsserver", [PY, SERVER, "--certs", self.d, "--record", self.record]
                          + list(server_args))
        _, m = self.srv.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, stdout=True)
        self.port = int(m.group(1))
        self.config = E.write_config(self.d, self.bus, self.port, os.path.join(self.d, "ca.pem"),
                                     session=SESSION,
                                     session_extra="".join(f"{k} = {v}\n" for k, v in
                                                           dict(FAST, **(keys or {})).items()),
                                     path=path)
        self.feedd = E.Feedd(self.config)

    def wait(self, pattern, timeout, start=0):
        return self.feedd.proc.wait_line(pattern, timeout, start)

    def sent(self):
        with open(self.record, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def ticks(self):
        out, r = E.tail_json(self.bus, 0.5, extra=["--from-start"])
        check(r.returncode == 0, f"mdbus-tail exit {r.returncode}: {r.stderr[:300]!r}")
        return out

    def stop(self):
        self.feedd.proc.signal(signal.SIGTERM)
        t0 = time.monotonic()
        rc = self.feedd.proc.wait(10)
        dt = time.monotonic() - t0
        check(rc == 0, f"feedd exit status {rc} after SIGTERM")
        check(dt < 3.0, f"feedd took {dt:.2f}s to exit")
        time.sleep(0.2)  # let the pipe pumps drain
        check(not self.feedd.proc.find(r"(?i)sanitizer|runtime error|leak"), "sanitizer output")
        bad = self.srv.find(r"^websockets (WARNING|ERROR|CRITICAL)|Traceback")
        check(not bad, f"the websockets library complained: {bad[:3]}")

    def closed(self, n, timeout=10):
        k, m = self.srv.wait_line(CLOSED.format(n=n), timeout)
        st = closed_stats(m)
        st["t"] = self.srv.times[k]
        log(f"server conn {n}: {st}")
        return st


# ---- what was sent vs what is on the bus --------------------------------------------

def expected(rec):
    """The tick the bus must carry for one record, from the raw text sent;
    the raw text must also be the generator's (nothing lost in the record)."""
    raw = json.loads(rec["raw"])
    if "stream" in raw:
        check(raw["stream"] == rec["stream"], f"combined wrapper {raw['stream']}")
        raw = raw["data"]
    gen = json.loads(G.message(rec["sym"], rec["kind"], rec["k"], rec["big"]))
    check(raw == gen, f"server sent {raw} but the generator says {gen}")
    sym = NORM[raw["s"]]
    if rec["kind"] == "trade":
        return {"symbol": sym, "kind": "trade", "price": raw["p"], "qty": raw["q"],
                "side": "sell" if raw["m"] else "buy", "trade_id": raw["t"],
                "exch_ts": raw["T"] * 1000000}
    return {"symbol": sym, "kind": "bbo", "bid_px": raw["b"], "bid_qty": raw["B"],
            "ask_px": raw["a"], "ask_qty": raw["A"], "exch_ts": 0}


DECIMALS = ("price", "qty", "bid_px", "bid_qty", "ask_px", "ask_qty")


def same(got, want):
    for k, v in want.items():
        g = got.get(k)
        if k in DECIMALS:
            # exact: "1.5" == "1.50000000", never through a float
            if g is None or Decimal(str(g)) != Decimal(v):
                return False
        elif g != v:
            return False
    return got.get("venue") == "binance" and got.get("price_decimals") == 8 and \
        got.get("qty_decimals") == 8


def compare(ticks, recs):
    """Per (symbol, kind), the bus sequence must be exactly the sent one:
    same length, same order, every field exact."""
    data = [t for t in ticks if t.get("kind") in ("trade", "bbo")]
    want = {}
    for r in recs:
        e = expected(r)
        want.setdefault((e["symbol"], e["kind"]), []).append(e)
    got = {}
    for t in data:
        got.setdefault((t["symbol"], t["kind"]), []).append(t)
    check(set(got) == set(want), f"streams on the bus {sorted(got)} vs sent {sorted(want)}")
    for key, w in want.items():
        g = got[key]
        for i in range(min(len(g), len(w))):
            check(same(g[i], w[i]), f"{key} #{i}: bus has {g[i]}, server sent {w[i]}")
        check(len(g) == len(w), f"{key}: {len(g)} ticks on the bus, {len(w)} sent")
    log(f"bus matches the server exactly: {len(data)} ticks, "
        f"{sum(1 for r in recs if r['frag'])} of them sent fragmented, "
        f"{sum(1 for r in recs if r['big'])} big")
    return data


def wait_data_done(rig, total, timeout=30):
    rig.srv.wait_line(rf"^data done total={total}$", timeout)
    time.sleep(0.5)  # the last messages cross TLS and feedd's loop
    recs = rig.sent()
    check(len(recs) == total, f"server recorded {len(recs)} messages, said {total}")
    return recs


def top_session(bus):
    r = subprocess.run([TOP, "--bus", bus, "--json"], capture_output=True, timeout=20)
    check(r.returncode in (0, 1), f"mdbus-top exit {r.returncode}: {r.stderr[:300]!r}")
    doc = json.loads(r.stdout.decode())
    ss = [s for s in doc.get("sessions", []) if s.get("name") == SESSION]
    check(len(ss) == 1, f"mdbus-top: no session {SESSION}: {doc.get('sessions')}")
    return ss[0]


# ---- scenarios -----------------------------------------------------------------------

def scenario_ticks():
    total = 400  # 4 streams every 50 ms: ~5 s of data
    rig = Rig("interop-ticks", ["--ping-interval", "1", "--ping-timeout", "1",
                                "--fragment-every", "3", "--frag-size", "16", "--mid-ping",
                                "--big-every", "25", "--max-data", str(total)])
    i = rig.wait(LIVE, 15)[0]
    recs = wait_data_done(rig, total)
    check(all(r["conn"] == 1 for r in recs), "data sent on more than one connection")
    bigs = [r for r in recs if r["big"]]
    check([r for r in bigs if r["frag"]] and [r for r in bigs if not r["frag"]],
          "big messages must go both as one >64 KiB frame and as 6 KB fragments")
    # Idle but pinged both ways: the library's keepalive (1 s interval,
    # 1 s timeout) must keep finding feedd's pongs.
    time.sleep(2.5)
    compare(rig.ticks(), recs)
    changes = rig.feedd.proc.find(STATE, i + 1)
    check(not changes, f"feedd left LIVE while the server was healthy: {changes}")
    check(not rig.srv.find(r"^conn [2-9]: open"), "feedd reconnected")
    s = top_session(rig.bus)
    log(f"mdbus-top session: state={s.get('state')} rtt_ms={s.get('rtt_ms')} "
        f"messages={s.get('messages')} parse_errors={s.get('parse_errors')}")
    check(s.get("rtt_ms") is not None and 0 < s["rtt_ms"] < 1000,
          f"feedd's pings answered by websockets must give an RTT: {s.get('rtt_ms')}")
    check(s.get("parse_errors") == 0, f"parse errors: {s.get('parse_errors')}")
    check(str(s.get("state")).upper() == "LIVE", f"session state {s.get('state')}")
    rig.stop()
    st = rig.closed(1)
    check(st["keepalive_timeout"] == 0, "websockets timed out waiting for feedd's pong")
    check(st["keepalive_pongs"] >= 5, f"only {st['keepalive_pongs']} keepalive pongs in ~8 s "
                                      f"at a 1 s interval")
    check(st["client_pings"] >= 4, f"feedd sent {st['client_pings']} pings (interval 1 s)")
    check(st["mid_pings"] > 0 and st["mid_pongs"] == st["mid_pings"],
          f"pings between fragments: {st['mid_pings']} sent, {st['mid_pongs']} answered")
    check(st["fragmented"] > 0 and st["big"] > 0 and st["data"] == total, f"server: {st}")
    # 1001 "going away" (what feedd sends on shutdown) or 1000: both are
    # normal closes to the library; the handshake must complete both ways.
    check(st["rcvd"] in (1000, 1001) and st["clean"] == 1,
          f"feedd's SIGTERM must close the WebSocket normally, full handshake: {st}")


def scenario_server_close():
    total = 600
    rig = Rig("interop-close", ["--close-after", "2.5", "--fragment-every", "4",
                                "--max-data", str(total)])
    i = rig.wait(LIVE, 15)[0]
    k, _ = rig.srv.wait_line(r"^conn 1: closing code=1001$", 10)
    t_closing = rig.srv.times[k]
    j, m = rig.wait(ERR_LINE, 10, i + 1)
    check(m.group(1) == "server_close", f"a 1001 close must be class server_close: {m.group(0)}")
    check("1001" in m.group(2), f"the reason must carry the close code: {m.group(0)}")
    st1 = rig.closed(1)
    dt = st1["t"] - t_closing
    check(st1["rcvd"] == 1001 and st1["sent"] == 1001 and st1["clean"] == 1,
          f"feedd must answer the server's close with its code (RFC 6455 5.5.1): {st1}")
    check(dt < 2.0, f"the close handshake took {dt:.2f}s (feedd did not answer at once?)")
    rig.wait(LIVE, 15, j + 1)
    rig.srv.wait_line(r"^conn 2: subscribe id=", 5)  # the two logs race through their pipes
    subs = {}
    for line in rig.srv.find(r"^conn \d: subscribe id=\d+ streams="):
        n, streams = re.match(r"^conn (\d): subscribe id=\d+ streams=(\S+)", line).groups()
        subs.setdefault(n, set()).update(streams.split(","))
    check(subs.get("1") and subs.get("2") == subs.get("1"),
          f"subscriptions not restored after the server's close: {subs}")
    recs = wait_data_done(rig, total)
    check({r["conn"] for r in recs} == {1, 2}, "data must cross both connections")
    ticks = rig.ticks()
    compare(ticks, recs)
    # status down then up; the first tick per symbol after "up" is flagged as a gap
    downs = [n for n, t in enumerate(ticks) if t.get("kind") == "status" and
             t.get("status") == "down"]
    check(downs, "no status 'down' tick after the server closed")
    ups = [n for n, t in enumerate(ticks) if t.get("kind") == "status" and
           t.get("status") == "up" and n > downs[0]]
    check(ups, "no status 'up' tick after reconnecting")
    first = {}
    for t in ticks[ups[0] + 1:]:
        if t.get("kind") in ("trade", "bbo") and t["symbol"] not in first:
            first[t["symbol"]] = t
    for sym, t in first.items():
        check("gap" in t.get("flags", []), f"first {sym} tick after reconnect lacks gap: {t}")
    check(len(rig.feedd.proc.find(LIVE)) == 2, "LIVE must be entered exactly twice")
    rig.stop()
    st2 = rig.closed(2)
    check(st2["rcvd"] in (1000, 1001) and st2["clean"] == 1 and st2["keepalive_timeout"] == 0,
          f"second connection: {st2}")


def scenario_combined():
    total = 200
    rig = Rig("interop-combined", ["--fragment-every", "2", "--frag-size", "5",
                                   "--max-data", str(total)], path="/stream")
    i = rig.wait(LIVE, 15)[0]
    rig.srv.wait_line(r"^conn 1: open path=/stream$", 5)
    recs = wait_data_done(rig, total)
    compare(rig.ticks(), recs)
    check(not rig.feedd.proc.find(STATE, i + 1), "feedd left LIVE")
    rig.stop()
    st = rig.closed(1)
    check(st["fragmented"] == total // 2 and st["rcvd"] in (1000, 1001) and st["clean"] == 1,
          f"server: {st}")


def pong_timeout_common(tag, server_args):
    """feedd pings every 1 s and must give up 1 s after an unanswered ping."""
    rig = Rig(tag, ["--no-pong", "--max-data", "100000"] + server_args,
              keys={"ping_interval": "1s", "pong_timeout": "1s", "stale_timeout": "30s"})
    i = rig.wait(LIVE, 15)[0]
    t_live = rig.feedd.proc.times[i]
    try:
        j, m = rig.wait(ERR_LINE, 8, i + 1)
    except E.TestFailure:
        s = top_session(rig.bus)
        raise E.TestFailure(f"feedd stayed {s.get('state')} for 8 s although the server "
                            f"answered none of its pings (ping_interval 1 s, pong_timeout "
                            f"1 s); health rtt_ms={s.get('rtt_ms')}")
    dt = rig.feedd.proc.times[j] - t_live
    check(m.group(1) == "pong" and "pong" in m.group(2),
          f"an unanswered ping must be a pong timeout: {m.group(0)}")
    check(dt <= 1 + 1 + 1.5, f"pong timeout detected {dt:.2f}s after LIVE (1 s + 1 s)")
    st = rig.closed(1)
    check(st["dropped_pings"] >= 1 and st["keepalive_timeout"] == 0,
          f"the server dropped feedd's pings, feedd answered the server's: {st}")
    rig.wait(LIVE, 15, j + 1)
    rig.stop()
    return st


def scenario_nopong():
    """A peer that reads but never answers pings (half open towards us)."""
    pong_timeout_common("interop-nopong", [])


def scenario_unsolicited_pong():
    """The same half-open peer, but it sends unsolicited pongs every 200 ms
    (RFC 6455 5.5.3: a unidirectional heartbeat, "a response ... is not
    expected"). They answer none of feedd's pings: only a pong carrying the
    ping's payload (5.5.3: "identical Application data") may count."""
    st = pong_timeout_common("interop-unsolicited", ["--unsolicited-pong", "200"])
    check(st["unsolicited_pongs"] >= 3, f"server heartbeats: {st}")


SCENARIOS = {
    "ticks": scenario_ticks,
    "server_close": scenario_server_close,
    "combined": scenario_combined,
    "nopong": scenario_nopong,
    "unsolicited_pong": scenario_unsolicited_pong,
}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
