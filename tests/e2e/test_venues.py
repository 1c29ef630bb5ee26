#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feedd against mdbus-sim, one venue dialect at a time (venue-NAME) or all
of them served by one simulator process (venue-mix): every tick on the bus
is compared with what the simulator says it sent (--record FILE, one JSON
line per data message), field by field, nothing missing and nothing extra;
then each venue's connection is reset and feedd must reconnect,
resubscribe and flag the gap on the first tick of each stream.

usage: test_venues.py VENUE|mix|reject|faults
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL (meson sets them);
E2E_VALGRIND=1 runs the simulator under memcheck and requires a clean exit.
"""
import json
import os
import re
import sys
import time
from collections import Counter
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

# venue -> its feedd sessions: a symbol list, or a dict of the symbols and
# more session keys (a venue whose markets live on different paths needs
# one session per path; swaps in contracts need their contract_size).
VENUES = {
    "binance": [["BTC-USDT", "ETH-USDT"]],
    "coinbase": [["BTC-USDT", "ETH-USDT"]],
    "kraken": [["BTC-USDT", "ETH-USDT"]],
    "okx": [["BTC-USDT", "ETH-USDT"], {"symbols": ["BTC-USDT-PERP"], "contract_size": "0.01"}],
    "bybit": [["BTC-USDT", "ETH-USDT"]],
    "gateio": [["BTC-USDT", "ETH-USDT"]],
    "bingx": [["BTC-USDT", "ETH-USDT"]],
    "bybit-linear": [["BTC-USDT-PERP", "ETH-USDT-PERP"]],
    "bingx-swap": [["BTC-USDT-PERP", "ETH-USDT-PERP"]],
    # Gate futures sizes are contracts (the simulator's: 0.00001 base each)
    "gateio-futures": [{"symbols": ["BTC-USDT-PERP", "ETH-USDT-PERP"], "qty_unit": "base",
                        "contract_size": "0.00001"}],
    "mexc": [["BTC-USDT", "ETH-USDT"]],
    # two routed connections per session (/market, /public)
    "binance-futures": [["BTC-USDT-PERP", "ETH-USDT-PERP"]],
}
# A venue's other market served by a dialect of its own (its own endpoint,
# same native names as the venue's spot): the feedd venue it is.
FEED_VENUE = {"bybit-linear": "bybit", "bingx-swap": "bingx", "gateio-futures": "gateio"}

VALGRIND = os.environ.get("E2E_VALGRIND") == "1"
RATE = 20  # events/s per subscribed symbol-stream
WINDOW = 1.5  # seconds of data per phase
DRAIN = 1.5  # seconds for feedd to publish what is in flight once the sim pauses

# fast reconnection, and keepalive both ways within a phase: feedd pings
# every second (the venue's app-level ping or a WebSocket ping), so does
# the simulator (--ping-interval)
FAST = {"reconnect_initial": "200ms", "reconnect_max": "1s", "reconnect_jitter": "0.1",
        "handshake_timeout": "5s", "ping_interval": "1s"}


def fnv1a(text):
    """feedd's trade id hash of a non-integer id (FNV-1a 64, 0 -> 1)."""
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h or 1


def native_key(name):
    """The simulator's native name: separators dropped, upper case."""
    return re.sub(r"[^0-9A-Za-z]", "", name).upper()


def record_tuple(r):
    """The tick feedd must publish for one record line, as a comparable tuple."""
    base = (FEED_VENUE.get(r["venue"], r["venue"]), native_key(r["native"]), r["kind"])
    ts = r["exch_ts"] if r["exch_ts"] is not None else 0
    if r["kind"] == "trade":
        tid = r["trade_id"]
        hashed = not (tid.isdigit() and int(tid) < 1 << 64)
        return base + (Decimal(r["price"]), Decimal(r["qty"]), r["side"],
                       fnv1a(tid) if hashed else int(tid), hashed, ts)
    return base + (Decimal(r["bid_px"]), Decimal(r["bid_qty"]), Decimal(r["ask_px"]),
                   Decimal(r["ask_qty"]), ts)


def tick_tuple(t):
    """The same tuple read from a mdbus-tail --json line."""
    base = (t["venue"], native_key(t["native"]), t["kind"])
    flags = t.get("flags", [])
    ts = t["exch_ts"]
    check((ts == 0) == ("no_exch_ts" in flags), f"exch_ts {ts} vs flags {flags}: {t}")
    if t["kind"] == "trade":
        return base + (Decimal(str(t["price"])), Decimal(str(t["qty"])), t["side"],
                       int(t["trade_id"]), "tid_hash" in flags, ts)
    return base + (Decimal(str(t["bid_px"])), Decimal(str(t["bid_qty"])),
                   Decimal(str(t["ask_px"])), Decimal(str(t["ask_qty"])), ts)


