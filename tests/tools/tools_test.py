#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of mdbus-tail and mdbus-replay on private buses.

usage: tools_test.py CASE TAIL REPLAY [VALGRIND]
The built tools come from meson (args), never from fixed paths. With
VALGRIND (case "valgrind"), both tools run under memcheck and any error or
leak fails the test. Every bus
name includes the pid; the segment and lock files are removed at exit.
Exit 0 pass, 1 fail.
"""
import glob
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

CASE, TAIL, REPLAY = sys.argv[1], sys.argv[2], sys.argv[3]
WRAP = []  # command prefix for both tools (valgrind)
TMP = tempfile.mkdtemp(prefix="mdbus-tools-test-")
BUSES = []
PROCS = []


def bus(tag):
    name = "tt-%s-%d-%d" % (tag, os.getpid(), len(BUSES))
    BUSES.append(name)
    return name


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    for b in BUSES:
        for f in glob.glob("/dev/shm/mdbus-%s" % b) + glob.glob("/dev/shm/mdbus-%s.*" % b):
            try:
                os.unlink(f)
            except OSError:
                pass
    for f in glob.glob(os.path.join(TMP, "*")):
        os.unlink(f)
    if os.path.isdir(TMP):
        os.rmdir(TMP)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    cleanup()
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


# ---- generating a varied recording ------------------------------------------

FLAG_NAMES = ["buy", "sell", "snapshot", "gap"]
INSTRUMENTS = [  # venue, symbol, native, price_decimals, qty_decimals
    ("binance", "BTC-USDT", "BTCUSDT", 2, 8),
    ("binance", "ETH-USDT", "ETHUSDT", 18, 0),
    ("kraken", "BTC-USD", "XBT/USD", 0, 18),
    ("kraken", "DOGE-EUR", "XDG/EUR", 9, 9),
    ("coinbase", "SOL-USD", "SOL-USD", 5, 3),
]


def dec(mantissa, decimals, rng):
    """Mantissa / 10^decimals as a decimal string, sometimes with trailing
    zeros or as a JSON integer (both legal input, same value)."""
    neg = mantissa < 0
    digits = str(abs(mantissa)).rjust(decimals + 1, "0")
    s = digits if decimals == 0 else digits[:-decimals] + "." + digits[-decimals:]
    if decimals and rng.random() < 0.5:
        s = s.rstrip("0").rstrip(".")
    s = ("-" if neg else "") + s
    if rng.random() < 0.05 and "." not in s:
        return int(s)
    return s


def mantissa(rng):
    r = rng.random()
    if r < 0.1:
        return rng.choice([0, 1, -1, 2**63 - 1, -(2**63), 10**18 - 1, -(10**18) + 1])
    if r < 0.4:  # 18-digit mantissas
        return rng.choice([1, -1]) * rng.randrange(10**17, 10**18)
    return rng.randrange(-10**9, 10**12)


def gen_tick(rng, seq):
    venue, symbol, native, pd, qd = rng.choice(INSTRUMENTS)
    kind = rng.choice(["trade", "bbo", "l2", "status"])
    o = {"venue": venue, "symbol": symbol, "kind": kind,
         "exch_ts": rng.randrange(-2**63, 2**63) if rng.random() < 0.05
         else 1700000000000000000 + seq * 1000,
         "recv_ts": 1700000000000000000 + seq * 1000 + rng.randrange(0, 10**6)}
    # Defaults (native = symbol, decimals 8/8) are exercised by dropping
    # fields only where they equal the default.
    if native != symbol or rng.random() < 0.5:
        o["native"] = native
    if pd != 8 or rng.random() < 0.5:
        o["price_decimals"] = pd
    if qd != 8 or rng.random() < 0.5:
        o["qty_decimals"] = qd
    flags = [f for f in FLAG_NAMES if rng.random() < 0.3]
    if "buy" in flags and "sell" in flags and rng.random() < 0.7:
        flags.remove("sell")
    if rng.random() < 0.03:
        flags.append("0x80")
    if kind in ("trade", "l2") and rng.random() < 0.2 and not ("buy" in flags and "sell" in flags):
        # side only, no flags: replay derives the flag bit from side
        side = "buy" if "buy" in flags else "sell" if "sell" in flags else "unknown"
        if kind == "l2" and side != "unknown":
            side = {"buy": "bid", "sell": "ask"}[side]
        o["side"] = side
        flags = [f for f in flags if f not in ("buy", "sell")]
        if flags or rng.random() < 0.5:
            # flags present too: then side must agree with them
            o["flags"] = flags + ([{"bid": "buy", "ask": "sell"}.get(side, side)]
                                  if side not in ("unknown",) else [])
    else:
        o["flags"] = flags
    if kind == "trade":
        o["price"] = dec(mantissa(rng), pd, rng)
        o["qty"] = dec(mantissa(rng), qd, rng)
        o["trade_id"] = rng.choice([rng.randrange(0, 2**63), str(rng.randrange(2**63, 2**64))])
    elif kind == "bbo":
        for k, d in (("bid_px", pd), ("bid_qty", qd), ("ask_px", pd), ("ask_qty", qd)):
            o[k] = dec(mantissa(rng), d, rng)
    elif kind == "l2":
        o["price"] = dec(mantissa(rng), pd, rng)
        o["qty"] = dec(mantissa(rng), qd, rng) if rng.random() < 0.8 else "0"
        o["update_id"] = rng.randrange(0, 2**63)
    else:
        o["status"] = rng.choice(["up", "down", "stale", "failed"])
        o["session"] = rng.randrange(0, 2**32)
        o["reason"] = rng.randrange(0, 100)
    if rng.random() < 0.3:
        o["seq"] = rng.randrange(0, 10**6)  # ignored by replay
    return o


def gen_file(n, seed, name="in.jsonl"):
    rng = random.Random(seed)
    ticks = [gen_tick(rng, i) for i in range(n)]
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        for t in ticks:
            f.write(json.dumps(t) + "\n")
    return path, ticks


# ---- expected view of an input line -------------------------------------------

def expect(o):
    """What mdbus-tail --json must print for input object o (minus seq)."""
    pd = o.get("price_decimals", 8)
    qd = o.get("qty_decimals", 8)
    flags = set(o.get("flags", []))
    if "flags" not in o and o.get("side") in ("buy", "bid"):
        flags.add("buy")
    if "flags" not in o and o.get("side") in ("sell", "ask"):
        flags.add("sell")
    e = {"venue": o["venue"], "symbol": o["symbol"], "native": o.get("native", o["symbol"]),
         "price_decimals": pd, "qty_decimals": qd, "kind": o["kind"],
         "exch_ts": o["exch_ts"], "recv_ts": o["recv_ts"], "flags": flags}
    k = o["kind"]
    if k in ("trade", "l2"):
        e["price"] = Decimal(str(o["price"]))
        e["qty"] = Decimal(str(o["qty"]))
        side = {"buy"} == (flags & {"buy", "sell"}) and "buy" or \
            {"sell"} == (flags & {"buy", "sell"}) and "sell" or "unknown"
        e["side"] = side
        idk = "trade_id" if k == "trade" else "update_id"
        e[idk] = int(o.get(idk, 0))
    elif k == "bbo":
        for f in ("bid_px", "bid_qty", "ask_px", "ask_qty"):
            e[f] = Decimal(str(o[f]))
    else:
        e["status"] = o["status"]
        e["session"] = o.get("session", 0)
        e["reason"] = o.get("reason", 0)
    return e


def view(line):
    """The same view of a line mdbus-tail printed; also checks its types."""
    o = json.loads(line)
    check(isinstance(o["flags"], list), "flags not an array: " + line)
    e = {k: o[k] for k in ("venue", "symbol", "native", "price_decimals", "qty_decimals",
                           "kind", "exch_ts", "recv_ts")}
    e["flags"] = set(o["flags"])
    for k in ("price", "qty", "bid_px", "bid_qty", "ask_px", "ask_qty"):
        if k in o:
            check(isinstance(o[k], str), "%s not a string: %s" % (k, line))
            e[k] = Decimal(o[k])
    for k in ("side", "status", "session", "reason"):
        if k in o:
            e[k] = o[k]
    for k in ("trade_id", "update_id"):
        if k in o:
            e[k] = int(o[k])
    return o["seq"], e


def compare(inputs, lines, first_seq=1, what="output"):
    check(len(lines) == len(inputs), "%s: %d lines, expected %d" % (what, len(lines), len(inputs)))
    for i, (o, line) in enumerate(zip(inputs, lines)):
        seq, got = view(line)
        want = expect(o)
        if first_seq is not None:
            check(seq == first_seq + i, "%s line %d: seq %d, expected %d" %
                  (what, i + 1, seq, first_seq + i))
        if got != want:
            diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
                    if want.get(k) != got.get(k)}
            fail("%s line %d differs (field: (expected, got)): %s\n  input: %s\n  output: %s"
                 % (what, i + 1, diff, json.dumps(o), line))


# ---- running the tools -----------------------------------------------------------

def start_replay(b, path, *args):
    p = subprocess.Popen([*WRAP, REPLAY, "-b", b, *args, path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    PROCS.append(p)
    return p


def wait_published(p):
    """Reads replay's stderr until its summary line (printed before --hold)."""
    lines = []
    while True:
        line = p.stderr.readline()
        check(line != "", "replay ended before publishing: %s" % "".join(lines))
        lines.append(line)
        if "ticks published" in line:
            return "".join(lines)


