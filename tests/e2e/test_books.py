#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Order books end to end: feedd against mdbus-sim with `channels = l2`,
book_depth 20, on two venues at once: binance (REST snapshot + buffered
deltas) and bybit (the stream's own snapshot). The books feedd keeps in the
segment (read by book_dump) must equal the simulator's own (its `book SYM N`
control command) once the simulator pauses; then the book faults:

  drop_delta / crossed on binance BTC-USDT: that book goes RESYNCING
      (feedd logs event=book_resync with the reason), comes back LIVE and
      equal to the simulator's again, while ETH-USDT's L2 ticks keep
      flowing without a GAP flag;
  drop_delta on bybit ETH-USDT: resync by resubscribing;
  rest_429: the snapshot answered 429 waits (Retry-After) and is retried.

The storm scenario: 50 binance instruments with l2 and `snapshot_rate =
5/s`; the simulator resets the connection, so all 50 books need a REST
snapshot at once: they go RESYNCING, the snapshots are spread at the
configured rate (never more than 5 in any second, so at least ~9 s for 50),
each instrument is asked for once, and every book is LIVE again.

The kraken scenario: a kraken l2 session, whose checksum needs the
pairs' precisions from the v2 instrument channel; its books are LIVE with
checksum verdict OK and equal to the simulator's; bad_checksum on BTC-USDT
makes that book resync (reason checksum) and come back while ETH-USDT is
untouched: our end-to-end checksum-mismatch test.

usage: test_books.py books|storm|kraken
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL, MDBUS_BOOK_DUMP.
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

DUMP = os.environ.get("MDBUS_BOOK_DUMP", "book_dump")
DEPTH = 20
SYMS = ["BTC-USDT", "ETH-USDT"]
LIVE, RESYNCING = 1, 2
FAST = """reconnect_initial = 200ms
reconnect_max = 1s
handshake_timeout = 5s
ping_interval = 1s
"""


def config(d, bus, ports, ca):
    text = f"""[bus]
name = {bus}
slots = 65536

[feed]
shutdown_timeout = 2s
ca_file = {ca}

[session bn]
venue = binance
url = wss://localhost:{ports[0]}/ws
symbols = {", ".join(SYMS)}
channels = l2
book_depth = {DEPTH}
{FAST}
[session by]
venue = bybit
url = wss://localhost:{ports[1]}/v5/public/spot
symbols = {", ".join(SYMS)}
channels = l2
book_depth = {DEPTH}
{FAST}"""
    p = os.path.join(d, "feedd-books.ini")
    with open(p, "w") as f:
        f.write(text)
    return p


def dump(bus, venue, sym):
    r = subprocess.run([DUMP, bus, venue, sym, str(DEPTH)], capture_output=True, timeout=15)
    check(r.returncode == 0, f"book_dump {venue} {sym}: {r.stderr.decode().strip()}")
    return json.loads(r.stdout.decode())


def sim_book(sim, venue, sym):
    reply = sim.ctl("on", venue, "book", sym, DEPTH)
    check(reply.startswith("{"), f"sim book {venue} {sym}: {reply}")
    return json.loads(reply)


def compare(sim, bus, venue, sym, tries=10):
    """feedd's book equals the simulator's top levels (the simulator is
    paused: a few tries let in-flight updates land)."""
    for _ in range(tries):
        ours, theirs = dump(bus, venue, sym), sim_book(sim, venue, sym)
        same = (ours["status"] == LIVE and ours["bids"] == theirs["bids"]
                and ours["asks"] == theirs["asks"])
        if same:
            log(f"{venue} {sym}: {len(ours['bids'])}+{len(ours['asks'])} levels equal, "
                f"update_id {ours['update_id']} resyncs {ours['resyncs']}")
            check(len(ours["bids"]) == DEPTH and len(ours["asks"]) == DEPTH,
                  f"{venue} {sym}: {len(ours['bids'])}/{len(ours['asks'])} levels, want {DEPTH}")
            return ours
        time.sleep(0.5)
    raise E.TestFailure(f"{venue} {sym}: book differs from the simulator's:\n"
                        f"  feedd status {ours['status']} bids {ours['bids'][:3]} "
                        f"asks {ours['asks'][:3]}\n  sim   bids {theirs['bids'][:3]} "
                        f"asks {theirs['asks'][:3]}")