class VenueSim:
    """One mdbus-sim: one --listen/--venue per venue, a control socket and a
    record file."""

    def __init__(self, d, venues):
        self.dir = d
        self.venues = list(venues)
        self.ctl_path = os.path.join(d, "sim.ctl")
        self.record = os.path.join(d, "record.jsonl")
        # no data until every session is LIVE: feedd publishes no data that
        # comes before the last answer to its subscriptions
        argv = [E.TOOLS.sim, "--control", self.ctl_path, "--record", self.record,
                "--rate", "0", "--ping-interval", "1s", "--cert", os.path.join(d, "server.pem"),
                "--key", os.path.join(d, "server.key")]
        for v in self.venues:
            argv += ["--listen", "127.0.0.1:0", "--venue", v]
        self.proc = E.Proc("sim", (E.VALGRIND if VALGRIND else []) + argv)
        self.port = {}
        k = 0
        for v in self.venues:
            k, m = self.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 60, start=k,
                                       stdout=True)
            self.port[v] = int(m.group(1))
            k += 1

    def ctl(self, *cmd):
        return E.Sim.ctl(self, *cmd)

    def stop(self):
        """SIGTERM: exit 0, and under memcheck no error and no descriptor left."""
        self.proc.signal(15)
        rc = self.proc.wait(60 if VALGRIND else 10)
        check(rc == 0, f"mdbus-sim exit status {rc} after SIGTERM (valgrind error = 99)")
        if VALGRIND:
            fds = E.valgrind_fd_leaks(self.proc)
            check(not fds, f"mdbus-sim left descriptors open: {fds}")

    def listener(self, venue):
        st = json.loads(self.ctl("stats"))
        return st["listeners"][self.venues.index(venue)]

    def records(self):
        with open(self.record) as f:
            return [json.loads(line) for line in f if line.strip()]


def session_symbols(entry):
    return entry["symbols"] if isinstance(entry, dict) else entry


def sessions(venues):
    """(session name, venue, symbols, extra keys) of every feedd session."""
    out = []
    for v in venues:
        for k, entry in enumerate(VENUES[v]):
            keys = {a: b for a, b in entry.items() if a != "symbols"} \
                if isinstance(entry, dict) else {}
            out.append((f"{v}{k}", v, session_symbols(entry), keys))
    return out


def write_config(d, bus, sim, sess):
    # refdata = no: the checks count the simulator's connections per listener.
    text = f"[bus]\nname = {bus}\nslots = 65536\n\n[feed]\nshutdown_timeout = 2s\n" \
           f"refdata = no\nca_file = {os.path.join(d, 'ca.pem')}\n"
    for name, venue, syms, keys in sess:
        text += f"\n[session {name}]\nvenue = {FEED_VENUE.get(venue, venue)}\n" \
                f"url = wss://127.0.0.1:{sim.port[venue]}\n" \
                f"symbols = {', '.join(syms)}\nchannels = trades, bbo\n"
        text += "".join(f"{k} = {v}\n" for k, v in {**FAST, **keys}.items())
    p = os.path.join(d, "feedd.ini")
    with open(p, "w") as f:
        f.write(text)
    return p


# Connections per session where the venue needs more than one (routes).
CONNS = {"binance-futures": 2}


def live_re(name):
    return rf"\bsession={re.escape(name)} venue=\S+ state=LIVE event=state\b"


def wait_live(feedd, sess, timeout, start=0):
    """Every connection of every session LIVE (a session of several
    connections logs them as NAME/k)."""
    for name, venue, _, _ in sess:
        n = CONNS.get(venue, 1)
        for k in range(n):
            feedd.wait(live_re(name if n == 1 else f"{name}/{k}"), timeout, start)


def bus_ticks(bus):
    """Every data tick on the bus, oldest first; fails on a lap."""
    out, r = E.tail_json(bus, 1.0, extra=["--from-start"])
    check(r.returncode == 0, f"mdbus-tail exit {r.returncode}: {r.stderr[:300]!r}")
    check(b"lap" not in r.stderr.lower(), f"mdbus-tail lapped: {r.stderr[:300]!r}")
    return [t for t in out if t.get("kind") in ("trade", "bbo")]


