#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Order books end to end on every other venue with depth, in ONE feedd run
of six l2 sessions against one mdbus-sim process (one listener per venue):

  bf  binance-futures  REST_PU   (U/u/pu, GET /fapi/v1/depth)
  ok  okx              REST_PREV (seqId/prevSeqId, GET /api/v5/market/books)
  gt  gateio           REST_UU   (U/u, GET /api/v4/spot/order_book)
  cb  coinbase         WS_PLAIN  (Advanced Trade level2, sequence_num per
                                  connection, resync by resubscribing)
  mx  mexc             REST_UU   (protobuf fromVersion/toVersion, GET /api/v3/depth)
  bx  bingx            WS_FULL   (every push is the whole top-N book)

The books feedd keeps in the segment (book_dump) must equal the simulator's
own (control `book SYM N`) once the simulator pauses: at the start and
after every fault round. The rounds inject one fault on every venue whose
procedure it applies to, at once:

  drop_delta      a delta sent to nobody: a hole in the chained ids (REST
                  kinds resync by a new REST snapshot), or in Coinbase's
                  per-connection sequence_num (which cannot say whose message
                  was lost: every product of the connection resyncs)
                  (BingX absorbs it: a lost push, repaired by the next whole
                  one, no resync; the compare after the round proves it)
  crossed         one delta crosses the book (BingX: one whole push), the next
                  uncrosses it: that book resyncs (reason crossed)
  stale_snapshot  then drop_delta: the resync's first REST answer is older
                  than the buffered deltas; feedd fetches again (a second
                  book_snapshot, newer) and goes LIVE
  full_book       (Gate only) the venue's "full":true push mid-stream: the
                  book is replaced from it, no resync, no GAP

