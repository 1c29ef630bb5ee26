#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feedd end to end: mdbus-sim (TLS WebSocket, Binance dialect, fault
injection) -> feedd -> the bus -> mdbus-tail --json.

usage: test_feedd.py SCENARIO
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL (meson sets them). Each
scenario uses a private bus (pid in the name), a random port, its own temp
dir, a hard time limit, and kills every child it started.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

SESSION = "sim"
LIVE = rf"(?i)\bsession={SESSION} venue=\S+ state=LIVE event=state\b"
ERR_LINE = rf"(?i)\bsession={SESSION} venue=\S+ state=\S+ event=state from=\S+ error=(\w+) reason=(.*)$"

# Fast timers so faults are detected in seconds, not the production minutes.
FAST = {"reconnect_initial": "200ms", "reconnect_max": "1s", "reconnect_jitter": "0.1",
        "handshake_timeout": "5s"}


def session_keys(extra):
    """FAST merged with a scenario's "key = value" lines (theirs win)."""
    keys = dict(FAST)
    for line in extra.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
    return "".join(f"{k} = {v}\n" for k, v in keys.items())


class Rig:
    """certs + sim + config + feedd on a private bus."""

    def __init__(self, tag, cert="server", sim_extra=(), session_extra="", feed_extra="",
                 symbols="BTC-USDT, ETH-USDT", start_feedd=True, pre_ctl=(), wrap=None,
                 shutdown_timeout="2s"):
        self.d = E.make_certs(E.tmpdir(tag))
        self.bus = E.bus_name(tag)
        self.sim = E.Sim(self.d, cert=cert, extra=["--rate", "20"] + list(sim_extra))
        for cmd in pre_ctl:
            check(self.sim.ctl(*cmd).startswith("ok"), f"sim ctl {cmd}")
        self.config = E.write_config(self.d, self.bus, self.sim.port,
                                     os.path.join(self.d, "ca.pem"), symbols=symbols,
                                     session=SESSION, feed_extra=feed_extra,
                                     session_extra=session_keys(session_extra),
                                     shutdown_timeout=shutdown_timeout)
        self.wrap = wrap
        self.feedd = None
        if start_feedd:
            self.start()

    def start(self):
        self.feedd = E.Feedd(self.config, wrap=self.wrap)
        return self.feedd

    def wait(self, pattern, timeout, start=0):
        return self.feedd.proc.wait_line(pattern, timeout, start)

    def live(self, timeout=15, start=0):
        i, _ = self.wait(LIVE, timeout, start)
        return i

    def ticks(self, seconds=1.0, from_start=True):
        out, r = E.tail_json(self.bus, seconds, extra=["--from-start"] if from_start else [])
        check(r.returncode == 0, f"mdbus-tail exit {r.returncode}: {r.stderr[:300]!r}")
        return out

    def stop(self, sig=signal.SIGTERM, want=0, limit=3.0):
        t0 = time.monotonic()
        self.feedd.proc.signal(sig)
        rc = self.feedd.proc.wait(limit + 30)
        dt = time.monotonic() - t0
        check(rc == want, f"feedd exit status {rc} after {signal.Signals(sig).name}, "
                          f"expected {want}")
        check(dt <= limit, f"feedd took {dt:.2f}s to exit (limit {limit}s)")
        return dt


def data_ticks(ticks):
    return [t for t in ticks if t.get("kind") in ("trade", "bbo")]


def no_live(rig):
    check(not rig.feedd.proc.find(LIVE), "feedd reached LIVE although it must not")


# ---- scenarios ---------------------------------------------------------------------

REPLAY = [
    # (message, expected tick fields)
    ('{"e":"trade","E":1700000000001,"s":"BTCUSDT","t":101,"p":"65000.12345678",'
     '"q":"0.00100000","T":1700000000001,"m":true,"M":true}',
     {"symbol": "BTC-USDT", "kind": "trade", "price": "65000.12345678", "qty": "0.001",
      "side": "sell", "trade_id": 101}),
    ('{"u":900001,"s":"BTCUSDT","b":"65000.00000001","B":"1.50000000",'
     '"a":"65000.10000000","A":"2.00000000"}',
     {"symbol": "BTC-USDT", "kind": "bbo", "bid_px": "65000.00000001", "bid_qty": "1.5",
      "ask_px": "65000.1", "ask_qty": "2"}),
    ('{"e":"trade","E":1700000000002,"s":"ETHUSDT","t":202,"p":"3500.5",'
     '"q":"12.00000001","T":1700000000002,"m":false,"M":true}',
     {"symbol": "ETH-USDT", "kind": "trade", "price": "3500.5", "qty": "12.00000001",
      "side": "buy", "trade_id": 202}),
    ('{"u":900002,"s":"ETHUSDT","b":"3499.99000000","B":"0.00000001",'
     '"a":"3500.01000000","A":"99999.99999999"}',
     {"symbol": "ETH-USDT", "kind": "bbo", "bid_px": "3499.99", "bid_qty": "0.00000001",
      "ask_px": "3500.01", "ask_qty": "99999.99999999"}),
    ('{"e":"trade","E":1700000000003,"s":"BTCUSDT","t":103,"p":"0.00000001",'
     '"q":"1000.00000000","T":1700000000003,"m":false,"M":true}',
     {"symbol": "BTC-USDT", "kind": "trade", "price": "0.00000001", "qty": "1000",
      "side": "buy", "trade_id": 103}),
]


def same_tick(got, want):
    for k, v in want.items():
        g = got.get(k)
        if k in ("price", "qty", "bid_px", "bid_qty", "ask_px", "ask_qty"):
            # exact decimal equality: "1.5" == "1.50000000", never via float
            if g is None or Decimal(str(g)) != Decimal(v):
                return False
        elif g != v:
            return False
    return True


def scenario_ticks(path="/ws"):
    d = E.make_certs(E.tmpdir("ticks"))
    rp = os.path.join(d, "replay.jsonl")
    with open(rp, "w") as f:
        f.write("\n".join(m for m, _ in REPLAY) + "\n")
    bus = E.bus_name("ticks")
    sim = E.Sim(d, extra=["--replay", rp, "--rate", "25"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), session=SESSION,
                         session_extra=session_keys(""), path=path)
    feedd = E.Feedd(cfg)
    feedd.proc.wait_line(LIVE, 15)
    time.sleep(1.5)  # the 5 lines loop every 0.2 s
    st = sim.stats()
    check(st["subscriptions"] == 4, f"feedd must subscribe 2 symbols x (trade, bbo): {st}")
    ticks, r = E.tail_json(bus, 1.0, extra=["--from-start"])
    data = data_ticks(ticks)
    check(len(data) >= 10, f"only {len(data)} data ticks on the bus")
    for t in data:
        check(any(same_tick(t, w) for _, w in REPLAY),
              f"tick on the bus matches nothing the sim sent: {t}")
        check(t.get("venue") == "binance", f"venue {t.get('venue')}")
    for m, w in REPLAY:
        check(any(same_tick(t, w) for t in data), f"never published: {w}")
    # exchange timestamps: trade T (ms) -> ns
    for t in data:
        if t["kind"] == "trade":
            src = json.loads(next(m for m, w in REPLAY if w.get("trade_id") == t["trade_id"]))
            check(t["exch_ts"] == src["T"] * 1000000, f"exch_ts {t['exch_ts']} vs T {src['T']}")
            check(t["recv_ts"] > 0, "recv_ts missing")
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(5) == 0, "feedd exit status after SIGTERM")


def lat_counts(sess):
    return {k: v["count"] for k, v in sess["latency"].items()}


