#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Health region end to end: mdbus-sim -> feedd -> health region -> mdbus-top --json.

  test_health_e2e.py fault    live values (state, counters, RTT, prices), message age
                              growing during a `stall`, stale detection, reconnect counters
  test_health_e2e.py restart  SIGKILL feedd => mdbus-top says dead within 1 s; feedd
                              restarted => a running mdbus-top re-attaches (new epoch)
  test_health_e2e.py rest     an l2 session's REST block (sessions[].rest): the depth
                              snapshots' weight against Binance's 6000 a minute, then three
                              429 answers (Retry-After 1 s) counted, the pause seen

Paths: MDBUS_SIM, MDBUS_FEEDD, MDBUS_TOP (meson sets them). Uses the e2e helpers
(tests/e2e/e2elib.py: certificates, simulator, config, process reaping).
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

TOP = os.environ.get("MDBUS_TOP", "mdbus-top")
SESSION = "sim"
LIVE = rf"(?i)\bsession={SESSION} venue=\S+ state=LIVE event=state\b"
KEYS = ("reconnect_initial = 200ms\nreconnect_max = 1s\nreconnect_jitter = 0.1\n"
        "handshake_timeout = 5s\nping_interval = 1s\npong_timeout = 10s\nstale_timeout = 5s\n")


def top_json(bus, *extra):
    r = subprocess.run([TOP, "-b", bus, "--json"] + list(extra), capture_output=True,
                       text=True, timeout=20)
    try:
        doc = json.loads(r.stdout.strip().split("\n")[-1])
    except (ValueError, IndexError):
        raise E.TestFailure(f"mdbus-top --json printed no JSON: {r.stdout!r} {r.stderr!r}")
    return r.returncode, doc


def sess(doc):
    for s in doc.get("sessions", []):
        if s.get("name") == SESSION:
            return s
    raise E.TestFailure(f"session {SESSION} missing: {doc.get('sessions')}")


class Follower:
    """A long-running mdbus-top --json -n N -i 100ms; documents are kept with
    the time each line arrived."""

    def __init__(self, bus, n):
        self.p = subprocess.Popen([TOP, "-b", bus, "--json", "-n", str(n), "-i", "100ms"],
                                  stdout=subprocess.PIPE, text=True)
        self.docs = []
        self.cv = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.p.stdout:
            if line.startswith("{"):
                with self.cv:
                    self.docs.append((time.monotonic(), json.loads(line)))
                    self.cv.notify_all()

    def wait_for(self, pred, timeout):
        """Arrival time of the first document matching pred, or None."""
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for t, d in self.docs:
                    if pred(d):
                        return t
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)


def rig(tag):
    d = E.make_certs(E.tmpdir(tag))
    bus = E.bus_name(tag)
    sim = E.Sim(d, extra=["--rate", "20"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), session=SESSION,
                         session_extra=KEYS)
    return bus, sim, cfg


def wait_doc(bus, pred, timeout, what):
    end = time.monotonic() + timeout
    while True:
        rc, doc = top_json(bus)
        if pred(rc, doc):
            return rc, doc
        if time.monotonic() > end:
            raise E.TestFailure(f"{what} within {timeout}s; last: rc={rc} {json.dumps(doc)[:1500]}")
        time.sleep(0.2)