Each faulted book goes RESYNCING (book_resync with the reason) and LIVE
again, and the venues a round leaves alone do not resync; the venue's
other instrument keeps its L2 ticks flowing, none with the GAP flag, while
the faulted one's new snapshot carries GAP. Checksums:
none of these venues uses one (OKX's field is delisted), so bad_checksum
applies to none of them (Kraken's is test_books.py kraken). At the end:
no reconnection (every venue's keepalive answered within pong_timeout 5 s),
no message feedd could not take, every instrument's health word live.

usage: test_books_venues.py venues
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL, MDBUS_BOOK_DUMP, MDBUS_TOP.
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
import test_books as B  # noqa: E402
from e2elib import check, log  # noqa: E402

DEPTH = B.DEPTH
FAST = B.FAST


class Venue:
    """One l2 session: feedd venue = sim dialect, its symbols (normalized for
    feedd and the bus, native for the simulator), the url path the adapter
    is pointed at, and the faults its procedure meets."""

    def __init__(self, sess, venue, syms, natives, path, faults, absorbs=(), shared_seq=False,
                 depth=DEPTH):
        self.sess, self.venue, self.syms, self.natives = sess, venue, syms, natives
        self.path, self.faults, self.absorbs = path, faults, absorbs
        self.shared_seq, self.depth = shared_seq, depth
        self.port = None

    def native(self, sym):
        return self.natives[self.syms.index(sym)]


SPOT = ["BTC-USDT", "ETH-USDT"]
SPOT_N = ["BTCUSDT", "ETHUSDT"]
REST = ["drop_delta", "crossed", "stale_snapshot"]
VENUES = [
    Venue("bf", "binance-futures", ["BTC-USDT-PERP", "ETH-USDT-PERP"], SPOT_N, "", REST),
    Venue("ok", "okx", SPOT, SPOT_N, "/ws/v5/public", REST),
    # book_depth 50: the 100ms stream, whose whole-book pushes carry 100
    # levels, as many as the REST snapshot (the 20ms stream's carry 20)
    Venue("gt", "gateio", SPOT, SPOT_N, "/ws/v4/", REST, depth=50),
    # the Advanced Trade endpoint (wss://advanced-trade-ws.coinbase.com/): l2 only
    Venue("cb", "coinbase", SPOT, SPOT_N, "/", ["drop_delta", "crossed"], shared_seq=True),
    Venue("mx", "mexc", SPOT, SPOT_N, "/ws", REST),
    # every push is the whole top-N book: a lost one is repaired by the next
    Venue("bx", "bingx", SPOT, SPOT_N, "/market", ["crossed"], absorbs=["drop_delta"]),
]


def config(d, bus, ca):
    text = f"""[bus]
name = {bus}
slots = 65536

[feed]
shutdown_timeout = 2s
ca_file = {ca}
"""
    for v in VENUES:
        text += f"""
[session {v.sess}]
venue = {v.venue}
url = wss://localhost:{v.port}{v.path}
symbols = {", ".join(v.syms)}
channels = l2
book_depth = {v.depth}
pong_timeout = 5s
{FAST}"""
    p = os.path.join(d, "feedd-books-venues.ini")
    with open(p, "w") as f:
        f.write(text)
    return p


def sess_re(v):
    """A session's log key (a session of several connections logs NAME/k)."""
    return rf"session={v.sess}(?:/\d+)? "


def sim_book(sim, v, sym):
    return B.sim_book(sim, v.venue, v.native(sym))


def compare(sim, bus, v, sym, tries=10):
    """feedd's book of sym equals the simulator's top DEPTH levels (the
    simulator paused; a few tries let in-flight updates land)."""
    for _ in range(tries):
        ours, theirs = B.dump(bus, v.venue, sym), sim_book(sim, v, sym)
        if (ours["status"] == B.LIVE and ours["bids"] == theirs["bids"]
                and ours["asks"] == theirs["asks"]):
            check(len(ours["bids"]) == DEPTH and len(ours["asks"]) == DEPTH,
                  f"{v.venue} {sym}: {len(ours['bids'])}/{len(ours['asks'])} levels, "
                  f"want {DEPTH}")
            return ours
        time.sleep(0.5)
    raise E.TestFailure(f"{v.venue} {sym}: book differs from the simulator's (status "
                        f"{ours['status']}): {first_diff(ours, theirs)}")


def first_diff(ours, theirs):
    """Where two books first differ: side, level, both levels."""
    for side in ("bids", "asks"):
        a, b = ours[side], theirs[side]
        for k in range(max(len(a), len(b))):
            x, y = (a[k] if k < len(a) else None), (b[k] if k < len(b) else None)
            if x != y:
                return f"{side}[{k}]: feedd {x}, sim {y} ({len(a)}/{len(b)} levels)"
    return "equal"


def compare_all(sim, bus, phase):
    """Every book of every venue equal to the simulator's: {(venue, sym): dump}."""
    check(sim.ctl("rate", 0).startswith("ok"), "sim rate 0")
    time.sleep(1.5)
    out = {(v.venue, s): compare(sim, bus, v, s) for v in VENUES for s in v.syms}
    log(f"{phase}: {len(out)} books equal to the simulator's, {DEPTH} levels a side")
    check(sim.ctl("rate", 20).startswith("ok"), "sim rate 20")
    return out


def resync_re(v, sym, reason):
    return rf"{sess_re(v)}.*event=book_resync symbol={re.escape(sym)} reason={reason}\b"


def live_re(v, sym):
    return rf"{sess_re(v)}.*event=book_live symbol={re.escape(sym)}\b"


def snapshots(feedd, v, sym, start):
    """The last_id of each book_snapshot (REST answer) of sym since start."""
    rx = rf"{sess_re(v)}.*event=book_snapshot symbol={re.escape(sym)} last_id=(\d+)"
    return [int(re.search(rx, l).group(1)) for l in feedd.proc.find(rx, start)]


def check_flow(ticks, v, sym, resynced):
    """While sym resynced, v's other instrument (unless it resynced too)
    kept its L2 ticks without GAP; sym's new snapshot carries GAP."""
    for s in v.syms:
        mine = B.l2_of(ticks, v.venue, s)
        if s in resynced:
            check(any("gap" in t.get("flags", []) for t in mine),
                  f"{v.venue} {s}: its new snapshot carries no GAP flag")
            continue
        check(len(mine) > 0, f"{v.venue} {s}: no L2 ticks while {sym} resynced")
        gaps = [t for t in mine if "gap" in t.get("flags", [])]
        check(not gaps, f"{v.venue} {s}: {len(gaps)} L2 ticks with GAP during {sym}'s resync")
    log(f"{v.venue}: {sym} resynced; " + ", ".join(
        f"{s} {len(B.l2_of(ticks, v.venue, s))} L2 ticks" for s in v.syms))


def check_stale(feedd, v, sym, start):
    """The resync's first REST answer was refused as stale: a second, newer
    snapshot was fetched before the book went LIVE, once (a stale snapshot
    taken, then a gap, would show a second resync and a second LIVE)."""
    ids = snapshots(feedd, v, sym, start)
    lives = feedd.proc.find(live_re(v, sym), start)
    resyncs = feedd.proc.find(rf"{sess_re(v)}.*event=book_resync symbol={re.escape(sym)}\b",
                              start)
    check(len(ids) >= 2 and ids[0] < ids[-1] and len(lives) == 1 and len(resyncs) == 1,
          f"{v.venue} {sym}: snapshots {ids}, {len(resyncs)} resyncs and {len(lives)} LIVE after "
          f"stale_snapshot: want the stale snapshot refused, a newer one, one resync, one LIVE")
    log(f"{v.venue} {sym}: stale snapshot {ids[0]} refused, LIVE from {ids[-1]}")


def fault_round(sim, feedd, bus, cmd, reason, sym_of):
    """cmd on sym_of(v) of every venue whose procedure meets it, at once;
    each resyncs (reason) and is LIVE again; the other instruments' ticks
    flow. stale_snapshot is armed first, then the drop_delta that makes the
    book fetch a snapshot: the first answer is stale, a second one is
    fetched."""
    vs = [v for v in VENUES if cmd in v.faults]
    start = feedd.proc.count()
    tail = B.Tail(bus)
    time.sleep(0.5)
    for v in VENUES:
        if cmd in v.absorbs:  # no resync expected: checked with the untouched ones below
            check(sim.ctl("on", v.venue, cmd, v.native(sym_of(v))).startswith("ok"),
                  f"{v.venue} {cmd}")
    for v in vs:
        sym = sym_of(v)
        if cmd == "stale_snapshot":
            check(sim.ctl("on", v.venue, "stale_snapshot", v.native(sym)).startswith("ok"),
                  f"{v.venue} stale_snapshot")
        what = "drop_delta" if cmd == "stale_snapshot" else cmd
        check(sim.ctl("on", v.venue, what, v.native(sym)).startswith("ok"),
              f"{v.venue} {what} {sym}")
    resynced = {}
    for v in vs:
        sym = sym_of(v)
        # Coinbase: a hole in the connection's sequence_num names no product
        both = v.shared_seq and reason == "gap"
        resynced[v] = v.syms if both else [sym]
        for s in resynced[v]:
            feedd.wait(resync_re(v, s, reason), 30, start)
    for v in vs:
        for s in resynced[v]:
            feedd.wait(live_re(v, s), 45, start)
    time.sleep(0.5)  # the new snapshots' ticks reach the tail
    ticks = tail.stop()
    for v in vs:
        check_flow(ticks, v, sym_of(v), resynced[v])
        if cmd == "stale_snapshot":
            check_stale(feedd, v, sym_of(v), start)
    for v in VENUES:  # the venues this round left alone (or that absorb it) did not resync
        if v not in vs:
            check(not feedd.proc.find(rf"{sess_re(v)}.*event=book_resync", start),
                  f"{v.venue}: a book resynced during the {cmd} round"
                  f"{' (a fault it absorbs)' if cmd in v.absorbs else ' on the other venues'}")
    log(f"round {cmd}: {', '.join(v.venue for v in vs)} resynced ({reason}) and LIVE again")
    return {(v.venue, s) for v in vs for s in resynced[v]}


def full_round(sim, feedd, bus, v, sym):
    """full_book on v's sym (Gate's "full":true push, the whole book): the
    engine replaces the book from it, no resync anywhere, and the snapshot's
    L2 ticks carry SNAPSHOT but not GAP (nothing was lost)."""
    start = feedd.proc.count()
    tail = B.Tail(bus)
    time.sleep(0.5)
    check(sim.ctl("on", v.venue, "full_book", v.native(sym)).startswith("ok"), "full_book")
    time.sleep(1.5)
    ticks = tail.stop()
    mine = B.l2_of(ticks, v.venue, sym)
    snap = [t for t in mine if "snapshot" in t.get("flags", [])]
    check(len(snap) >= 2 * DEPTH, f"{v.venue} {sym}: {len(snap)} snapshot ticks after full_book")
    check(not [t for t in mine if "gap" in t.get("flags", [])],
          f"{v.venue} {sym}: a whole-book push is no gap")
    found = feedd.proc.find(r"event=book_resync", start)
    check(not found, f"a book resynced on a whole-book push: {found[:2]}")
    log(f"{v.venue} {sym}: whole-book push applied ({len(snap)} snapshot ticks), no resync")


def scenario_venues():
    check(os.path.isfile(B.DUMP), f"book_dump not found: {B.DUMP}")
    t0 = time.monotonic()
    d = E.tmpdir("books-venues")
    E.make_certs(d)
    extra = ["--venue", VENUES[0].venue]
    for v in VENUES[1:]:
        extra += ["--listen", "127.0.0.1:0", "--venue", v.venue]
    sim = E.Sim(d, extra=extra + ["--rate", "20", "--ping-interval", "1s"])
    VENUES[0].port = sim.port
    k = 1
    for v in VENUES[1:]:
        k, m = sim.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, start=k, stdout=True)
        v.port = int(m.group(1))
        k += 1
    bus = E.bus_name("booksv")
    feedd = E.Feedd(config(d, bus, os.path.join(d, "ca.pem")))
    for v in VENUES:
        for s in v.syms:
            feedd.wait(live_re(v, s), 45)
    # start-up reference data (refdata on, the default) from the simulator's
    # copy of each venue's instruments endpoint: every symbol listed, no warning
    for v in VENUES:
        _, m = feedd.wait(rf"{sess_re(v)}.*event=refdata source=(\S+) symbols=(\d+) "
                          rf"warnings=(\d+)", 5)
        check(m.group(1) == "rest" and int(m.group(2)) == len(v.syms) and m.group(3) == "0",
              f"{v.venue}: refdata source={m.group(1)} symbols={m.group(2)} "
              f"warnings={m.group(3)}, want rest, {len(v.syms)}, 0")
    before = compare_all(sim, bus, "start")
    check(not feedd.proc.find(r"event=book_resync", 0), "a book resynced before any fault")
    hit = fault_round(sim, feedd, bus, "drop_delta", "gap", lambda v: v.syms[0])
    compare_all(sim, bus, "after drop_delta")
    hit |= fault_round(sim, feedd, bus, "crossed", "crossed", lambda v: v.syms[1])
    compare_all(sim, bus, "after crossed")
    hit |= fault_round(sim, feedd, bus, "stale_snapshot", "gap", lambda v: v.syms[1])
    compare_all(sim, bus, "after stale_snapshot")
    full_round(sim, feedd, bus, VENUES[2], VENUES[2].syms[0])
    after = compare_all(sim, bus, "after Gate's whole-book push")
    for key, a in after.items():  # the book's own resync counter, none elsewhere
        b = before[key]
        want = a["resyncs"] > b["resyncs"] if key in hit else a["resyncs"] == b["resyncs"]
        check(want and a["checksum_fails"] == 0,
              f"{key[0]} {key[1]}: resyncs {b['resyncs']}->{a['resyncs']} (faulted: "
              f"{key in hit}), checksum_fails {a['checksum_fails']}")
    # one connection per session all along: no reconnect (a keepalive the
    # simulator did not answer), no message feedd could not take
    for bad in (r"event=reconnect", r"event=bad_message", r"event=(?:subscribe|symbol)_rejected"):
        found = feedd.proc.find(bad, 0)
        check(not found, f"feedd logged {bad}: {found[:2]}")
    st = B.health(bus)
    check(all(st.get((v.venue, s)) == "live" for v in VENUES for s in v.syms),
          f"instrument health after the faults: {st}")
    feedd.proc.signal(15)
    check(feedd.proc.wait(15) == 0, "feedd did not exit 0 on SIGTERM")
    log(f"6 venues, 12 books, 4 fault rounds in {time.monotonic() - t0:.1f} s")


SCENARIOS = {"venues": scenario_venues}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
