#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmarks of the mdbus Python module (not tests: figures, no pass/fail).

  PYTHONPATH=build/python/ext python3 python/bench.py [--build build] [--quick] [--json]

Measures, each on its own bus written by build/python/tests/bench_pub:
  read_batch   ticks/s of Reader.read_batch(65536) over a full ring of 64 Ki ticks (4 MiB,
               in cache, as mdbus-bench throughput's local_read), and over 1 Mi ticks
               (64 MiB, from memory)
  next         ticks/s of Reader.next() (Tick objects), and with .price read (a Decimal),
               over the 64 Ki ring
  latency      publish -> visible in Python at 100 k ticks/s: time.time_ns() when next()
               returns minus the tick's recv_ts (CLOCK_REALTIME at publish), p50/p99,
               with a spinning reader (spin=...) and a sleeping one (futex wake-up)
  desk stack   what a desk's Python stack pays today per Binance trade message, parse
               cost only: a WebSocket frame through python3-websockets' parser, json.loads,
               and Decimal of price and quantity
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal

import mdbus

BINANCE_TRADE = (b'{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":3456789012,'
                 b'"p":"65000.10000000","q":"0.00123000","T":1700000000122,"m":false,"M":true}')


class Pub:
    count = 0

    def __init__(self, exe, *args):
        Pub.count += 1
        self.name = f"pybench-{os.getpid()}-{Pub.count}"
        self.p = subprocess.Popen([exe, args[0], self.name, *map(str, args[1:])],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"bench_pub did not start: {line!r}")

    def done(self):
        line = self.p.stdout.readline().split()
        return int(line[1]) if len(line) == 2 and line[0] == "done" else None

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def bench_read_batch(exe, ticks, passes):
    """Median ticks/s of read_batch(65536) over a full ring of `ticks`, a new reader per pass."""
    pub = Pub(exe, "fill", ticks, ticks)
    try:
        bus, rates = mdbus.open(pub.name), []
        for _ in range(passes):
            r = bus.reader(start="oldest")
            n, t0 = 0, time.perf_counter()
            while n < ticks:
                n += len(r.read_batch(65536))
            rates.append(n / (time.perf_counter() - t0))
        return statistics.median(rates), max(rates)
    finally:
        pub.close()


def bench_next(exe, ticks, passes):
    pub = Pub(exe, "fill", ticks, ticks)
    try:
        bus, plain, priced = mdbus.open(pub.name), [], []
        for _ in range(passes):
            r = bus.reader(start="oldest")
            nxt, t0 = r.next, time.perf_counter()
            for _ in range(ticks):
                nxt(0)
            plain.append(ticks / (time.perf_counter() - t0))
            r = bus.reader(start="oldest")
            nxt, t0 = r.next, time.perf_counter()
            for _ in range(ticks):
                nxt(0).price
            priced.append(ticks / (time.perf_counter() - t0))
        return (statistics.median(plain), max(plain)), (statistics.median(priced), max(priced))
    finally:
        pub.close()


def bench_latency(exe, rate, seconds, spin):
    pub = Pub(exe, "rate", rate, seconds)
    try:
        r = mdbus.open(pub.name).reader(start="oldest", spin=spin)
        lat, now = [], time.time_ns
        end = time.monotonic() + seconds + 5
        while time.monotonic() < end:
            t = r.next(timeout=0.5)
            if t is None:
                break
            lat.append(now() - t.recv_ts)
        published = pub.done()
        lat.sort()
        cut = lat[len(lat) // 10:]      # the first tenth warms up
        return {"ticks": len(lat), "published": published, "missed": r.missed,
                "p50_us": cut[len(cut) // 2] / 1e3, "p99_us": cut[len(cut) * 99 // 100] / 1e3}
    finally:
        pub.close()


def bench_desk(messages):
    """python3-websockets' frame parser + json.loads + Decimal, per Binance trade."""
    from websockets.frames import Frame
    from websockets.streams import StreamReader
    frame = bytes([0x81, 126]) + len(BINANCE_TRADE).to_bytes(2, "big") + BINANCE_TRADE
    reader = StreamReader()
    reader.feed_data(frame * messages)
    loads, parse, read_exact = json.loads, Frame.parse, reader.read_exact
    t0 = time.perf_counter()
    for _ in range(messages):
        g = parse(read_exact, mask=False)
        try:
            next(g)
            raise SystemExit("frame parser wanted more data")
        except StopIteration as e:
            f = e.value
        d = loads(f.data)
        Decimal(d["p"]), Decimal(d["q"])
    return messages / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="meson build dir (bench_pub)")
    ap.add_argument("--quick", action="store_true", help="small runs (a smoke test)")
    ap.add_argument("--json", action="store_true", help="one JSON document")
    a = ap.parse_args()
    exe = os.path.join(a.build, "python", "tests", "bench_pub")
    ring, passes, secs = (1 << 16, 3, 0.5) if a.quick else (1 << 16, 40, 3.0)
    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "loadavg_1m": os.getloadavg()[0], "cpus": os.cpu_count(),
           "python": sys.version.split()[0]}
    res["read_batch_ticks_per_s"] = bench_read_batch(exe, ring, passes)
    res["read_batch_1Mi_ring_ticks_per_s"] = bench_read_batch(exe, 1 << (16 if a.quick else 20),
                                                              3)
    res["next_ticks_per_s"], res["next_with_price_ticks_per_s"] = bench_next(exe, ring,
                                                                            passes // 4 + 1)
    res["latency_spin"] = bench_latency(exe, 100000, secs, spin=0.001)
    res["latency_sleep"] = bench_latency(exe, 100000, secs, spin=0.0)
    res["desk_stack_msgs_per_s"] = bench_desk(20000 if a.quick else 200000)
    if a.json:
        print(json.dumps(res))
        return
    print(f"{res['date']}  load {res['loadavg_1m']:.2f} on {res['cpus']} CPUs, "
          f"Python {res['python']}")
    print("M ticks/s, median [best] of the passes:")
    for k, what in (("read_batch_ticks_per_s", "read_batch(65536)"),
                    ("read_batch_1Mi_ring_ticks_per_s", "read_batch, 1 Mi ring"),
                    ("next_ticks_per_s", "next()"),
                    ("next_with_price_ticks_per_s", "next() + .price")):
        print(f"{what:22s} {res[k][0] / 1e6:8.2f} [{res[k][1] / 1e6:.2f}]")
    for k in ("latency_spin", "latency_sleep"):
        v = res[k]
        print(f"{k:22s} p50 {v['p50_us']:7.2f} us  p99 {v['p99_us']:8.2f} us  "
              f"({v['ticks']} ticks at 100 k/s, missed {v['missed']})")
    d = res["desk_stack_msgs_per_s"]
    print(f"websockets+json+Decimal {d / 1e3:7.1f} k msgs/s ({1e6 / d:.2f} us per message)")


if __name__ == "__main__":
    main()
