#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""REST fallback end to end: feedd against mdbus-sim binance with
`rest_fallback_after = 1s`, channels trades and bbo, two symbols.

The simulator's `refuse 503` fault answers every WebSocket upgrade 503 while
plain GETs (the venue's REST) are still served; `close` then ends the open
WebSocket. About a second later feedd polls the REST ticker and trades:
REST-flagged BBO and trade ticks for both symbols (the first ones of each
carry GAP), the instruments' health words say "rest" (mdbus-top --json), no
trade id twice, the REST call rate stays under the fallback's cap. With the
fault lifted (`normal`) the session goes LIVE again, the REST ticks stop and
the words are back to "live".

usage: test_fallback.py fallback
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL, MDBUS_TOP.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

SYMS = ["BTC-USDT", "ETH-USDT"]
PER_SEC = 5  # FEED_FB_PER_SEC: REST requests a second one session may queue
SESSION_EXTRA = """rest_fallback_after = 1s
reconnect_initial = 200ms
reconnect_max = 1s
handshake_timeout = 5s
ping_interval = 1s
"""


class Tail:
    """mdbus-tail --json in the background until stop()."""

    def __init__(self, bus):
        argv = [E.TOOLS.tail, "--bus", bus, "--json", "--timeout", "90"]
        log(f"run {' '.join(argv)}")
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines = []
        self.t = threading.Thread(target=self._read)
        self.t.start()

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            self.lines.append(raw.decode(errors="replace").strip())

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        check(self.p.wait(15) == 0, "mdbus-tail did not exit 0 on SIGINT")
        self.t.join()
        return [json.loads(l) for l in self.lines if l.startswith("{")]


def health(bus):
    """{symbol: instrument health status name} from mdbus-top --json."""
    top = os.environ.get("MDBUS_TOP", "mdbus-top")
    r = subprocess.run([top, "--bus", bus, "--json", "--interval", "100ms"], capture_output=True,
                       timeout=15)
    doc = json.loads(r.stdout.decode())
    return {i["symbol"]: i["status"] for i in doc["instruments"]}


def wait_health(bus, want, timeout):
    deadline = time.monotonic() + timeout
    while True:
        st = health(bus)
        if all(st.get(s) == want for s in SYMS):
            return st
        check(time.monotonic() < deadline, f"instrument health {st}, want {want}")
        time.sleep(0.3)


def of(ticks, sym, kind, rest):
    return [t for t in ticks if t.get("symbol") == sym and t.get("kind") == kind
            and ("rest" in t.get("flags", [])) == rest]


def check_rest_ticks(ticks):
    for s in SYMS:
        for kind in ("trade", "bbo"):
            mine = of(ticks, s, kind, True)
            check(len(mine) > 0, f"{s}: no REST {kind} ticks while the WebSocket was down")
            check("gap" in mine[0].get("flags", []),
                  f"{s}: first REST {kind} has no GAP flag: {mine[0]}")
            log(f"{s}: {len(mine)} REST {kind} ticks, the first with GAP")
        ids = [t["trade_id"] for t in of(ticks, s, "trade", True)]
        check(len(ids) == len(set(ids)),
              f"{s}: {len(ids) - len(set(ids))} REST trades published twice")


def scenario_fallback():
    check(E.TOOLS.have_tail(), f"mdbus-tail not found: {E.TOOLS.tail}")
    d = E.tmpdir("fallback")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--venue", "binance", "--rate", "20", "--ping-interval", "1s"])
    bus = E.bus_name("fallback")
    feedd = E.Feedd(E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"),
                                   session_extra=SESSION_EXTRA))
    feedd.wait(feedd.state_re("LIVE"), 30)
    wait_health(bus, "live", 10)
    tail = Tail(bus)
    time.sleep(1.0)
    start = feedd.proc.count()
    check(sim.ctl("refuse", 503).startswith("ok"), "sim refuse 503")
    check(sim.ctl("close").startswith("ok closed 1"), "sim close")
    feedd.wait(r"session=sim .*event=rest_fallback_start\b", 20, start)
    calls0, t0 = sim.stats()["rest_calls"], time.monotonic()
    st = wait_health(bus, "rest", 10)
    log(f"health while polling: {st}")
    time.sleep(4.0)
    calls1, t1 = sim.stats()["rest_calls"], time.monotonic()
    rate = (calls1 - calls0) / (t1 - t0)
    log(f"REST calls while polling: {calls1 - calls0} in {t1 - t0:.1f}s ({rate:.1f}/s)")
    check(calls1 > calls0, "no REST calls while polling")
    check(calls1 - calls0 <= PER_SEC * (t1 - t0) + 3,
          f"REST call rate {rate:.1f}/s over the cap of {PER_SEC}/s")
    check(not feedd.proc.find(r"state=LIVE event=state", start),
          "the session went LIVE while upgrades were refused")
    back = feedd.proc.count()
    check(sim.ctl("normal").startswith("ok"), "sim normal")
    feedd.wait(r"session=sim .*event=rest_fallback_stop\b", 20, back)
    feedd.wait(feedd.state_re("LIVE"), 20, back)
    wait_health(bus, "live", 10)
    time.sleep(1.0)
    ticks = tail.stop()
    check_rest_ticks(ticks)
    # After the WebSocket is back: live ticks, no REST ones.
    tail = Tail(bus)
    time.sleep(3.0)
    after = tail.stop()
    for s in SYMS:
        check(of(after, s, "bbo", False) or of(after, s, "trade", False),
              f"{s}: no WebSocket ticks after the reconnect")
        rest = of(after, s, "bbo", True) + of(after, s, "trade", True)
        check(not rest, f"{s}: {len(rest)} REST ticks after the WebSocket came back")
    st = health(bus)
    check(all(st.get(s) == "live" for s in SYMS), f"instrument health after the reconnect: {st}")
    feedd.proc.signal(15)
    check(feedd.proc.wait(15) == 0, "feedd did not exit 0 on SIGTERM")


SCENARIOS = {"fallback": scenario_fallback}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