def scenario_stamps():
    """recv_ts is the kernel's receive stamp: ts_source=kernel, every recv stamped; a
    feedd stopped for 1.5 s (SIGSTOP: the kernel keeps receiving) publishes, once it
    runs again, ticks stamped while it was stopped, i.e. before its loop could read any
    clock; recv_ts never exceeds a wall clock read afterwards; the hop histograms are in
    mdbus-top --json and grow with traffic."""
    d = E.make_certs(E.tmpdir("stamps"))
    rp = os.path.join(d, "replay.jsonl")
    with open(rp, "w") as f:
        f.write("\n".join(m for m, _ in REPLAY) + "\n")
    bus = E.bus_name("stamps")
    t_start = time.time_ns()
    sim = E.Sim(d, extra=["--replay", rp, "--rate", "50"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), session=SESSION,
                         session_extra=session_keys(""))
    feedd = E.Feedd(cfg)
    feedd.proc.wait_line(LIVE, 15)
    time.sleep(1.0)
    first = top_session(bus)
    check(first["ts_source"] == "kernel" and first["rx_unstamped"] == 0 and
          first["rx_stamped"] > 0, f"receive stamps not from the kernel: {first}")
    c1 = lat_counts(first)
    for hop in ("exch_kernel", "kernel_decrypt", "decrypt_publish", "msgs_per_iter"):
        check(hop in c1, f"hop {hop} missing from mdbus-top --json: {first['latency']}")
    check(c1["kernel_decrypt"] > 0 and c1["decrypt_publish"] == c1["kernel_decrypt"],
          f"per-message hops not counted: {first['latency']}")
    h = first["latency"]["kernel_decrypt"]
    check(h["p50"] is not None and 0 <= h["p50"] <= h["p99"] <= h["max"], f"quantiles: {h}")
    t_stop = time.time_ns()
    feedd.proc.signal(signal.SIGSTOP)
    time.sleep(1.5)
    t_cont = time.time_ns()
    feedd.proc.signal(signal.SIGCONT)
    time.sleep(1.5)
    second = top_session(bus)
    c2 = lat_counts(second)
    for hop in ("exch_kernel", "kernel_decrypt", "decrypt_publish", "msgs_per_iter"):
        check(c2[hop] > c1[hop], f"hop {hop} did not grow with traffic: {c1} -> {c2}")
    check(second["ts_source"] == "kernel", f"ts_source after the stop: {second}")
    ticks, _ = E.tail_json(bus, 1.0, extra=["--from-start"])
    t_after = time.time_ns()
    data = data_ticks(ticks)
    check(len(data) >= 50, f"only {len(data)} data ticks on the bus")
    for t in data:
        check(t_start <= t["recv_ts"] <= t_after, f"recv_ts outside the run: {t}")
    during = [t for t in data if t_stop + 200000000 <= t["recv_ts"] < t_cont]
    check(len(during) >= 5,
          f"{len(during)} ticks stamped while feedd was stopped: recv_ts is not the kernel's")
    feed = json.loads(subprocess.run([os.environ.get("MDBUS_TOP", "mdbus-top"), "--bus", bus,
                                      "--json"], capture_output=True, timeout=20).stdout)
    check(feed["feed"]["loop_ns"]["count"] > 0, f"no loop iteration times: {feed['feed']}")
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(5) == 0, "feedd exit status after SIGTERM")


# MEXC: the docs' JSON renderings of its protobuf pushes (docs/venues/mexc.md, comments
# dropped; the ETH trade adds the published schema's tradeId), which mdbus-sim's mexc
# dialect encodes as protobuf binary frames.
MEXC_REPLAY = [
    ('{"channel":"spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT","publicdeals":{"dealsList":'
     '[{"price":"93220.00","quantity":"0.04438243","tradetype":2,"time":1736409765051}],'
     '"eventtype":"spot@public.aggre.deals.v3.api.pb@100ms"},"symbol":"BTCUSDT",'
     '"sendtime":1736409765052}',
     {"symbol": "BTC-USDT", "kind": "trade", "price": "93220", "qty": "0.04438243",
      "side": "sell", "exch_ts": 1736409765051000000}),
    ('{"channel":"spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT","publicbookticker":'
     '{"bidprice":"93387.28","bidquantity":"3.73485","askprice":"93387.29",'
     '"askquantity":"7.669875"},"symbol":"BTCUSDT","sendtime":1736412092433}',
     {"symbol": "BTC-USDT", "kind": "bbo", "bid_px": "93387.28", "bid_qty": "3.73485",
      "ask_px": "93387.29", "ask_qty": "7.669875", "exch_ts": 1736412092433000000}),
    ('{"channel":"spot@public.aggre.deals.v3.api.pb@100ms@ETHUSDT","publicdeals":{"dealsList":'
     '[{"price":"3500.5","quantity":"12.00000001","tradetype":1,"time":1736409765100,'
     '"tradeid":"777"}],"eventtype":"spot@public.aggre.deals.v3.api.pb@100ms"},'
     '"symbol":"ETHUSDT","sendtime":1736409765101}',
     {"symbol": "ETH-USDT", "kind": "trade", "price": "3500.5", "qty": "12.00000001",
      "side": "buy", "trade_id": 777, "exch_ts": 1736409765100000000}),
]


def scenario_mexc():
    """feedd's mexc adapter against mdbus-sim's mexc dialect: protobuf pushes in binary
    frames, JSON acks, our {"method":"PING"} answered PONG (pongs count: no timeout)."""
    d = E.make_certs(E.tmpdir("mexc"))
    rp = os.path.join(d, "replay.jsonl")
    with open(rp, "w") as f:
        f.write("\n".join(m for m, _ in MEXC_REPLAY) + "\n")
    bus = E.bus_name("mexc")
    sim = E.Sim(d, extra=["--venue", "mexc", "--replay", rp, "--rate", "25"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), session=SESSION,
                         session_extra=session_keys("ping_interval = 1s\npong_timeout = 2s"))
    with open(cfg) as f:
        text = f.read().replace("venue = binance", "venue = mexc")
    with open(cfg, "w") as f:
        f.write(text)
    feedd = E.Feedd(cfg)
    feedd.proc.wait_line(LIVE, 15)
    time.sleep(3.5)
    st = sim.stats()
    check(st["subscriptions"] == 4, f"feedd must subscribe 2 symbols x (deals, bookTicker): {st}")
    check(st["pings_received"] >= 2, f"feedd must send its PING every second: {st}")
    check(not feedd.proc.find(r"(?i)pong|event=reconnect|state=BACKOFF"), "feedd lost the connection")
    ticks, r = E.tail_json(bus, 1.0, extra=["--from-start"])
    data = data_ticks(ticks)
    check(len(data) >= 10, f"only {len(data)} data ticks on the bus")
    for t in data:
        check(any(same_tick(t, w) for _, w in MEXC_REPLAY),
              f"tick on the bus matches nothing the sim sent: {t}")
        check(t.get("venue") == "mexc", f"venue {t.get('venue')}")
    for m, w in MEXC_REPLAY:
        check(any(same_tick(t, w) for t in data), f"never published: {w}")
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(5) == 0, "feedd exit status after SIGTERM")


def scenario_combined():
    """The /stream endpoint: events wrapped as {"stream":...,"data":{...}}."""
    scenario_ticks("/stream")