def compare_all(sim, bus):
    check(sim.ctl("rate", 0).startswith("ok"), "sim rate 0")
    time.sleep(1.5)
    out = {(v, s): compare(sim, bus, v, s) for v in ("binance", "bybit") for s in SYMS}
    check(sim.ctl("rate", 20).startswith("ok"), "sim rate 20")
    return out


def Tail(bus):  # noqa: N802 (a constructor: test_books_venues.py calls B.Tail)
    """The L2 ticks of one phase (E.Tail with --kind l2)."""
    return E.Tail(bus, ("--kind", "l2"), 90)


def l2_of(ticks, venue, sym):
    return [t for t in ticks if t.get("venue") == venue and t.get("symbol") == sym
            and t.get("kind") in ("l2", "L2", 3)]


def health(bus):
    """{(venue, symbol): instrument health status name} from mdbus-top --json."""
    top = os.environ.get("MDBUS_TOP", "mdbus-top")
    r = subprocess.run([top, "--bus", bus, "--json", "--interval", "100ms"], capture_output=True,
                       timeout=15)
    doc = json.loads(r.stdout.decode())
    return {(i["venue"], i["symbol"]): i["status"] for i in doc["instruments"]}


def fault(sim, feedd, bus, session, venue, cmd, sym, reason, during=None):
    """One book fault on venue's sym: RESYNCING with reason, LIVE again;
    the other symbol of the venue keeps its L2 ticks without a GAP."""
    other = [s for s in SYMS if s != sym][0]
    start = feedd.proc.count()
    tail = Tail(bus)
    time.sleep(0.5)
    check(sim.ctl("on", venue, cmd, sym).startswith("ok"), f"{cmd} {sym}")
    feedd.wait(rf"session={session} .*event=book_resync symbol={sym} reason={reason}\b", 20,
               start)
    if during:
        during()
    feedd.wait(rf"session={session} .*event=book_live symbol={sym}\b", 30, start)
    time.sleep(0.5)  # the new snapshot's ticks reach the tail
    ticks = tail.stop()
    theirs = l2_of(ticks, venue, other)
    check(len(theirs) > 0, f"{venue} {other}: no L2 ticks while {sym} resynced")
    gaps = [t for t in theirs if "gap" in t.get("flags", [])]
    check(not gaps, f"{venue} {other}: {len(gaps)} L2 ticks with GAP during {sym}'s resync")
    mine = l2_of(ticks, venue, sym)
    check(any("gap" in t.get("flags", []) for t in mine),
          f"{venue} {sym}: its new snapshot carries no GAP flag")
    log(f"{cmd} {venue} {sym}: resynced ({reason}); {other} {len(theirs)} L2 ticks, no gap")
    return start


