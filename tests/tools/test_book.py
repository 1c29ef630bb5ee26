#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mdbus-book and mdbus-top's book fields against book_pub (a writer with
order books in known states; see tests/tools/book_pub.c).

usage: test_book.py CASE MDBUS_BOOK BOOK_PUB MDBUS_TOP [VALGRIND]

  json     --json output byte for byte (levels, decimals, key order, status),
           --depth, native symbol, exit 0/1 per status word
  text     --once: the ladder's lines
  errors   exit 2: no bus, no instrument, no book, usage errors
  top      mdbus-top --json "book" per instrument; --once's Books table
  live     the live ladder in a tmux pane: redrawn on a change, q exits 0
  top_tui  mdbus-top's key b in a tmux pane: the book pane
  valgrind mdbus-book (--json, --once, errors) and mdbus-top --json under memcheck:
           no error, no leak (VALGRIND: the valgrind program, 5th argument)

Exit 0 pass, 1 fail, 77 skip (tmux missing for live and top_tui).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

CASE = sys.argv[1]
BOOK, PUB, TOP = (os.path.abspath(p) for p in sys.argv[2:5])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures  # noqa: E402

BUS = "tbook-%d-%s" % (os.getpid(), CASE)

BTC_JSON = ('{"venue":"test","symbol":"BTC-USDT","status":"live","update_id":123456789,'
            '"exch_ts":1765000000123000000,"recv_ts":1765000000124500000,'
            '"bids":[["65000.12","0.5"],["65000.1","1.25"],["64999","3"],'
            '["64998.5","0.00000001"]],'
            '"asks":[["65000.13","0.00012345"],["65001","2"],["65010.5","10"]]}\n')