def reconnect_common(tag, fault, err_classes):
    rig = Rig(tag)
    rig.live()
    time.sleep(0.5)
    check(len(data_ticks(rig.ticks(0.3))) > 0, "no ticks before the fault")
    mark = rig.feedd.proc.count()
    check(rig.sim.ctl(*fault).startswith("ok"), f"ctl {fault}")
    i, m = rig.wait(ERR_LINE, 10, mark)
    check(m.group(1).lower() in err_classes,
          f"error class {m.group(1)!r} for {fault}, expected one of {err_classes}")
    j = rig.live(15, i)
    rig.wait(rf"\bsession={SESSION} venue=\S+ state=\S+ event=subscribed\b", 10, j - 5 if j > 5 else 0)
    time.sleep(1.0)
    st = rig.sim.stats()
    check(st["open"] == 1 and st["subscriptions"] == 4,
          f"subscriptions not restored after reconnect: {st}")
    ticks = rig.ticks(0.5)
    # status down then up, and the first data tick per symbol after "up" has the gap flag
    downs = [k for k, t in enumerate(ticks) if t.get("kind") == "status" and
             t.get("status") == "down"]
    ups = [k for k, t in enumerate(ticks) if t.get("kind") == "status" and
           t.get("status") == "up" and downs and k > downs[0]]
    check(downs, "no status 'down' tick after the connection was lost")
    check(ups, "no status 'up' tick after reconnecting")
    up = ups[0]
    # per instrument AND per kind: a BBO-only reader must learn of the gap too
    first, gapped = {}, []
    for t in ticks[up + 1:]:
        if t.get("kind") in ("trade", "bbo"):
            key = (t["symbol"], t["kind"])
            if key not in first:
                first[key] = t
            elif "gap" in t.get("flags", []):
                gapped.append(t)
    check(set(first) == {(s, k) for s in ("BTC-USDT", "ETH-USDT") for k in ("trade", "bbo")},
          f"ticks after reconnect: {sorted(first)}")
    for (sym, kind), t in first.items():
        check("gap" in t.get("flags", []), f"first {sym} {kind} tick after reconnect lacks "
                                           f"the gap flag: {t}")
    check(not gapped, f"gap flag after the first tick of a kind: {gapped[:2]}")
    later = [t for t in ticks[up + 1:] if t.get("kind") in ("trade", "bbo")]
    check(len(later) > len(first), "ticks do not keep flowing after reconnect")
    rig.stop()
    state = E.segment_writer_state(rig.bus)
    check(state in (None, E.WRITER_STOPPED), f"writer_state {state} after SIGTERM")


def scenario_close():
    reconnect_common("close", ("close", 1000), {"server_close", "ws"})


def scenario_reset():
    reconnect_common("reset", ("reset",), {"tcp", "tls"})


def scenario_stall():
    rig = Rig("stall", session_extra="stale_timeout = 2s\nping_interval = 20s\n"
                                      "pong_timeout = 20s\n")
    rig.live()
    time.sleep(0.5)
    mark = rig.feedd.proc.count()
    rig.sim.ctl("stall")
    t0 = time.monotonic()
    i, m = rig.wait(ERR_LINE, 8, mark)
    dt = rig.feedd.proc.times[i] - t0
    check(m.group(1).lower() == "stale", f"stall must be detected as stale, got {m.group(0)}")
    check(1.5 <= dt <= 2 + 1.5, f"stale detected after {dt:.2f}s (stale_timeout 2s)")
    rig.live(15, i)
    rig.stop()


def scenario_noping():
    rig = Rig("noping", session_extra="ping_interval = 1s\npong_timeout = 1s\n"
                                      "stale_timeout = 30s\n")
    rig.live()
    time.sleep(0.5)
    mark = rig.feedd.proc.count()
    rig.sim.ctl("noping")
    t0 = time.monotonic()
    i, m = rig.wait(ERR_LINE, 8, mark)
    dt = rig.feedd.proc.times[i] - t0
    check(m.group(1).lower() in ("pong", "timeout", "stale"),
          f"missing pongs must be detected, got {m.group(0)}")
    check("pong" in m.group(0).lower(), f"reason must name the pong: {m.group(0)}")
    check(dt <= 1 + 1 + 1.5, f"pong timeout detected after {dt:.2f}s")
    rig.live(15, i)
    check(rig.sim.stats()["pings_received"] >= 1, "feedd never pinged")
    rig.stop()


def scenario_refuse():
    rig = Rig("refuse", pre_ctl=[("refuse", 503, 2)])
    i, m = rig.wait(ERR_LINE, 10)
    check(m.group(1).lower() == "http" and "503" in m.group(0),
          f"503 must be an http error naming the status: {m.group(0)}")
    k, _ = rig.sim.proc.wait_line(r"upgrade refused status=503", 5)
    t_refused = rig.sim.proc.times[k]
    rig.sim.ctl("normal")
    mark = len(rig.sim.proc.lines)
    k2, _ = rig.sim.proc.wait_line(r"conn \d+: accepted", 10, mark)
    gap = rig.sim.proc.times[k2] - t_refused
    check(gap >= 1.9, f"next attempt {gap:.2f}s after a 503 with Retry-After: 2")
    b = rig.feedd.proc.find(r"event=reconnect .*\bdelay_ms=(\d+)")
    check(b and int(re.search(r"delay_ms=(\d+)", b[0]).group(1)) >= 2000,
          f"backoff must honour Retry-After: {b[:2]}")
    rig.live(10)
    rig.stop()


def scenario_badaccept():
    rig = Rig("badaccept", pre_ctl=[("badaccept",)])
    i, m = rig.wait(ERR_LINE, 10)
    check(m.group(1).lower() == "http", f"bad accept key must be class http: {m.group(0)}")
    rig.wait(ERR_LINE, 10, i + 1)  # it retries, and fails the same way
    time.sleep(0.5)
    no_live(rig)
    ticks = rig.ticks(0.3)
    check(not data_ticks(ticks), f"ticks published without a valid handshake: {ticks[:3]}")
    rig.stop()


def scenario_handshake_timeout():
    rig = Rig("hstimeout", pre_ctl=[("delay_handshake", 4000)],
              session_extra="handshake_timeout = 1s\n")
    t0 = time.monotonic()
    i, m = rig.wait(ERR_LINE, 10)
    dt = rig.feedd.proc.times[i] - t0
    check(m.group(1).lower() == "timeout" or "timeout" in m.group(0).lower(),
          f"a slow upgrade must be a timeout: {m.group(0)}")
    check(dt <= 1 + 1.5, f"handshake timeout after {dt:.2f}s (handshake_timeout 1s)")
    no_live(rig)
    rig.sim.ctl("normal")
    rig.live(15, i)
    rig.stop()


def scenario_badinput():
    rig = Rig("badinput")
    rig.live()
    time.sleep(0.5)
    mark = rig.feedd.proc.count()
    check(rig.sim.ctl("badjson") == "ok sent 1", "badjson")
    check(rig.sim.ctl("badprecision").startswith("ok sent"), "badprecision")
    # the sim logs each bad trade id before its "control: ... -> ok" line
    rig.sim.proc.wait_line(r"control: badprecision -> ok", 5)
    bad_ids = [int(x) for x in re.findall(r"t=(\d+)", "\n".join(
        rig.sim.proc.find(r"badprecision \w+ t=\d+")))]
    check(bad_ids, "sim did not report the bad trade ids")
    time.sleep(1.5)
    changes = rig.feedd.proc.find(rf"\bsession={SESSION} venue=\S+ state=\S+ event=state\b", mark)
    check(not changes, f"bad input must not drop the session: {changes}")
    ticks = rig.ticks(0.3)
    data = data_ticks(ticks)
    check(not [t for t in data if t["kind"] == "trade" and t.get("trade_id") in bad_ids],
          "the over-precise trade reached the bus (rounded or truncated)")
    before = rig.sim.stats()["messages_sent"]
    time.sleep(0.5)
    check(len(data_ticks(rig.ticks(0.3))) > len(data), "stream did not continue")
    check(rig.sim.stats()["messages_sent"] > before, "sim stopped sending")
    check(rig.feedd.proc.find(r"(?i)pars|json|precision|invalid|skip", mark),
          "bad messages must be reported (counted) somewhere in the log")
    rig.stop()


