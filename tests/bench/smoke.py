#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke test of mdbus-bench: a short run of one mode, JSON checked for sanity.

usage: smoke.py MDBUS_BENCH MODE
       (MODE: mdbus uds zmq iceoryx wait compare feed throughput stalls noise)

Checks what must hold whatever the speed of the machine: every tick is
accounted for (received + missed == published), counts are positive,
percentiles are monotonic, no latency is negative, and a transport that
cannot run says why. Exit 0 pass, 1 fail.
"""
import json
import os
import subprocess
import sys
import tempfile

PCTS = ["min", "p50", "p90", "p99", "p99.9", "p99.99", "max"]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def run(args, timeout):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    sys.stderr.write(p.stderr)
    return p


def check_latency(lat, where, count):
    vals = [lat[k] for k in PCTS]
    check(all(isinstance(v, int) and v >= 0 for v in vals), f"{where}: negative latency {vals}")
    check(vals == sorted(vals), f"{where}: percentiles not monotonic {vals}")
    check(lat["count"] == count, f"{where}: histogram count {lat['count']} != received {count}")
    check(lat["min"] <= lat["mean"] <= lat["max"], f"{where}: mean outside [min, max]")


def check_run(r, allow_skip):
    name = r["transport"]
    if r["skipped"]:
        check(allow_skip, f"{name}: skipped: {r['reason']}")
        check(isinstance(r["reason"], str) and len(r["reason"]) > 5,
              f"{name}: skipped without a reason")
        print(f"{name}: skipped: {r['reason']}")
        return
    check(not r["failed"], f"{name}: failed: {r['reason']}")
    pub = r["publisher"]
    check(pub["published"] > 0, f"{name}: nothing published")
    check(len(r["consumers"]) == r["config"]["consumers"], f"{name}: consumer count")
    total_rx = 0
    for c in r["consumers"]:
        where = f"{name} consumer {c['index']}"
        check(c["ok"], f"{where}: {c['error']}")
        check(c["end_seen"], f"{where}: END marker never arrived")
        check(c["published"] == pub["published"],
              f"{where}: saw total {c['published']} != published {pub['published']}")
        check(c["received"] > 0, f"{where}: received nothing")
        check(c["received"] + c["missed"] == c["published"],
              f"{where}: received {c['received']} + missed {c['missed']} != {c['published']}")
        check(c["missed"] == c["gap_missed"] + c["tail_missed"], f"{where}: missed split")
        check(c["negative"] == 0, f"{where}: {c['negative']} negative latencies")
        check(c["out_of_order"] == 0, f"{where}: {c['out_of_order']} out of order")
        check(c["cpu_user_s"] + c["cpu_sys_s"] > 0, f"{where}: no CPU time measured")
        if name == "mdbus":
            # the ring's own loss report must agree with the sequence holes
            check(c["transport_missed"] >= c["gap_missed"],
                  f"{where}: ring reported {c['transport_missed']} < holes {c['gap_missed']}")
        check_latency(c["latency_ns"], where, c["received"])
        ready = c["latency_ready_ns"]
        check(ready["count"] <= c["received"], f"{where}: more ready ticks than received")
        if ready["count"]:
            check_latency(ready, where + " ready", ready["count"])
            check(ready["min"] >= c["latency_ns"]["min"] and
                  ready["max"] <= c["latency_ns"]["max"], f"{where}: ready outside [min, max]")
        total_rx += c["received"]
    check(r["accounted"], f"{name}: accounting flag false")
    check(r["missed"] == sum(c["missed"] for c in r["consumers"]), f"{name}: missed total")
    # loss-adjusted percentiles: null (= among the lost ticks) sorts last,
    # and counting losses can only make a percentile worse
    inf = float("inf")
    lossy = [inf if r["latency_lossy_ns"][k] is None else r["latency_lossy_ns"][k]
             for k in PCTS[1:-1]]
    check(lossy == sorted(lossy), f"{name}: loss-adjusted percentiles not monotonic {lossy}")
    check(all(lossy[i] >= r["latency_ns"][k] for i, k in enumerate(PCTS[1:-1])),
          f"{name}: loss-adjusted percentile below the plain one")
    if r["missed"] == 0:
        check(all(lossy[i] == r["latency_ns"][k] for i, k in enumerate(PCTS[1:-1])),
              f"{name}: no loss but loss-adjusted percentiles differ")
    check_latency(r["latency_ns"], f"{name} all", total_rx)
    check(r["latency_ready_ns"]["count"] == sum(c["latency_ready_ns"]["count"]
                                                for c in r["consumers"]), f"{name}: ready merge")
    lat = r["latency_ns"]
    print(f"{name}: published {pub['published']}, p50 {lat['p50']} ns, p99 {lat['p99']} ns, "
          f"max {lat['max']} ns")


def check_floor(r, duration_s, rate):
    """An mdbus run carries its floor; any other transport says why not."""
    name, fl = r["transport"], r["floor"]
    if name != "mdbus" or r["skipped"]:
        check(not fl["ok"] and len(fl["reason"] or "") > 5, f"{name}: floor without a reason")
        return
    if not check(fl["ok"], f"mdbus: no floor: {fl['reason']}"):
        return
    check(len(fl["roles"]) == 1 + r["config"]["consumers"], f"floor roles {fl['roles']}")
    check([x["role"] for x in fl["roles"]][0] == "publisher", "floor: publisher first")
    for x in fl["roles"]:
        check(0 <= x["away_pct"] < 100 and x["stalls_per_s"] >= 0 and x["longest_ns"] >= 0,
              f"floor role {x}")
        check(x["stalls_per_s"] > 0 or x["longest_ns"] == 0, f"floor role {x}: longest, no stall")
    lat = fl["latency_ns"]
    vals = [lat[k] for k in PCTS]
    check(vals == sorted(vals), f"floor percentiles not monotonic {vals}")
    # the replay covers the whole schedule, once per consumer
    want = int(duration_s * rate) * r["config"]["consumers"]
    check(lat["count"] == want, f"floor replayed {lat['count']} ticks, want {want}")
    print(f"mdbus floor: p99 {lat['p99']} ns vs measured p99 {r['latency_ns']['p99']} ns; away "
          + ", ".join(f"{x['role']} {x['away_pct']:.2f}%" for x in fl["roles"]))


def check_noise(bench):
    """`mdbus-bench noise`: 300 ms on every usable CPU."""
    p = run([bench, "noise", "--json", "--duration", "300ms", "--rate", "1M"], 60)
    check(p.returncode == 0, f"exit status {p.returncode}")
    doc = json.loads(p.stdout)
    check(doc["mode"] == "noise" and doc["stall_min_ns"] > 0, "mode")
    cpus = doc["cpus"]
    check(len(cpus) == len(os.sched_getaffinity(0)), f"probed {len(cpus)} CPUs")
    for i, c in enumerate(cpus):
        where = f"noise cpu {c['cpu']}"
        if not check(c["ok"], f"{where}: failed"):
            continue
        check(0.29 < c["seconds"] < 5, f"{where}: probed {c['seconds']} s")
        check(0 <= c["away_pct"] < 100, f"{where}: away {c['away_pct']}")
        check(c["stall_ns"]["count"] == c["stalls"], f"{where}: stall histogram count")
        check(c["stalls"] == 0 or c["stall_ns"]["min"] > doc["stall_min_ns"],
              f"{where}: a stall below the threshold")
        check(c["longest_ns"] == c["stall_ns"]["max"], f"{where}: longest != histogram max")
        check((c["shared_pct"] is None) == (i == 0), f"{where}: shared_pct {c['shared_pct']}")
        if i:
            check(0 <= c["shared_pct"] <= 100, f"{where}: shared {c['shared_pct']}")
        alone = c["alone_latency_ns"]
        check(alone["count"] >= 300000, f"{where}: replayed {alone['count']} ticks")
        check(alone["max"] <= c["longest_ns"], f"{where}: waited longer than the longest stall")
        print(f"{where}: away {c['away_pct']:.2f}%, {c['stalls']} stalls, "
              f"alone p99 {alone['p99']} ns")
    bad = run([bench, "noise", "--cpus", "9999"], 10)
    check(bad.returncode == 2 and "--cpus" in bad.stderr, "a bad --cpus is not refused")


def check_throughput(bench):
    """`mdbus-bench throughput`, about 1.2 s: 12 cases x 100 ms."""
    rate = 5000000
    p = run([bench, "throughput", "--json", "--duration", "100ms", "--repeat", "1",
             "--rates", str(rate)], 80)
    check(p.returncode == 0, f"exit status {p.returncode}")
    doc = json.loads(p.stdout)
    check(doc["mode"] == "throughput", "mode")
    check(doc["machine"]["cores"] > 0, "machine")
    cfg = doc["config"]
    check(cfg["writer_cpu"] >= 0 and cfg["reader_cpu"] >= 0, "pinned CPUs not reported")
    cases = doc["cases"]
    names = [c["name"] for c in cases]
    want = ["publish", "publish_batch16", "publish_batch", "publish_wake", "local_next", "local_read",
            "local_next_reg", "local_read_reg",
            "flat_next", "flat_read", "paced_next", "paced_read"]
    check(names == want, f"cases {names}")
    for c in cases:
        where = f"throughput {c['name']}"
        check(len(c["runs"]) == 1, f"{where}: runs")
        m = c["median"]
        check(m["ok_runs"] == 1, f"{where}: failed run {c['runs']}")
        check(m["publish_per_s"] > 0 and m["publish_ns_per_tick"] > 0, f"{where}: publish rate")
        check(abs(m["publish_ns_per_tick"] * m["publish_per_s"] - 1e9) < 1e6,
              f"{where}: ns/tick does not match the rate")
        for r in c["runs"]:
            check(r["ok"] and r["error"] is None, f"{where}: {r['error']}")
            check(r["published"] > 0 and r["publish_ns"] > 0, f"{where}: nothing published")
        if c["kind"] == "local":
            # one process taking turns: nothing can be lost
            check(all(r["missed"] == 0 and r["read"] == r["published"] for r in c["runs"]),
                  f"{where}: lost ticks without a second process")
        if c["kind"] == "paced":
            # an absolute schedule can fall behind but never run ahead
            check(m["publish_per_s"] <= rate * 1.05, f"{where}: paced above {rate}/s")
        if c["reader_api"] is None:
            check(c["kind"] == "publish", f"{where}: no reader")
            continue
        check(m["read_per_s"] > 0 and m["read_ns_per_tick"] > 0, f"{where}: read rate")
        check(c["accounted"], f"{where}: not accounted")
        for r in c["runs"]:
            check(r["read"] > 0, f"{where}: read nothing")
            check(r["read"] + r["missed"] == r["published"],
                  f"{where}: read {r['read']} + missed {r['missed']} != {r['published']}")
            check(r["gaps"] == r["missed"], f"{where}: holes {r['gaps']} != missed {r['missed']}")
            check(r["missed"] == 0 or r["laps"] > 0, f"{where}: missed without a lap")
            check(r["bad"] == 0, f"{where}: {r['bad']} ticks failed the checksum")
            check(r["out_of_order"] == 0, f"{where}: out of order")
            check(r["last_seq"] == r["published"], f"{where}: last tick not read")
            check(r["accounted"], f"{where}: run not accounted")
        print(f"{where}: published {m['publish_per_s'] / 1e6:.1f} M/s, "
              f"read {m['read_per_s'] / 1e6:.1f} M/s, missed {m['missed']:.0f}")


def main():
    bench, mode = sys.argv[1], sys.argv[2]
    base = [bench, "--json", "--duration", "2s", "--rate", "100k"]
    with tempfile.TemporaryDirectory() as tmp:
        if mode in ("mdbus", "uds", "zmq", "iceoryx"):
            n = "2" if mode == "mdbus" else "1"
            p = run(base + ["--transport", mode, "--consumers", n], 80)
            check(p.returncode == 0, f"exit status {p.returncode}")
            doc = json.loads(p.stdout)
            check(doc["clock"]["name"] == "CLOCK_MONOTONIC", "clock not reported")
            check(doc["machine"]["cores"] > 0 and doc["machine"]["cpu_model"], "machine")
            check(len(doc["runs"]) == 1 and doc["runs"][0]["transport"] == mode, "one run")
            # zmq/iceoryx may be unavailable (not built, RouDi cannot start):
            # then the reason must be there and in the table output too
            allow_skip = mode in ("zmq", "iceoryx")
            check_run(doc["runs"][0], allow_skip)
            if doc["runs"][0]["skipped"]:
                t = run([bench, "--duration", "100ms", "--transport", mode], 60)
                check("skipped: " in t.stdout, "table lacks 'skipped: reason'")
        elif mode == "wait":
            p = run(base + ["--transport", "mdbus", "--wait", "--rate", "20k"], 80)
            check(p.returncode == 0, f"exit status {p.returncode}")
            doc = json.loads(p.stdout)
            check(doc["runs"][0]["config"]["wait"] is True, "wait not recorded")
            check_run(doc["runs"][0], False)
        elif mode == "compare":
            png = os.path.join(tmp, "cmp.png")
            p = run(base + ["--compare", "--plot", png], 170)
            check(p.returncode == 0, f"exit status {p.returncode}")
            doc = json.loads(p.stdout)
            names = [r["transport"] for r in doc["runs"]]
            check(names == ["mdbus", "uds", "zmq", "iceoryx"], f"compare ran {names}")
            for r in doc["runs"]:
                check_run(r, r["transport"] in ("zmq", "iceoryx"))
                check_floor(r, 2, 100000)
            summary = doc.get("summary", {})
            check(set(summary) == set(names), f"summary covers {sorted(summary)}")
            for t, q in summary.items():
                if not q["skipped"]:
                    check(q["runs"] == 1 and q["p50_min"] <= q["p50_median"] <= q["p50_max"],
                          f"summary {t}: {q}")
            ratios = doc.get("ratios_vs_mdbus", {})
            for r in doc["runs"][1:]:
                if not r["skipped"]:
                    check(r["transport"] in ratios, f"no ratio for {r['transport']}")
                    q = ratios.get(r["transport"], {})
                    # A smoke run checks that ratios are computed, not who wins: on a
                    # loaded 2-core machine any transport may be slower (and a ratio
                    # rounded to 2 decimals may print as 0.0). Speed lives in PERFORMANCE.md.
                    check(all(isinstance(q.get(k), (int, float)) and q[k] >= 0
                              for k in ("p50", "p99")), f"ratio {q}")
                    check("ready_p50" in q and "ready_p99" in q, f"ready ratios {q}")
            with open(png, "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", "plot is not a PNG")
        elif mode == "feed":
            p = run([bench, "feed", "--json", "--messages", "200000"], 80)
            check(p.returncode == 0, f"exit status {p.returncode}")
            doc = json.loads(p.stdout)
            check(doc["mode"] == "feed", "mode")
            venues = doc.get("venues", [])
            check(any(v["venue"] == "binance" and not v["skipped"] for v in venues),
                  "binance not measured")
            for v in venues:
                where = f"feed {v['venue']}"
                if v["skipped"]:
                    check(len(v.get("reason", "")) > 5, f"{where}: skipped without a reason")
                    print(f"{where}: skipped: {v['reason']}")
                    continue
                check(v["error"] is None, f"{where}: {v['error']}")
                check(v["messages"] >= 200000 and v["ticks"] == v["messages"],
                      f"{where}: {v['ticks']} ticks from {v['messages']} messages")
                check(v["errors"] == 0, f"{where}: {v['errors']} errors")
                check(v["ns_per_msg"] > 0 and v["venue_only_ns_per_msg"] > 0,
                      f"{where}: ns/message")
                check(v["published"] == v["ticks"], f"{where}: published != ticks")
                check(v["allocs_setup"] > 0, f"{where}: the malloc counter saw nothing at setup")
                check(v["allocs_steady"] == 0,
                      f"{where}: {v['allocs_steady']} allocations in steady state")
                print(f"{where}: {v['ns_per_msg']:.1f} ns/message, "
                      f"{v['allocs_per_msg']:.3f} allocs/message")
        elif mode == "throughput":
            check_throughput(bench)
        elif mode == "stalls":
            p = run(base + ["--transport", "mdbus", "--consumers", "2"], 80)
            check(p.returncode == 0, f"exit status {p.returncode}")
            doc = json.loads(p.stdout)
            check_run(doc["runs"][0], False)
            check_floor(doc["runs"][0], 2, 100000)
            t = run([bench, "--duration", "100ms", "--rate", "0"], 60)
            check("floor: not traced: flat out" in t.stdout, "flat out: no reason in the table")
            t = run([bench, "--duration", "100ms", "--no-stalls"], 60)
            check("floor: not traced (--no-stalls)" in t.stdout, "--no-stalls: no reason")
        elif mode == "noise":
            check_noise(bench)
        else:
            check(False, f"unknown mode {mode}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