def pause_and_compare(sim, bus, phase):
    """Stops the emission, lets feedd drain, then asserts the bus holds
    exactly the ticks the record lists: every data message, the snapshots a
    venue sends with its answers (marked in the record) included (feedd holds
    an acked stream's data until the connection is LIVE, then publishes it),
    no tick that was never sent. Returns (records, ticks)."""
    check(sim.ctl("rate", 0).startswith("ok"), "sim rate 0")
    time.sleep(DRAIN)
    recs = sim.records()
    ticks = bus_ticks(bus)
    want = Counter(record_tuple(r) for r in recs)
    snaps = Counter(record_tuple(r) for r in recs if r["snapshot"])
    got = Counter(tick_tuple(t) for t in ticks)
    missing, extra = want - got, got - want
    log(f"{phase}: {len(recs)} records ({sum(snaps.values())} snapshots, "
        f"{sum((got & snaps).values())} of them published), {len(ticks)} data ticks")
    check(sum(want.values()) > 0, f"{phase}: the simulator recorded no data message")
    check(not missing, f"{phase}: {sum(missing.values())} ticks sent but not published, "
                       f"e.g. {list(missing)[:3]}")
    check(not extra, f"{phase}: {sum(extra.values())} ticks published but never sent, "
                     f"e.g. {list(extra)[:3]}")
    for key in sorted({(r["venue"], r["native"], r["kind"]) for r in recs}):
        n = sum(1 for r in recs if (r["venue"], r["native"], r["kind"]) == key)
        log(f"{phase}: {' '.join(key)}: {n} records, each published exactly")
    return recs, ticks


def expected_streams(venue):
    """Subscriptions the simulator must count for the venue: trades and
    BBO of every symbol of every session."""
    return 2 * sum(len(session_symbols(e)) for e in VENUES[venue])


def check_resubscribed(sim, venue):
    deadline = time.monotonic() + 15
    while True:
        st = sim.listener(venue)
        conns = len(VENUES[venue]) * CONNS.get(venue, 1)
        if st["open"] == conns and st["subscriptions"] == expected_streams(venue) \
                and st["accepted"] >= 2 * conns:
            return st
        check(time.monotonic() < deadline, f"{venue}: not resubscribed: {st}")
        time.sleep(0.2)


def check_gaps(venue, recs, ticks, old_conns):
    """The first published tick of each (symbol, kind) of the new
    connections carries the gap flag, a snapshot sent with an answer
    included; no later one does."""
    by_tuple = {}
    for t in ticks:
        by_tuple.setdefault(tick_tuple(t), []).append(t)
    first = set()
    for r in recs:
        tup = record_tuple(r)
        if r["venue"] != venue or r["conn"] in old_conns:
            continue
        key = (r["conn"], r["native"], r["kind"])
        check(tup in by_tuple, f"{venue}: never published: {r}")
        is_first = key not in first
        first.add(key)
        for t in by_tuple[tup]:
            check(("gap" in t.get("flags", [])) == is_first,
                  f"{venue}: {'first' if is_first else 'later'} {key[1]} {key[2]} tick after "
                  f"the reset {'lacks' if is_first else 'has'} the gap flag: {t}")
    check(first, f"{venue}: no data after the reconnect")


def run(venues):
    """Exact ticks, a reset of every venue, exact ticks again and the gaps."""
    d = E.make_certs(E.tmpdir("venues"))
    bus = E.bus_name("venues")
    sim = VenueSim(d, venues)
    sess = sessions(venues)
    feedd = E.Feedd(write_config(d, bus, sim, sess))
    wait_live(feedd, sess, 20)
    for v in venues:
        st = sim.listener(v)
        check(st["subscriptions"] == expected_streams(v), f"{v}: subscriptions {st}")
    check(sim.ctl("rate", RATE).startswith("ok"), "sim rate")
    time.sleep(WINDOW)
    recs, _ = pause_and_compare(sim, bus, "before the reset")
    st = json.loads(sim.ctl("stats"))
    check(st["pings_received"] > 0 and st["pongs_sent"] == st["pings_received"],
          f"feedd's pings not all answered in the venue's form: {st}")
    check(st["pings_sent"] > 0 and st["pongs_received"] > 0,
          f"the simulator's pings not answered: {st}")
    bad = feedd.proc.find(r"event=bad_message|parse_errors=[1-9]")
    check(not bad, f"feedd could not parse messages of the simulator: {bad[:3]}")
    for v in venues:
        check(any(r["venue"] == v for r in recs), f"{v}: no data recorded")
    old_conns = {r["conn"] for r in recs}
    # reset each venue's connection(s) while the emission is paused: nothing
    # is in flight, so every record still has its tick on the bus; the
    # emission resumes once every session is LIVE again
    mark = feedd.proc.count()
    for v in venues:
        check(sim.ctl("on", v, "reset").startswith("ok reset"), f"on {v} reset")
    wait_live(feedd, sess, 30, mark)
    for v in venues:
        check_resubscribed(sim, v)
    check(sim.ctl("rate", RATE).startswith("ok"), "sim rate")
    time.sleep(WINDOW)
    recs, ticks = pause_and_compare(sim, bus, "after the reset")
    for v in venues:
        check_gaps(v, recs, ticks, old_conns)
    feedd.proc.signal(15)
    check(feedd.proc.wait(10) == 0, "feedd exit status after SIGTERM")
    sim.stop()