def scenario_oversize():
    rig = Rig("oversize", session_extra="max_message = 64k\n")
    rig.live()
    time.sleep(0.3)
    mark = rig.feedd.proc.count()
    check(rig.sim.ctl("oversize", 100000) == "ok sent 1", "oversize")
    i, m = rig.wait(ERR_LINE, 10, mark)
    check(m.group(1).lower() in ("ws", "protocol"), f"oversize must be a ws error: {m.group(0)}")
    rig.sim.proc.wait_line(r"close received code=1009", 5)
    rig.live(15, i)
    rig.stop()


def cert_fail(tag, cert):
    rig = Rig(tag, cert=cert)
    i, m = rig.wait(ERR_LINE, 10)
    check(m.group(1).lower() == "tls", f"{cert} certificate must be a tls error: {m.group(0)}")
    # feedd sends its TLS alert before closing: the server learns why
    # (a bare EOF reads "unexpected eof while reading").
    k, h = rig.sim.proc.wait_line(r"tls handshake failed: (.*)", 5)
    check("alert" in h.group(1), f"the sim got no TLS alert from feedd: {h.group(0)}")
    time.sleep(0.5)
    no_live(rig)
    rig.stop()


def scenario_cert_expired():
    cert_fail("expired", "expired")


def scenario_cert_wronghost():
    cert_fail("wronghost", "wronghost")


def scenario_cert_noverify():
    rig = Rig("noverify", cert="selfsigned", session_extra="tls_verify = no\n")
    rig.live()
    check(rig.feedd.proc.find(r"(?i)tls_verify|verif"), "tls_verify = no must be logged")
    time.sleep(0.5)
    check(data_ticks(rig.ticks(0.3)), "no ticks with tls_verify = no")
    rig.stop()


def sigterm_common(tag, prepare, want_state_re, sig=signal.SIGTERM, want=0, **kw):
    rig = Rig(tag, **kw)
    prepare(rig)
    rig.wait(want_state_re, 15)
    time.sleep(0.3)
    rig.stop(sig, want, limit=2.0 + 1.0)
    state = E.segment_writer_state(rig.bus)
    check(state == E.WRITER_STOPPED, f"segment writer_state {state}, expected STOPPED (3)")
    check(not rig.feedd.proc.find(r"(?i)leak|sanitizer|runtime error"), "sanitizer output")


def scenario_sigterm_live():
    sigterm_common("sigterm-live", lambda r: None, LIVE)


def scenario_sigterm_backoff():
    sigterm_common("sigterm-backoff", lambda r: None,
                   rf"(?i)\bsession={SESSION} venue=\S+ state=BACKOFF event=state\b",
                   pre_ctl=[("refuse", 503, 30)])


def scenario_sigterm_handshake():
    sigterm_common("sigterm-hs", lambda r: r.sim.proc.wait_line(r"upgrade response delayed", 10),
                   rf"(?i)\bsession={SESSION} venue=\S+ state=WS_HANDSHAKE event=state\b",
                   pre_ctl=[("delay_handshake", 20000)],
                   session_extra="handshake_timeout = 30s\n")


def scenario_sigint():
    sigterm_common("sigint", lambda r: None, LIVE, sig=signal.SIGINT, want=130)


def scenario_sigterm_stalled():
    """The peer never answers our close: the shutdown deadline must win."""
    rig = Rig("sigterm-stalled", session_extra="stale_timeout = 60s\nping_interval = 60s\n")
    rig.live()
    time.sleep(0.3)
    check(rig.sim.ctl("stall") == "ok stalled 1", "stall")
    time.sleep(0.2)
    dt = rig.stop(limit=2.0 + 1.0)
    log(f"exit {dt:.2f}s after SIGTERM with a stalled peer")
    state = E.segment_writer_state(rig.bus)
    check(state == E.WRITER_STOPPED, f"segment writer_state {state}, expected STOPPED (3)")


def scenario_double_signal():
    """A second signal exits at once, without waiting for shutdown_timeout."""
    rig = Rig("double", session_extra="stale_timeout = 60s\nping_interval = 60s\n",
              shutdown_timeout="20s")
    rig.live()
    time.sleep(0.3)
    check(rig.sim.ctl("stall") == "ok stalled 1", "stall")
    time.sleep(0.2)
    rig.feedd.proc.signal(signal.SIGTERM)
    time.sleep(0.5)
    check(rig.feedd.proc.p.poll() is None,
          "feedd exited before shutdown_timeout although the peer never closed")
    t0 = time.monotonic()
    rig.feedd.proc.signal(signal.SIGTERM)
    rc = rig.feedd.proc.wait(10)
    dt = time.monotonic() - t0
    check(rc is not None and dt < 1.0, f"second SIGTERM: exit {rc} after {dt:.2f}s")


def scenario_second_instance():
    rig = Rig("second")
    rig.live()
    r = subprocess.run([E.TOOLS.feedd, "-c", rig.config], capture_output=True, timeout=15)
    err = r.stderr.decode(errors="replace").strip().splitlines()
    check(r.returncode == 1, f"second feedd on the same bus exit {r.returncode}")
    # a fatal start-up error is ONE line on stderr: no exit report after it
    check(len(err) == 1 and re.match(r"time=\S+ level=error event=bus_busy ", err[0])
          and f"bus={rig.bus} " in err[0],
          f"second feedd must print exactly one stderr line, level=error naming the "
          f"bus, got {err}")
    check(rig.feedd.proc.p.poll() is None, "the first feedd died")
    time.sleep(0.3)
    check(data_ticks(rig.ticks(0.3)), "first feedd stopped publishing")
    rig.stop()


def scenario_reject_symbol():
    """One unknown symbol among good ones: the venue (like Binance) rejects the
    whole multi-symbol request; feedd re-subscribes symbol by symbol, fails
    only the bad one and stays connected and live with the others."""
    rig = Rig("reject", symbols="BTC-USDT, NOPE-USDT, ETH-USDT",
              sim_extra=["--symbols", "BTC-USDT,ETH-USDT"])
    i = rig.live(15)
    rig.wait(rf"\bsession={SESSION} .*\bevent=symbol_rejected .*\bsymbol=NOPE-USDT\b", 10)
    time.sleep(2.0)  # a reconnect loop would show within reconnect_initial (200 ms)
    lines = rig.feedd.proc.find(rf"\bsession={SESSION} ")
    check(not rig.feedd.proc.find(rf"\bsession={SESSION} venue=\S+ state=(BACKOFF|CLOSING|FAILED) event=state\b"),
          f"a rejected symbol must not end the connection: {lines[-15:]}")
    check(len(rig.feedd.proc.find(LIVE)) == 1, "LIVE entered more than once")
    check(not rig.feedd.proc.find(rf"\bsession={SESSION} .*\bevent=symbol_rejected .*"
                                  rf"symbol=(BTC|ETH)-USDT"), "a good symbol was rejected")
    st = rig.sim.stats()
    check(st["accepted"] == 1 and st["open"] == 1, f"feedd reconnected: {st}")
    check(st["subscriptions"] == 4, f"BTC and ETH must both be subscribed: {st}")
    ticks = rig.ticks(0.5)
    data = data_ticks(ticks)
    for sym in ("BTC-USDT", "ETH-USDT"):
        for kind in ("trade", "bbo"):
            check([t for t in data if t["symbol"] == sym and t["kind"] == kind],
                  f"no {kind} ticks for {sym}")
    check(not [t for t in data if t["symbol"] == "NOPE-USDT"], "ticks for the rejected symbol")
    nope = [t for t in ticks if t.get("kind") == "status" and t.get("symbol") == "NOPE-USDT"]
    check([t for t in nope if t.get("status") == "failed"],
          f"no STATUS failed tick for the rejected symbol: {nope}")
    check(not [t for t in nope if t.get("status") == "up"], f"rejected symbol marked up: {nope}")
    for sym in ("BTC-USDT", "ETH-USDT"):
        st_ticks = [t.get("status") for t in ticks if t.get("kind") == "status" and
                    t.get("symbol") == sym]
        check(st_ticks == ["up"], f"{sym} status ticks {st_ticks}, expected one 'up'")
    # After a reconnection the rejected symbol is tried once more, alone,
    # so it cannot sink the others' request: no rejected batch this time.
    mark = rig.feedd.proc.count()
    check(rig.sim.ctl("reset").startswith("ok"), "reset")
    j, _ = rig.wait(ERR_LINE, 10, mark)
    rig.live(15, j)
    rig.wait(rf"\bsession={SESSION} .*\bevent=symbol_rejected .*\bsymbol=NOPE-USDT\b", 10, j)
    time.sleep(1.0)
    check(not rig.feedd.proc.find(r"subscribe request rejected", j),
          "after a reconnect the known-bad symbol must go alone, not in the shared request")
    st = rig.sim.stats()
    check(st["accepted"] == 2 and st["open"] == 1 and st["subscriptions"] == 4,
          f"one reconnect, BTC and ETH subscribed again: {st}")
    later = rig.ticks(0.5, from_start=False)
    check({t["symbol"] for t in data_ticks(later)} == {"BTC-USDT", "ETH-USDT"},
          "ticks do not flow for BTC and ETH after the reconnect")
    rig.stop()