def scenario_books():
    check(os.path.isfile(DUMP), f"book_dump not found: {DUMP}")
    d = E.tmpdir("books")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--venue", "binance", "--listen", "127.0.0.1:0", "--venue", "bybit",
                          "--rate", "20", "--ping-interval", "1s"])
    _, m = sim.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, start=1, stdout=True)
    ports = [sim.port, int(m.group(1))]
    bus = E.bus_name("books")
    feedd = E.Feedd(config(d, bus, ports, os.path.join(d, "ca.pem")))
    for sess in ("bn", "by"):
        for s in SYMS:
            feedd.wait(rf"session={sess} .*event=book_live symbol={s}\b", 30)
    feedd.wait(r"session=bn .*event=book_snapshot symbol=BTC-USDT", 5)
    before = compare_all(sim, bus)
    fault(sim, feedd, bus, "bn", "binance", "drop_delta", "BTC-USDT", "gap")
    fault(sim, feedd, bus, "bn", "binance", "crossed", "BTC-USDT", "crossed")
    fault(sim, feedd, bus, "by", "bybit", "drop_delta", "ETH-USDT", "gap")
    # rest_429: the next 3 snapshot answers are 429 (Retry-After: 1 each):
    # the snapshot waits and is retried, the instrument's health word says
    # RESYNCING meanwhile, then the book is LIVE again
    check(sim.ctl("rest_429", 3).startswith("ok"), "rest_429")

    def resyncing():
        st = health(bus)
        check(st.get(("binance", "ETH-USDT")) == "resyncing",
              f"binance ETH-USDT health while its snapshot waits: {st}")

    start = fault(sim, feedd, bus, "bn", "binance", "drop_delta", "ETH-USDT", "gap", resyncing)
    check(feedd.proc.find(r"event=book_rest symbol=ETH-USDT http=429 .*effect=\"?retry", start),
          "no 429 logged for the ETH-USDT snapshot")
    after = compare_all(sim, bus)
    check(after[("binance", "BTC-USDT")]["resyncs"] >= before[("binance", "BTC-USDT")]["resyncs"]
          + 2, "binance BTC-USDT: resyncs not counted in the book")
    check(after[("bybit", "ETH-USDT")]["resyncs"] >= 1, "bybit ETH-USDT: resync not counted")
    check(after[("binance", "ETH-USDT")]["update_id"] > 0, "binance ETH-USDT: no update id")
    st = health(bus)
    check(all(st.get((v, s)) == "live" for v in ("binance", "bybit") for s in SYMS),
          f"instrument health after the resyncs: {st}")
    feedd.proc.signal(15)
    check(feedd.proc.wait(15) == 0, "feedd did not exit 0 on SIGTERM")
    st = dump(bus, "binance", "BTC-USDT")
    check(st["status"] == 4, f"binance BTC-USDT after shutdown: status {st['status']}, want DOWN")


STORM_N, STORM_RATE = 50, 5


def storm_syms():
    """50 plausible symbols the simulator makes up on request."""
    letters = "ABCDEFGHIJ"
    return [f"Q{letters[i // 10]}{letters[i % 10]}-USDT" for i in range(STORM_N)]


def log_secs(line):
    """Seconds of the day from a log line's time=...T12:05:52.315370Z."""
    hms = line.split("time=", 1)[1].split("T", 1)[1].rstrip("Z").split()[0].rstrip("Z")
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def scenario_storm():
    d = E.tmpdir("storm")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--rate", "10", "--ping-interval", "1s"])
    bus = E.bus_name("storm")
    syms = storm_syms()
    text = f"""[bus]
name = {bus}
slots = 65536

[feed]
shutdown_timeout = 2s
ca_file = {os.path.join(d, "ca.pem")}
snapshot_rate = {STORM_RATE}/s

[session bn]
venue = binance
url = wss://localhost:{sim.port}/ws
symbols = {(","+chr(10)+"  ").join(syms)}
channels = l2
book_depth = 5
{FAST}"""
    p = os.path.join(d, "feedd-storm.ini")
    with open(p, "w") as f:
        f.write(text)
    feedd = E.Feedd(p)
    for s in syms:
        feedd.wait(rf"session=bn .*event=book_live symbol={s}\b", 90)
    start = feedd.proc.count()
    check(sim.ctl("on", "binance", "reset").startswith("ok"), "sim reset")
    for s in syms:
        feedd.wait(rf"session=bn .*event=book_live symbol={s}\b", 90, start)
    snaps = feedd.proc.find(r"event=book_snapshot ", start)
    got = [l.split("symbol=", 1)[1].split()[0] for l in snaps]
    check(sorted(got) == sorted(syms),
          f"{len(got)} snapshots after the reset for {len(set(got))} symbols: each of the "
          f"{STORM_N} exactly once")
    t = sorted(log_secs(l) for l in snaps)
    worst = max(sum(1 for u in t if v <= u < v + 1.0) for v in t)
    span = t[-1] - t[0]
    log(f"{len(t)} snapshots in {span:.2f} s, at most {worst} in any second "
        f"(snapshot_rate {STORM_RATE}/s)")
    # Issued 1/rate apart: a one-second window holds at most rate + 1
    # answers, + 1 for an answer's network delay bunching two together.
    check(worst <= STORM_RATE + 2, f"{worst} snapshots within one second, rate {STORM_RATE}/s")
    check(span >= 0.8 * (STORM_N - 1) / STORM_RATE,
          f"50 snapshots in {span:.2f} s: faster than {STORM_RATE}/s")
    st = health(bus)
    check(all(st.get(("binance", s)) == "live" for s in syms), "not every book live again")
    feedd.proc.signal(15)
    check(feedd.proc.wait(15) == 0, "feedd did not exit 0 on SIGTERM")