def scenario_fault():
    bus, sim, cfg = rig("hfault")
    feedd = E.Feedd(cfg)
    feedd.proc.wait_line(LIVE, 20)
    # Healthy with data and an RTT measured (ping_interval 1 s).
    rc, doc = wait_doc(bus, lambda rc, d: rc == 0 and sess(d).get("rtt_ms") is not None
                       and all(i.get("status") == "live" and i.get("last_price") not in (None, "0")
                               for i in d.get("instruments", [])),
                       10, "healthy, RTT measured, every instrument live with a price")
    f, s = doc["feed"], sess(doc)
    check(doc["alive"] is True and f["pid"] == feedd.proc.p.pid, f"feed {f}")
    check(f["state"] == "running" and f["config"] == cfg, f"feed state/config {f}")
    check(0 <= f["heartbeat_age_ms"] <= 200, f"heartbeat age {f['heartbeat_age_ms']} ms")
    check(s["state"] == "live" and s["verdict"] == "healthy", f"session {s}")
    check(s["venue"] == "binance" and s["host"] == "localhost", f"venue/host {s}")
    check(s["connects"] >= 1 and s["messages"] > 0 and s["ticks"] > 0, f"counters {s}")
    check(s["subscriptions"] == s["streams"] == 4, f"subscriptions {s}")
    check(0 < s["rtt_ms"] < 1000, f"rtt {s['rtt_ms']}")
    check(s["last_msg_age_ms"] is not None and s["last_msg_age_ms"] < 1000, f"age {s}")
    syms = sorted(i["symbol"] for i in doc["instruments"])
    check(syms == ["BTC-USDT", "ETH-USDT"], f"instruments {syms}")
    check(doc["ring"]["write_seq"] > 0, f"ring {doc['ring']}")
    reconnects0 = s["reconnects"]
    log(f"healthy: msgs={s['messages']} ticks={s['ticks']} rtt={s['rtt_ms']}ms")

    # Stall: the connection stays open but nothing arrives: the age grows.
    mark = feedd.proc.count()
    check(sim.ctl("stall").startswith("ok"), "sim stall")
    time.sleep(0.6)
    _, d1 = top_json(bus)
    time.sleep(1.0)
    _, d2 = top_json(bus)
    a1, a2 = sess(d1)["last_msg_age_ms"], sess(d2)["last_msg_age_ms"]
    log(f"stall: message age {a1} ms -> {a2} ms")
    check(a1 is not None and a2 is not None and a2 >= a1 + 700, f"age grows: {a1} -> {a2}")
    check(sess(d2)["messages"] == sess(d1)["messages"], "no messages during a stall")
    # stale_timeout 5 s: feedd notices, records the error class and reconnects.
    feedd.proc.wait_line(rf"\bsession={SESSION} venue=\S+ state=\S+ event=state from=\S+ error=stale", 12, mark)
    rc, doc = wait_doc(bus, lambda rc, d: sess(d)["last_error_class"] == "stale", 5,
                       "last_error_class stale")
    s = sess(doc)
    check(s["last_error"] != "", f"stale error text {s}")
    rc, doc = wait_doc(bus, lambda rc, d: rc == 0 and sess(d)["reconnects"] > reconnects0
                       and sess(d)["state"] == "live", 15, "live again after the stall")
    s = sess(doc)
    check(s["connects"] >= 2 and s["last_error_class"] == "stale", f"after reconnect {s}")
    check(s["last_error_age_ms"] is not None and s["last_error_age_ms"] >= 0, f"error age {s}")
    log(f"recovered: connects={s['connects']} reconnects={s['reconnects']}")
    # Instruments come back too (gap -> live once the stream is good again).
    rc, doc = wait_doc(bus, lambda rc, d: all(i.get("status") == "live"
                                              for i in d.get("instruments", [])),
                       10, "every instrument live again")
    log("instruments after recovery: " +
        ", ".join(f"{i['symbol']}={i['status']} gaps={i['gaps']}" for i in doc["instruments"]))
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(10) == 0, "feedd exit status after SIGTERM")
    rc, doc = top_json(bus)
    check(rc in (1, 2), f"after feedd stopped: exit {rc}")


REST_WEIGHT = 50  # feedd's Binance depth snapshot weight (limit 1000)


def scenario_rest():
    d = E.make_certs(E.tmpdir("hrest"))
    bus = E.bus_name("hrest")
    sim = E.Sim(d, extra=["--rate", "20"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), session=SESSION,
                         channels="l2", session_extra="book_depth = 20\n" + KEYS)
    feedd = E.Feedd(cfg)
    for sym in ("BTC-USDT", "ETH-USDT"):
        feedd.wait(rf"session={SESSION} .*event=book_live symbol={sym}\b", 30)
    rc, doc = wait_doc(bus, lambda rc, d: (sess(d).get("rest") or {}).get("requests", 0) >= 2
                       and sess(d)["rest"]["inflight"] == 0, 10, "both snapshots answered")
    r = sess(doc)["rest"]
    log(f"after start-up: rest {r}")
    check(r["limit"] == 6000 and r["window_s"] == 60, f"Binance spot budget {r}")
    check(r["weight_total"] == REST_WEIGHT * r["requests"], f"weight charged per request {r}")
    # Within the first minute every charge is in the window (the venue's
    # X-MBX-USED-WEIGHT-1M, when larger, counts instead).
    check(r["weight"] >= r["weight_total"], f"weight in the window {r}")
    check(r["n429"] == 0 and r["n418"] == 0 and r["queued"] == 0, f"no 429 yet {r}")
    check(r["blocked_ms"] is None, f"not blocked {r}")
    requests0 = r["requests"]

    # The next three snapshot answers are 429 with Retry-After: 1; a gap on
    # ETH-USDT asks for one. Each 429 pauses the venue 1 s: a 100 ms
    # mdbus-top sees the pause.
    follower = Follower(bus, 150)
    time.sleep(0.3)
    mark = feedd.proc.count()
    check(sim.ctl("rest_429", 3).startswith("ok"), "sim rest_429")
    check(sim.ctl("drop_delta", "ETH-USDT").startswith("ok"), "sim drop_delta")
    feedd.wait(rf"session={SESSION} .*event=book_live symbol=ETH-USDT\b", 30, mark)
    paused = follower.wait_for(lambda d: ((sess(d).get("rest") or {}).get("blocked_ms") or 0) > 0,
                               1)
    check(paused is not None, "no mdbus-top document showed the Retry-After pause")
    rc, doc = wait_doc(bus, lambda rc, d: sess(d)["rest"]["inflight"] == 0
                       and sess(d)["rest"]["queued"] == 0, 10, "the snapshot answered")
    r = sess(doc)["rest"]
    log(f"after three 429s: rest {r}")
    n429 = len(feedd.proc.find(r"event=book_rest symbol=ETH-USDT http=429\b", mark))
    check(r["n429"] == 3 == n429, f"429 answers counted: {r['n429']} (log: {n429})")
    # 3 x 429 and the answer (a refetch of a stale snapshot would add one).
    check(r["requests"] >= requests0 + 4, f"requests: {requests0} + 3 x 429 + 1, got {r}")
    check(r["weight_total"] == REST_WEIGHT * r["requests"], f"weight charged per request {r}")
    check(r["n418"] == 0, f"no 418 {r}")
    follower.p.kill()
    follower.p.wait(10)
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(10) == 0, "feedd exit status after SIGTERM")


