#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Many sessions on feedd's one thread (the short form of `mdbus-bench scale`).

  test_scale.py sessions50

1. mdbus-sim (TLS) and feedd with 50 binance sessions of one trade stream
   each; most URLs name 127.0.0.1, every tenth `localhost` (so names still go
   through the resolver while 50 sessions start at once).
2. All 50 go live: the log's state lines, and mdbus-top --json lists 50 live
   session records.
3. Ticks flow from every one of them: mdbus-tail sees a trade of each of the
   50 instruments, with recv_ts set.
4. SIGTERM: feedd exits 0 and its exit_fds line shows as many descriptors as
   it had at start (every socket, the ring, the resolver's closed); its
   exit_tls_pool line shows OpenSSL's record buffers came from the pools.
Paths: MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL, MDBUS_TOP (meson sets them).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

N = 50
TOP = os.environ.get("MDBUS_TOP", "mdbus-top")
LIVE = re.compile(r"\bsession=(s\d+) venue=\S+ state=live event=state from=subscribing\b", re.I)


def scale_config(d, bus, port, ca):
    lines = [f"[bus]\nname = {bus}\nslots = 16384\n", "[feed]", "shutdown_timeout = 10s",
             f"ca_file = {ca}", "connect_rate = 100/s", "venue = binance",
             "channels = trades", "handshake_timeout = 60s", "stale_timeout = 60s", ""]
    for i in range(N):
        host = "localhost" if i % 10 == 0 else "127.0.0.1"
        lines.append(f"[session s{i:02d}]\nurl = wss://{host}:{port}/ws\n"
                     f"symbols = X{i:02d}-USDT\n")
    p = os.path.join(d, "scale.ini")
    with open(p, "w") as f:
        f.write("\n".join(lines))
    return p


def live_count(feedd):
    with feedd.proc.cv:
        lines = list(feedd.proc.lines)
    return len({m.group(1) for m in map(LIVE.search, lines) if m})


def wait_live(feedd, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live_count(feedd) == N:
            return
        check(feedd.proc.p.poll() is None, f"feedd exited {feedd.proc.p.returncode}")
        time.sleep(0.2)
    raise E.TestFailure(f"{live_count(feedd)}/{N} sessions live after {timeout}s")


def top_live(bus):
    r = subprocess.run([TOP, "-b", bus, "--json"], capture_output=True, text=True, timeout=60)
    doc = json.loads(r.stdout.strip().split("\n")[-1])
    sess = doc.get("sessions", [])
    live = sum(1 for s in sess if s.get("state") == "live")
    log(f"mdbus-top: {len(sess)} session records, {live} live")
    check(len(sess) == N and live == N, f"mdbus-top: {live}/{len(sess)} live, want {N}")


def scenario_sessions50():
    d = E.tmpdir("scale")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--rate", "20", "--ping-interval", "60s"])
    bus = E.bus_name("scale")
    feedd = E.Feedd(scale_config(d, bus, sim.port, os.path.join(d, "ca.pem")))
    wait_live(feedd, 90)
    log(f"all {N} sessions live")
    top_live(bus)

    ticks, _ = E.tail_json(bus, 4)
    trades = [t for t in ticks if t.get("kind") == "trade"]
    syms = {t.get("symbol") for t in trades}
    want = {f"X{i:02d}-USDT" for i in range(N)}
    log(f"mdbus-tail: {len(ticks)} ticks, {len(trades)} trades, {len(syms & want)} instruments")
    check(want <= syms, f"no trade from {sorted(want - syms)[:10]}")
    check(all(t.get("recv_ts", 0) > 0 for t in trades), "a trade without recv_ts")

    feedd.proc.signal(signal.SIGTERM)
    rc = feedd.proc.wait(60)
    check(rc == 0, f"feedd exit {rc} after SIGTERM, want 0")
    _, m = feedd.wait(r"event=exit_fds fds=(\d+) start_fds=(\d+)", 5)
    log(f"exit_fds: {m.group(1)} open at exit, {m.group(2)} at start")
    check(m.group(1) == m.group(2), f"descriptors left at exit: {m.group(1)} vs {m.group(2)}")
    # OpenSSL's record buffers came from feedd's pools (feedd/proto/tlsmem.h), none from
    # malloc because a pool ran out; at most two (read, write) per connection at once.
    _, m = feedd.wait(r"event=exit_tls_pool hits=(\d+) full=(\d+) record_blocks=(\d+)", 5)
    log(f"exit_tls_pool: {m.group(1)} pool allocations, full {m.group(2)}, "
        f"{m.group(3)} record blocks at most")
    check(int(m.group(1)) > 0, "no allocation from the TLS pools")
    check(int(m.group(2)) == 0, f"a TLS pool ran out {m.group(2)} times")
    check(0 < int(m.group(3)) <= 2 * N, f"{m.group(3)} record blocks in use at once, {N} sessions")
    return 0


if __name__ == "__main__":
    sys.exit(E.main({"sessions50": scenario_sessions50}, sys.argv))