CK_OK = 1  # MDBUS_BOOK_CK_OK: the last checksum matched


def kraken_config(d, bus, port, ca):
    p = os.path.join(d, "feedd-kraken.ini")
    with open(p, "w") as f:
        f.write(f"""[bus]
name = {bus}
slots = 65536

[feed]
shutdown_timeout = 2s
ca_file = {ca}

[session kr]
venue = kraken
url = wss://localhost:{port}/v2
symbols = {", ".join(SYMS)}
channels = l2
book_depth = {DEPTH}
{FAST}""")
    return p


def kraken_compare(sim, bus):
    """Both books LIVE, equal to the simulator's, their checksums judged OK."""
    check(sim.ctl("rate", 0).startswith("ok"), "sim rate 0")
    time.sleep(1.5)
    out = {}
    for s in SYMS:
        out[s] = compare(sim, bus, "kraken", s)
        check(out[s]["checksum"] == CK_OK,
              f"kraken {s}: checksum verdict {out[s]['checksum']}, want OK")
    check(sim.ctl("rate", 20).startswith("ok"), "sim rate 20")
    return out


def scenario_kraken():
    check(os.path.isfile(DUMP), f"book_dump not found: {DUMP}")
    d = E.tmpdir("books-kraken")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--venue", "kraken", "--rate", "20", "--ping-interval", "1s"])
    bus = E.bus_name("bookskr")
    feedd = E.Feedd(kraken_config(d, bus, sim.port, os.path.join(d, "ca.pem")))
    for s in SYMS:
        feedd.wait(rf"session=kr .*event=book_live symbol={s}\b", 30)
    before = kraken_compare(sim, bus)
    check(not feedd.proc.find(r"session=kr .*event=book_resync", 0),
          "kraken: a book resynced before any fault (checksum at the wrong precision?)")
    start = fault(sim, feedd, bus, "kr", "kraken", "bad_checksum", "BTC-USDT", "checksum")
    check(not feedd.proc.find(r"session=kr .*event=book_resync symbol=ETH-USDT", start),
          "kraken ETH-USDT resynced during BTC-USDT's checksum fault")
    after = kraken_compare(sim, bus)
    b, a = before["BTC-USDT"], after["BTC-USDT"]
    check(a["resyncs"] >= b["resyncs"] + 1 and a["checksum_fails"] >= b["checksum_fails"] + 1,
          f"kraken BTC-USDT: resyncs {b['resyncs']}->{a['resyncs']}, checksum_fails "
          f"{b['checksum_fails']}->{a['checksum_fails']}")
    e0, e1 = before["ETH-USDT"], after["ETH-USDT"]
    check(e1["resyncs"] == e0["resyncs"] and e1["checksum_fails"] == e0["checksum_fails"] == 0,
          f"kraken ETH-USDT touched: resyncs {e0['resyncs']}->{e1['resyncs']}, "
          f"checksum_fails {e1['checksum_fails']}")
    feedd.proc.signal(15)
    check(feedd.proc.wait(15) == 0, "feedd did not exit 0 on SIGTERM")


SCENARIOS = {"books": scenario_books, "storm": scenario_storm, "kraken": scenario_kraken}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