def stop_replay(p):
    p.send_signal(signal.SIGTERM)
    rest = p.stderr.read()
    rc = p.wait(timeout=10)
    return rc, rest


def tail(b, *args, timeout=30, env=None):
    argv = [*WRAP, TAIL, *args] if b is None else [*WRAP, TAIL, "-b", b, *args]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    return r.returncode, r.stdout.splitlines(), r.stderr


def publish_file(b, path, *args):
    """Replays path with --hold and waits until every tick is on the bus."""
    p = start_replay(b, path, "--hold", "30", *args)
    summary = wait_published(p)
    return p, summary


# ---- cases --------------------------------------------------------------------------

def case_roundtrip(n=3000):
    path, ticks = gen_file(n, seed=os.getpid())
    b1 = bus("rt")
    p, summary = publish_file(b1, path)
    check(" %d ticks published" % n in summary, "replay summary: " + summary)
    rc, out1, err = tail(b1, "--json", "--from-start", "--count", str(n), "--timeout", "20")
    check(rc == 0, "tail rc %d: %s" % (rc, err))
    compare(ticks, out1, what="recording")
    rc, rest = stop_replay(p)
    check(rc == 0, "replay rc %d after SIGTERM: %s" % (rc, rest))

    # Replaying the recording must reproduce it bit for bit (seq included,
    # since the whole recording is replayed onto a fresh bus).
    rec = os.path.join(TMP, "rec.jsonl")
    with open(rec, "w") as f:
        f.write("\n".join(out1) + "\n")
    b2 = bus("rt2")
    p2, summary = publish_file(b2, rec)
    rc, out2, err = tail(b2, "--json", "--from-start", "--count", str(n), "--timeout", "20")
    check(rc == 0, "tail rc %d: %s" % (rc, err))
    check(out2 == out1, "second replay differs from the first recording")
    stop_replay(p2)

    # Default text output: one line per tick, the decimals as formatted.
    rc, text, err = tail(b2, "--from-start", "--count", "50", "--timeout", "20")
    check(rc == 0 and len(text) == 50, "text tail: rc %d, %d lines" % (rc, len(text)))
    for o, line in zip(out1[:50], text):
        j = json.loads(o)
        check(j["venue"] in line and j["symbol"] in line and j["kind"] in line,
              "text line lacks venue/symbol/kind: %s" % line)
        if j["kind"] == "trade":
            check("%s @ %s" % (j["qty"], j["price"]) in line, "text trade: " + line)


