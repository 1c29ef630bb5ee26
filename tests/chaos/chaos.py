#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Chaos suite: feedd with many sessions against several mdbus-sim servers
while faults are injected at random, with a fixed seed, and invariants are
checked all the time and at the end. Also the engine of scripts/soak.sh.

usage: chaos.py [--duration DUR] [--seed N] [--sessions N] [--sims N]
                [--rate N] [--samples FILE] [--summary DIR]
CHAOS_SEED overrides the seed; the seed is printed first, so any failure
replays with CHAOS_SEED=<seed>. Paths of the programs from MDBUS_SIM,
MDBUS_FEEDD, MDBUS_TAIL and MDBUS_TOP (meson passes them).

Invariants (each failure names the seed):
  recovery   after a fault is cleared, every session of that server is live
             again within RECOVERY_BOUND (+ the fault's Retry-After);
  sequence   the simulator numbers each connection's trades (--numbered:
             trade id = connection id << 32 | 1, 2, 3...): within one
             connection every trade reaches the ring once, in order, from 1;
             a new connection's first trade carries MDBUS_FLAG_GAP and no
             other trade does;
  handshake  while a server refuses or breaks every handshake, no session of
             it is live on a connection made during the fault;
  resources  feedd's RSS stays under RSS_BOUND_MB whatever a server sends;
             at the end fd count equals the first all-live baseline and RSS
             is within RSS_RETURN_SLACK of it;
  shutdown   SIGTERM at a random moment (a last fault just injected) exits 0
             within shutdown_timeout + 0.5 s.
"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2elib as E  # noqa: E402

# feedd's timings for the run (seconds): short, so faults are detected and
# recovered from many times in a couple of minutes.
PING, PONG, STALE, HANDSHAKE = 1.0, 2.0, 3.0, 3.0
BACKOFF_INITIAL, BACKOFF_MAX, JITTER = 0.1, 2.0, 0.25
SHUTDOWN = 2.0
# Live again within: detection + the largest backoff step + a handshake,
# plus slack for a loaded 2-core machine (and the sanitizer build).
DETECT = max(STALE, PING + PONG)
RECOVERY_BOUND = DETECT + BACKOFF_MAX * (1 + JITTER) + HANDSHAKE + 6.0
RSS_BOUND_MB = 64       # feedd's VmRSS, whatever a server sends
RSS_RETURN_SLACK = 0.25  # end RSS <= baseline * 1.25 + 2 MiB
MAX_MESSAGE = "1MiB"
RETRY_AFTER = 2
DEFAULT_SEED = 20261206  # the default run's faults; CHAOS_SEED or --seed for others


def fault_table():
    """(name, commands, hold s, clear with normal, kick current connections
    (reset) so they must go through the handshake fault, handshake fault,
    expect a reconnect, extra recovery s)."""
    F = []

    def f(name, cmds, hold=0.0, clear=False, kick=False, hs=False, reconnect=True, extra=0.0):
        F.append(dict(name=name, cmds=cmds, hold=hold, clear=clear, kick=kick, hs=hs,
                      reconnect=reconnect, extra=extra))

    f("close", [["close", "1000"]])
    f("close-1011", [["close", "1011"]])
    f("reset", [["reset"]])
    # held 2 s past detection: cleared earlier, the old connection would resume
    f("stall", [["stall"]], hold=DETECT + 2, clear=True)
    f("blackhole", [["blackhole"]])
    f("noping", [["noping"]], hold=DETECT + 2, clear=True)
    f("silent", [["silent"]], hold=STALE + 2, clear=True)
    f("refuse-404", [["refuse", "404"]], hold=3, clear=True, kick=True, hs=True)
    f("refuse-503", [["refuse", "503"]], hold=3, clear=True, kick=True, hs=True)
    f("refuse-429", [["refuse", "429", str(RETRY_AFTER)]], hold=3, clear=True, kick=True,
      hs=True, extra=RETRY_AFTER)
    f("badaccept", [["badaccept"]], hold=3, clear=True, kick=True, hs=True)
    f("slow-handshake", [["delay_handshake", "1000"]], hold=2, clear=True, kick=True)
    f("handshake-timeout", [["delay_handshake", str(int(HANDSHAKE * 1000) + 2000)]], hold=4,
      clear=True, kick=True, hs=True, extra=2)
    f("endless-headers", [["endless_headers"]], hold=HANDSHAKE + 1, clear=True, kick=True,
      hs=True)
    f("badcert-expired", [["badcert", "expired"]], hold=2, clear=True, kick=True, hs=True)
    f("badcert-wronghost", [["badcert", "wronghost"]], hold=2, clear=True, kick=True, hs=True)
    f("badcert-selfsigned", [["badcert", "selfsigned"]], hold=2, clear=True, kick=True, hs=True)
    f("badframe-rsv", [["badframe", "rsv"]])
    f("badframe-opcode", [["badframe", "opcode"]])
    f("badframe-masked", [["badframe", "masked"]])
    f("hugeframe", [["hugeframe"]])
    f("oversize", [["oversize", "2000000"]])
    f("badutf8", [["badutf8"]], reconnect=None)
    f("fragments", [["fragments", "100000"]], reconnect=None)
    f("pingflood", [["pingflood", "2000"]], reconnect=None)
    f("badjson", [["badjson"]], reconnect=False)
    f("badprecision", [["badprecision"]], reconnect=False)
    f("restart", [["restart", "RANDOM_MS"]])
    return F


