#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`mdbus-bench scale --sessions 1,5 --duration 2s --json`: the driver runs
both sizes and reports every field, with values that make sense (not speed).

  test_scale.py MDBUS_BENCH
"""
import json
import subprocess
import sys


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check_run(r, n):
    for k in ("sessions", "sims", "seconds_to_live", "rss_bytes", "hwm_bytes", "fds", "ticks",
              "ticks_per_s", "cpu_ns_per_tick", "cpu_fraction", "health_size_bytes",
              "segment_bytes", "consumer", "loop_health", "loop_window", "loop_trace", "feedd_exit",
              "ok"):
        if k not in r:
            fail(f"{n} sessions: no field {k}")
    if not r["ok"] or r["feedd_exit"] != 0 or r["sessions"] != n or r["sims"] < 1:
        fail(f"{n} sessions: not ok: {r}")
    if not (1 << 20) < r["rss_bytes"] <= r["hwm_bytes"] < (1 << 30):
        fail(f"{n} sessions: RSS {r['rss_bytes']} / HWM {r['hwm_bytes']}")
    if not n < r["fds"] < n + 64:  # a socket per session, the ring, signalfd, bus, stdio
        fail(f"{n} sessions: {r['fds']} descriptors")
    if r["ticks"] <= 0 or r["ticks_per_s"] <= 0 or not r["cpu_ns_per_tick"] > 0:
        fail(f"{n} sessions: no ticks or no CPU per tick: {r}")
    if not 0 < r["cpu_fraction"] <= 1.0:
        fail(f"{n} sessions: CPU fraction {r['cpu_fraction']}")
    if r["health_size_bytes"] <= 0 or r["segment_bytes"] <= r["health_size_bytes"]:
        fail(f"{n} sessions: segment sizes {r['health_size_bytes']} {r['segment_bytes']}")
    lw, lh = r["loop_window"], r["loop_health"]
    if not lw or lw["iterations"] <= 0 or not 0 < lw["p50"] <= lw["p99"]:
        fail(f"{n} sessions: loop iterations in the window: {lw}")
    if not lh or lh["count"] < lw["iterations"] or not lh["p99"] > 0:
        fail(f"{n} sessions: loop histogram over feedd's life: {lh}")
    c = r["consumer"]
    if not c or c["ticks"] <= 0 or c["instruments"] != n:
        fail(f"{n} sessions: consumer {c}")
    if not 0 < c["p50_us"] <= c["p99_us"] <= c["max_us"]:
        fail(f"{n} sessions: latency percentiles out of order: {c}")


def main():
    argv = [sys.argv[1], "scale", "--sessions", "1,5", "--rate", "500", "--duration", "2s",
            "--json"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        fail(f"exit {r.returncode}")
    doc = json.loads(r.stdout)
    if doc.get("mode") != "scale" or doc.get("rate") != 500 or len(doc.get("runs", [])) != 2:
        fail(f"document: {r.stdout[:300]}")
    for run, n in zip(doc["runs"], (1, 5)):
        check_run(run, n)
    print(json.dumps(doc["runs"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