class Pub:
    """book_pub on BUS; commands over its stdin, answered "ok"."""

    def __init__(self):
        self.p = subprocess.Popen([PUB, BUS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        line = self.p.stdout.readline()
        if not line.startswith("ready pid="):
            raise RuntimeError("book_pub did not start: %r" % line)

    def cmd(self, c):
        self.p.stdin.write(c + "\n")
        self.p.stdin.flush()
        ans = self.p.stdout.readline().strip()
        check(ans == "ok", "book_pub %s: %r" % (c, ans))

    def stop(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            self.p.wait(timeout=30)
        self.p.stdout.close()


def run(prog, *args, timeout=60):
    r = subprocess.run([prog] + list(args), capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def book(*args):
    return run(BOOK, "-b", BUS, *args)


def book_json(*args):
    rc, out, err = book("--json", *args)
    try:
        return rc, json.loads(out), out
    except ValueError:
        check(False, "mdbus-book --json %s: not JSON: %r %r" % (args, out, err))
        return rc, {}, out


def test_json(pub):
    rc, out, err = book("--venue", "test", "--json", "BTC-USDT")
    check(rc == 0, "BTC live: exit %d, want 0 (%r)" % (rc, err))
    check(out == BTC_JSON, "BTC --json:\n got %r\nwant %r" % (out, BTC_JSON))
    check(err == "", "no stderr: %r" % err)
    rc, out2, _ = book("--venue", "test", "-j", "BTCUSDT")
    check(rc == 0 and out2 == BTC_JSON, "native symbol BTCUSDT: %d %r" % (rc, out2))

    rc, d, _ = book_json("--venue", "test", "--depth", "2", "BTC-USDT")
    check(rc == 0, "--depth 2: exit %d" % rc)
    check(d.get("bids") == [["65000.12", "0.5"], ["65000.1", "1.25"]] and
          d.get("asks") == [["65000.13", "0.00012345"], ["65001", "2"]],
          "--depth 2 levels: %r" % d)
    rc, d, _ = book_json("--venue", "test", "--depth", "1000", "BTC-USDT")
    check(rc == 0 and len(d.get("bids", [])) == 4 and len(d.get("asks", [])) == 3,
          "--depth 1000 shows all 4+3 levels: %r" % d)

    rc, d, out = book_json("--venue", "test", "ETH-USDT")
    check(rc == 1, "ETH resyncing: exit %d, want 1" % rc)
    check(out == '{"venue":"test","symbol":"ETH-USDT","status":"resyncing","update_id":77,'
          '"exch_ts":null,"recv_ts":1765000000000000000,"bids":[["3000.5","1.5"]],'
          '"asks":[["3001","0.25"]]}\n', "ETH --json: %r" % out)
    rc, d, _ = book_json("--venue", "test", "SOL-USDT")
    check(rc == 1 and d.get("status") == "empty" and d.get("bids") == [] and
          d.get("asks") == [] and d.get("update_id") == 0, "SOL empty: %d %r" % (rc, d))

    for code, name, want in ((3, "stale", 1), (4, "down", 1), (5, "rest", 1), (2, "resyncing", 1),
                             (1, "live", 0)):
        pub.cmd("status %d" % code)
        rc, d, _ = book_json("--venue", "test", "BTC-USDT")
        check(rc == want and d.get("status") == name,
              "status word %d: exit %d status %r, want %d %s" % (code, rc, d.get("status"),
                                                                 want, name))
        check(d.get("bids", [[None]])[0] == ["65000.12", "0.5"],
              "status %s keeps the levels: %r" % (name, d.get("bids")))
    pub.cmd("bump")
    rc, d, _ = book_json("--venue", "test", "BTC-USDT")
    check(rc == 0 and d.get("update_id") == 123456790 and
          d.get("bids", [[None]])[0] == ["65000.12", "0.50000001"],
          "after a publish: %r" % d)


def test_text(pub):
    rc, out, err = book("--venue", "test", "--once", "BTC-USDT")
    check(rc == 0, "--once BTC: exit %d (%r)" % (rc, err))
    lines = out.splitlines()
    print(out)
    check(lines[:3] == ["test BTC-USDT  live  update 123456789  depth 20",
                        "exch 2025-12-06T05:46:40.123Z  recv 2025-12-06T05:46:40.124Z",
                        "resyncs 2  checksum ok  checksum fails 1"], "header: %r" % lines[:3])
    rows = [l.split() for l in lines[4:]]
    want = [["ask", "65010.5", "10"], ["ask", "65001", "2"], ["ask", "65000.13", "0.00012345"],
            ["-----", "spread", "0.01"], ["bid", "65000.12", "0.5"], ["bid", "65000.1", "1.25"],
            ["bid", "64999", "3"], ["bid", "64998.5", "0.00000001"]]
    check(rows == want, "ladder rows:\n%r\nwant\n%r" % (rows, want))
    check(lines[3].split() == ["PRICE", "QTY"], "column heading: %r" % lines[3])
    rc, out, _ = book("--venue", "test", "--once", "--depth", "1", "ETH-USDT")
    check(rc == 1 and "resyncing" in out.splitlines()[0] and
          [l.split() for l in out.splitlines()[4:]] ==
          [["ask", "3001", "0.25"], ["-----", "spread", "0.5"], ["bid", "3000.5", "1.5"]],
          "ETH --once --depth 1: %d %r" % (rc, out))
    rc, out, _ = book("--venue", "test", "--once", "SOL-USDT")
    check(rc == 1 and "empty" in out and "----- no levels" in out, "SOL --once: %r" % out)


def one_error(rc, out, err, what, want_rc=2):
    lines = err.splitlines()
    check(rc == want_rc, "%s: exit %d, want %d: %r" % (what, rc, want_rc, err))
    check(out == "", "%s: stdout %r" % (what, out))
    check(len(lines) == 1 and lines[0].startswith("mdbus-book: error: "),
          "%s: one 'mdbus-book: error:' line: %r" % (what, err))
    return lines[0] if lines else ""


def test_errors(pub):
    line = one_error(*run(BOOK, "-b", BUS + "-none", "--venue", "test", "--json", "BTC-USDT"),
                     "no bus")
    check(BUS + "-none" in line, "names the bus: %r" % line)
    line = one_error(*book("--venue", "test", "--json", "DOGE-USDT"), "no instrument")
    check("no instrument test DOGE-USDT" in line, "says no instrument: %r" % line)
    line = one_error(*book("--venue", "nosuch", "BTC-USDT"), "wrong venue")
    line = one_error(*book("--venue", "test", "--json", "XRP-USDT"), "no book")
    check("keeps no book for test XRP-USDT" in line, "says no book: %r" % line)
    one_error(*book("--venue", "test", "--once", "XRP-USDT"), "no book, --once")
    for args, what in ((["BTC-USDT"], "no --venue"), (["--venue", "test"], "no SYMBOL"),
                       (["--venue", "test", "A", "B"], "two symbols"),
                       (["--venue", "test", "--depth", "0", "BTC-USDT"], "--depth 0"),
                       (["--venue", "test", "--depth", "1001", "BTC-USDT"], "--depth 1001"),
                       (["--venue", "test", "-i", "1ms", "BTC-USDT"], "-i 1ms")):
        line = one_error(*book(*args), what)
        check("(try 'mdbus-book --help')" in line, "%s: usage error line: %r" % (what, line))
    rc, out, err = run(BOOK, "-b", BUS, "--venue", "test", "BTC-USDT")  # stdout a pipe
    one_error(rc, out, err, "live view without a terminal", 1)


def top_json():
    rc, out, err = run(TOP, "-b", BUS, "--json", "-i", "50ms")
    try:
        return json.loads(out)
    except ValueError:
        check(False, "mdbus-top --json: %r %r" % (out, err))
        return {}


def test_top(pub):
    doc = top_json()
    instr = {i.get("symbol"): i for i in doc.get("instruments", [])}
    check(set(instr) == {"BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"}, "instruments: %r" % instr)
    check(instr.get("BTC-USDT", {}).get("book") ==
          {"status": "live", "update_id": 123456789, "resyncs": 2, "checksum_fails": 1,
           "checksum": "ok", "depth": 20, "bid": ["65000.12", "0.5"],
           "ask": ["65000.13", "0.00012345"]}, "BTC book: %r" % instr.get("BTC-USDT"))
    check(instr.get("ETH-USDT", {}).get("book") ==
          {"status": "resyncing", "update_id": 77, "resyncs": 0, "checksum_fails": 0,
           "checksum": "none", "depth": 10, "bid": ["3000.5", "1.5"], "ask": ["3001", "0.25"]},
          "ETH book: %r" % instr.get("ETH-USDT"))
    check(instr.get("SOL-USDT", {}).get("book") ==
          {"status": "empty", "update_id": 0, "resyncs": 0, "checksum_fails": 0,
           "checksum": "none", "depth": 5, "bid": None, "ask": None},
          "SOL book: %r" % instr.get("SOL-USDT"))
    check("book" not in instr.get("XRP-USDT", {"book": 1}), "XRP has no book key")
    pub.cmd("status 3")
    pub.cmd("bump")
    b = {i.get("symbol"): i for i in top_json().get("instruments", [])}.get("BTC-USDT", {})
    check(b.get("book", {}).get("status") == "live" and
          b.get("book", {}).get("update_id") == 123456790 and
          b.get("book", {}).get("bid") == ["65000.12", "0.50000001"],
          "a publish after a status change: %r" % b)
    pub.cmd("status 2")
    b = {i.get("symbol"): i for i in top_json().get("instruments", [])}.get("BTC-USDT", {})
    check(b.get("book", {}).get("status") == "resyncing", "status word 2: %r" % b)

    rc, out, err = run(TOP, "-b", BUS, "--once", "-i", "50ms")
    print(out)
    rows = {l.split()[1]: l.split() for l in out.splitlines()
            if re.match(r"^\s+\d+ \S+-USDT\s+(live|resyncing|empty|stale|down|rest)\s", l)}
    check(any(l.split()[:3] == ["ID", "SYMBOL", "BOOK"] for l in out.splitlines()),
          "--once has the Books table: %r" % out)
    check(rows.get("BTC-USDT") == ["0", "BTC-USDT", "resyncing", "123456790", "2", "1",
                                   "65000.12", "65000.13"], "Books row BTC: %r" % rows)
    check(rows.get("SOL-USDT") == ["2", "SOL-USDT", "empty", "0", "0", "0", "-", "-"],
          "Books row SOL: %r" % rows)
    check("XRP-USDT" not in rows, "no Books row for XRP")


class Tmux:
    def __init__(self, cmd):
        self.sock = "/tmp/tbook-tmux-%d" % os.getpid()
        self.run("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", "t", cmd)

    def run(self, *args):
        return subprocess.run(["tmux", "-S", self.sock] + list(args), capture_output=True,
                              text=True, timeout=10)

    def capture(self):
        return self.run("capture-pane", "-p", "-t", "t").stdout

    def wait_for(self, pred, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            scr = self.capture()
            if pred(scr) or time.monotonic() > end:
                return scr
            time.sleep(0.1)

    def keys(self, *k):
        self.run("send-keys", "-t", "t", *k)

    def kill(self):
        self.run("kill-server")
        try:
            os.unlink(self.sock)
        except FileNotFoundError:
            pass


def status_file():
    return "/tmp/tbook-%d.status" % os.getpid()


def wait_exit():
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            with open(status_file()) as fh:
                code = fh.read().strip()
            if code:
                return code
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    return None


def tmux_case(cmd, body):
    if not shutil.which("tmux"):
        print("tmux not installed")
        sys.exit(77)
    t = Tmux("printf 'BEFORE\\n'; TERM=xterm-256color %s; echo EXIT=$? > %s; sleep 60"
             % (cmd, status_file()))
    try:
        body(t)
    finally:
        t.kill()
        if os.path.exists(status_file()):
            os.unlink(status_file())


def test_live(pub):
    def body(t):
        scr = t.wait_for(lambda s: "65000.12" in s and "spread" in s)
        print(scr)
        for want in ("test BTC-USDT  live  update 123456789", "65010.5", "0.00012345",
                     "spread 0.01", "64998.5"):
            check(want in scr, "live ladder lacks %r:\n%s" % (want, scr))
        pub.cmd("bump")
        scr = t.wait_for(lambda s: "0.50000001" in s and "123456790" in s)
        check("0.50000001" in scr and "update 123456790" in scr, "redrawn on a change:\n" + scr)
        pub.cmd("status 2")
        scr = t.wait_for(lambda s: "resyncing" in s)
        check("test BTC-USDT  resyncing" in scr, "redrawn on a status change:\n" + scr)
        t.keys("q")
        check(wait_exit() == "EXIT=0", "q exits 0")
        scr = t.capture()
        check("BEFORE" in scr and "spread" not in scr, "terminal restored:\n" + scr)

    tmux_case("%s -b %s --venue test -i 50ms BTC-USDT" % (BOOK, BUS), body)

    def body_no_stdin(t):  # stdin not a terminal: no keys read, Ctrl-C stops it
        scr = t.wait_for(lambda s: "spread" in s)
        time.sleep(0.5)
        scr = t.capture()
        check("spread 0.01" in scr and not os.path.exists(status_file()),
              "runs on with stdin from /dev/null:\n" + scr)
        t.keys("C-c")
        check(wait_exit() == "EXIT=0", "Ctrl-C exits 0")

    tmux_case("%s -b %s --venue test BTC-USDT < /dev/null" % (BOOK, BUS), body_no_stdin)


def test_top_tui(pub):
    def body(t):
        scr = t.wait_for(lambda s: "[sessions]" in s)
        t.keys("b")
        scr = t.wait_for(lambda s: "[book]" in s and "65000.12" in s)
        print(scr)
        for want in ("[book]", "test BTC-USDT  book live  update 123456789  resyncs 2  "
                     "checksum ok  fails 1", "BID QTY", "ASK QTY", "0.5", "65000.12",
                     "65000.13", "0.00012345", "64998.5"):
            check(want in scr, "book pane lacks %r:\n%s" % (want, scr))
        row = [l for l in scr.splitlines() if "65000.12" in l]
        check(row and row[0].split() == ["0.5", "65000.12", "|", "65000.13", "0.00012345"],
              "best level row: %r" % row)
        t.keys("Down")
        scr = t.wait_for(lambda s: "ETH-USDT" in s)
        check("test ETH-USDT  book resyncing  update 77" in scr and "3000.5" in scr,
              "Down selects ETH's book:\n" + scr)
        t.keys("Down", "Down")
        scr = t.wait_for(lambda s: "XRP-USDT" in s)
        check("test XRP-USDT: no book (not kept on this bus)" in scr, "XRP: no book:\n" + scr)
        check(all(len(l) <= 80 for l in scr.split("\n")), "book pane wider than 80")
        t.keys("q")
        check(wait_exit() == "EXIT=0", "q exits 0")

    tmux_case("%s -b %s -i 0.2" % (TOP, BUS), body)


def test_valgrind(pub):
    vg = [sys.argv[5], "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
          "--error-exitcode=99"]
    for args, want in ((["--json", "BTC-USDT"], 0), (["--once", "ETH-USDT"], 1),
                       (["--json", "--depth", "1", "SOL-USDT"], 1), (["--json", "XRP-USDT"], 2),
                       (["--once", "DOGE-USDT"], 2)):
        r = subprocess.run(vg + [BOOK, "-b", BUS, "--venue", "test"] + args, capture_output=True,
                           text=True, timeout=120)
        check(r.returncode == want, "valgrind mdbus-book %s: exit %d, want %d: %s" %
              (args, r.returncode, want, r.stderr[-2000:]))
    r = subprocess.run(vg + [TOP, "-b", BUS, "--json", "-i", "50ms"], capture_output=True,
                       text=True, timeout=120)
    check(r.returncode in (0, 1) and '"book"' in r.stdout,
          "valgrind mdbus-top --json: exit %d: %s" % (r.returncode, r.stderr[-2000:]))


def main():
    pub = Pub()
    try:
        {"json": test_json, "text": test_text, "errors": test_errors, "top": test_top,
         "live": test_live, "top_tui": test_top_tui, "valgrind": test_valgrind}[CASE](pub)
    except Exception as e:  # a crash of the test itself is a failure, never a skip
        failures.append("exception: %r" % e)
        import traceback
        traceback.print_exc()
    finally:
        pub.stop()
    check(not os.path.exists("/dev/shm/mdbus-" + BUS), "book_pub removed its bus")
    print("%s: %s" % (CASE, "FAIL (%d)" % len(failures) if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
