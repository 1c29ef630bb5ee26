#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feedd's io_uring set-ups side by side against mdbus-sim at a fixed rate.

usage: scripts/uring-bench.py BUILD_DIR [--rounds N] [--seconds S] [--rate R]
                              [--symbols N] [--strace] [--only NAME,...]

The simulator (pinned to the first CPU when there are two) sends --rate
events/s per symbol and stream (trades and bbo) for --symbols symbols over
TLS; feedd (pinned to the next CPU: `taskset`, and `cpu =` where the set-up
pins) runs one session per set-up in turn, rounds interleaved. For each run,
over --seconds after a 2 s warm-up:

  cpu_us/msg   feedd's utime+stime (every thread, SQPOLL's included) per
               message published (mdbus-top --json totals.messages)
  vcsw/msg     voluntary context switches (every thread) per message
  iter/msg     loop iterations (the exit log's loop_iterations) per message,
               over the whole run
  sys/msg      with --strace, a separate run per set-up under `strace -c -f`:
               system calls per message (strace slows feedd: a count, not a
               time)

Prints one line per set-up with the median over rounds. Set-ups leave
features out through FEEDD_URING_OFF (feedd(8)).
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import json

ALL_OFF = "single_issuer,defer_taskrun,coop_taskrun,taskrun_flag,ring_fd"
SETUPS = [
    # name, FEEDD_URING_OFF, extra [feed] lines (CPU substituted)
    ("plain", ALL_OFF, []),
    ("ring_fd", "single_issuer,defer_taskrun,coop_taskrun,taskrun_flag", []),
    ("coop_taskrun", "single_issuer,defer_taskrun", []),
    ("defer_taskrun", "", []),
    ("defer+cpu", "", ["cpu = {cpu}"]),
    ("defer+busy+cpu", "", ["cpu = {cpu}", "idle = busy"]),
    ("sqpoll+cpu", "", ["cpu = {cpu}", "sqpoll = on"]),
]


def cpus():
    allowed = sorted(os.sched_getaffinity(0))
    return (allowed[0], allowed[1]) if len(allowed) >= 2 else (None, None)


def symbols(n):
    out = []
    for i in range(n):
        out.append("X%s%s-USDT" % (chr(65 + i // 26), chr(65 + i % 26)))
    return out


def proc_cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def proc_vcsw(pid):
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                m = re.search(r"voluntary_ctxt_switches:\s+(\d+)", f.read())
                n += int(m.group(1))
        except OSError:
            pass
    return n


def messages(build, bus):
    out = subprocess.run([os.path.join(build, "tools/top/mdbus-top"), "-b", bus, "--json",
                          "-i", "100ms"], capture_output=True, text=True, timeout=30).stdout
    return json.loads(out)["totals"]["messages"]


def run_one(a, tmp, port, setup, loop_cpu, strace=False):
    name, off, extra = setup
    bus = "uring-bench-%d" % os.getpid()
    ini = os.path.join(tmp, "feedd.ini")
    with open(ini, "w") as f:
        f.write("[bus]\nname = %s\nslots = 65536\n[feed]\nca_file = %s/ca.pem\n" % (bus, tmp))
        for line in extra:
            f.write(line.format(cpu=loop_cpu) + "\n")
        f.write("[session s1]\nvenue = binance\nurl = wss://localhost:%d/ws\n" % port)
        syms = symbols(a.symbols)
        f.write("symbols = %s\n" % ",\n  ".join(", ".join(syms[i:i + 10])
                                                 for i in range(0, len(syms), 10)))
        f.write("channels = trades, bbo\n")
    env = dict(os.environ, FEEDD_URING_OFF=off)
    cmd = [os.path.join(a.build, "feedd/feedd"), "-c", ini]
    if loop_cpu is not None:
        cmd = ["taskset", "-c", str(loop_cpu)] + cmd
    log = open(os.path.join(tmp, "feedd.log"), "w+")
    p = subprocess.Popen(cmd, env=env, stderr=log)
    try:
        for _ in range(200):
            log.seek(0)
            if "state=LIVE" in log.read():
                break
            time.sleep(0.05)
        else:
            log.seek(0)
            raise RuntimeError("%s: not LIVE: %s" % (name, log.read()[-2000:]))
        time.sleep(2)
        st = None
        if strace:
            st = subprocess.Popen(["strace", "-c", "-f", "-p", str(p.pid), "-o",
                                   os.path.join(tmp, "strace.txt")],
                                  stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        c0, v0, m0 = proc_cpu_ticks(p.pid), proc_vcsw(p.pid), messages(a.build, bus)
        time.sleep(a.seconds)
        c1, v1, m1 = proc_cpu_ticks(p.pid), proc_vcsw(p.pid), messages(a.build, bus)
        if st:
            st.send_signal(signal.SIGINT)
            st.wait()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    log.seek(0)
    text = log.read()
    it = re.search(r"loop_iterations=(\d+)", text)
    feat = re.search(r"event=io_uring features=(\S+)", text)
    for f in os.listdir("/dev/shm"):
        if f.startswith("mdbus-" + bus):
            os.unlink(os.path.join("/dev/shm", f))
    dm = max(m1 - m0, 1)
    r = {"cpu_us": (c1 - c0) / os.sysconf("SC_CLK_TCK") * 1e6 / dm,
         "vcsw": (v1 - v0) / dm, "iter": int(it.group(1)) / max(m1, 1) if it else float("nan"),
         "rate": dm / a.seconds, "features": feat.group(1) if feat else "?"}
    if strace:
        with open(os.path.join(tmp, "strace.txt")) as f:
            tot = re.search(r"^\s*100\.00\s+\S+\s+\S+\s+(\d+)", f.read(), re.M)
        r["sys"] = int(tot.group(1)) / dm if tot else float("nan")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--symbols", type=int, default=50)
    ap.add_argument("--strace", action="store_true")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    setups = [s for s in SETUPS if not a.only or s[0] in a.only.split(",")]
    sim_cpu, loop_cpu = cpus()
    tmp = tempfile.mkdtemp(prefix="uring-bench.")
    sim = None
    try:
        subprocess.run([os.path.join(a.build, "tools/sim/mdbus-sim"), "--make-certs", tmp],
                       check=True, capture_output=True)
        cmd = [os.path.join(a.build, "tools/sim/mdbus-sim"), "--listen", "127.0.0.1:0",
               "--cert", tmp + "/server.pem", "--key", tmp + "/server.key",
               "--rate", str(a.rate)]
        if sim_cpu is not None:
            cmd = ["taskset", "-c", str(sim_cpu)] + cmd
        sim = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = int(sim.stdout.readline().split(":")[-1])
        res = {s[0]: [] for s in setups}
        for _ in range(a.rounds):
            for s in setups:
                res[s[0]].append(run_one(a, tmp, port, s, loop_cpu))
        if a.strace:
            for s in setups:
                res[s[0]][0]["sys"] = run_one(a, tmp, port, s, loop_cpu, True)["sys"]
        print("%d symbols x 2 streams x %d/s; %d rounds of %g s; sim cpu %s, feedd cpu %s"
              % (a.symbols, a.rate, a.rounds, a.seconds, sim_cpu, loop_cpu))
        print("%-16s %9s %11s %9s %9s %8s  %s" % ("set-up", "msgs/s", "cpu_us/msg", "vcsw/msg",
                                                  "iter/msg", "sys/msg", "features"))
        for s in setups:
            rs = res[s[0]]
            med = {k: statistics.median(r[k] for r in rs) for k in ("cpu_us", "vcsw", "iter",
                                                                    "rate")}
            print("%-16s %9.0f %11.2f %9.3f %9.3f %8s  %s" % (
                s[0], med["rate"], med["cpu_us"], med["vcsw"], med["iter"],
                "%.3f" % rs[0]["sys"] if "sys" in rs[0] else "-", rs[0]["features"]))
    finally:
        if sim:
            sim.terminate()
            sim.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