def case_filters():
    n = 1500
    path, ticks = gen_file(n, seed=os.getpid() + 1)
    b = bus("flt")
    p, _ = publish_file(b, path)

    def run(pred, *args):
        want = [t for t in ticks if pred(t)]
        check(len(want) > 0, "generator produced no tick for %s" % (args,))
        # --count stops exactly at the last match ...
        rc, out, err = tail(b, "--json", "--from-start", "--count", str(len(want)),
                            "--timeout", "20", *args)
        check(rc == 0, "tail %s rc %d: %s" % (args, rc, err))
        compare(want, out, first_seq=None, what="filter %s" % (args,))
        # ... and with --timeout alone nothing else shows up.
        t0 = time.monotonic()
        rc, out2, err = tail(b, "--json", "--from-start", "--timeout", "1", *args)
        el = time.monotonic() - t0
        check(rc == 0 and out2 == out, "filter %s with --timeout: rc %d, %d lines vs %d"
              % (args, rc, len(out2), len(out)))
        check(el >= 1, "--timeout 1 returned after %.3f s" % el)

    run(lambda t: t["venue"] == "kraken", "--venue", "kraken")
    run(lambda t: t["symbol"] == "BTC-USDT", "--symbol", "BTC-USDT")
    run(lambda t: t["symbol"] == "BTC-USD", "--symbol", "XBT/USD")  # native name
    run(lambda t: t["kind"] in ("trade", "bbo"), "--kind", "trade,bbo")
    run(lambda t: t["kind"] in ("l2", "status"), "--kind", "l2", "--kind", "status")
    run(lambda t: t["venue"] in ("binance", "coinbase") and t["kind"] == "trade",
        "--venue", "binance,coinbase", "--kind", "trade")
    run(lambda t: t["symbol"] in ("ETH-USDT", "SOL-USD") and t["kind"] != "status",
        "--symbol", "ETH-USDT", "--symbol", "SOL-USD", "--kind", "trade,bbo,l2")
    # a filter matching nothing prints nothing and still ends at --timeout
    rc, out, err = tail(b, "--from-start", "--venue", "nowhere", "--timeout", "0.3")
    check(rc == 0 and out == [], "empty filter: rc %d, %d lines" % (rc, len(out)))
    for bad in (["--kind", "quote"], ["--kind", "trade,"], ["--count", "0"],
                ["--count", "x"], ["--timeout", "soon"], ["--venue", ""], ["extra"]):
        rc, out, err = tail(b, *bad)
        check(rc == 2 and "mdbus-tail" in err, "bad option %s: rc %d, %s" % (bad, rc, err))
    stop_replay(p)