def scenario_reject_all():
    """Every symbol unknown: a config error that reconnecting cannot fix, so
    the session goes to FAILED once, with a reason, and stays there."""
    rig = Rig("rejectall", symbols="NOPE-USDT, NADA-USDT",
              sim_extra=["--symbols", "BTC-USDT,ETH-USDT"])
    i, m = rig.wait(rf"\bsession={SESSION} venue=\S+ state=FAILED event=state from=\S+ error=(\w+) reason=(.*)", 15)
    check(m.group(1) == "protocol" and "rejected" in m.group(2),
          f"FAILED must name the rejections: {m.group(0)}")
    for sym in ("NOPE-USDT", "NADA-USDT"):
        check(rig.feedd.proc.find(rf"event=symbol_rejected .*\bsymbol={sym}\b"),
              f"{sym} rejection not logged")
    time.sleep(1.5)
    check(rig.sim.stats()["accepted"] == 1, "feedd reconnected after every symbol was rejected")
    check(not rig.feedd.proc.find(LIVE), "LIVE without any symbol")
    check(not rig.feedd.proc.find(rf"state=RESOLVING event=state\b", i), "reconnect after FAILED")
    ticks = rig.ticks(0.3)
    check(not data_ticks(ticks), "data ticks without a subscription")
    failed = {t["symbol"] for t in ticks if t.get("kind") == "status" and
              t.get("status") == "failed"}
    check(failed == {"NOPE-USDT", "NADA-USDT"}, f"failed status ticks for {failed}")
    rig.stop()


BAD_CONFIGS = [
    # (text, line that must be named)
    ("[bus]\nname = x\n[session a]\nvenue = binance\nsymbols = BTC-USDT\nbogus = 1\n", 6),
    ("[bus]\nname = x\n[session a]\nvenue = binance\nsymbols = BTC-USDT\n"
     "ping_interval = 20 parsecs\n", 6),
    ("[bus]\nname = x\n\n[session a]\nvenue = nosuchvenue\nsymbols = BTC-USDT\n", 5),
    ("[bus]\nname = x\n[session a]\nvenue = binance\nsymbols = BTCUSDT\n", 5),
    ("[bus]\nname = x\n[session a]\nvenue = binance\nsymbols = BTC-USDT\n"
     "url = http://example.com/\n", 6),
    ("[bus]\nname = x\nslots = 1000\n[session a]\nvenue = binance\nsymbols = BTC-USDT\n", 3),
    ("[bus]\nname = x\n[session a]\nsymbols = BTC-USDT\n", 3),  # missing venue: the header
    ("[bus]\nname = x\n[feed]\nlog_level = loud\n[session a]\nvenue = binance\n"
     "symbols = BTC-USDT\n", 4),
    ("[bus]\nname = x\n[feed]\nlog_format = xml\n[session a]\nvenue = binance\n"
     "symbols = BTC-USDT\n", 4),
]


def scenario_check_config():
    d = E.tmpdir("check")
    good = os.path.join(d, "good.ini")
    with open(good, "w") as f:
        f.write("[bus]\nname = x\n[feed]\nshutdown_timeout = 2s\n[session a]\n"
                "venue = binance\nsymbols = BTC-USDT, ETH-USDT\nchannels = trades, bbo\n"
                "ping_interval = 20s\n")
    r = subprocess.run([E.TOOLS.feedd, "--check", good], capture_output=True, timeout=10)
    check(r.returncode == 0, f"--check on a good config: {r.returncode} {r.stderr!r}")
    for n, (text, line) in enumerate(BAD_CONFIGS):
        p = os.path.join(d, f"bad{n}.ini")
        with open(p, "w") as f:
            f.write(text)
        r = subprocess.run([E.TOOLS.feedd, "--check", p], capture_output=True, timeout=10)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 1, f"bad{n}.ini: exit {r.returncode}, expected 1")
        check(f"{p}:{line}:" in err, f"bad{n}.ini: error must name {p}:{line}: got {err!r}")
    r = subprocess.run([E.TOOLS.feedd, "--check", os.path.join(d, "missing.ini")],
                       capture_output=True, timeout=10)
    check(r.returncode == 1 and b"missing.ini" in r.stderr, f"missing file: {r}")


RFC3339_US = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
LEVELS = ("error", "warn", "info", "debug")


def logs_run(rig, tag, feed_extra, flags=(), journal=None):
    """One feedd on rig's bus and simulator with its own [feed] keys and
    flags; returns its stderr lines once it is live and stopped."""
    config = E.write_config(rig.d, rig.bus, rig.sim.port, os.path.join(rig.d, "ca.pem"),
                            session=SESSION, feed_extra=feed_extra,
                            session_extra=session_keys(""))
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    if journal:
        env["JOURNAL_STREAM"] = journal
    feedd = E.Feedd(config, env=env, flags=flags)
    # every run logs at info at least: wait for the subscription, then a tick
    feedd.wait(r'event"?[=:]"?subscribed\b', 15)
    out, r = E.tail_json(rig.bus, 10, count=1)
    check(r.returncode == 0 and out, f"{tag}: no tick from feedd: {r.stderr[:300]!r}")
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(30) == 0, f"{tag}: feedd exit status after SIGTERM")
    time.sleep(0.2)  # the pump thread drains the pipe
    lines = feedd.proc.find(r".")
    check(lines, f"{tag}: feedd logged nothing")
    return lines


