#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mdbus-top against a bus populated by health_writer (a stand-in feedd).

  test_top.py MDBUS_TOP HEALTH_WRITER batch   exit codes 0/1/2, JSON and --once values
  test_top.py MDBUS_TOP HEALTH_WRITER dead    SIGKILL => dead within 1 s; new writer =>
                                              re-attach (new epoch) in a running mdbus-top
  test_top.py MDBUS_TOP HEALTH_WRITER rest    the REST block: sessions[].rest in --json, the
                                              REST table of --once (one row per venue)
  test_top.py MDBUS_TOP HEALTH_WRITER tui     the ncurses view in an 80x24 tmux session
  test_top.py MDBUS_TOP HEALTH_WRITER readers MDBUS_TAIL
                                              the Readers pane: a registered mdbus-tail,
                                              its lag once stopped, gone once killed

Exit 0 pass, 1 fail, 77 skip (tmux missing for 'tui').
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

TOP, WRITER, MODE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures as FAILS  # noqa: E402

BUSES = []


def bus_name(tag):
    name = "htop-%d-%s" % (os.getpid(), tag)
    BUSES.append(name)
    return name


def cleanup_bus(name):
    for suffix in ("", ".lock", ".tmp", ".readers"):
        try:
            os.unlink("/dev/shm/mdbus-" + name + suffix)
        except FileNotFoundError:
            pass


class Writer:
    def __init__(self, bus, scenario, unlink=True):
        args = [WRITER, bus, scenario] + (["--unlink"] if unlink else [])
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        m = re.match(r"ready pid=(\d+) epoch=([0-9a-f]+)", line)
        if not m:
            raise RuntimeError("health_writer did not start: %r" % line)
        self.pid, self.epoch = int(m.group(1)), m.group(2)

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        self.p.wait(timeout=10)
        self.p.stdout.close()


