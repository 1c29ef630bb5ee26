#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke run of `mdbus-bench python --quick --json` (python/bench.py): the JSON
is checked for sanity (every figure present, finite and positive, every
latency run saw its ticks), not for speed. Usage: bench_smoke.py MDBUS_BENCH"""
import json
import math
import subprocess
import sys

out = subprocess.run([sys.argv[1], "python", "--quick", "--json"],
                     capture_output=True, text=True, timeout=240)
if out.returncode != 0:
    sys.exit(f"mdbus-bench python failed ({out.returncode}): {out.stderr}")
r = json.loads(out.stdout)
bad = []
for k in ("read_batch_ticks_per_s", "read_batch_1Mi_ring_ticks_per_s", "next_ticks_per_s",
          "next_with_price_ticks_per_s"):
    if not all(math.isfinite(v) and v > 0 for v in r[k]):
        bad.append(k)
for k in ("latency_spin", "latency_sleep"):
    v = r[k]
    if not (v["ticks"] > 1000 and v["published"] and v["ticks"] + v["missed"] <= v["published"]
            and 0 < v["p50_us"] <= v["p99_us"]):
        bad.append(k)
if not r["desk_stack_msgs_per_s"] > 0:
    bad.append("desk_stack_msgs_per_s")
if bad:
    sys.exit(f"insane figures: {bad}: {r}")
print(json.dumps(r))
