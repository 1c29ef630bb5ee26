#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mdbus-exporter against buses populated by health_writer (a stand-in feedd).

  test_exporter.py MODE EXPORTER HEALTH_WRITER [VALGRIND]

  format      --once on every health_writer scenario, a stopped feed and a missing
              bus: `promtool check metrics` passes and the values are the scenario's
  textfile    --textfile: atomic rewrites every --interval (mode 0644, no temporary
              file left), --once --textfile, an unwritable path exits 1
  http        /metrics, 404, 405, HEAD; a SIGKILLed feed is down at the very next
              scrape; a new writer on the bus is followed; a bus that appears later
              is picked up; a busy port exits 1; SIGTERM exits 0
  prometheus  a real Prometheus server on loopback scrapes the exporter every 1 s: its
              query API shows up == 1, a tick counter that increases, and
              mdbus_up == 0 soon after the feed is killed
  valgrind    the http scrapes and --once under memcheck: no error, no leak

Exit 0 pass, 1 fail, 77 skip (promtool, prometheus or valgrind missing: the
project's setup script installs them).
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

MODE, EXPORTER, WRITER = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
VALGRIND = sys.argv[4] if len(sys.argv) > 4 else None
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures as FAILS  # noqa: E402

BUSES = []
PROCS = []


def bus_name(tag):
    name = "texp-%d-%s" % (os.getpid(), tag)
    BUSES.append(name)
    return name


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    for name in BUSES:
        for suffix in ("", ".lock", ".tmp", ".readers"):
            try:
                os.unlink("/dev/shm/mdbus-" + name + suffix)
            except FileNotFoundError:
                pass


class Writer:
    def __init__(self, bus, scenario="healthy", unlink=True):
        args = [WRITER, bus, scenario] + (["--unlink"] if unlink else [])
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        PROCS.append(self.p)
        line = self.p.stdout.readline()
        if not re.match(r"ready pid=\d+", line):
            raise RuntimeError("health_writer did not start: %r" % line)

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        self.p.wait(timeout=30)


def parse(text):
    """{(name, frozenset(labels)): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-z_]+)(?:\{(.*)\})? (\S+)$', line)
        if not check(m, "unparsable line %r" % line):
            continue
        labels = frozenset(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(metrics, name, **labels):
    want = frozenset(labels.items())
    got = [v for (n, ls), v in metrics.items() if n == name and want <= ls]
    return got[0] if len(got) == 1 else None


def promtool_ok(text, what):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    return check(r.returncode == 0, "%s: promtool check metrics: %s %s" %
                 (what, r.stdout.strip(), r.stderr.strip()))


def once(*buses):
    args = [EXPORTER, "--once"]
    for b in buses:
        args += ["-b", b]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and r.stderr == "", "--once %s: exit %d %r" %
          (buses, r.returncode, r.stderr))
    return r.stdout


def test_readers():
    """A registered reader (mdbus-tail) is exported with its lag and loss, and
    is gone after it is killed."""
    tail = os.path.join(os.path.dirname(EXPORTER), "..", "tail", "mdbus-tail")
    bus = bus_name("readers")
    Writer(bus, "healthy")
    p = subprocess.Popen([tail, "-b", bus], stdout=subprocess.DEVNULL)
    PROCS.append(p)
    pid = str(p.pid)
    m = {}
    for _ in range(100):
        m = parse(once(bus))
        if value(m, "mdbus_reader_read_ticks_total", bus=bus, pid=pid) is not None:
            break
        time.sleep(0.1)
    for fam in ("mdbus_reader_lag_ticks", "mdbus_reader_missed_ticks_total",
                "mdbus_reader_laps_total", "mdbus_reader_read_ticks_total"):
        v = value(m, fam, bus=bus, reader="mdbus-tail", pid=pid)
        check(v is not None and v >= 0, "readers: %s of mdbus-tail: %r" % (fam, v))
    p.kill()
    p.wait()
    text = once(bus)
    promtool_ok(text, "readers")
    check(value(parse(text), "mdbus_reader_read_ticks_total", bus=bus, pid=pid) is None,
          "readers: a killed reader is still exported")


def test_format():
    expect = {  # scenario: (mdbus_up, sess-b verdict, ETH-USDT status)
        "healthy": (1, "healthy", 1), "degraded": (1, "degraded", 1),
        "down": (1, "down", 4), "quiet": (1, "healthy", 1),
    }
    for sc, (up, verdict, eth) in expect.items():
        bus = bus_name(sc)
        w = Writer(bus, sc)
        text = once(bus)
        promtool_ok(text, sc)
        m = parse(text)
        check(value(m, "mdbus_up", bus=bus) == up, "%s: mdbus_up" % sc)
        check(value(m, "mdbus_bus_attached", bus=bus) == 1, "%s: attached" % sc)
        check(value(m, "mdbus_session_verdict", session="sess-b", verdict=verdict) == 1,
              "%s: sess-b verdict %s" % (sc, verdict))
        check(value(m, "mdbus_instrument_status", symbol="ETH-USDT") == eth,
              "%s: ETH-USDT status %s" % (sc, eth))
        check(value(m, "mdbus_session_reconnects_total", session="sess-a", venue="binance") == 2,
              "%s: sess-a reconnects" % sc)
        check(value(m, "mdbus_session_handshake_failures_total", session="sess-a",
                    kind="tls") == 1, "%s: sess-a tls failures" % sc)
        check(value(m, "mdbus_ring_slots", bus=bus) == 1024, "%s: ring slots" % sc)
        check((value(m, "mdbus_feed_heartbeat_age_seconds", bus=bus) or 99) < 5,
              "%s: heartbeat age" % sc)
        if sc == "down":
            check(value(m, "mdbus_session_state", session="sess-b", state="backoff") == 1,
                  "down: sess-b backoff")
            check(value(m, "mdbus_session_handshake_failures_total", session="sess-b",
                        kind="dns") == 3, "down: sess-b dns failures")
            check(value(m, "mdbus_session_last_error_age_seconds", session="sess-b",
                        kind="dns") is not None, "down: last error kind dns")
        w.stop()
    # Broken or absent health, a stopped feed, no bus: valid, and down.
    for sc in ("noinit", "corrupt", "stopped", "missing"):
        bus = bus_name(sc)
        if sc in ("noinit", "corrupt"):
            w = Writer(bus, sc)
        elif sc == "stopped":
            Writer(bus, "healthy", unlink=False).stop()
        text = once(bus, bus_name("other-" + sc))
        promtool_ok(text, sc)
        m = parse(text)
        check(value(m, "mdbus_up", bus=bus) == 0, "%s: mdbus_up should be 0" % sc)
        check(value(m, "mdbus_bus_attached", bus=bus) == (0 if sc == "missing" else 1),
              "%s: attached" % sc)
        if sc == "stopped":
            check(value(m, "mdbus_feed_state", bus=bus, state="stopped") == 1, "stopped: state")
            check(value(m, "mdbus_session_verdict", session="sess-a", verdict="down") == 1,
                  "stopped: sessions down")
        if sc in ("noinit", "corrupt"):
            w.stop()


def test_textfile():
    bus = bus_name("tf")
    w = Writer(bus)
    d = tempfile.mkdtemp(prefix="texp-")
    try:
        path = os.path.join(d, "mdbus.prom")
        p = subprocess.Popen([EXPORTER, "-b", bus, "--textfile", path, "-i", "200ms"],
                             stderr=subprocess.PIPE, text=True)
        PROCS.append(p)
        seen, ticks = set(), []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(ticks) < 4:
            try:
                st = os.stat(path)
                text = open(path).read()
            except FileNotFoundError:
                time.sleep(0.05)
                continue
            seen.add(st.st_ino)
            check(stat.S_IMODE(st.st_mode) == 0o644, "textfile mode %o" % st.st_mode)
            t = value(parse(text), "mdbus_session_ticks_total", session="sess-a")
            check(t is not None, "textfile without sess-a ticks: %r" % text[:200])
            if t is not None and (not ticks or t > ticks[-1]):
                ticks.append(t)
            time.sleep(0.1)
        check(len(ticks) >= 4, "textfile not rewritten with new ticks: %s" % ticks)
        check(len(seen) >= 2, "textfile replaced by rename: %d inodes" % len(seen))
        promtool_ok(open(path).read(), "textfile")
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        check(p.returncode == 0 and err == "", "textfile: SIGTERM exit %d %r" %
              (p.returncode, err))
        check(os.listdir(d) == ["mdbus.prom"], "textfile: files left: %s" % os.listdir(d))
        one = os.path.join(d, "once.prom")
        r = subprocess.run([EXPORTER, "-b", bus, "--once", "--textfile", one],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and os.path.exists(one), "--once --textfile: %r" % r.stderr)
        r = subprocess.run([EXPORTER, "-b", bus, "--once", "--textfile", d + "/no/such.prom"],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 1 and r.stderr.startswith("mdbus-exporter: error: "),
              "unwritable textfile: %d %r" % (r.returncode, r.stderr))
    finally:
        shutil.rmtree(d, ignore_errors=True)
        w.stop()


def start_exporter(buses, prefix=()):
    args = list(prefix) + [EXPORTER, "-l", "127.0.0.1:0"]
    for b in buses:
        args += ["-b", b]
    p = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    PROCS.append(p)
    line = p.stderr.readline()
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/metrics", line)
    if not m:
        raise RuntimeError("exporter did not start: %r" % line)
    return p, int(m.group(1))


def get(port, path="/metrics", method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def scrape(port):
    status, headers, body = get(port)
    check(status == 200, "GET /metrics: %d" % status)
    check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          "content type %r" % headers.get("Content-Type"))
    return parse(body)


def http_checks(port, bus, late):
    check(get(port, "/nope")[0] == 404, "GET /nope is not 404")
    status, headers, _ = get(port, method="POST")
    check(status == 405 and "GET" in headers.get("Allow", ""), "POST: %d" % status)
    status, _, body = get(port, method="HEAD")
    check(status == 200 and body == "", "HEAD: %d %r" % (status, body[:50]))
    m = scrape(port)
    check(value(m, "mdbus_up", bus=bus) == 1, "http: up before the kill")
    check(value(m, "mdbus_up", bus=late) == 0, "http: late bus is missing")


def test_http(prefix=()):
    bus, late = bus_name("h"), bus_name("late")
    w = Writer(bus, unlink=False)
    p, port = start_exporter([bus, late], prefix)
    http_checks(port, bus, late)
    w.stop(signal.SIGKILL)  # the very next scrape shows it dead
    m = scrape(port)
    check(value(m, "mdbus_up", bus=bus) == 0, "http: up after SIGKILL")
    check(value(m, "mdbus_session_verdict", bus=bus, session="sess-a", verdict="down") == 1,
          "http: sess-a down after SIGKILL")
    check(value(m, "mdbus_instrument_status", bus=bus, symbol="BTC-USDT") == 4,
          "http: BTC-USDT down after SIGKILL")
    w2, w3 = Writer(bus), Writer(late)  # a new epoch on bus; late appears
    m = scrape(port)
    check(value(m, "mdbus_up", bus=bus) == 1, "http: up after the new writer")
    check(value(m, "mdbus_exporter_reattaches_total", bus=bus) == 1, "http: reattaches")
    check(value(m, "mdbus_up", bus=late) == 1, "http: late bus picked up")
    r = subprocess.run([EXPORTER, "-l", "127.0.0.1:%d" % port], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 1 and r.stderr.startswith("mdbus-exporter: error: listen"),
          "busy port: %d %r" % (r.returncode, r.stderr))
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    check(p.returncode == 0, "http: SIGTERM exit %d %r" % (p.returncode, err))
    w2.stop()
    w3.stop()
    return err


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prom_query(pport, q):
    url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (pport, urllib.parse.quote(q))
    with urllib.request.urlopen(url, timeout=10) as r:
        res = json.load(r)["data"]["result"]
    return [float(x["value"][1]) for x in res]


def wait_for(what, fn, timeout=20, fail=True, alive=None):
    """fn()'s first true value within timeout (or while alive() holds)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline and (alive is None or alive()):
        try:
            last = fn()
            if last:
                return last
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.25)
    if fail:
        check(False, "%s within %d s (last: %r)" % (what, timeout, last))
    return None