def top(bus, *args, timeout=10):
    r = subprocess.run([TOP, "-b", bus] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def top_json(bus, *args):
    rc, out, err = top(bus, "--json", *args)
    try:
        doc = json.loads(out)
    except ValueError:
        check(False, "--json output is not JSON: %r (stderr %r)" % (out, err))
        doc = {}
    return rc, doc


def session(doc, name):
    for s in doc.get("sessions", []):
        if s.get("name") == name:
            return s
    check(False, "session %s missing in %s" % (name, doc))
    return {}


def test_batch():
    # No bus at all: 2, and still one JSON document.
    rc, doc = top_json(bus_name("none"))
    check(rc == 2, "no bus: exit %d, want 2" % rc)
    check(doc.get("attached") is False and doc.get("exit") == 2, "no bus doc: %s" % doc)
    rc, out, err = top(bus_name("none2"), "--once")
    check(rc == 2 and "no bus" in err, "no bus --once: %d %r" % (rc, err))

    bus = bus_name("ok")
    w = Writer(bus, "healthy", unlink=False)
    try:
        rc, doc = top_json(bus)
        check(rc == 0, "healthy: exit %d, want 0 (%s)" % (rc, doc))
        check(doc.get("alive") is True, "healthy: alive")
        check(doc.get("epoch") == w.epoch, "epoch %s != writer's %s" % (doc.get("epoch"), w.epoch))
        f = doc.get("feed", {})
        check(f.get("pid") == w.pid, "feed pid %s != %d" % (f.get("pid"), w.pid))
        check(f.get("state") == "running", "feed state %s" % f.get("state"))
        check(f.get("config") == "health-test.ini", "feed config")
        check(0 <= f.get("heartbeat_age_ms", -1) < 1000, "heartbeat age %s" % f.get("heartbeat_age_ms"))
        ring = doc.get("ring", {})
        check(ring.get("slots") == 1024 and ring.get("write_seq", 0) > 0, "ring %s" % ring)
        check((ring.get("rate") or 0) > 0, "ring rate %s" % ring.get("rate"))
        a = session(doc, "sess-a")
        check(a.get("state") == "live" and a.get("verdict") == "healthy", "sess-a %s" % a)
        check(a.get("host") == "stream.binance.com" and a.get("venue") == "binance", "sess-a host")
        check(a.get("connects") == 3 and a.get("reconnects") == 2, "sess-a counters")
        check(a.get("handshake_failures") == {"tls": 1}, "sess-a hs %s" % a.get("handshake_failures"))
        check(a.get("last_error_class") == "tls" and a.get("last_error") == "certificate verify failed",
              "sess-a last error")
        check(a.get("rtt_ms") == 12.5, "sess-a rtt %s" % a.get("rtt_ms"))
        check(a.get("subscriptions") == 4 and a.get("streams") == 4, "sess-a subs")
        check(a.get("messages", 0) > 0 and a.get("ticks", 0) > 0, "sess-a msgs")
        check((a.get("msgs_per_s") or 0) > 0 and (a.get("ticks_per_s") or 0) > 0, "sess-a rates")
        check(a.get("last_msg_age_ms") is not None and a["last_msg_age_ms"] < 1000, "sess-a age")
        ins = {i["symbol"]: i for i in doc.get("instruments", [])}
        btc = ins.get("BTC-USDT", {})
        check(btc.get("id") == 0 and btc.get("status") == "live", "btc %s" % btc)
        check(btc.get("last_price") == "65000.12" and btc.get("last_qty") == "1.5", "btc trade %s" % btc)
        check(btc.get("bid_px") == "65000.11" and btc.get("ask_px") == "65000.13", "btc bbo")
        check((btc.get("ticks_per_s") or 0) > 0, "btc ticks/s")
        check(ins.get("ETH-USDT", {}).get("last_price") == "3200.5", "eth price")
        check(doc["totals"]["ticks"] == a["ticks"] + session(doc, "sess-b")["ticks"], "totals")

        rc, out, err = top(bus, "--once")
        check(rc == 0, "--once healthy exit %d" % rc)
        for want in ("feedd pid %d" % w.pid, "ALIVE", "SESSION", "sess-a", "sess-b", "live",
                     "BTC-USDT", "65000.12", "12.5ms", "tls: certificate verify failed"):
            check(want in out, "--once lacks %r:\n%s" % (want, out))

        # Several documents, one per line, from one process.
        rc, out, err = top(bus, "--json", "-n", "3", "-i", "100ms")
        lines = out.strip().split("\n")
        check(len(lines) == 3 and all(json.loads(l)["exit"] == 0 for l in lines), "-n 3: %r" % out)
        beats = [json.loads(l)["feed"]["heartbeat_count"] for l in lines]
        check(beats == sorted(beats) and beats[-1] > beats[0], "heartbeats advance %s" % beats)
    finally:
        w.stop()
    # Clean stop: the segment stays (no --unlink) and says STOPPED.
    rc, doc = top_json(bus)
    check(rc == 1, "stopped feed: exit %d, want 1" % rc)
    check(doc.get("alive") is False and doc.get("feed", {}).get("state") == "stopped",
          "stopped: %s" % doc.get("feed"))
    rc, out, err = top(bus, "--once")
    check(rc == 1 and "STOPPED" in out, "--once stopped: %d\n%s" % (rc, out))
    cleanup_bus(bus)

    bus = bus_name("deg")
    w = Writer(bus, "degraded")
    try:
        rc, doc = top_json(bus)
        check(rc == 1, "degraded: exit %d, want 1" % rc)
        b = session(doc, "sess-b")
        check(b.get("state") == "stale" and b.get("verdict") == "degraded", "sess-b %s" % b)
        check("no message for" in b.get("reason", ""), "stale reason %r" % b.get("reason"))
        check(session(doc, "sess-a").get("verdict") == "healthy", "sess-a still healthy")
        check(doc.get("alive") is True, "degraded feed still alive")
    finally:
        w.stop()

    bus = bus_name("down")
    w = Writer(bus, "down")
    try:
        rc, doc = top_json(bus)
        check(rc == 1, "down: exit %d, want 1" % rc)
        b = session(doc, "sess-b")
        check(b.get("state") == "backoff" and b.get("verdict") == "down", "sess-b %s" % b)
        check("backoff after dns: no such host" in b.get("reason", ""), "reason %r" % b.get("reason"))
        check(b.get("backoff_attempt") == 3 and b.get("handshake_failures") == {"dns": 3}, "backoff")
        check(2000 <= (b.get("next_reconnect_ms") or -1) <= 3000, "next %s" % b.get("next_reconnect_ms"))
        eth = [i for i in doc.get("instruments", []) if i["symbol"] == "ETH-USDT"]
        check(eth and eth[0]["status"] == "down", "eth down %s" % eth)
        rc, out, err = top(bus, "--once")
        check(rc == 1 and "backoff" in out and "dns: no such host" in out, "--once down:\n" + out)
    finally:
        w.stop()

    # A quiet market (2 ticks per instrument every 500 ms): --json and --once
    # measure rates over one --interval (default 1 s), so they are never 0/s
    # (a 200 ms window, as before, missed every tick most of the time).
    bus = bus_name("quiet")
    w = Writer(bus, "quiet")
    try:
        for _ in range(3):
            rc, doc = top_json(bus)
            check(rc == 0, "quiet: exit %d" % rc)
            ins = {i["symbol"]: i for i in doc.get("instruments", [])}
            for sym in ("BTC-USDT", "ETH-USDT"):
                check((ins.get(sym, {}).get("ticks_per_s") or 0) > 0,
                      "quiet %s: ticks_per_s %s" % (sym, ins.get(sym, {}).get("ticks_per_s")))
            check((doc.get("ring", {}).get("rate") or 0) > 0, "quiet ring rate %s" % doc.get("ring"))
        rc, out, err = top(bus, "--once", "--interval", "1500ms")
        check(rc == 0 and "BTC-USDT" in out, "quiet --once --interval: %d\n%s" % (rc, out))
    finally:
        w.stop()

    for scenario, want in (("noinit", "not ready"), ("corrupt", "protocol")):
        bus = bus_name(scenario)
        w = Writer(bus, scenario)
        try:
            rc, doc = top_json(bus)
            check(rc == 1, "%s: exit %d, want 1" % (scenario, rc))
            check(want in doc.get("health_error", "").lower() or doc.get("health_error"),
                  "%s: health_error %r" % (scenario, doc.get("health_error")))
            check(doc.get("alive") is False and doc.get("sessions") == [], "%s: %s" % (scenario, doc))
            rc, out, err = top(bus, "--once")
            check(rc == 1 and ("NOT READY" in out or "BAD HEALTH" in out), "%s --once:\n%s" % (scenario, out))
        finally:
            w.stop()


REST_WANT = {"weight": 250, "limit": 6000, "window_s": 60, "weight_total": 1250, "requests": 5,
             "n429": 2, "n418": 0, "queued": 3, "inflight": 1}


def test_rest():
    bus = bus_name("rest")
    w = Writer(bus, "rest")
    try:
        rc, doc = top_json(bus)
        check(rc == 0, "rest: exit %d (%s)" % (rc, doc))
        # sess-a and sess-c share the binance venue's window: the same figures.
        for name in ("sess-a", "sess-c"):
            r = session(doc, name).get("rest") or {}
            got = {k: r.get(k) for k in REST_WANT}
            check(got == REST_WANT, "%s rest %s, want %s" % (name, got, REST_WANT))
            # Blocked until 60 s after the writer started: time left, in ms.
            check(0 < (r.get("blocked_ms") or 0) <= 60000, "%s blocked_ms %s" % (name, r.get("blocked_ms")))
        b = session(doc, "sess-b")
        check("rest" in b and b["rest"] is None, "sess-b (no REST client): rest %r" % b.get("rest"))

        rc, out, err = top(bus, "--once")
        check(rc == 0 and "REST VENUE" in out, "--once REST table:\n%s" % out)
        rows = [l.split() for l in out.split("\n") if l.startswith("binance ")]
        check(len(rows) == 1, "one REST row per venue: %s" % rows)
        f = rows[0] if rows else [""] * 11
        check(f[1:8] == ["250/6000", "w/min", "5", "2", "0", "3", "1"], "REST row %s" % f)
        check(re.match(r"^(\d+(\.\d)?s|1m00s)$", f[8] or "") is not None, "BLOCKED cell %r" % f[8])
        check(f[9:] == ["sess-a", "sess-c"], "REST row sessions %s" % f[9:])
        check(not any(l.startswith("okx ") for l in out.split("\n")), "okx has no REST row")
    finally:
        w.stop()

    # Without any REST client: rest null everywhere, no REST table.
    bus = bus_name("norest")
    w = Writer(bus, "healthy")
    try:
        rc, doc = top_json(bus)
        check([s.get("rest", "absent") for s in doc.get("sessions", [])] == [None, None],
              "healthy: rest %s" % [s.get("rest", "absent") for s in doc.get("sessions", [])])
        rc, out, err = top(bus, "--once")
        check(rc == 0 and "REST VENUE" not in out, "healthy --once has no REST table:\n%s" % out)
    finally:
        w.stop()


def test_dead():
    bus = bus_name("dead")
    # A long-running mdbus-top that must follow the bus across writers.
    w1 = Writer(bus, "healthy")
    follower = subprocess.Popen([TOP, "-b", bus, "--json", "-n", "40", "-i", "100ms"],
                                stdout=subprocess.PIPE, text=True)
    arrivals = []  # (time, doc) as the follower prints them

    def pump():
        for line in follower.stdout:
            if line.startswith("{"):
                arrivals.append((time.monotonic(), json.loads(line)))
    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    w2 = None
    try:
        rc, doc = top_json(bus)
        check(rc == 0 and doc.get("alive") is True, "before kill: %d %s" % (rc, doc.get("alive")))
        time.sleep(0.5)
        t0 = time.monotonic()
        w1.stop(signal.SIGKILL)
        # The running mdbus-top (100 ms period) reports the death within 1 s.
        dead_at = None
        while dead_at is None and time.monotonic() < t0 + 3:
            dead_at = next((t for t, d in list(arrivals)
                            if d.get("epoch") == w1.epoch and d.get("alive") is False), None)
            time.sleep(0.02)
        check(dead_at is not None and dead_at - t0 < 1.0,
              "running mdbus-top reported dead after %s s (limit 1 s)" %
              (None if dead_at is None else round(dead_at - t0, 3)))
        if dead_at is not None:
            print("SIGKILL -> running mdbus-top says dead in %.3f s" % (dead_at - t0))
        # A fresh invocation too; its time includes start-up and the 200 ms
        # rate window, so the bound is loose (loaded 2-core machines).
        rc, doc = top_json(bus)
        dt = time.monotonic() - t0
        check(doc.get("alive") is False and rc == 1, "after SIGKILL: %d alive=%s" % (rc, doc.get("alive")))
        check(dt < 3.0, "fresh mdbus-top --json after %.2f s" % dt)
        # The regression: the dead feed's own words still say running/live/
        # healthy; nothing that reads them may repeat it.
        check(doc.get("feed", {}).get("state") == "dead", "feed.state %s" % doc.get("feed"))
        sess = doc.get("sessions", [])
        check(sess and all(x.get("verdict") == "down" and x.get("reason") == "feed dead"
                           for x in sess), "sessions after SIGKILL: %s" %
              [(x.get("verdict"), x.get("reason")) for x in sess])
        ins = doc.get("instruments", [])
        check(ins and all(x.get("status") == "down" for x in ins),
              "instruments after SIGKILL: %s" % [x.get("status") for x in ins])
        print("SIGKILL -> fresh mdbus-top --json says dead in %.3f s" % dt)
        time.sleep(0.5)
        w2 = Writer(bus, "healthy")
        rc, doc = top_json(bus)
        check(rc == 0 and doc.get("alive") is True, "new writer: %d" % rc)
        check(doc.get("epoch") == w2.epoch and w2.epoch != w1.epoch, "new epoch %s" % doc.get("epoch"))
        check(doc.get("feed", {}).get("pid") == w2.pid, "new pid")
        follower.wait(timeout=30)
        pumper.join(timeout=5)
        docs = [d for _, d in arrivals]
        seen = [(d.get("epoch"), d.get("alive")) for d in docs]
        check((w1.epoch, True) in seen, "follower saw writer 1 alive: %s" % seen)
        check((w1.epoch, False) in seen, "follower saw writer 1 dead: %s" % seen)
        check((w2.epoch, True) in seen, "follower re-attached to writer 2: %s" % seen)
        check(docs[-1].get("reattaches", 0) >= 1 and docs[-1].get("exit") == 0, "follower end %s" % docs[-1].get("reattaches"))
        check(follower.returncode == 0, "follower exit %s" % follower.returncode)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
        if w2:
            w2.stop()


class Tmux:
    def __init__(self, cmd):
        self.sock = "/tmp/htop-tmux-%d" % os.getpid()
        self.run("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", "t", cmd)

    def run(self, *args):
        return subprocess.run(["tmux", "-S", self.sock] + list(args), capture_output=True,
                              text=True, timeout=10)

    def capture(self, escapes=False):
        return self.run("capture-pane", "-p", "-t", "t", *(["-e"] if escapes else [])).stdout

    def wait_for(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        while True:
            scr = self.capture()
            if pred(scr) or time.monotonic() > end:
                return scr
            time.sleep(0.1)

    def keys(self, *k):
        self.run("send-keys", "-t", "t", *k)

    def display(self, fmt):
        return self.run("display-message", "-p", "-t", "t", fmt).stdout.strip()

    def kill(self):
        self.run("kill-server")
        try:
            os.unlink(self.sock)
        except FileNotFoundError:
            pass


def check_read_only(t, bus):
    """mdbus-top (the pane shell's child) maps the bus without write access."""
    shell = t.display("#{pane_pid}")
    try:
        with open("/proc/%s/task/%s/children" % (shell, shell)) as fh:
            kids = fh.read().split()
    except OSError as e:
        check(False, "cannot find mdbus-top's pid: %r" % e)
        return
    maps = ""
    for k in kids:
        try:
            with open("/proc/%s/maps" % k) as fh:
                maps += fh.read()
        except OSError:
            pass
    seg = [l for l in maps.split("\n") if l.endswith("/dev/shm/mdbus-" + bus)]
    check(seg, "mdbus-top maps the segment")
    check(all(l.split()[1][1] == "-" for l in seg), "segment mapped read-only: %s" % seg)


def test_tui():
    if not shutil.which("tmux"):
        print("tmux not installed")
        sys.exit(77)
    bus = bus_name("tui")
    w = Writer(bus, "rest")
    w2 = None
    status = "/tmp/htop-tui-%d.status" % os.getpid()
    cmd = "printf 'BEFORE-TOP\\n'; TERM=xterm-256color %s -b %s -i 0.2; echo EXIT=$? > %s; sleep 60" % (TOP, bus, status)
    t = Tmux(cmd)
    try:
        scr = t.wait_for(lambda s: "sess-b" in s and "ALIVE" in s)
        print(scr)
        for want in ("mdbus-top", "bus " + bus, "feedd pid %d" % w.pid, "ALIVE", "SESSION", "STATE",
                     "MSG/S", "LAST ERROR", "sess-a", "sess-b", "live", "[sessions]", "sort: name",
                     "q quit"):
            check(want in scr, "tui lacks %r" % want)
        check(all(len(l) <= 80 for l in scr.split("\n")), "tui line wider than 80")
        # The REST table at the bottom of the sessions view: binance, shared by sess-a and sess-c.
        rest = [l for l in scr.split("\n") if l.startswith("binance ")]
        check("REST VENUE" in scr and len(rest) == 1 and "250/6000 w/min" in rest[0] and
              rest[0].split()[3:8] == ["5", "2", "0", "3", "1"] and "sess-a sess-c" in rest[0],
              "sessions view REST table:\n" + scr)
        check(t.display("#{alternate_on}") == "1", "tui runs on the alternate screen")
        esc = t.capture(escapes=True)
        check(re.search(r"\x1b\[[0-9;]*32[0-9;]*m\s*live", esc) is not None, "live is green")
        check_read_only(t, bus)

        t.keys("s")
        scr = t.wait_for(lambda s: "sort: state" in s)
        check("sort: state" in scr, "s cycles the sort column")
        t.keys("s")
        scr = t.wait_for(lambda s: "sort: msgs/s" in s)
        check("sort: msgs/s" in scr, "s cycles again")
        t.keys("i")
        scr = t.wait_for(lambda s: "[instruments]" in s and "BTC-USDT" in s)
        for want in ("[instruments]", "SYMBOL", "BID", "ASK", "TICK/S", "BTC-USDT", "ETH-USDT", "65000.12",
                     "sort: id"):
            check(want in scr, "instruments view lacks %r" % want)
        check("sess-a" not in scr, "instruments view shows no session rows")
        t.keys("t")
        scr = t.wait_for(lambda s: "[sessions]" in s)
        check("[sessions]" in scr and "sess-a" in scr, "t returns to sessions")
        t.keys("r")
        scr = t.wait_for(lambda s: "[readers]" in s)
        check("[readers]" in scr and "READER" in scr and "LAG" in scr and "MISSED" in scr and
              "sess-a" not in scr, "r shows the Readers pane:\n" + scr)
        check(all(len(l) <= 80 for l in scr.split("\n")), "readers view wider than 80")
        t.keys("t")
        scr = t.wait_for(lambda s: "[sessions]" in s)

        # Resize: wider terminal shows more (instrument VENUE column).
        t.keys("i")
        t.run("resize-window", "-t", "t", "-x", "100", "-y", "30")
        scr = t.wait_for(lambda s: "VENUE" in s)
        check("VENUE" in scr and "binance" in scr, "resize to 100 columns redraws wider")
        t.run("resize-window", "-t", "t", "-x", "80", "-y", "24")
        scr = t.wait_for(lambda s: "VENUE" not in s and "BTC-USDT" in s)
        check("VENUE" not in scr and "BTC-USDT" in scr, "resize back to 80x24")
        t.keys("t")

        # Writer dies: DEAD in red, then a new writer: re-attached.
        w.stop(signal.SIGKILL)
        scr = t.wait_for(lambda s: "DEAD" in s, timeout=3.0)
        check("DEAD" in scr, "tui shows DEAD after SIGKILL:\n" + scr)
        esc = t.capture(escapes=True)
        check(re.search(r"\x1b\[[0-9;]*31[0-9;]*mDEAD", esc) is not None, "DEAD is red")
        w2 = Writer(bus, "healthy")
        scr = t.wait_for(lambda s: "ALIVE" in s and "feedd pid %d" % w2.pid in s, timeout=5.0)
        check("ALIVE" in scr and "feedd pid %d" % w2.pid in scr and "re-attached" in scr,
              "tui re-attached to the new writer:\n" + scr)

        t.keys("q")
        end = time.monotonic() + 5
        while not os.path.exists(status) and time.monotonic() < end:
            time.sleep(0.1)
        time.sleep(0.1)
        with open(status) as fh:
            code = fh.read().strip()
        check(code == "EXIT=0", "q exits 0: %r" % code)
        scr = t.capture()
        check(t.display("#{alternate_on}") == "0", "alternate screen left")
        check("BEFORE-TOP" in scr and "SESSION" not in scr, "terminal restored:\n" + scr)
    finally:
        t.kill()
        w.stop(signal.SIGKILL)
        if w2:
            w2.stop()
        if os.path.exists(status):
            os.unlink(status)


def test_valgrind():
    vg = shutil.which("valgrind")
    if not vg:
        print("valgrind not installed")
        sys.exit(77)
    # down: 1 (not healthy); rest: 0, with the REST table and blocks. 99
    # would be a memcheck error.
    for scenario, want_rc, want_out in (("down", 1, "sess-b"), ("rest", 0, "sess-c")):
        bus = bus_name("vg-" + scenario)
        w = Writer(bus, scenario)
        try:
            for args in (["--json", "-n", "2", "--delay", "100ms"], ["--once"]):
                r = subprocess.run([vg, "-q", "--error-exitcode=99", "--leak-check=full",
                                    "--errors-for-leak-kinds=definite,indirect", "--track-fds=yes",
                                    TOP, "-b", bus] + args, capture_output=True, text=True,
                                   timeout=120)
                check(r.returncode == want_rc, "valgrind %s %s: exit %d\n%s" %
                      (scenario, args, r.returncode, r.stderr))
                check(want_out in r.stdout, "valgrind %s %s output" % (scenario, args))
                # Every fd still open at exit must be one we inherited.
                opened = r.stderr.count("Open file descriptor")
                inherited = r.stderr.count("<inherited from parent>")
                check(opened == inherited, "fds left open at exit:\n%s" % r.stderr)
        finally:
            w.stop()


def reader_entry(doc, pid):
    return next((x for x in doc.get("readers", []) if x.get("pid") == pid), None)


def test_readers():
    tail_exe = os.path.abspath(sys.argv[4])
    bus = bus_name("rd")
    w = Writer(bus, "healthy")
    tail = subprocess.Popen([tail_exe, "-b", bus], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        rc, doc = top_json(bus)
        check(doc.get("readers") == [] or reader_entry(doc, tail.pid) is not None,
              "readers before mdbus-tail registered: %s" % doc.get("readers"))
        e, t0 = None, time.monotonic()
        while e is None and time.monotonic() < t0 + 10:
            rc, doc = top_json(bus)
            e = reader_entry(doc, tail.pid)
        check(e is not None, "mdbus-tail (pid %d) not in readers: %s" % (tail.pid, doc.get("readers")))
        e = e or {}
        check(e.get("name") == "mdbus-tail" and e.get("same_epoch") is True, "entry %s" % e)
        check(e.get("missed") == 0 and e.get("laps") == 0, "no loss yet: %s" % e)
        check(e.get("lag_ticks") is not None and e["lag_ticks"] < 1024, "lag %s" % e)
        # Stopped, it falls behind by what the writer publishes meanwhile.
        os.kill(tail.pid, signal.SIGSTOP)
        time.sleep(0.3)  # a publish it was in the middle of lands in the table
        rc, doc = top_json(bus)
        c0 = (reader_entry(doc, tail.pid) or {}).get("cursor", 0)
        t0 = time.monotonic()
        while time.monotonic() < t0 + 10:
            rc, doc = top_json(bus)
            if doc.get("ring", {}).get("write_seq", 0) >= c0 + 20:
                break
        e = reader_entry(doc, tail.pid) or {}
        ws = doc.get("ring", {}).get("write_seq", 0)
        check(e.get("cursor") == c0, "a stopped reader's cursor moved: %s -> %s" % (c0, e))
        check(e.get("lag_ticks") == ws + 1 - c0 and e["lag_ticks"] >= 20,
              "lag_ticks %s, want write_seq %d + 1 - cursor %d" % (e.get("lag_ticks"), ws, c0))
        check((e.get("lag_ms") or 0) > 0, "lag_ms %s" % e.get("lag_ms"))
        rc, out, err = top(bus, "--once")
        row = [l for l in out.split("\n") if l.startswith("mdbus-tail ")]
        check("READER" in out and len(row) == 1 and (" %d " % tail.pid) in row[0],
              "--once Readers pane:\n%s" % out)
        # kill -9: its slot is skipped at once.
        os.kill(tail.pid, signal.SIGKILL)
        tail.wait(timeout=10)
        rc, doc = top_json(bus)
        check(reader_entry(doc, tail.pid) is None, "killed reader still listed: %s" % doc.get("readers"))
    finally:
        if tail.poll() is None:
            tail.kill()
            tail.wait(timeout=10)
        tail.stderr.close()
        w.stop()


try:
    {"batch": test_batch, "dead": test_dead, "tui": test_tui, "valgrind": test_valgrind,
     "readers": test_readers, "rest": test_rest}[MODE]()
except Exception as e:  # a crash of the test itself is a failure, never a skip
    FAILS.append("exception: %r" % e)
    import traceback
    traceback.print_exc()
finally:
    for b in BUSES:
        cleanup_bus(b)
print("%s: %s" % (MODE, "FAIL (%d)" % len(FAILS) if FAILS else "ok"))
sys.exit(1 if FAILS else 0)