def check_logfmt_lines(tag, lines):
    """Every line is logfmt with an RFC 3339 time in microseconds (within a
    minute of now), a level and an event. Returns the parsed lines."""
    now = time.time()
    out = []
    for line in lines:
        kv = E.parse_logfmt(line)
        check(kv is not None, f"{tag}: not a logfmt line: {line!r}")
        check(list(kv)[:2] == ["time", "level"], f"{tag}: time and level first: {line!r}")
        check(RFC3339_US.match(kv["time"]), f"{tag}: time not RFC 3339 with us: {line!r}")
        t = time.mktime(time.strptime(kv["time"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        check(abs(t - now) < 120, f"{tag}: time {kv['time']} is not now (UTC): {line!r}")
        check(kv["level"] in LEVELS and "event" in kv, f"{tag}: level or event: {line!r}")
        if "session" in kv:
            check(kv.get("venue") == "binance" and "state" in kv, f"{tag}: session pairs: {line!r}")
        out.append(kv)
    return out


def scenario_logs():
    """feedd's log: logfmt with time and level by default, the config's
    log_level moved by -v/-q, log_format = json, and the journald prefix."""
    rig = Rig("logs", start_feedd=False)
    # default: info, logfmt; the state line carries the session's pairs
    kvs = check_logfmt_lines("default", logs_run(rig, "default", ""))
    events = {kv["event"] for kv in kvs}
    check({"started", "state", "subscribed", "shutdown", "exit"} <= events,
          f"default: events {sorted(events)}")
    check(not [kv for kv in kvs if kv["level"] == "debug"], "default: a debug line at info")
    live = [kv for kv in kvs if kv["event"] == "state" and kv["state"] == "LIVE"]
    check(live and live[0]["session"] == SESSION and live[0]["from"] == "SUBSCRIBING",
          f"default: LIVE line {live}")
    # log_level = warn, -v: info again but no debug
    kvs = check_logfmt_lines("warn-v", logs_run(rig, "warn-v", "log_level = warn", ["-v"]))
    check({kv["level"] for kv in kvs} <= {"info", "warn", "error"} and
          [kv for kv in kvs if kv["event"] == "started"], f"warn -v: {kvs[:3]}")
    # -v -v from info: debug lines (subscribe_sent)
    kvs = check_logfmt_lines("vv", logs_run(rig, "vv", "", ["-v", "-v"]))
    check([kv for kv in kvs if kv["level"] == "debug" and kv["event"] == "subscribe_sent"],
          "-v -v: no debug line")
    # log_level = debug, -q: info, no debug
    kvs = check_logfmt_lines("debug-q", logs_run(rig, "debug-q", "log_level = debug", ["-q"]))
    check(not [kv for kv in kvs if kv["level"] == "debug"] and
          [kv for kv in kvs if kv["event"] == "started"], f"debug -q: {kvs[:3]}")
    # log_format = json: one object per line, the same keys
    lines = logs_run(rig, "json", "log_format = json")
    objs = []
    for line in lines:
        try:
            o = json.loads(line)
        except ValueError:
            o = None
        check(isinstance(o, dict), f"json: not a JSON object: {line!r}")
        check(list(o)[:2] == ["time", "level"] and RFC3339_US.match(o["time"]),
              f"json: time and level first: {line!r}")
        objs.append(o)
    live = [o for o in objs if o.get("event") == "state" and o.get("state") == "LIVE"]
    check(live and live[0]["session"] == SESSION and live[0]["venue"] == "binance",
          f"json: LIVE object {live}")
    check([o for o in objs if o.get("event") == "started" and isinstance(o.get("pid"), int)],
          "json: numbers are JSON numbers")
    # journald: "<N>" priority, no time (the journal stamps it)
    prio = {"error": "3", "warn": "4", "info": "6", "debug": "7"}
    for line in logs_run(rig, "journal", "", journal="8:12345"):
        m = re.match(r"^<(\d)>(.*)$", line)
        kv = E.parse_logfmt(m.group(2)) if m else None
        check(kv is not None and "time" not in kv and prio.get(kv["level"]) == m.group(1),
              f"journal: {line!r}")


RELOAD_FEED = "max_sessions = 3\n"


def reload_write(rig, feed_extra="", edit=None, more=""):
    """Rewrites rig's config in place: the same session as at start, plus
    [feed] keys, a text edit and more sections."""
    tmp = E.write_config(rig.d, rig.bus, rig.sim.port, os.path.join(rig.d, "ca.pem"),
                         session=SESSION, feed_extra=RELOAD_FEED + feed_extra,
                         session_extra=session_keys(""))
    with open(tmp) as f:
        text = f.read()
    if edit:
        text = text.replace(*edit)
    with open(tmp, "w") as f:
        f.write(text + more)
    os.replace(tmp, rig.config)


def reload_hup(rig, pattern, what):
    mark = rig.feedd.proc.count()
    rig.feedd.proc.signal(signal.SIGHUP)
    _, m = rig.wait(pattern, 10, mark)
    log(f"reload {what}: {m.group(0)}")
    return m


def reload_extra(rig, name, symbols):
    return (f"[session {name}]\nvenue = binance\nurl = wss://localhost:{rig.sim.port}/ws\n"
            f"symbols = {symbols}\n" + session_keys(""))


def reload_sessions(rig):
    """Adds a session (it goes LIVE), changes it (restarts: its old self is
    removed, the new one LIVE), refuses going past max_sessions, removes it."""
    mark = rig.feedd.proc.count()
    reload_write(rig, more=reload_extra(rig, "extra", "SOL-USDT"))
    reload_hup(rig, r"event=reloaded .*\bsessions_unchanged=1 sessions_added=1 "
                    r"sessions_removed=0 sessions_restarted=0 start_failed=0$", "added")
    rig.wait(r"\bsession=extra venue=\S+ state=LIVE event=state\b", 15, mark)
    mark = rig.feedd.proc.count()
    reload_write(rig, more=reload_extra(rig, "extra", "SOL-USDT, XRP-USDT"))
    reload_hup(rig, r"event=reloaded .*\bsessions_unchanged=1 sessions_added=0 "
                    r"sessions_removed=0 sessions_restarted=1 start_failed=0$", "changed")
    rig.wait(r"\bsession=extra venue=\S+ event=session_removed\b", 10, mark)
    rig.wait(r"\bsession=extra venue=\S+ state=LIVE event=state\b", 15, mark)
    # max_sessions = 3: a fourth session fails the file's check; a new one
    # next to a restarted one needs two free entries, there is one
    more = reload_extra(rig, "extra", "SOL-USDT, XRP-USDT") + reload_extra(rig, "x2", "ADA-USDT")
    reload_write(rig, more=more + reload_extra(rig, "x3", "DOGE-USDT"))
    reload_hup(rig, r"level=error event=reload_refused .*reason=\"\S+:8: max_sessions = 3 is "
                    r"below the 4 sessions configured", "max_sessions check")
    reload_write(rig, more=more.replace("SOL-USDT, XRP-USDT", "XRP-USDT"))
    reload_hup(rig, r"level=error event=reload_refused .*reason=\"2 sessions to start but only "
                    r"1 of max_sessions = 3 free", "max_sessions")
    time.sleep(1.0)
    mark = rig.feedd.proc.count()
    reload_write(rig)
    reload_hup(rig, r"event=reloaded .*\bsessions_unchanged=1 sessions_added=0 "
                    r"sessions_removed=1 sessions_restarted=0 start_failed=0$", "removed")
    rig.wait(r"\bsession=extra venue=\S+ event=session_removed\b", 10, mark)
    time.sleep(0.3)  # a watchdog run or two
    # extra's two records (added, restarted: another entry) both say so
    tops = top_sessions(rig.bus, "extra")
    check(len(tops) == 2 and all(t["state"] == "stopped" and t["verdict"] == "down" and
                                 t["conns_live"] == 0 for t in tops), f"removed but alive: {tops}")
    top = top_session(rig.bus)
    check(top["state"] == "live", f"the unchanged session's record: {top}")
    check(not rig.feedd.proc.find(r"\bsession=(x2|x3)\b", 0), "a refused session started")


def scenario_reload():
    """SIGHUP: a config that fails its check is refused with FILE:LINE, keys
    fixed at start are refused by name, sessions are added, restarted and
    removed, the log keys apply; the unchanged session streams on through
    all of it without a lost tick, a status tick or a new connection."""
    rig = Rig("reload", feed_extra=RELOAD_FEED)
    rig.live()
    time.sleep(0.5)
    mark = rig.feedd.proc.count()
    box = {}
    tail = threading.Thread(target=lambda: box.update(r=E.tail_json(rig.bus, 20)))
    tail.start()
    time.sleep(1.0)
    # a broken file: refused with its file and line
    reload_write(rig, edit=("channels = trades, bbo\n", "channels = trades, bbo\nbogus = 1\n"))
    m = reload_hup(rig, r"event=reload_refused file=(\S+) reason=\"?([^\"]*)", "broken")
    check(m.group(1) == rig.config and re.match(re.escape(rig.config) + r":\d+: unknown key",
                                                m.group(2)), f"no FILE:LINE: {m.group(0)}")
    # keys fixed at start: refused, each by name
    reload_write(rig, edit=("slots = 4096", "slots = 8192"))
    reload_hup(rig, r"level=error event=reload_refused .*\bsection=bus key=slots\b", "slots")
    reload_sessions(rig)
    # the log keys apply: JSON from the next line on, then warn hides info
    reload_write(rig, feed_extra="log_format = json\n")
    reload_hup(rig, r"^time=\S+ level=info event=reloaded .*\blog_level=info log_format=json "
                    r"verbosity=0 sessions_unchanged=1 ", "json")
    reload_write(rig, feed_extra="log_format = json\nlog_level = warn\n")
    reload_hup(rig, r'^\{"time":"[^"]+","level":"info","event":"reloaded",.*'
                    r'"log_level":"warn","log_format":"json","verbosity":0,'
                    r'"sessions_unchanged":1,', "warn")
    tail.join(30)
    out, r = box.get("r", ([], None))
    check(r is not None and r.returncode == 0, "mdbus-tail failed")
    err = r.stderr.decode(errors="replace")
    check("lap" not in err, f"ticks lost across the reloads: {err!r}")
    mine = [t for t in out if t.get("symbol") in ("BTC-USDT", "ETH-USDT")]
    check(len(data_ticks(mine)) > 20, f"too few ticks across the reloads: {len(mine)}")
    # the "up" of the start may land just before the first data tick
    first = next((i for i, t in enumerate(mine) if t.get("kind") in ("trade", "bbo")), len(mine))
    st = [t for t in mine[first:] if t.get("kind") == "status"]
    check(not st, f"a status tick: the session moved: {st[:3]}")
    check(not [t for t in mine if "gap" in t.get("flags", [])], "a tick flagged as a gap")
    for sym in ("SOL-USDT", "XRP-USDT"):  # the added session's ticks, then its DOWN
        check(data_ticks([t for t in out if t.get("symbol") == sym]), f"no {sym} tick")
        sts = [t.get("status") for t in out if t.get("symbol") == sym and
               t.get("kind") == "status"]
        check(sts and sts[-1] == "down", f"{sym}: removed but not down: {sts}")
    check(not rig.feedd.proc.find(rf"session={SESSION} venue=\S+ state=\S+ event=state", mark),
          "the session changed state during the reloads")
    # sim's one connection, extra's two (added, restarted): none new for sim;
    # extra's both closed cleanly (a WebSocket close, 1001 going away)
    st = rig.sim.stats()
    check(st["accepted"] == 3 and st["open"] == 1, f"connections: {st}")
    closes = rig.sim.proc.find(r"conn [23]: close received code=1001")
    check(len(closes) == 2, f"extra's connections not closed cleanly: {closes}")
    k, _ = rig.wait(r'"event":"reloaded"', 1)
    rig.stop()
    time.sleep(0.2)  # the pump thread drains the pipe
    after = [json.loads(x) for x in rig.feedd.proc.find(r".", k + 1)]
    check(not [o for o in after if o["level"] == "info"],
          f"log_level = warn still logs info: {after[:3]}")


def valgrind_end(rig):
    """Every memcheck scenario ends alike: ticks still flow, SIGTERM, exit 0
    (99 would be memcheck errors) and no descriptor left open."""
    check(data_ticks(rig.ticks(0.5)), "no ticks under valgrind")
    t0 = time.monotonic()
    rig.feedd.proc.signal(signal.SIGTERM)
    rc = rig.feedd.proc.wait(60)
    log(f"feedd under valgrind exited {rc} after {time.monotonic() - t0:.2f}s")
    check(rc == 0, f"exit status {rc} under valgrind (99 = memcheck errors)")
    fds = E.valgrind_fd_leaks(rig.feedd.proc)
    check(not fds, f"feedd leaked descriptors: {fds}")


def scenario_valgrind():
    """feedd under memcheck: live, a reset fault, reconnect, SIGTERM."""
    rig = Rig("valgrind", wrap=E.VALGRIND)
    rig.live(60)
    time.sleep(1.0)
    mark = rig.feedd.proc.count()
    rig.sim.ctl("reset")
    i, _ = rig.wait(ERR_LINE, 20, mark)
    rig.live(60, i)
    time.sleep(1.0)
    valgrind_end(rig)


def scenario_valgrind_conns():
    """feedd under memcheck with a session over two connections: both live,
    one reset and reconnected alone, SIGTERM."""
    rig = Rig("vgconns", wrap=E.VALGRIND, session_extra="streams_per_conn = 2")
    for k in range(2):
        rig.wait(conn_live(k), 60)
    mark = rig.feedd.proc.count()
    check(rig.sim.ctl("reset", "ETH-USDT") == "ok reset 1", "reset of one connection")
    rig.wait(conn_live(1), 60, mark)
    check(not rig.feedd.proc.find(rf"\bsession={SESSION}/0 venue=\S+ state=\S+ event=state\b", mark),
          "connection 0 changed state although only 1 was reset")
    valgrind_end(rig)


def scenario_valgrind_reload():
    """feedd under memcheck through reloads: a broken file refused, a session
    added, restarted and removed, then SIGTERM with another added one live."""
    rig = Rig("vgreload", wrap=E.VALGRIND, feed_extra=RELOAD_FEED)
    rig.live(60)
    reload_write(rig, edit=("channels = trades, bbo\n", "channels = trades, bbo\nbogus = 1\n"))
    reload_hup(rig, r"event=reload_refused file=", "broken")
    extra = r"\bsession=extra venue=\S+ state=LIVE event=state\b"
    for syms in ("SOL-USDT", "SOL-USDT, XRP-USDT"):
        mark = rig.feedd.proc.count()
        reload_write(rig, more=reload_extra(rig, "extra", syms))
        reload_hup(rig, r"event=reloaded .*\bstart_failed=0$", syms)
        rig.wait(extra, 60, mark)
    mark = rig.feedd.proc.count()
    reload_write(rig, more=reload_extra(rig, "other", "ADA-USDT"))
    reload_hup(rig, r"event=reloaded .*\bsessions_added=1 sessions_removed=1 ", "swap")
    rig.wait(r"\bsession=extra venue=\S+ event=session_removed\b", 60, mark)
    rig.wait(r"\bsession=other venue=\S+ state=LIVE event=state\b", 60, mark)
    valgrind_end(rig)


CONN_SYMS = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT", "ADA-USDT"]


def top_sessions(bus, name):
    """The records named name as mdbus-top --json shows them."""
    top = os.environ.get("MDBUS_TOP", "mdbus-top")
    r = subprocess.run([top, "--bus", bus, "--json"], capture_output=True, timeout=20)
    check(r.returncode in (0, 1), f"mdbus-top exit {r.returncode}: {r.stderr[:300]!r}")
    return [x for x in json.loads(r.stdout.decode()).get("sessions", [])
            if x.get("name") == name]


def top_session(bus, name=SESSION):
    """The session's record as mdbus-top --json shows it."""
    ss = top_sessions(bus, name)
    check(len(ss) == 1, f"mdbus-top: not one session {name}: {ss}")
    return ss[0]


def conn_live(k):
    return rf"\bsession={SESSION}/{k} venue=\S+ state=LIVE event=state\b"


def statuses(ticks, sym):
    return [t.get("status") for t in ticks if t.get("kind") == "status" and
            t.get("symbol") == sym]


def scenario_conns():
    """Five symbols x two channels with streams_per_conn = 4 (a test key that
    may only lower the venue's limit): three connections (2, 2 and 1
    symbols), each with its own state machine. A reset of the one carrying
    SOL-USDT (and XRP-USDT) takes only those two down and back up, with the
    gap flag on their next ticks; the other connections and their symbols
    never go down."""
    # --rate 5 (the last --rate wins): 50 ticks/s, so the 4096-slot ring keeps
    # the whole run and its first status ticks even on a slow machine.
    rig = Rig("conns", symbols=", ".join(CONN_SYMS), session_extra="streams_per_conn = 4",
              sim_extra=["--rate", "5"])
    rig.wait(rf"\bsession={SESSION} .*\bevent=connections connections=3 streams_per_conn=4\b", 15)
    for k in range(3):
        rig.wait(conn_live(k), 20)
    st = rig.sim.stats()
    check(st["accepted"] == 3 and st["open"] == 3, f"three connections expected: {st}")
    check(st["subscriptions"] == 10, f"ten streams subscribed over them: {st}")
    top = top_session(rig.bus)
    check(top["conns"] == 3 and top["conns_live"] == 3 and top["state"] == "live" and
          [c["state"] for c in top["connections"]] == ["live"] * 3,
          f"health record: {top}")
    data = data_ticks(rig.ticks(0.5))
    for sym in CONN_SYMS:
        for kind in ("trade", "bbo"):
            check([t for t in data if t["symbol"] == sym and t["kind"] == kind],
                  f"no {kind} ticks for {sym}")
    mark = rig.feedd.proc.count()
    check(rig.sim.ctl("reset", "SOL-USDT") == "ok reset 1", "reset of one connection")
    rig.wait(rf"\bsession={SESSION}/1 venue=\S+ state=\S+ event=state from=\S+ error=(tcp|tls) ", 10, mark)
    rig.wait(conn_live(1), 20, mark)
    time.sleep(1.0)
    others = rig.feedd.proc.find(rf"\bsession={SESSION}/[02] venue=\S+ state=\S+ event=(state|status)\b", mark)
    check(not others, f"connections 0 and 2 changed although only 1 was reset: {others}")
    st = rig.sim.stats()
    check(st["accepted"] == 4 and st["open"] == 3, f"one reconnection expected: {st}")
    ticks = rig.ticks(0.5)
    for sym in ("SOL-USDT", "XRP-USDT"):
        check(statuses(ticks, sym) == ["up", "down", "up"],
              f"{sym} status ticks {statuses(ticks, sym)}, expected up, down, up")
    for sym in ("BTC-USDT", "ETH-USDT", "ADA-USDT"):
        check(statuses(ticks, sym) == ["up"],
              f"{sym} status ticks {statuses(ticks, sym)}: it must never go down")
    for sym in CONN_SYMS:
        flagged = {t["kind"] for t in data_ticks(ticks) if t["symbol"] == sym and
                   "gap" in t.get("flags", [])}
        want = {"trade", "bbo"} if sym in ("SOL-USDT", "XRP-USDT") else set()
        check(flagged == want, f"{sym}: gap flags on {flagged or 'nothing'}, expected "
                               f"{want or 'none'}")
    top = top_session(rig.bus)
    check(top["conns_live"] == 3 and top["reconnects"] == 1, f"health record: {top}")
    rig.stop()


def scenario_futures():
    """binance-futures against the simulator's binance-futures dialect, which
    carries aggTrade only on /market and bookTicker only on /public (a stream
    on the other path is acked and then silent, as on the venue): one session,
    two routed connections, trades AND bbo for every symbol, bbo with the
    venue's time. The URL names only the host: the routes give the paths."""
    d = E.make_certs(E.tmpdir("futures"))
    bus = E.bus_name("futures")
    sim = E.Sim(d, extra=["--rate", "20", "--venue", "binance-futures"])
    config = os.path.join(d, "futures.ini")
    with open(config, "w") as f:
        f.write(f"[bus]\nname = {bus}\nslots = 4096\n\n[feed]\nshutdown_timeout = 2s\n"
                f"refdata = no\n"  # the connection count below is the sessions'
                f"ca_file = {os.path.join(d, 'ca.pem')}\n\n[session {SESSION}]\n"
                f"venue = binance-futures\nurl = wss://localhost:{sim.port}\n"
                f"symbols = BTC-USDT-PERP, ETH-USDT-PERP\n" + session_keys(""))
    feedd = E.Feedd(config)
    feedd.proc.wait_line(rf"\bsession={SESSION} .*\bevent=connections connections=2 streams_per_conn=1024\b", 15)
    for k in range(2):
        feedd.proc.wait_line(conn_live(k), 20)
    st = sim.stats()
    check(st["accepted"] == 2 and st["open"] == 2 and st["subscriptions"] == 4,
          f"two connections, four streams: {st}")
    out, r = E.tail_json(bus, 1.0, extra=["--from-start"])
    check(r.returncode == 0, f"mdbus-tail exit {r.returncode}")
    data = data_ticks(out)
    for sym in ("BTC-USDT-PERP", "ETH-USDT-PERP"):
        for kind in ("trade", "bbo"):
            got = [t for t in data if t["symbol"] == sym and t["kind"] == kind]
            check(got, f"no {kind} ticks for {sym}")
            check(all("no_exch_ts" not in t.get("flags", []) for t in got),
                  f"{sym} {kind} ticks without the venue's time")
    for sym in ("BTC-USDT-PERP", "ETH-USDT-PERP"):
        check(statuses(out, sym) == ["up"], f"{sym} status {statuses(out, sym)}")
    # The dialect's routing is real: a client that puts aggTrade on /public
    # is acknowledged and then gets nothing.
    c = E.WSClient("127.0.0.1", sim.port, ca=os.path.join(d, "ca.pem"), path="/public/ws")
    c.send_text('{"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":1}')
    check(json.loads(c.recv_text()) == {"result": None, "id": 1}, "ack on the wrong path")
    c.sock.settimeout(1.0)
    try:
        extra = c.recv_text()
    except OSError:
        extra = None
    check(extra is None, f"aggTrade on /public must be silent, got {extra!r}")
    c.close()
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(30) == 0, "feedd exit status")


SCENARIOS = {
    "ticks": scenario_ticks,
    "combined": scenario_combined,
    "close": scenario_close,
    "reset": scenario_reset,
    "stall": scenario_stall,
    "noping": scenario_noping,
    "refuse": scenario_refuse,
    "badaccept": scenario_badaccept,
    "handshake_timeout": scenario_handshake_timeout,
    "badinput": scenario_badinput,
    "oversize": scenario_oversize,
    "cert_expired": scenario_cert_expired,
    "cert_wronghost": scenario_cert_wronghost,
    "cert_noverify": scenario_cert_noverify,
    "sigterm_live": scenario_sigterm_live,
    "sigterm_backoff": scenario_sigterm_backoff,
    "sigterm_handshake": scenario_sigterm_handshake,
    "sigint": scenario_sigint,
    "sigterm_stalled": scenario_sigterm_stalled,
    "double_signal": scenario_double_signal,
    "second_instance": scenario_second_instance,
    "check_config": scenario_check_config,
    "reject_symbol": scenario_reject_symbol,
    "reject_all": scenario_reject_all,
    "conns": scenario_conns,
    "futures": scenario_futures,
    "valgrind": scenario_valgrind,
    "logs": scenario_logs,
    "reload": scenario_reload,
    "valgrind_reload": scenario_valgrind_reload,
    "mexc": scenario_mexc,
    "valgrind_conns": scenario_valgrind_conns,
    "stamps": scenario_stamps,
}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in SCENARIOS:
        if not E.TOOLS.have_feedd():
            print(f"feedd not built ({E.TOOLS.feedd}): cannot run", file=sys.stderr)
            sys.exit(1)
        if not E.TOOLS.have_tail() and sys.argv[1] not in ("check_config",):
            print(f"mdbus-tail not built ({E.TOOLS.tail})", file=sys.stderr)
            sys.exit(1)
    sys.exit(E.main(SCENARIOS, sys.argv))