class Failures:
    def __init__(self, seed):
        self.seed = seed
        self.list = []
        self.lock = threading.Lock()

    def add(self, what, msg):
        with self.lock:
            if len(self.list) < 200:
                self.list.append(f"{what}: {msg}")
        E.log(f"VIOLATION {what}: {msg} (CHAOS_SEED={self.seed})")


class RingWatch(threading.Thread):
    """mdbus-tail --json of trades: the sequence invariant on every tick."""

    def __init__(self, bus, fails):
        super().__init__(daemon=True)
        self.fails = fails
        self.last = {}       # symbol -> (connection id, n)
        self.count = {}      # symbol -> trades seen
        self.trades = 0
        self.gaps = 0
        self.new_conns = 0
        self.lat_max_ms = 0.0   # exchange (sim) time -> feedd receive time
        self.lat_window_ms = 0.0
        self.lock = threading.Lock()
        argv = [E.TOOLS.tail, "--bus", bus, "--json", "--kind", "trade", "--wait-bus",
                "--from-start"]
        E.log(f"start {' '.join(argv)}")
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump_err(self):
        for raw in iter(self.p.stderr.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            E.log(f"tail| {line}")
            if "missed" in line:
                # the reader (not feedd) fell a ring behind: the check is void
                self.fails.add("reader", f"mdbus-tail was lapped: {line}")

    def run(self):
        for raw in iter(self.p.stdout.readline, b""):
            try:
                t = json.loads(raw)
            except ValueError:
                self.fails.add("ring", f"mdbus-tail printed {raw[:120]!r}")
                continue
            self.on_trade(t)

    def on_trade(self, t):
        sym, tid = t["symbol"], t["trade_id"]
        conn, n = tid >> 32, tid & 0xFFFFFFFF
        gap = "gap" in t["flags"]
        lat = (t["recv_ts"] - t["exch_ts"]) / 1e6
        with self.lock:
            self.trades += 1
            self.count[sym] = self.count.get(sym, 0) + 1
            self.lat_max_ms = max(self.lat_max_ms, lat)
            self.lat_window_ms = max(self.lat_window_ms, lat)
            last = self.last.get(sym)
            self.last[sym] = (conn, n)
            if gap:
                self.gaps += 1
        if last is None or conn != last[0]:
            self.new_conns += 1
            if last is not None and conn < last[0]:
                self.fails.add("sequence", f"{sym}: connection {conn} after {last[0]}")
            if n != 1:
                self.fails.add("sequence", f"{sym}: connection {conn} starts at trade {n}, "
                               f"not 1 (its first {n - 1} trades lost)")
            if last is None:
                # the first connection has no "before" on this bus: no gap
                if gap:
                    self.fails.add("gap", f"{sym}: MDBUS_FLAG_GAP on the first connection")
            elif not gap:
                self.fails.add("gap", f"{sym}: first trade of connection {conn} (after "
                               f"{last[0] if last else 'none'}) without MDBUS_FLAG_GAP")
        else:
            if n != last[1] + 1:
                what = "duplicate" if n <= last[1] else "lost"
                self.fails.add("sequence", f"{sym}: connection {conn}: trade {n} after "
                               f"{last[1]} ({what})")
            if gap:
                self.fails.add("gap", f"{sym}: connection {conn} trade {n}: MDBUS_FLAG_GAP "
                               "within one connection")

    def take_window_latency(self):
        with self.lock:
            v, self.lat_window_ms = self.lat_window_ms, 0.0
            return v

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(5)


class HealthWatch(threading.Thread):
    """mdbus-top --json every 250 ms: session states for the recovery and
    handshake invariants."""

    def __init__(self, bus, fails):
        super().__init__(daemon=True)
        self.fails = fails
        self.snap = None      # (monotonic time, {name: session dict}, totals)
        self.cv = threading.Condition()
        self.hs_watch = {}    # session name -> connects at the fault's start (None: unset)
        self.hs_since = {}    # session name -> time the handshake fault began
        argv = [os.environ.get("MDBUS_TOP", "mdbus-top"), "--bus", bus, "--json",
                "--count", "1000000", "--delay", "250ms"]
        E.log(f"start {' '.join(argv)}")
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL, start_new_session=True)

    def run(self):
        for raw in iter(self.p.stdout.readline, b""):
            try:
                doc = json.loads(raw)
            except ValueError:
                continue
            if not doc.get("attached") or "sessions" not in doc:
                continue
            now = time.monotonic()
            sess = {s["name"]: s for s in doc["sessions"] if "name" in s}
            self.check_handshake(now, sess)
            with self.cv:
                self.snap = (now, sess, doc.get("totals", {}))
                self.cv.notify_all()

    def check_handshake(self, now, sess):
        with self.cv:
            for name, c0 in list(self.hs_watch.items()):
                s = sess.get(name)
                if s is None:
                    continue
                if c0 is None:
                    self.hs_watch[name] = s["connects"]
                elif s["state"] == "live" and s["connects"] > c0:
                    self.fails.add("handshake", f"session {name} is live on connection "
                                   f"#{s['connects']} made during a handshake fault "
                                   f"(begun {now - self.hs_since[name]:.1f}s ago)")
                    del self.hs_watch[name]

    def watch(self, names, on):
        with self.cv:
            for n in names:
                if on:
                    self.hs_watch[n] = None
                    self.hs_since[n] = time.monotonic()
                else:
                    self.hs_watch.pop(n, None)

    def wait_snap(self, after, timeout):
        """The first snapshot taken after monotonic time `after`."""
        end = time.monotonic() + timeout
        with self.cv:
            while self.snap is None or self.snap[0] <= after:
                left = end - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cv.wait(min(left, 0.5))
            return self.snap

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(5)