def start_prometheus(d, port):
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: mdbus\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % port)
    for _ in range(3):  # a port taken between free_port() and the bind: try another
        pport = free_port()
        p = subprocess.Popen(["prometheus", "--config.file=" + cfg,
                              "--storage.tsdb.path=" + os.path.join(d, "data"),
                              "--web.listen-address=127.0.0.1:%d" % pport, "--log.level=warn"],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "log"), "w"),
                             cwd=d)
        PROCS.append(p)
        ok = wait_for("prometheus ready", lambda: urllib.request.urlopen(
            "http://127.0.0.1:%d/-/ready" % pport, timeout=5).status == 200, timeout=30,
            fail=False, alive=lambda: p.poll() is None)
        if ok:
            return p, pport
        p.kill()
        p.wait()
    print(open(os.path.join(d, "log")).read())
    check(False, "prometheus did not start (its log above)")
    return None, None


def test_prometheus():
    bus = bus_name("prom")
    w = Writer(bus, unlink=False)
    exp, port = start_exporter([bus])
    d = tempfile.mkdtemp(prefix="texp-prom-")
    prom = None
    try:
        prom, pport = start_prometheus(d, port)
        if not prom:
            return
        t0 = time.monotonic()
        wait_for("up{job=mdbus} == 1", lambda: prom_query(pport, 'up{job="mdbus"}') == [1.0])
        q = 'mdbus_session_ticks_total{bus="%s",session="sess-a"}' % bus
        first = wait_for("a tick counter", lambda: prom_query(pport, q))
        if first:
            wait_for("the tick counter increasing",
                     lambda: (prom_query(pport, q) or [0])[0] > first[0])
        wait_for("mdbus_up == 1", lambda: prom_query(pport, 'mdbus_up{bus="%s"}' % bus) == [1])
        w.stop(signal.SIGKILL)
        t1 = time.monotonic()
        wait_for("mdbus_up == 0 after the kill",
                 lambda: prom_query(pport, 'mdbus_up{bus="%s"}' % bus) == [0.0], timeout=15)
        print("prometheus: up in %.1f s; dead feed seen %.1f s after the kill" %
              (t1 - t0, time.monotonic() - t1))
        check(prom_query(pport, 'up{job="mdbus"}') == [1.0], "up stays 1 with a dead feed")
    finally:
        for p in (prom, exp):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)


def test_valgrind():
    vg = [VALGRIND, "--quiet", "--error-exitcode=99", "--leak-check=full",
          "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect"]
    bus = bus_name("vg")
    w = Writer(bus)
    r = subprocess.run(vg + [EXPORTER, "--once", "-b", bus, "-b", bus_name("vg-none")],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and r.stderr == "", "valgrind --once: %d %s" % (r.returncode,
                                                                           r.stderr[-2000:]))
    w.stop()
    err = test_http(prefix=vg)
    check("ERROR SUMMARY" not in err and "definitely lost" not in err,
          "valgrind http: %s" % err[-2000:])


def main():
    need = {"format": ["promtool"], "readers": ["promtool"], "textfile": ["promtool"], "prometheus": ["prometheus"],
            "valgrind": [VALGRIND or "valgrind"]}.get(MODE, [])
    for prog in need:
        if not shutil.which(prog):
            print("SKIP: %s not installed (scripts/setup-debian.sh installs it)" % prog)
            return 77
    try:
        {"format": test_format, "readers": test_readers, "textfile": test_textfile, "http": test_http,
         "prometheus": test_prometheus, "valgrind": test_valgrind}[MODE]()
    finally:
        cleanup()
    print("%s: %d failure(s)" % (MODE, len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