def scenario_restart():
    bus, sim, cfg = rig("hrestart")
    feedd = E.Feedd(cfg)
    feedd.proc.wait_line(LIVE, 20)
    rc, doc = wait_doc(bus, lambda rc, d: rc == 0, 10, "healthy before the kill")
    epoch1 = doc["epoch"]
    follower = Follower(bus, 80)
    time.sleep(0.5)
    t0 = time.monotonic()
    os.kill(feedd.proc.p.pid, signal.SIGKILL)
    feedd.proc.p.wait(5)
    # A running mdbus-top (100 ms period) must report the death within 1 s.
    dead_at = follower.wait_for(lambda d: d.get("epoch") == epoch1 and d.get("alive") is False, 3)
    check(dead_at is not None, "running mdbus-top never reported the dead feed")
    log(f"SIGKILL -> running mdbus-top says dead after {dead_at - t0:.3f}s")
    check(dead_at - t0 < 1.0, f"dead reported after {dead_at - t0:.2f}s (limit 1 s)")
    # A fresh invocation says so too (its time includes process start-up and
    # the 200 ms rate window, so only a loose bound for a loaded machine).
    rc, doc = top_json(bus)
    dt = time.monotonic() - t0
    log(f"SIGKILL -> mdbus-top --json alive={doc.get('alive')} after {dt:.3f}s")
    check(doc.get("alive") is False and rc == 1, f"dead after SIGKILL: rc={rc} {doc.get('alive')}")
    check(dt < 3.0, f"fresh mdbus-top --json took {dt:.2f}s")
    time.sleep(0.3)
    feedd2 = E.Feedd(cfg)
    feedd2.proc.wait_line(LIVE, 20)
    rc, doc = wait_doc(bus, lambda rc, d: rc == 0, 10, "healthy after the restart")
    check(doc["epoch"] != epoch1 and doc["feed"]["pid"] == feedd2.proc.p.pid,
          f"new epoch/pid: {doc['epoch']} {doc['feed']['pid']}")
    check(follower.p.wait(30) == 0, "follower exit status")
    docs = [d for _, d in follower.docs]
    seen = [(d.get("epoch"), d.get("alive")) for d in docs]
    check((epoch1, True) in seen and (epoch1, False) in seen, f"follower saw the death: {seen}")
    check((doc["epoch"], True) in seen, f"follower re-attached: {seen}")
    check(docs[-1].get("reattaches", 0) >= 1, "follower counted the re-attach")
    feedd2.proc.signal(signal.SIGTERM)
    check(feedd2.proc.wait(10) == 0, "feedd exit status after SIGTERM")


if __name__ == "__main__":
    if not (os.access(E.TOOLS.feedd, os.X_OK) and os.access(E.TOOLS.sim, os.X_OK)):
        print("feedd or mdbus-sim not built")
        sys.exit(1)
    sys.exit(E.main({"fault": scenario_fault, "restart": scenario_restart, "rest": scenario_rest},
                    sys.argv))
