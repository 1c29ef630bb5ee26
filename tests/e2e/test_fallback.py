#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""REST fallback end to end: one feedd with a session per venue that has a
REST fallback (Binance, Binance USD-M, OKX, Bybit spot and linear, Kraken,
Gate, Coinbase, MEXC, BingX), all against one mdbus-sim (a listener per
venue), `rest_fallback_after = 1s`, channels trades and bbo, two symbols
each.

The simulator's `refuse 503` fault answers every WebSocket upgrade 503 while
plain GETs (the venues' REST) are still served; `close` then ends the open
WebSockets. About a second later every session polls its venue's REST
ticker and trades: REST-flagged BBO and trade ticks for every instrument
(the first BBO carries GAP), the instruments' health words say "rest"
(mdbus-top --json), no trade id twice. The simulator's REST trade lists
hold the trades its stream published and then its walk's next ones, as a
venue's recent trades do: the fallback starts after the last live trade
(no GAP on the first REST trade, nothing published again); on a venue with
integer trade ids no id is on the tape twice (live, polled, live again) and
the polled ones follow the live ones before the outage in order, and the whole tape (live, polled,
live again) is in strict per-symbol id order. Every session's polls overlapped and
were de-duplicated (rest_fallback_stop dup > 0). The REST call rate stays
under the sessions' caps (the [feed] snapshot_rate queue is opened wide).
With the fault lifted (`normal`) every session goes LIVE again, the REST
ticks stop and the words are back to "live".

usage: test_fallback.py fallback
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL, MDBUS_TOP.
"""
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

# sim dialect -> (feedd venue, symbols); ids: the trade ids are integers
# that grow with the walk (not Bybit linear's UUIDs, not MEXC's hashes)
VENUES = {
    "binance": ("binance", ["BTC-USDT", "ETH-USDT"]),
    "binance-futures": ("binance-futures", ["BTC-USDT-PERP", "ETH-USDT-PERP"]),
    "okx": ("okx", ["BTC-USDT", "ETH-USDT"]),
    "bybit": ("bybit", ["BTC-USDT", "ETH-USDT"]),
    "bybit-linear": ("bybit", ["BTC-USDT-PERP", "ETH-USDT-PERP"]),
    "kraken": ("kraken", ["BTC-USDT", "ETH-USDT"]),
    "gateio": ("gateio", ["BTC-USDT", "ETH-USDT"]),
    "coinbase": ("coinbase", ["BTC-USDT", "ETH-USDT"]),
    "mexc": ("mexc", ["BTC-USDT", "ETH-USDT"]),
    "bingx": ("bingx", ["BTC-USDT", "ETH-USDT"]),
}
HASHED = {"bybit-linear", "mexc"}
PER_SEC = 5  # FEED_FB_PER_SEC: REST requests a second one session (connection) may queue
SESSION_EXTRA = {"rest_fallback_after": "1s", "reconnect_initial": "200ms",
                 "reconnect_max": "1s", "handshake_timeout": "5s", "ping_interval": "1s"}


def session(dialect):
    return dialect.replace("-", "_")


def instruments():
    """Every (feedd venue, symbol) of the run."""
    return [(fv, s) for fv, syms in VENUES.values() for s in syms]


def health(bus):
    """{(venue, symbol): instrument health status name} from mdbus-top --json."""
    top = os.environ.get("MDBUS_TOP", "mdbus-top")
    r = subprocess.run([top, "--bus", bus, "--json", "--interval", "100ms"], capture_output=True,
                       timeout=15)
    doc = json.loads(r.stdout.decode())
    return {(i["venue"], i["symbol"]): i["status"] for i in doc["instruments"]}


def wait_health(bus, want, timeout):
    deadline = time.monotonic() + timeout
    while True:
        st = health(bus)
        bad = {k: st.get(k) for k in instruments() if st.get(k) != want}
        if not bad:
            return st
        check(time.monotonic() < deadline, f"instrument health not {want}: {bad}")
        time.sleep(0.3)


def of(ticks, venue, sym, kind, rest=None):
    return [t for t in ticks if t.get("venue") == venue and t.get("symbol") == sym
            and t.get("kind") == kind
            and (rest is None or ("rest" in t.get("flags", [])) == rest)]


def config(d, bus, ports, ca):
    # the REST queue's global rate (10/s by default) would hold the polls of
    # eleven connections below their own caps
    text = f"[bus]\nname = {bus}\nslots = 65536\n\n[feed]\nshutdown_timeout = 2s\n" \
           f"snapshot_rate = 100/s\nca_file = {ca}\n"
    for dialect, (fv, syms) in VENUES.items():
        text += f"\n[session {session(dialect)}]\nvenue = {fv}\n" \
                f"url = wss://127.0.0.1:{ports[dialect]}\n" \
                f"symbols = {', '.join(syms)}\nchannels = trades, bbo\n"
        text += "".join(f"{k} = {v}\n" for k, v in SESSION_EXTRA.items())
    p = os.path.join(d, "feedd.ini")
    with open(p, "w") as f:
        f.write(text)
    return p


def start_sim(d):
    argv = []
    for dialect in VENUES:
        argv += ["--listen", "127.0.0.1:0", "--venue", dialect]
    # E.Sim's own --listen is the first one: its --venue and ours follow
    sim = E.Sim(d, extra=argv[2:] + ["--rate", "20", "--ping-interval", "1s"])
    first = list(VENUES)[0]
    ports, k = {first: sim.port}, 1
    for dialect in list(VENUES)[1:]:
        k, m = sim.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, start=k, stdout=True)
        ports[dialect] = int(m.group(1))
        k += 1
    return sim, ports


def check_rest_ticks(ticks):
    for dialect, (fv, syms) in VENUES.items():
        for s in syms:
            for kind in ("trade", "bbo"):
                mine = of(ticks, fv, s, kind, True)
                check(len(mine) > 0, f"{fv} {s}: no REST {kind} ticks while the WebSocket was down")
            # the first BBO may be missing changes: GAP; the first poll's
            # trades reach back to the last live one (the sim's list holds
            # the stream's trades, as a venue's does): published after it,
            # no GAP
            bbo = of(ticks, fv, s, "bbo", True)
            check("gap" in bbo[0].get("flags", []),
                  f"{fv} {s}: first REST bbo has no GAP flag: {bbo[0]}")
            trd = of(ticks, fv, s, "trade", True)
            check("gap" not in trd[0].get("flags", []),
                  f"{fv} {s}: first REST trade has GAP though its poll reached back to the last "
                  f"live trade: {trd[0]}")
            ids = [t["trade_id"] for t in of(ticks, fv, s, "trade", True)]
            check(len(ids) == len(set(ids)),
                  f"{fv} {s}: {len(ids) - len(set(ids))} REST trades published twice")
            if dialect in HASHED:
                check(all("tid_hash" in t.get("flags", []) for t in of(ticks, fv, s, "trade", True)),
                      f"{fv} {s}: REST trade ids not hashed")
                continue
            # live, polled and live again: one walk; nothing published twice,
            # the polled trades come after the live ones before the outage
            tape = [(int(t["trade_id"]), "rest" in t.get("flags", []))
                    for t in of(ticks, fv, s, "trade")]
            first = next(k for k, (_, rest) in enumerate(tape) if rest)
            before = [i for i, rest in tape[:first] if not rest]
            rest_ids = [i for i, rest in tape if rest]
            check(before, f"{fv} {s}: no live trades before the outage")
            check(len(tape) == len({i for i, _ in tape}),
                  f"{fv} {s}: a trade id published twice: {tape}")
            check(all(a < b for a, b in zip(rest_ids, rest_ids[1:])),
                  f"{fv} {s}: REST trade ids out of order: {rest_ids}")
            # live trades REST published already are dropped when the
            # WebSocket is back (feedd.conf(5)): the whole tape in id order
            bad = [(a, b) for (a, _), (b, _) in zip(tape, tape[1:]) if a >= b]
            check(not bad, f"{fv} {s}: trade ids go back on the tape: {bad[:5]}")
            check(rest_ids[0] > max(before),
                  f"{fv} {s}: REST trade {rest_ids[0]} not after the live {max(before)}")
            log(f"{fv} {s}: {len(ids)} REST trades after {len(before)} live ones, "
                f"{len(tape)} in all, none twice")


def check_dups(feedd, start):
    """Every session's polls overlapped: trades dropped as already published
    (rest_fallback_stop ... dup=N, summed over a session's connections)."""
    dup = {}
    for line in feedd.proc.lines[start:]:
        kv = E.parse_logfmt(line)
        if kv and kv.get("event") == "rest_fallback_stop":
            name = kv["session"].split("/")[0]
            dup[name] = dup.get(name, 0) + int(kv["dup"])
    log(f"trades dropped as already published, per session: {dup}")
    for dialect in VENUES:
        check(dup.get(session(dialect), 0) > 0,
              f"{dialect}: no overlapping trade polls de-duplicated: {dup}")


def scenario_fallback():
    check(E.TOOLS.have_tail(), f"mdbus-tail not found: {E.TOOLS.tail}")
    d = E.tmpdir("fallback")
    E.make_certs(d)
    sim, ports = start_sim(d)
    bus = E.bus_name("fallback")
    feedd = E.Feedd(config(d, bus, ports, os.path.join(d, "ca.pem")))
    for dialect in VENUES:
        feedd.wait(rf"session={session(dialect)}(/\d+)? .*state=LIVE event=state", 30)
    wait_health(bus, "live", 15)
    tail = E.Tail(bus)
    time.sleep(1.5)
    start = feedd.proc.count()
    check(sim.ctl("refuse", 503).startswith("ok"), "sim refuse 503")
    check(sim.ctl("close").startswith("ok closed"), "sim close")
    for dialect in VENUES:
        feedd.wait(rf"session={session(dialect)}(/\d+)? .*event=rest_fallback_start\b", 20, start)
    calls0, t0 = sim.stats()["rest_calls"], time.monotonic()
    st = wait_health(bus, "rest", 10)
    log(f"health while polling: {sorted(set(st.values()))}")
    time.sleep(5.0)
    calls1, t1 = sim.stats()["rest_calls"], time.monotonic()
    rate = (calls1 - calls0) / (t1 - t0)
    # binance-futures polls on its two routed connections
    cap = PER_SEC * (len(VENUES) + 1)
    log(f"REST calls while polling: {calls1 - calls0} in {t1 - t0:.1f}s ({rate:.1f}/s)")
    check(calls1 > calls0, "no REST calls while polling")
    check(calls1 - calls0 <= cap * (t1 - t0) + 3 * len(VENUES),
          f"REST call rate {rate:.1f}/s over the sessions' cap of {cap}/s")
    check(not feedd.proc.find(r"state=LIVE event=state", start),
          "a session went LIVE while upgrades were refused")
    back = feedd.proc.count()
    check(sim.ctl("normal").startswith("ok"), "sim normal")
    for dialect in VENUES:
        feedd.wait(rf"session={session(dialect)}(/\d+)? .*event=rest_fallback_stop\b", 20, back)
        feedd.wait(rf"session={session(dialect)}(/\d+)? .*state=LIVE event=state", 20, back)
    check_dups(feedd, back)
    wait_health(bus, "live", 10)
    time.sleep(1.5)
    ticks = tail.stop()
    check_rest_ticks(ticks)
    # After the WebSockets are back: live ticks, no REST ones.
    tail = E.Tail(bus)
    time.sleep(2.0)
    after = tail.stop()
    for fv, s in instruments():
        check(of(after, fv, s, "bbo", False) or of(after, fv, s, "trade", False),
              f"{fv} {s}: no WebSocket ticks after the reconnect")
        rest = of(after, fv, s, "bbo", True) + of(after, fv, s, "trade", True)
        check(not rest, f"{fv} {s}: {len(rest)} REST ticks after the WebSocket came back")
    feedd.proc.signal(15)
    check(feedd.proc.wait(15) == 0, "feedd did not exit 0 on SIGTERM")


SCENARIOS = {"fallback": scenario_fallback}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