def case_count_timeout():
    path, ticks = gen_file(2000, seed=os.getpid() + 2)
    b = bus("cnt")
    p, _ = publish_file(b, path)
    rc, out, err = tail(b, "--json", "--from-start", "--count", "7")
    check(rc == 0 and len(out) == 7, "--count 7: rc %d, %d lines" % (rc, len(out)))
    compare(ticks[:7], out)
    # counts in the units grammar (mdbus_units.h): 1k, 1.5k, 1Ki
    for spell, n in (("1k", 1000), ("1.5k", 1500), ("1Ki", 1024)):
        rc, out, err = tail(b, "--json", "--from-start", "--count", spell)
        check(rc == 0 and len(out) == n, "--count %s: rc %d, %d lines" % (spell, rc, len(out)))
    compare(ticks[:1024], out)
    rc, out, err = tail(b, "--count", "1.5")
    check(rc == 2 and "--count 1.5" in err, "--count 1.5: rc %d %r" % (rc, err))
    # live bus, no new ticks: --timeout ends a blocked wait, prints nothing
    t0 = time.monotonic()
    rc, out, err = tail(b, "--timeout", "0.4")
    el = time.monotonic() - t0
    check(rc == 0 and out == [], "--timeout on an idle bus: rc %d, %d lines" % (rc, len(out)))
    check(0.4 <= el < 5, "--timeout 0.4 took %.3f s" % el)
    rc, out, err = tail(b, "--timeout", "250ms")
    check(rc == 0, "--timeout 250ms: rc %d" % rc)
    # idle means blocked in the futex, not spinning: ~no CPU over 1.5 s
    t = subprocess.Popen([*WRAP, TAIL, "-b", b, "--timeout", "1.5"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(t.pid, 0)
    t.returncode = os.waitstatus_to_exitcode(status)
    cpu = ru.ru_utime + ru.ru_stime
    check(t.returncode == 0 and cpu < 0.3, "idle tail: rc %d, %.3f s CPU in 1.5 s"
          % (t.returncode, cpu))

    # SIGINT/SIGTERM while blocked in the futex wait (a filter keeps the
    # output far below a pipe's capacity), and while blocked writing to a
    # full pipe nobody reads (2000 text lines): both end promptly with 0.
    for sig, extra in ((signal.SIGINT, ["--venue", "kraken", "--kind", "status"]),
                       (signal.SIGTERM, []), (signal.SIGINT, [])):
        t = subprocess.Popen([*WRAP, TAIL, "-b", b, "--from-start", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        PROCS.append(t)
        t.stdout.readline()  # it has printed, so its handlers are installed
        time.sleep(0.3)
        check(t.poll() is None, "tail %s should still be running" % extra)
        t.send_signal(sig)
        rc = t.wait(timeout=5)
        check(rc == 0, "signal %d with %s: rc %d" % (sig, extra, rc))

    # a reader that goes away (pipe closed): tail ends cleanly, not by SIGPIPE
    t = subprocess.Popen([*WRAP, TAIL, "-b", b, "--json", "--from-start"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    PROCS.append(t)
    first = t.stdout.readline()
    check(json.loads(first)["seq"] == 1, "first line via pipe: %r" % first)
    t.stdout.close()
    rc = t.wait(timeout=10)
    check(rc == 0, "closed pipe: rc %d (negative = killed by a signal)" % rc)

    # replay paced at --rate: 200 ticks at 1000/s take ~0.2 s, not 0
    b2 = bus("rate")
    small = os.path.join(TMP, "small.jsonl")
    with open(small, "w") as f:
        f.write("".join(json.dumps(o) + "\n" for o in ticks[:200]))
    t0 = time.monotonic()
    r = subprocess.run([*WRAP, REPLAY, "-b", b2, "--rate", "1000", small], capture_output=True,
                       text=True, timeout=30)
    el = time.monotonic() - t0
    check(r.returncode == 0, "replay --rate: rc %d %s" % (r.returncode, r.stderr))
    check(0.18 <= el < 5, "200 ticks at --rate 1000 took %.3f s" % el)
    # --loop publishes the file again and again until stopped
    b3 = bus("loop")
    lp = start_replay(b3, small, "--loop", "--rate", "20k")
    time.sleep(0.5)
    rc, out, err = tail(b3, "--json", "--count", "300", "--timeout", "20")
    check(rc == 0 and len(out) == 300, "--loop tail: rc %d, %d lines" % (rc, len(out)))
    seqs = [json.loads(line)["seq"] for line in out]
    check(seqs == list(range(seqs[0], seqs[0] + 300)) and seqs[-1] > 200,
          "--loop seqs not contiguous beyond one pass: %s..%s" % (seqs[0], seqs[-1]))
    rc, rest = stop_replay(lp)
    check(rc == 0 and "passes" in rest, "--loop stop: rc %d %s" % (rc, rest))
    stop_replay(p)


def case_badline():
    good = [{"venue": "v", "symbol": "A-B", "kind": "trade", "exch_ts": i, "recv_ts": i,
             "price": "1.5", "qty": str(i), "price_decimals": 2, "qty_decimals": 0}
            for i in range(1, 5)]
    lines = [json.dumps(good[0]),
             '{"venue":"v","symbol":"A-B","kind":"trade"',                      # 2
             json.dumps(good[1]),
             "",                                                                 # blank: ok
             json.dumps(dict(good[2], price="1.234")),                           # 5
             json.dumps(dict(good[2], price=1.5)),                               # 6
             json.dumps(good[2]),
             json.dumps(dict(good[3], price_decimals=3)),                        # 8
             json.dumps(good[3])]
    path = os.path.join(TMP, "bad.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    b = bus("bad")
    r = subprocess.run([*WRAP, REPLAY, "-b", b, path], capture_output=True, text=True, timeout=30)
    check(r.returncode == 1, "replay with bad lines: rc %d" % r.returncode)
    for ln, why in ((2, "invalid JSON"), (5, "decimal places"), (6, "float"),
                    (8, "redefined")):
        check("%s:%d: " % (path, ln) in r.stderr and why in r.stderr,
              "no '%s:%d: ...%s' in: %s" % (path, ln, why, r.stderr))
    check("4 bad lines" in r.stderr, "bad-line summary missing: " + r.stderr)
    check(" 4 ticks published" in r.stderr, "good lines not published: " + r.stderr)
    # the good ticks are on the (kept, STOPPED) bus
    rc, out, err = tail(b, "--json", "--from-start", "--count", "4", "--timeout", "10")
    check(rc == 0, "tail after bad replay: rc %d %s" % (rc, err))
    compare(good, out)
    # a bus with a live writer: the second writer is refused, exit 2
    p = start_replay(b, path, "--hold", "30")
    wait_published(p)
    r = subprocess.run([*WRAP, REPLAY, "-b", b, path], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 2 and b in r.stderr, "busy bus: rc %d %s" % (r.returncode, r.stderr))
    stop_replay(p)
    # --unlink removes the segment at exit (the default keeps it)
    r = subprocess.run([*WRAP, REPLAY, "-b", b, "--unlink", path], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 1 and not os.path.exists("/dev/shm/mdbus-" + b),
          "--unlink: rc %d, segment still there: %s" % (r.returncode,
                                                        os.path.exists("/dev/shm/mdbus-" + b)))
    rc, out, err = tail(b)
    check(rc == 2, "tail after --unlink: rc %d" % rc)
    # missing file, no file, unknown option
    r = subprocess.run([*WRAP, REPLAY, "-b", b, os.path.join(TMP, "nope.jsonl")],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "nope.jsonl" in r.stderr, "missing file: %d %s"
          % (r.returncode, r.stderr))
    for bad in ([], ["--rate", "fast", path], ["--slots", "100", path], [path, path]):
        r = subprocess.run([*WRAP, REPLAY, "-b", b, *bad], capture_output=True, text=True, timeout=10)
        check(r.returncode == 2 and "mdbus-replay" in r.stderr,
              "bad args %s: rc %d %s" % (bad, r.returncode, r.stderr))


def case_missingbus():
    b = bus("miss")
    rc, out, err = tail(b)
    check(rc == 2, "missing bus: rc %d" % rc)
    check(b in err and "--wait-bus" in err, "missing bus message: " + err)
    # $MDBUS_BUS is the default bus name
    env = dict(os.environ, MDBUS_BUS=b)
    rc, out, err = tail(None, env=env)
    check(rc == 2 and b in err, "MDBUS_BUS: rc %d %s" % (rc, err))
    rc, out, err = tail("bad/name")
    check(rc == 2 and "bad bus name" in err, "bad name: rc %d %s" % (rc, err))
    t0 = time.monotonic()
    rc, out, err = tail(b, "--wait-bus", "--timeout", "0.3")
    check(rc == 0 and out == [] and time.monotonic() - t0 >= 0.3,
          "--wait-bus --timeout: rc %d" % rc)



def wait_stderr(t, text, acc):
    """Reads t's stderr lines into acc until one contains text."""
    while True:
        line = t.stderr.readline()
        check(line != "", "tail ended before saying '%s': %s" % (text, "".join(acc)))
        acc.append(line)
        if text in line:
            return


def case_follow():
    """--wait-bus: the bus appears later; its writer stops and a new one takes
    the name over; that one is killed (SIGKILL, idle in --hold) and a third
    appears: tail says what happened each time and follows."""
    b = bus("follow")
    env = dict(os.environ, MDBUS_BUS=b)
    path, ticks = gen_file(40, seed=os.getpid() + 3)
    t = subprocess.Popen([*WRAP, TAIL, "--json", "--wait-bus", "--from-start", "--count", "120",
                          "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    PROCS.append(t)
    err = []
    time.sleep(0.3)
    r = subprocess.run([*WRAP, REPLAY, path], capture_output=True, text=True, timeout=30, env=env)
    check(r.returncode == 0, "replay 1: %s" % r.stderr)
    wait_stderr(t, "writer stopped", err)
    p = start_replay(b, path, "--hold", "60")
    wait_stderr(t, "new writer", err)
    wait_published(p)
    p.kill()  # dies without closing: the segment still says RUNNING
    p.wait()
    wait_stderr(t, "writer died", err)  # noticed through the writer's name lock
    r = subprocess.run([*WRAP, REPLAY, path], capture_output=True, text=True, timeout=30, env=env)
    check(r.returncode == 0, "replay 3: %s" % r.stderr)
    out = t.stdout.read()
    err.append(t.stderr.read())
    err = "".join(err)
    t.wait(timeout=30)
    check(t.returncode == 0, "following tail: rc %d %s" % (t.returncode, err))
    lines = out.splitlines()
    msgs = [m for m in err.splitlines() if "writer" in m]
    check(len(msgs) == 4 and "writer stopped" in msgs[0] and "new writer" in msgs[1] and
          "writer died" in msgs[2] and "new writer" in msgs[3], "follow messages: " + err)
    compare(ticks, lines[:40], what="first writer")
    compare(ticks, lines[40:80], what="second writer")
    compare(ticks, lines[80:], what="third writer")


def gap_sizes(err):
    sizes = []
    for line in err.splitlines():
        if "gap:" in line:
            check(line.startswith("mdbus-tail: gap: ") and line.endswith(" ticks missed"),
                  "gap line format: " + line)
            sizes.append(int(line.split("gap:")[1].split()[0]))
    return sizes


def case_lap():
    n, slots = 3000, 64
    path, ticks = gen_file(n, seed=os.getpid() + 4)

    # 1. A --from-start reader that starts after the ring wrapped many times:
    # what was overwritten before it attached is reported as one gap.
    b = bus("lap")
    p, summary = publish_file(b, path, "--slots", str(slots))
    check(" %d ticks published" % n in summary, "replay: " + summary)
    rc, out, err = tail(b, "--json", "--from-start", "--timeout", "1")
    check(rc == 0, "lapped tail rc %d %s" % (rc, err))
    gaps = gap_sizes(err)
    check(len(gaps) == 1, "expected one gap report, stderr: " + err)
    missed = gaps[0]
    check(n - slots <= missed < n, "missed %d of %d with %d slots" % (missed, n, slots))
    check(missed + len(out) == n, "missed %d + read %d != published %d"
          % (missed, len(out), n))
    compare(ticks[missed:], out, first_seq=missed + 1, what="after the late start")
    rc, rest = stop_replay(p)
    check(rc == 0, "replay rc %d" % rc)

    # 2. An attached reader that falls behind (stopped with SIGSTOP while the
    # writer keeps publishing at --rate): the library's lap, with its size.
    b2 = bus("lap2")
    rp = start_replay(b2, path, "--slots", str(slots), "--rate", "3000", "--hold", "30")
    t = subprocess.Popen([*WRAP, TAIL, "-b", b2, "--json", "--wait-bus", "--from-start",
                          "--timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    PROCS.append(t)
    first = t.stdout.readline()
    t.send_signal(signal.SIGSTOP)
    wait_published(rp)
    t.send_signal(signal.SIGCONT)
    time.sleep(0.5)
    stop_replay(rp)  # tail sees "writer stopped", then ends at its timeout
    t.send_signal(signal.SIGTERM)
    # read through the same buffered file object readline() used
    rest = t.stdout.read()
    err = t.stderr.read()
    t.wait(timeout=30)
    check(t.returncode == 0, "lap2 tail rc %d %s" % (t.returncode, err))
    lines = [first] + rest.splitlines()
    for x in lines:
        try:
            json.loads(x)
        except ValueError:
            fail("not JSON: %r (stderr %s)" % (x[:300], err))
    seqs = [json.loads(x)["seq"] for x in lines]
    gaps = gap_sizes(err)
    check(len(gaps) >= 1, "no gap reported while stopped: " + err)
    check(sum(gaps) + len(lines) == n, "gaps %s + read %d != published %d"
          % (gaps, len(lines), n))
    # every jump in the printed sequence is one reported gap, in order
    jumps = [b - a - 1 for a, b in zip(seqs, seqs[1:]) if b != a + 1]
    if seqs[0] != 1:
        jumps.insert(0, seqs[0] - 1)
    check(jumps == gaps, "sequence jumps %s != reported gaps %s" % (jumps, gaps))
    check(max(gaps) > slots, "the stop should have lapped the %d-slot ring: %s" % (slots, gaps))
    for x in lines:
        seq, got = view(x)
        check(got == expect(ticks[seq - 1]), "tick %d differs after the lap" % seq)


def case_valgrind():
    vg = sys.argv[4]
    WRAP[:] = [vg, "-q", "--error-exitcode=99", "--leak-check=full",
               "--errors-for-leak-kinds=definite,indirect,possible", "--show-leak-kinds=all"]
    case_roundtrip(300)
    case_badline()
    case_follow()


CASES = {"roundtrip": case_roundtrip, "filters": case_filters,
         "count_timeout": case_count_timeout, "badline": case_badline,
         "missingbus": case_missingbus, "follow": case_follow, "lap": case_lap,
         "valgrind": case_valgrind}

if __name__ == "__main__":
    try:
        CASES[CASE]()
    except subprocess.TimeoutExpired as e:
        fail("timed out: %s" % (e,))
    finally:
        cleanup()  # also after an unexpected exception (which then fails the test)
    print("ok: " + CASE)
    sys.exit(0)
