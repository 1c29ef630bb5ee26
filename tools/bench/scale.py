#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""scale.py: `mdbus-bench scale`, feedd with 1, 10, 100, 1,000 sessions on its
one thread against the simulator, measured the same way at each size.

For each size N: mdbus-sim processes (TLS, --make-certs certificates; one per
SIM_SESSIONS sessions, as one simulator serves at most 256 clients), a feedd
config with N binance sessions of one trade stream each (url
wss://127.0.0.1:PORT: no name to resolve) at TOTAL/N events/s each, feedd,
and a wait until mdbus-top --json shows all N sessions live. Then, over the
duration:
  rss, hwm      feedd's VmRSS and VmHWM at the end (/proc/PID/status)
  fds           feedd's open descriptors (/proc/PID/fd)
  cpu/msg       feedd's CPU time (/proc/PID/schedstat, ns) / ticks published
                (the ring's write_seq delta, segment header offset 192)
  latency       a consumer process (the mdbus Python module, next() blocking):
                CLOCK_REALTIME when the tick is read - the tick's recv_ts
  loop          the health region's loop-iteration histogram when mdbus-top
                --json has one ("n/a" otherwise), and with --loop-trace S
                feedd's syscalls traced by perf for S seconds after the
                window: iterations/s and the time from one waiting
                io_uring_enter's return to the next (the loop's work per
                iteration, loop_trace())
Everything started is stopped at the end of each size; feedd must exit 0 on
SIGTERM. Exit status: 0, or 1 when a size did not come up or a process failed.
Options of this script only (not mdbus-bench's): --plain (ws://, no TLS),
--host NAME (URLs by name: every session resolves it), --connect-rate R.

The internal form `scale.py --consume BUS SECONDS` is the consumer.
"""
import argparse
import json
import math
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

SIM_SESSIONS = 200     # sessions per simulator process (it serves at most 256 clients)
WRITE_SEQ_OFF = 192    # segment header: write_seq (docs/ARCHITECTURE.md)
HEALTH_SIZE_OFF = 64   # segment header: health_size
TOTAL_SIZE_OFF = 16    # segment header: total_size


def log(msg):
    print(f"scale: {msg}", file=sys.stderr, flush=True)


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    return sorted_vals[min(len(sorted_vals) - 1, int(len(sorted_vals) * p))]


# ---- the consumer -----------------------------------------------------------------

def consume(bus, seconds):
    """Reads the bus for `seconds`: latency read - recv_ts, per instrument counts."""
    import mdbus  # the build tree's module (PYTHONPATH)
    r = mdbus.open(bus).reader()
    print("ready", flush=True)
    lat, seen, now = [], set(), time.time_ns
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = r.next(timeout=0.2)
        if t is None:
            continue
        lat.append(now() - t.recv_ts)
        seen.add(t.instrument)
    lat.sort()
    us = (lambda v: None if v is None else round(v / 1e3, 1))
    print(json.dumps({"ticks": len(lat), "missed": r.missed, "instruments": len(seen),
                      "p50_us": us(pct(lat, 0.50)), "p99_us": us(pct(lat, 0.99)),
                      "p999_us": us(pct(lat, 0.999)), "max_us": us(lat[-1] if lat else None)}),
          flush=True)
    return 0


# ---- process helpers ---------------------------------------------------------------

class Run:
    """Everything one size starts, stopped in reverse order by close()."""

    def __init__(self, a, n, d):
        self.a, self.n, self.d = a, n, d
        self.procs, self.sims, self.ports = [], [], []
        self.bus = f"scale-{os.getpid()}-{n}"
        self.feedd = None

    def start_sims(self, per):
        nsim = max(1, math.ceil(self.n / SIM_SESSIONS))
        for i in range(nsim):
            argv = [self.a.sim, "--listen", "127.0.0.1:0", "--rate", str(per),
                    "--ping-interval", "60s"]
            argv += ["--plain"] if self.a.plain else [
                "--cert", os.path.join(self.a.certs, "server.pem"),
                "--key", os.path.join(self.a.certs, "server.key")]
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
            self.procs.append(p)
            self.sims.append(p)
            line = p.stdout.readline()
            m = re.match(r"^listening 127\.0\.0\.1:(\d+)$", line.strip())
            if not m:
                raise RuntimeError(f"mdbus-sim did not start: {line!r}")
            self.ports.append(int(m.group(1)))

    def write_config(self):
        lines = [f"[bus]\nname = {self.bus}\nslots = 65536\n", "[feed]",
                 "shutdown_timeout = 10s", f"ca_file = {self.a.certs}/ca.pem",
                 "refdata = no",  # time to live measures the sessions alone
                 f"connect_rate = {self.a.connect_rate}/s", "venue = binance", "channels = trades",
                 "handshake_timeout = 60s", "stale_timeout = 60s", ""]
        scheme = "ws" if self.a.plain else "wss"
        for i in range(self.n):
            port = self.ports[i % len(self.ports)]
            lines.append(f"[session s{i:04d}]\nurl = {scheme}://{self.a.host}:{port}/ws\n"
                         f"symbols = X{i:04d}-USDT\n")
        path = os.path.join(self.d, f"scale-{self.n}.ini")
        with open(path, "w") as f:
            f.write("\n".join(lines))
        return path

    def start_feedd(self, cfg):
        self.flog = open(os.path.join(self.d, f"feedd-{self.n}.log"), "w")
        self.feedd = subprocess.Popen([self.a.feedd, "-q", "-c", cfg], stdout=self.flog,
                                      stderr=subprocess.STDOUT)
        self.procs.append(self.feedd)

    def close(self):
        rc = None
        if self.feedd and self.feedd.poll() is None:
            self.feedd.send_signal(signal.SIGTERM)
            try:
                rc = self.feedd.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.feedd.kill()
                self.feedd.wait()
        elif self.feedd:
            rc = self.feedd.returncode
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for suffix in ("", ".lock", ".readers"):
            try:
                os.unlink(f"/dev/shm/mdbus-{self.bus}{suffix}")
            except OSError:
                pass
        return rc


def top_json(a, bus):
    try:
        r = subprocess.run([a.top, "-b", bus, "--json", "--interval", "100ms"],
                           capture_output=True, text=True, timeout=60)
        return json.loads(r.stdout.strip().split("\n")[-1])
    except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError):
        return None


def wait_live(a, run, timeout):
    """Seconds until mdbus-top shows every session live, or None."""
    t0, live = time.monotonic(), 0
    while time.monotonic() - t0 < timeout:
        if run.feedd.poll() is not None:
            log(f"feedd exited {run.feedd.returncode} while starting")
            return None
        doc = top_json(a, run.bus)
        if doc:
            live = sum(1 for s in doc.get("sessions", []) if s.get("state") == "live")
            if live == run.n:
                return time.monotonic() - t0
        time.sleep(0.5)
    log(f"{run.n} sessions: only {live} live after {timeout:.0f}s")
    return None


# ---- what is measured ------------------------------------------------------------

def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) * 1024
    return out


def cpu_ns(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def header_u64(bus, off):
    with open(f"/dev/shm/mdbus-{bus}", "rb") as f:
        f.seek(off)
        return struct.unpack("<Q", f.read(8))[0]


def loop_from_top(doc):
    """feedd's loop-iteration time from mdbus-top --json (feed.loop_ns, ns):
    p50/p99/max in µs over feedd's whole life (start-up included)."""
    h = ((doc or {}).get("feed") or {}).get("loop_ns") or {}
    if not h.get("count"):
        return None
    us = {k: (h[k] / 1000.0 if h.get(k) is not None else None) for k in ("p50", "p99", "max")}
    return {"count": h["count"], "p50": us["p50"], "p99": us["p99"], "max": us["max"]}


# feedd's loop-iteration histogram in the health region (include/mdbus_health.h):
# the feed record's payload starts 136 bytes into the region, loop_ns 304 bytes
# into it: count u64, max u64, then 128 u32 buckets (2 sub-bucket bits).
HEALTH_OFF_OFF, LOOP_NS_OFF, HIST_BUCKETS = 56, 136 + 304, 128


def loop_buckets(bus):
    """The loop histogram's bucket counts now (the watchdog rewrites it every
    period; two equal reads in a row are one consistent copy)."""
    base = header_u64(bus, HEALTH_OFF_OFF) + LOOP_NS_OFF + 16
    with open(f"/dev/shm/mdbus-{bus}", "rb") as f:
        prev = None
        for _ in range(50):
            f.seek(base)
            cur = struct.unpack(f"<{HIST_BUCKETS}I", f.read(4 * HIST_BUCKETS))
            if cur == prev:
                return cur
            prev = cur
            time.sleep(0.001)
    return prev


def hist_high(i):
    """Bucket i's upper edge in ns (mdbus_hist_index in mdbus_health.h, inverted)."""
    if i < 8:
        return i + 1
    e, sub = ((i - 4) >> 2) + 2, (i - 4) & 3
    return (4 + sub + 1) << (e - 2)


def loop_window(a0, a1):
    """p50/p99 (µs, a bucket's upper edge: within 25 %) of the loop iterations
    between two bucket reads; None if there were none or the counts halved."""
    d = [y - x for x, y in zip(a0, a1)]
    n = sum(d)
    if n <= 0 or min(d) < 0:
        return None
    out = {"iterations": n}
    for q, k in ((0.5, "p50"), (0.99, "p99")):
        want, acc = q * n, 0
        for i, c in enumerate(d):
            acc += c
            if acc >= want:
                out[k] = hist_high(i) / 1000.0
                break
    return out


IO_URING_ENTER = 426   # x86_64 and every other architecture of the unified table
SYS_LINE = re.compile(r"^\s*(\d+\.\d+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+) "
                      r"(?:\(\w+, \w+, (\w+),|= )")
SWITCH_LINE = re.compile(r"^\s*(\d+\.\d+):\s+sched:sched_switch:.*\bprev_pid=(\d+) .*"
                         r"\bnext_pid=(\d+) ")


def trace_parse(text, pid):
    """Waiting io_uring_enter calls [(enter, exit)] and off-CPU spans
    [(out, in)] of pid, from perf script's lines in time order."""
    waits, offcpu, pending, out_at = [], [], None, None
    for line in text.splitlines():
        m = SYS_LINE.match(line)
        if m and int(m.group(3)) == IO_URING_ENTER:
            t = float(m.group(1))
            if m.group(2) == "enter":
                pending = t if int(m.group(4), 16) >= 1 else None
            elif pending is not None:
                waits.append((pending, t))
                pending = None
            continue
        m = SWITCH_LINE.match(line)
        if m:
            t = float(m.group(1))
            if int(m.group(2)) == pid:
                out_at = t
            elif int(m.group(3)) == pid and out_at is not None:
                offcpu.append((out_at, t))
                out_at = None
    return waits, offcpu


def off_cpu_within(offcpu, a, b, j):
    """Time off CPU inside [a, b]; offcpu sorted, j the first span that may
    overlap (returned advanced for the next, later interval)."""
    while j < len(offcpu) and offcpu[j][1] <= a:
        j += 1
    off, k = 0.0, j
    while k < len(offcpu) and offcpu[k][0] < b:
        off += min(b, offcpu[k][1]) - max(a, offcpu[k][0])
        k += 1
    return off, j


def loop_trace(a, pid, seconds, bus):
    """The loop's iterations from the kernel's tracepoints (perf record for
    `seconds`: feedd's raw syscalls and its context switches). An iteration
    ends in an io_uring_enter that waits (min_complete >= 1); its work is the
    time from that call's return to the next waiting call: everything feedd
    does per iteration, the submit-only calls and the futex wake included.
    work_* is wall time (a preempted loop counts the time it waited for a
    CPU), cpu_* the same minus the time feedd was switched out. No ptrace
    stop: the cost is one tracepoint record per syscall and switch."""
    out = os.path.join(a.tmp, f"perf-{pid}.data")
    seq0 = header_u64(bus, WRITE_SEQ_OFF)
    own = f"common_pid == {pid}"
    try:
        r = subprocess.run(["perf", "record", "-q", "-a", "-e", "raw_syscalls:sys_enter",
                            "--filter", own, "-e", "raw_syscalls:sys_exit", "--filter", own,
                            "-e", "sched:sched_switch", "--filter",
                            f"prev_pid == {pid} || next_pid == {pid}", "-o", out, "--",
                            "sleep", str(seconds)],
                           capture_output=True, text=True, timeout=seconds + 60)
    except OSError as e:
        log(f"perf: {e}: no loop trace (Debian: linux-perf)")
        return None
    ticks = header_u64(bus, WRITE_SEQ_OFF) - seq0
    if r.returncode != 0:
        log(f"perf record failed ({r.stderr.strip()[-200:]}): no loop trace")
        return None
    text = subprocess.run(["perf", "script", "-i", out, "-F", "time,event,trace"],
                          capture_output=True, text=True, timeout=120).stdout
    waits, offcpu = trace_parse(text, pid)
    if len(waits) < 3:
        return None
    work, cpu, j = [], [], 0
    for i in range(len(waits) - 1):
        a_, b_ = waits[i][1], waits[i + 1][0]
        off, j = off_cpu_within(offcpu, a_, b_, j)
        work.append(b_ - a_)
        cpu.append(b_ - a_ - off)
    work.sort()
    cpu.sort()
    span = waits[-1][1] - waits[0][0]
    us = (lambda v: round(v * 1e6, 1))
    return {"tool": "perf raw_syscalls + sched_switch", "iterations": len(waits),
            "iterations_per_s": round(len(waits) / span, 1),
            "ticks_per_iteration": round(ticks / (len(waits) * seconds / span), 2),
            "work_p50_us": us(pct(work, 0.5)), "work_p99_us": us(pct(work, 0.99)),
            "work_max_us": us(work[-1]), "cpu_p50_us": us(pct(cpu, 0.5)),
            "cpu_p99_us": us(pct(cpu, 0.99)), "cpu_max_us": us(cpu[-1]),
            "preempted_iterations": sum(1 for w, c in zip(work, cpu) if w - c > 1e-6)}


def start_consumer(a, bus, seconds):
    env = dict(os.environ, PYTHONPATH=a.pypath, PYTHONDONTWRITEBYTECODE="1")
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--consume", bus,
                          str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    if p.stdout.readline().strip() != "ready":
        err = p.stderr.read()[-300:]
        p.wait()
        log(f"consumer did not start (no latency): {err.strip()}")
        return None
    return p


def measure(a, run):
    """The measured window of one size; returns its figures."""
    pid, bus = run.feedd.pid, run.bus
    cons = start_consumer(a, bus, a.duration + 0.5)
    c0, s0, t0 = cpu_ns(pid), header_u64(bus, WRITE_SEQ_OFF), time.monotonic()
    l0 = loop_buckets(bus)
    time.sleep(a.duration)
    c1, s1, t1 = cpu_ns(pid), header_u64(bus, WRITE_SEQ_OFF), time.monotonic()
    l1 = loop_buckets(bus)
    st = proc_status(pid)
    res = {"rss_bytes": st.get("VmRSS"), "hwm_bytes": st.get("VmHWM"),
           "fds": len(os.listdir(f"/proc/{pid}/fd")),
           "ticks": s1 - s0, "ticks_per_s": round((s1 - s0) / (t1 - t0), 1),
           "cpu_ns_per_tick": round((c1 - c0) / (s1 - s0), 1) if s1 > s0 else None,
           "cpu_fraction": round((c1 - c0) / ((t1 - t0) * 1e9), 4),
           "health_size_bytes": header_u64(bus, HEALTH_SIZE_OFF),
           "segment_bytes": header_u64(bus, TOTAL_SIZE_OFF)}
    res["consumer"] = None
    if cons:
        try:
            out, _ = cons.communicate(timeout=a.duration + 30)
            res["consumer"] = json.loads(out.strip().split("\n")[-1])
        except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError):
            cons.kill()
            cons.wait()
    doc = top_json(a, bus)
    res["loop_health"] = loop_from_top(doc)
    res["loop_window"] = loop_window(l0, l1)
    res["sessions_live_after"] = sum(1 for s in (doc or {}).get("sessions", [])
                                     if s.get("state") == "live")
    res["loop_trace"] = loop_trace(a, pid, a.loop_trace, bus) if a.loop_trace > 0 else None
    return res


def one_size(a, n):
    per = max(1, round(a.rate / n))
    d = tempfile.mkdtemp(prefix=f"scale-{n}-", dir=a.tmp)
    run = Run(a, n, d)
    res = {"sessions": n, "rate_per_session": per, "target_ticks_per_s": per * n, "ok": False}
    try:
        run.start_sims(per)
        res["sims"] = len(run.sims)
        run.start_feedd(run.write_config())
        live = wait_live(a, run, 60 + 3 * n / a.connect_rate)
        if live is None:
            return res
        res["seconds_to_live"] = round(live, 2)
        time.sleep(1.0)  # settle: first snapshots, instruments published
        res.update(measure(a, run))
        res["ok"] = res["sessions_live_after"] == n
    finally:
        rc = run.close()
        res["feedd_exit"] = rc
        res["ok"] = res["ok"] and rc == 0
        with open(os.path.join(d, f"feedd-{n}.log")) as f:
            tail = f.read()[-2000:]
        if not res["ok"]:
            log(f"{n} sessions failed; feedd log tail:\n{tail}")
    return res


# ---- output -----------------------------------------------------------------------

def fmt(v, scale=1.0, nd=1):
    return "n/a" if v is None else f"{v / scale:.{nd}f}"


def print_table(a, runs):
    print(f"mdbus-bench scale: feedd on one thread, binance trades over TLS from mdbus-sim, "
          f"{a.rate} ticks/s total, {a.duration}s windows; latency = read - recv_ts "
          f"(Python consumer)")
    print(f"{'sessions':>8} {'sims':>4} {'live_s':>6} {'ticks/s':>8} {'RSS_MB':>7} "
          f"{'HWM_MB':>7} {'fds':>5} {'cpu_ns/tick':>11} {'cpu%':>5} {'lat_p50':>8} "
          f"{'lat_p99':>8} {'loop_p99':>8} {'iter/s':>7} {'work_p99':>8} {'cpu_p99':>8}")
    for r in runs:
        c = r.get("consumer") or {}
        lh = r.get("loop_window") or {}
        lt = r.get("loop_trace") or {}
        print(f"{r['sessions']:>8} {r.get('sims', 0):>4} {fmt(r.get('seconds_to_live')):>6} "
              f"{fmt(r.get('ticks_per_s'), 1, 0):>8} {fmt(r.get('rss_bytes'), 1 << 20):>7} "
              f"{fmt(r.get('hwm_bytes'), 1 << 20):>7} {fmt(r.get('fds'), 1, 0):>5} "
              f"{fmt(r.get('cpu_ns_per_tick'), 1, 0):>11} "
              f"{fmt(r.get('cpu_fraction'), 0.01):>5} {fmt(c.get('p50_us')):>8} "
              f"{fmt(c.get('p99_us')):>8} {fmt(lh.get('p99')):>8} "
              f"{fmt(lt.get('iterations_per_s'), 1, 0):>7} {fmt(lt.get('work_p99_us')):>8} "
              f"{fmt(lt.get('cpu_p99_us')):>8}"
              + ("" if r["ok"] else "  FAILED"))
    print("latency in µs; loop_p99: the window's share of the health region's loop histogram; iter/s "
          "and work_p99 (µs from a waiting io_uring_enter's return to the next; cpu_p99: "
          "minus time switched out) from perf (--loop-trace)")


def main():
    ap = argparse.ArgumentParser(prog="mdbus-bench scale")
    ap.add_argument("--consume", nargs=2, metavar=("BUS", "SECONDS"))
    ap.add_argument("--build", help="build tree (feedd, mdbus-sim, mdbus-top, python/ext)")
    ap.add_argument("--sessions", default="1,10,100,1000")
    ap.add_argument("--rate", type=int, default=10000, help="ticks/s, all sessions together")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds measured per size")
    ap.add_argument("--loop-trace", type=float, default=0.0,
                    help="seconds of perf syscall trace after each window (0: none)")
    ap.add_argument("--connect-rate", type=int, default=500, help="feedd connect_rate (/s)")
    ap.add_argument("--plain", action="store_true", help="ws:// instead of wss://")
    ap.add_argument("--host", default="127.0.0.1",
                    help="the URLs' host: a name makes every session resolve it at start")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.consume:
        return consume(a.consume[0], float(a.consume[1]))
    if not a.build:
        ap.error("--build is required")
    a.feedd = os.path.join(a.build, "feedd", "feedd")
    a.sim = os.path.join(a.build, "tools", "sim", "mdbus-sim")
    a.top = os.path.join(a.build, "tools", "top", "mdbus-top")
    a.pypath = os.path.join(a.build, "python", "ext")
    sizes = [int(x) for x in a.sessions.split(",") if x]
    # SIGTERM (and SIGINT, ignored in a background job) stop the run
    # through the finally clauses that stop what it started.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    with tempfile.TemporaryDirectory(prefix="mdbus-scale-") as tmp:
        a.tmp = tmp
        a.certs = os.path.join(tmp, "certs")
        subprocess.run([a.sim, "--make-certs", a.certs], check=True, capture_output=True)
        runs = []
        for n in sizes:
            log(f"{n} session(s)")
            runs.append(one_size(a, n))
    if a.json:
        print(json.dumps({"mode": "scale", "rate": a.rate, "duration_s": a.duration,
                          "cpus": os.cpu_count(), "loadavg": os.getloadavg()[0],
                          "runs": runs}, indent=1))
    else:
        print_table(a, runs)
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