def proc_sample(pid):
    """(VmRSS kB, open fds) of pid, or (None, None) once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, AttributeError):
        return None, None


class SimServer:
    def __init__(self, idx, d, rate, sessions, rng):
        self.idx = idx
        self.sessions = sessions    # [(name, [symbols])]
        syms = ",".join(s for _, ss in sessions for s in ss)
        self.sim = E.Sim(d, extra=["--rate", str(rate), "--symbols", syms, "--numbered",
                                   "--seed", str(rng.getrandbits(32))])
        self.names = [n for n, _ in sessions]
        self.state = "idle"
        self.next_at = 0.0
        self.fault = None
        self.t_inject = self.t_clear = self.deadline = 0.0
        self.connects0 = {}


class Chaos:
    def __init__(self, a):
        self.a = a
        self.seed = a.seed
        self.rng = random.Random(self.seed)
        self.fails = Failures(self.seed)
        self.faults = fault_table()
        self.deck = []
        self.injected = {}
        self.reconnected = {}   # fault -> (episodes with a reconnect, episodes)
        self.samples = []
        self.recover_times = []

    # ---- set-up ----------------------------------------------------------------

    def layout(self):
        """sims x sessions; every third session follows two symbols."""
        per = [[] for _ in range(self.a.sims)]
        for j in range(self.a.sessions):
            k = j % self.a.sims
            base = "C" + chr(65 + k) + chr(65 + j // 26) + chr(65 + j % 26)
            syms = [f"{base}-USDT"] + ([f"{base}-USDC"] if j % 3 == 2 else [])
            per[k].append((f"s{k}-{j:02d}", syms))
        return per

    def write_config(self, d, bus, servers):
        ms = lambda s: f"{int(s * 1000)}ms"  # noqa: E731
        lines = [
            "[bus]", f"name = {bus}", "slots = 65536", "",
            # refdata = no: the faults target the sessions' connections
            "[feed]", f"shutdown_timeout = {ms(SHUTDOWN)}", f"ca_file = {d}/ca.pem",
            "refdata = no",
            "connect_rate = 100/s", "channels = trades", f"ping_interval = {ms(PING)}",
            f"pong_timeout = {ms(PONG)}", f"stale_timeout = {ms(STALE)}",
            f"handshake_timeout = {ms(HANDSHAKE)}",
            f"reconnect_initial = {ms(BACKOFF_INITIAL)}",
            f"reconnect_max = {ms(BACKOFF_MAX)}", f"reconnect_jitter = {JITTER}",
            f"max_message = {MAX_MESSAGE}", ""]
        for srv in servers:
            for name, syms in srv.sessions:
                lines += [f"[session {name}]", "venue = binance",
                          f"url = wss://localhost:{srv.sim.port}/ws",
                          f"symbols = {', '.join(syms)}", ""]
        p = os.path.join(d, "chaos.ini")
        with open(p, "w") as f:
            f.write("\n".join(lines))
        return p

    # ---- faults ----------------------------------------------------------------

    def next_fault(self):
        """Every fault once per shuffled deck, so a run covers them all."""
        if not self.deck:
            self.deck = list(self.faults)
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    def inject(self, srv, f, now):
        for cmd in f["cmds"]:
            cmd = [str(self.rng.randint(300, 3000)) if c == "RANDOM_MS" else c for c in cmd]
            r = srv.sim.ctl(*cmd)
            if not r.startswith("ok"):
                self.fails.add("driver", f"sim {srv.idx}: {' '.join(cmd)} -> {r}")
        if f["hs"]:
            self.health.watch(srv.names, True)
        if f["kick"]:
            srv.sim.ctl("reset")
        self.injected[f["name"]] = self.injected.get(f["name"], 0) + 1
        srv.fault = f
        srv.t_inject = now
        srv.state = "hold"
        srv.hold_until = now + f["hold"]
        E.log(f"fault sim{srv.idx} {f['name']} (hold {f['hold']:.1f}s)")

    def clear(self, srv, now):
        f = srv.fault
        if f["clear"]:
            srv.sim.ctl("normal")
        if f["hs"]:
            self.health.watch(srv.names, False)
        srv.state = "recover"
        srv.t_clear = now
        srv.deadline = now + RECOVERY_BOUND + f["extra"]

    def recovered(self, srv, snap):
        """All of srv's sessions live in snap (and, for a fault that must
        cost a connection, on a newer one)."""
        _, sess, _ = snap
        for n in srv.names:
            s = sess.get(n)
            if not s or s["state"] != "live":
                return False
            if srv.fault["reconnect"] and s["connects"] <= srv.connects0.get(n, 0):
                return False
        return True

    def step_server(self, srv, now, faulting):
        if srv.state == "idle":
            if faulting and now >= srv.next_at:
                snap = self.health.snap
                srv.connects0 = {n: s["connects"] for n, s in snap[1].items()} if snap else {}
                self.inject(srv, self.next_fault(), now)
        elif srv.state == "hold" and now >= srv.hold_until:
            self.clear(srv, now)
        elif srv.state == "recover":
            snap = self.health.snap
            if snap and snap[0] > srv.t_clear and self.recovered(srv, snap):
                name = srv.fault["name"]
                got = self.reconnected.setdefault(name, [0, 0])
                got[1] += 1
                if all(snap[1][n]["connects"] > srv.connects0.get(n, 0) for n in srv.names):
                    got[0] += 1
                self.recover_times.append(snap[0] - srv.t_clear)
                srv.state = "idle"
                srv.next_at = now + self.rng.uniform(0.2, 2.0)
            elif now > srv.deadline:
                sess = snap[1] if snap else {}
                bad = {n: sess.get(n, {}).get("state") for n in srv.names
                       if sess.get(n, {}).get("state") != "live"}
                self.fails.add("recovery", f"sim{srv.idx} after {srv.fault['name']}: not live "
                               f"{RECOVERY_BOUND + srv.fault['extra']:.1f}s after the fault "
                               f"cleared: {bad or 'live, but no new connection'}")
                srv.state = "idle"
                srv.next_at = now + 1.0

    # ---- sampling --------------------------------------------------------------

    def sample(self, now):
        rss, fds = proc_sample(self.feedd.proc.p.pid)
        if rss is None:
            return
        self.rss_max = max(self.rss_max, rss)
        if rss > RSS_BOUND_MB * 1024 and not self.a.sanitized:
            self.fails.add("rss", f"feedd VmRSS {rss / 1024:.1f} MiB > {RSS_BOUND_MB} MiB "
                           f"(fault {[s.fault['name'] for s in self.servers if s.fault]})")
        snap = self.health.snap
        tot = snap[2] if snap else {}
        self.samples.append(dict(t=round(now - self.t0, 2), rss_kb=rss, fds=fds,
                                 trades=self.ring.trades,
                                 reconnects=tot.get("reconnects", 0),
                                 lat_max_ms=round(self.ring.take_window_latency(), 3)))

    def all_live(self, after, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            snap = self.health.wait_snap(after, 2)
            if snap and len(snap[1]) == self.a.sessions and \
                    all(s["state"] == "live" for s in snap[1].values()):
                return snap
            if snap:
                after = snap[0]
        snap = self.health.snap
        E.log("not all live: " + (", ".join(f"{n}={s.get('state')}" for n, s in snap[1].items())
                                  if snap else "no health snapshot"))
        return None

    # ---- run -------------------------------------------------------------------

    def setup(self):
        d = E.make_certs(E.tmpdir("chaos"))
        bus = E.bus_name("chaos")
        layout = self.layout()
        self.servers = [SimServer(k, d, self.a.rate, layout[k], self.rng)
                        for k in range(self.a.sims)]
        cfg = self.write_config(d, bus, self.servers)
        self.ring = RingWatch(bus, self.fails)  # waits for the bus: sees every trade
        self.ring.start()
        self.feedd = E.Feedd(cfg)
        self.feedd.wait(r"\bstate=LIVE event=state\b", 30)
        self.health = HealthWatch(bus, self.fails)
        self.health.start()

    def run(self):
        a = self.a
        E.log(f"chaos: CHAOS_SEED={self.seed} duration={a.duration}s sessions={a.sessions} "
              f"sims={a.sims} rate={a.rate}/s per symbol; recovery bound "
              f"{RECOVERY_BOUND:.1f}s, RSS bound {RSS_BOUND_MB} MiB")
        self.setup()
        self.t0 = time.monotonic()
        self.rss_max = 0
        if not self.all_live(0, 60):
            raise E.TestFailure(f"not every session live 60 s after start "
                                f"(CHAOS_SEED={self.seed})")
        time.sleep(2.0)
        self.base_rss, self.base_fds = proc_sample(self.feedd.proc.p.pid)
        E.log(f"baseline: VmRSS {self.base_rss} kB, {self.base_fds} fds")
        self.loop()
        self.finish()
        return self.report()

    def loop(self):
        t_faults_end = time.monotonic() + self.a.duration
        next_sample = time.monotonic()
        while True:
            now = time.monotonic()
            faulting = now < t_faults_end
            for srv in self.servers:
                self.step_server(srv, now, faulting)
            if now >= next_sample:
                self.sample(now)
                next_sample += 1.0
            if self.feedd.proc.p.poll() is not None:
                raise E.TestFailure(f"feedd exited ({self.feedd.proc.p.returncode}) during "
                                    f"the run (CHAOS_SEED={self.seed})")
            if not faulting and all(s.state == "idle" for s in self.servers):
                return
            time.sleep(0.05)

    def finish(self):
        now = time.monotonic()
        snap = self.all_live(now, RECOVERY_BOUND + 5)
        if not snap:
            self.fails.add("recovery", "not every session live at the end")
        # Trades keep coming on every symbol (live means data, not a state).
        before = dict(self.ring.count)
        time.sleep(2.0)
        for sym in before:
            if self.ring.count.get(sym, 0) <= before[sym]:
                self.fails.add("recovery", f"{sym}: no trade in the last 2 s")
        # fds and RSS back to the baseline (closing sockets may linger briefly).
        end = time.monotonic() + 10
        while True:
            rss, fds = proc_sample(self.feedd.proc.p.pid)
            if fds == self.base_fds or time.monotonic() > end:
                break
            time.sleep(0.25)
        self.end_rss, self.end_fds = rss, fds
        if fds != self.base_fds:
            self.fails.add("fds", f"feedd has {fds} fds at the end, {self.base_fds} at the "
                           "first all-live")
        if rss > self.base_rss * (1 + RSS_RETURN_SLACK) + 2048 and not self.a.sanitized:
            self.fails.add("rss", f"feedd VmRSS {rss} kB at the end vs {self.base_rss} kB "
                           f"baseline (> +{RSS_RETURN_SLACK:.0%} + 2 MiB)")
        self.shutdown()

    def shutdown(self):
        srv = self.rng.choice(self.servers)
        f = self.next_fault()
        E.log(f"last fault before SIGTERM: sim{srv.idx} {f['name']}")
        for cmd in f["cmds"]:
            srv.sim.ctl(*[str(self.rng.randint(300, 3000)) if c == "RANDOM_MS" else c
                          for c in cmd])
        if f["kick"]:
            srv.sim.ctl("reset")
        time.sleep(self.rng.uniform(0.0, 2.0))
        t = time.monotonic()
        self.feedd.proc.signal(signal.SIGTERM)
        rc = self.feedd.proc.wait(SHUTDOWN + 10)
        self.exit_s = time.monotonic() - t
        self.exit_rc = rc
        if rc != 0:
            self.fails.add("shutdown", f"feedd exit status {rc} after SIGTERM")
        if self.exit_s > SHUTDOWN + 0.5:
            self.fails.add("shutdown", f"feedd took {self.exit_s:.2f}s to exit after SIGTERM "
                           f"(bound shutdown_timeout + 0.5 = {SHUTDOWN + 0.5}s)")
        time.sleep(0.5)
        self.ring.stop()
        self.health.stop()

    def report(self):
        rt = sorted(self.recover_times)
        summary = dict(
            seed=self.seed, duration_s=self.a.duration, sessions=self.a.sessions,
            sims=self.a.sims, rate=self.a.rate, trades=self.ring.trades,
            new_connections=self.ring.new_conns, gaps_flagged=self.ring.gaps,
            reconnects=self.samples[-1]["reconnects"] if self.samples else 0,
            faults=sum(self.injected.values()), injected=self.injected,
            reconnected={k: f"{v[0]}/{v[1]}" for k, v in sorted(self.reconnected.items())},
            recovery_s_median=round(rt[len(rt) // 2], 2) if rt else None,
            recovery_s_max=round(rt[-1], 2) if rt else None,
            recovery_bound_s=round(RECOVERY_BOUND, 1),
            latency_max_ms=round(self.ring.lat_max_ms, 3),
            rss_baseline_kb=self.base_rss, rss_max_kb=self.rss_max, rss_end_kb=self.end_rss,
            rss_bound_kb=RSS_BOUND_MB * 1024, fds_baseline=self.base_fds,
            fds_end=self.end_fds, sigterm_exit_s=round(self.exit_s, 3),
            sigterm_rc=self.exit_rc, violations=self.fails.list)
        missing = [f["name"] for f in self.faults if f["name"] not in self.injected]
        if missing and self.a.duration >= 60:
            self.fails.add("coverage", f"faults never injected: {missing}")
        for k, v in summary.items():
            E.log(f"summary {k}: {v}")
        if self.a.summary:
            os.makedirs(self.a.summary, exist_ok=True)
            with open(os.path.join(self.a.summary, "summary.json"), "w") as f:
                json.dump(summary, f, indent=1)
        if self.a.samples:
            with open(self.a.samples, "w") as f:
                f.write("# t_s rss_kb fds trades reconnects lat_max_ms\n")
                for s in self.samples:
                    f.write(f"{s['t']} {s['rss_kb']} {s['fds']} {s['trades']} "
                            f"{s['reconnects']} {s['lat_max_ms']}\n")
        if self.fails.list:
            raise E.TestFailure(f"{len(self.fails.list)} violation(s), first: "
                                f"{self.fails.list[0]} -- replay with CHAOS_SEED={self.seed}")
        E.log(f"chaos: all invariants held (CHAOS_SEED={self.seed})")
        return 0


def parse_duration(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", s)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {s!r} (90s, 10m, 1h)")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=parse_duration, default=parse_duration("90s"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--sessions", type=int, default=24)
    ap.add_argument("--sims", type=int, default=4)
    ap.add_argument("--rate", type=int, default=25, help="trades/s per symbol")
    ap.add_argument("--samples", help="per-second samples (gnuplot data) to this file")
    ap.add_argument("--summary", help="write summary.json into this directory")
    ap.add_argument("--sanitized", action="store_true",
                    help="feedd runs under ASan: its RSS (shadow memory, quarantine) is "
                    "not judged; fds and every other invariant are")
    a = ap.parse_args()
    if os.environ.get("CHAOS_SEED"):
        a.seed = int(os.environ["CHAOS_SEED"])
    if a.seed is None:
        a.seed = DEFAULT_SEED
    print(f"CHAOS_SEED={a.seed}", flush=True)
    os.environ.setdefault("E2E_LIMIT", str(int(a.duration + 240)))
    return E.main({"chaos": lambda: Chaos(a).run()}, ["chaos.py", "chaos"])


if __name__ == "__main__":
    sys.exit(main())
