#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of `mdbus-bench e2e` and its parts. Exit 0 pass, 1 fail, 77 skip.

usage: test_e2e.py smoke MDBUS_BENCH
         a 2-second run at a low rate (--json): every client received messages,
         latencies are positive and ordered (p50 <= p99 <= max), the ratios are there
       test_e2e.py busy MDBUS_BENCH
         --busy with mdbus alone: the run says where the busy feedd and the
         spinning consumer ran, the consumer kept up, and feedd's log (the run's
         directory, kept with -v) shows it polled (idle=busy) pinned to that CPU
       test_e2e.py baseline MDBUS_SIM C_CLIENT
         the plain C client alone against mdbus-sim --stamp: it reads the stamped
         trades of its window, times them (positive, below the run's length) and
         says it kept up; --stamp ids are CLOCK_REALTIME ns; --stamp and
         --numbered together are refused

Timing is not asserted beyond what must hold on a loaded machine.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures  # noqa: E402


def run_e2e(bench, *args):
    """mdbus-bench e2e ARGS --json: its JSON document; fails if it exits non-zero or
    leaves a bus file behind."""
    shm = set(glob.glob("/dev/shm/mdbus-e2e-[0-9]*"))
    p = subprocess.run([bench, "e2e", *args, "--json"], capture_output=True, text=True,
                       timeout=150)
    sys.stderr.write(p.stderr)
    check(p.returncode == 0, f"exit {p.returncode}")
    left = set(glob.glob("/dev/shm/mdbus-e2e-[0-9]*")) - shm
    check(not left, f"bus files left behind: {sorted(left)}")
    return json.loads(p.stdout)


def smoke(bench):
    r = subprocess.run(["/usr/bin/python3", "-c", "import websockets"], capture_output=True)
    if r.returncode != 0:
        print("skip: /usr/bin/python3 has no websockets (python3-websockets)")
        return 77
    doc = run_e2e(bench, "--rates", "2k", "--duration", "2s")
    check(doc["mode"] == "e2e", "mode")
    check(len(doc["rates"]) == 1, "one rate")
    for rate in doc["rates"]:
        check(rate["sent"] > 0 and rate["achieved_rate"] > 0, f"nothing sent: {rate}")
        rows = {(r["client"], r["hop"]): r for r in rate["rows"]}
        for client in ("mdbus", "c", "python"):
            row = rows.get((client, "send->read"))
            if not check(row is not None, f"no row for {client}"):
                continue
            where = f"{client} at {rate['rate']}/s"
            check(row["received"] > 0, f"{where}: received nothing ({row['state']})")
            pcts = [row[k] for k in ("p50_ns", "p99_ns", "max_ns")]
            check(all(isinstance(v, int) and v > 0 for v in pcts), f"{where}: latencies {pcts}")
            check(pcts == sorted(pcts), f"{where}: p50 <= p99 <= max fails: {pcts}")
            check(row["cpu_ns_per_msg"] is None or row["cpu_ns_per_msg"] >= 0,
                  f"{where}: cpu {row['cpu_ns_per_msg']}")
        # the consumers' two hops, and feedd's two from its health histograms
        for hop in ("send->recv_ts", "recv->decrypt", "decrypt->pub", "recv_ts->read"):
            row = rows.get(("mdbus", hop))
            check(row is not None and isinstance(row["p50_ns"], int) and
                  0 <= row["p50_ns"] <= row["max_ns"], f"mdbus hop {hop}: {row}")
        floor = rows.get(("floor", "zero-cost"))
        check(floor is not None and "ok" in floor, f"no floor row: {floor}")
        ratios = rate["ratios"]
        for k in ("p50_python_over_mdbus", "p50_c_over_mdbus"):
            check(isinstance(ratios.get(k), (int, float)) and ratios[k] > 0, f"ratio {k}: {ratios}")
        for k in ("cpu_python_over_mdbus", "cpu_c_over_mdbus"):
            check(k in ratios, f"ratio {k} missing: {ratios}")
    return 0


def busy(bench):
    doc = run_e2e(bench, "--busy", "--clients", "mdbus", "--rates", "2k", "--duration", "1s", "-v")
    rundir = doc.get("dir") or ""
    try:
        rate = doc["rates"][0]
        m = re.search(r"busy feedd on cpu (\d+), spinning consumers on cpu \d+", rate["cpus"])
        check(m, f"cpus: {rate['cpus']}")
        rows = {(r["client"], r["hop"]): r for r in rate["rows"]}
        row = rows.get(("mdbus", "send->read"))
        check(row is not None and row["kept_up"] and row["received"] > 0, f"mdbus: {row}")
        check(("c", "send->read") not in rows and ("python", "send->read") not in rows,
              "baselines ran without being asked")
        flog = open(os.path.join(rundir, "feedd.log")).read() if rundir else ""
        ev = re.search(r"event=io_uring .*\bcpu=(\S+) idle=(\w+)", flog)
        check(ev is not None, f"no io_uring line in feedd's log ({rundir})")
        if ev and m:
            check(ev.group(2) == "busy" and ev.group(1) == m.group(1),
                  f"feedd ran cpu={ev.group(1)} idle={ev.group(2)}, want cpu={m.group(1)} busy")
    finally:
        if rundir.startswith("/tmp/mdbus-e2e-"):
            shutil.rmtree(rundir, ignore_errors=True)
    return 0


def stats(ctl):
    r = subprocess.run([SIM, "--ctl", ctl, "stats"], capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout)


def baseline(sim, client):
    global SIM
    SIM = sim
    r = subprocess.run([sim, "--listen", "127.0.0.1:0", "--plain", "--stamp", "--numbered"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "--stamp" in r.stderr, f"--stamp --numbered: {r.returncode}")
    with tempfile.TemporaryDirectory(prefix="t-e2e-") as d:
        subprocess.run([sim, "--make-certs", d], check=True, capture_output=True, timeout=30)
        ctl = os.path.join(d, "sim.ctl")
        s = subprocess.Popen([sim, "--listen", "127.0.0.1:0", "--cert", f"{d}/server.pem",
                              "--key", f"{d}/server.key", "--rate", "500", "--stamp",
                              "--control", ctl], stdout=subprocess.PIPE, text=True)
        try:
            m = re.match(r"listening 127\.0\.0\.1:(\d+)", s.stdout.readline())
            check(m is not None, "no listening line")
            now = time.time_ns()
            win = [now + 1_500_000_000, now + 3_000_000_000, now + 20_000_000_000]
            out = os.path.join(d, "c.lat")
            r = subprocess.run([client, "--port", m.group(1), "--ca", f"{d}/ca.pem",
                                "--symbols", "btcusdt,ethusdt", "--out", out,
                                "--from", str(win[0]), "--to", str(win[1]),
                                "--deadline", str(win[2])],
                               capture_output=True, text=True, timeout=60)
            sys.stderr.write(r.stderr)
            check(r.returncode == 0, f"c client exit {r.returncode}: {r.stdout}")
            res = json.loads(r.stdout)
            check(res["done"] and res["error"] == "", f"c client: {res}")
            # 2 streams x 500/s over 1.5 s: about 1500; a loaded machine may thin the schedule
            check(100 <= res["received"] <= 1600, f"received {res['received']}")
            lat = open(out, "rb").read()
            vals = struct.unpack(f"{len(lat) // 8}q", lat)
            check(len(vals) == res["received"], f"{len(vals)} latencies, {res['received']} read")
            check(all(0 < v < 20_000_000_000 for v in vals), f"latencies out of range: "
                  f"{min(vals, default=0)}..{max(vals, default=0)}")
            st = stats(ctl)
            check(st["trades_stamped"] >= res["received"], f"stamped {st['trades_stamped']}")
        finally:
            s.terminate()
            s.wait(timeout=10)
    return 0


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "smoke" and len(sys.argv) == 3:
        rc = smoke(sys.argv[2])
    elif mode == "busy" and len(sys.argv) == 3:
        rc = busy(sys.argv[2])
    elif mode == "baseline" and len(sys.argv) == 4:
        rc = baseline(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if rc == 77:
        return 77
    print("FAILED" if failures else "ok", f"({len(failures)} failure(s))")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