def run_reject(venues):
    """One unknown symbol among good ones per venue, in the venue's own
    reject form: feedd fails only that symbol, stays connected and LIVE, and
    the good ones flow."""
    d = E.make_certs(E.tmpdir("vreject"))
    bus = E.bus_name("vreject")
    sim = VenueSim(d, venues)
    sess = [(f"{v}0", v, session_symbols(VENUES[v][0]) + ["NOPE-XYZ"], {}) for v in venues]
    feedd = E.Feedd(write_config(d, bus, sim, sess))
    for name, v, syms, _ in sess:
        feedd.wait(live_re(name), 20)
        feedd.wait(rf"\bsession={name} .*\bevent=symbol_rejected .*\bsymbol=NOPE-XYZ\b", 20)
    check(sim.ctl("rate", RATE).startswith("ok"), "sim rate")
    time.sleep(WINDOW)
    for name, v, syms, _ in sess:
        check(not feedd.proc.find(rf"\bsession={name} venue=\S+ state=(BACKOFF|CLOSING|FAILED) event=state\b"),
              f"{name}: a rejected symbol ended the connection")
        check(not feedd.proc.find(rf"\bsession={name} .*\bevent=symbol_rejected .*symbol="
                                  rf"(?!NOPE-XYZ\b)"), f"{name}: a good symbol was rejected")
        st = sim.listener(v)
        check(st["accepted"] == 1 and st["subscriptions"] == 2 * (len(syms) - 1),
              f"{v}: good symbols not subscribed on one connection: {st}")
    ticks, r = E.tail_json(bus, 1.0, extra=["--from-start"])
    for name, v, syms, _ in sess:
        mine = [t for t in ticks if t.get("venue") == v]
        for sym in syms[:-1]:
            for kind in ("trade", "bbo"):
                check([t for t in mine if t["symbol"] == sym and t["kind"] == kind],
                      f"{v}: no {kind} ticks for {sym}")
        nope = [t.get("status") for t in mine if t["symbol"] == "NOPE-XYZ"]
        check("failed" in nope and "up" not in nope and
              not [t for t in mine if t["symbol"] == "NOPE-XYZ" and t["kind"] != "status"],
              f"{v}: NOPE-XYZ ticks {nope}")
    feedd.proc.signal(15)
    check(feedd.proc.wait(10) == 0, "feedd exit status after SIGTERM")
    sim.stop()


def run_faults(venues):
    """The simulator's message faults in each venue's dialect: a bad JSON
    message and an over-precise trade are counted and skipped (never
    published, rounded or cut), a trade in 3 fragments is published like
    any other; every other tick exactly as recorded; no session drops."""
    d = E.make_certs(E.tmpdir("vfaults"))
    bus = E.bus_name("vfaults")
    sim = VenueSim(d, venues)
    sess = sessions(venues)
    feedd = E.Feedd(write_config(d, bus, sim, sess))
    wait_live(feedd, sess, 20)
    check(sim.ctl("rate", RATE).startswith("ok"), "sim rate")
    time.sleep(1.0)
    mark = feedd.proc.count()
    for cmd in (("badjson",), ("badprecision",), ("fragments", 3)):
        check(sim.ctl(*cmd).startswith("ok "), f"sim {cmd}")
    time.sleep(1.0)
    recs, ticks = pause_and_compare(sim, bus, "faults")
    for name, _, _, _ in sess:
        check(not feedd.proc.find(rf"\bsession={name}(/\d+)? venue=\S+ state=\S+ event=state\b", mark),
              f"{name}: bad input dropped the session")
        bad = feedd.proc.find(rf"\bsession={name}(/\d+)? .*\bevent=bad_message\b", mark)
        check(len(bad) >= 2, f"{name}: bad JSON and the over-precise trade not both "
                             f"counted: {bad}")
    feedd.proc.signal(15)
    check(feedd.proc.wait(10) == 0, "feedd exit status after SIGTERM")
    sim.stop()


def scenario(venue):
    return lambda: run([venue])


SCENARIOS = {v: scenario(v) for v in VENUES}
SCENARIOS["mix"] = lambda: run(list(VENUES))
# (a perp market's dialect shares its venue's adapter and reject form)
# A perp dialect and binance-futures answer in their spot venue's code and form.
SCENARIOS["reject"] = lambda: run_reject([v for v in VENUES
                                          if v not in FEED_VENUE and v != "binance-futures"])
SCENARIOS["faults"] = lambda: run_faults(list(VENUES))

if __name__ == "__main__":
    if not (E.TOOLS.have_feedd() and E.TOOLS.have_tail()):
        print("feedd or mdbus-tail not built", file=sys.stderr)
        sys.exit(E.SKIP)
    sys.exit(E.main(SCENARIOS, sys.argv))
