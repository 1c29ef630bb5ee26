# SPDX-License-Identifier: MIT
"""Helpers for the mdbus end-to-end tests: a minimal WebSocket client (to test
mdbus-sim on its own), process management for mdbus-sim / feedd / mdbus-tail
with hard time bounds, and log matching.

Every process a test starts is registered and killed on exit, whatever
happens; every bus a test names is unique (pid + scenario) and its
/dev/shm file is removed at the end.
"""
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- minimal RFC 6455 client ------------------------------------------------

class WSClient:
    """Blocking WebSocket client: masked frames out, whole frames in."""

    def __init__(self, host, port, ca=None, tls=True, path="/ws", timeout=5.0,
                 server_hostname="localhost"):
        raw = socket.create_connection((host, port), timeout=timeout)
        if tls:
            ctx = ssl.create_default_context(cafile=ca)
            self.sock = ctx.wrap_socket(raw, server_hostname=server_hostname)
        else:
            self.sock = raw
        self.sock.settimeout(timeout)
        self.buf = b""
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                raise TestFailure("connection closed during upgrade")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.response = head.decode(errors="replace")
        self.status = int(self.response.split()[1])
        import hashlib
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        m = re.search(r"(?im)^sec-websocket-accept:\s*(\S+)", self.response)
        self.accept_ok = bool(m and m.group(1) == want)

    def send_frame(self, opcode, payload=b""):
        mask = secrets.token_bytes(4)
        n = len(payload)
        hdr = bytes([0x80 | opcode])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + body)

    def send_text(self, text):
        self.send_frame(1, text.encode())

    def _need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d

    def recv_frame(self):
        """Returns (opcode, payload) of the next frame."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        check(not (b1 & 0x80), "server frame is masked")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, off = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(off + n)
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return b0 & 0x0F, payload

    def recv_text(self, pongs=True):
        """Next text message; answers pings on the way (unless pongs=False)."""
        while True:
            op, p = self.recv_frame()
            if op == 1:
                return p.decode()
            if op == 9 and pongs:
                self.send_frame(10, p)
            if op == 8:
                raise EOFError(f"close frame {p[:2].hex()}")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- processes ------------------------------------------------------------------

class Proc:
    """A child process whose stderr (and optionally stdout) lines are collected
    by a thread, so tests can wait for log lines without blocking."""

    def __init__(self, name, argv, env=None, stdout_lines=False):
        self.name = name
        self.lines = []
        self.times = []  # time.monotonic() of each stderr line
        self.out = []
        self.cv = threading.Condition()
        log(f"start {name}: {' '.join(argv)}")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, start_new_session=True)
        self.started = time.monotonic()
        threading.Thread(target=self._pump, args=(self.p.stderr, self.lines, True),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.p.stdout, self.out, False),
                         daemon=True).start()
        _children.append(self)

    def _pump(self, f, into, echo):
        for raw in iter(f.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            if echo:
                sys.stderr.write(f"  {self.name}| {line}\n")
                sys.stderr.flush()
            with self.cv:
                into.append(line)
                if echo:
                    self.times.append(time.monotonic())
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_line(self, pattern, timeout, start=0, stdout=False):
        """Waits for a line matching regex pattern at index >= start.
        Returns (index, match) or raises TestFailure."""
        rx = re.compile(pattern)
        src = self.out if stdout else self.lines
        deadline = time.monotonic() + timeout
        with self.cv:
            i = start
            while True:
                while i < len(src):
                    m = rx.search(src[i])
                    if m:
                        return i, m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure(f"{self.name}: no line matching /{pattern}/ "
                                      f"within {timeout}s")
                if self.p.poll() is not None and i >= len(src):
                    # give the pump a moment to drain the pipe
                    self.cv.wait(min(left, 0.2))
                    if i >= len(src):
                        raise TestFailure(f"{self.name} exited ({self.p.returncode}) "
                                          f"before a line matching /{pattern}/")
                else:
                    self.cv.wait(min(left, 0.2))

    def find(self, pattern, start=0):
        rx = re.compile(pattern)
        with self.cv:
            return [l for l in self.lines[start:] if rx.search(l)]

    def count(self):
        with self.cv:
            return len(self.lines)

    def signal(self, sig):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait(5)


_children = []
_buses = []
_tmpdirs = []


def cleanup():
    for c in _children:
        c.kill()
    for b in _buses:
        for suffix in ("", ".lock", ".readers"):
            try:
                os.unlink(f"/dev/shm/mdbus-{b}{suffix}")
            except OSError:
                pass
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


def main(scenarios, argv):
    """Runs the scenario named argv[1] with a hard deadline; exit 0/1/77."""
    name = argv[1] if len(argv) > 1 else ""
    if name not in scenarios:
        print(f"unknown scenario {name!r}; have: {' '.join(sorted(scenarios))}",
              file=sys.stderr)
        return 1
    limit = float(os.environ.get("E2E_LIMIT", "100"))
    timer = threading.Timer(limit, lambda: (log(f"scenario {name}: hard limit {limit}s"),
                                           cleanup(), os._exit(1)))
    timer.daemon = True
    timer.start()
    rc = 1
    try:
        rc = scenarios[name]() or 0
        if rc == 0:
            log(f"PASS {name}")
    except TestFailure as e:
        log(f"FAIL {name}: {e}")
        rc = 1
    except Exception as e:  # noqa: a crash in the test is a failure too
        import traceback
        traceback.print_exc()
        log(f"FAIL {name}: {type(e).__name__}: {e}")
        rc = 1
    finally:
        timer.cancel()
        cleanup()
    return rc


def tmpdir(tag):
    d = tempfile.mkdtemp(prefix=f"mdbus-e2e-{tag}-")
    _tmpdirs.append(d)
    return d


def bus_name(tag):
    name = f"e2e-{tag}-{os.getpid()}"
    _buses.append(name)
    return name


# ---- tools ------------------------------------------------------------------------

class Tools:
    """Paths of the programs under test, from argv/env (meson passes them)."""

    def __init__(self):
        self.sim = os.environ.get("MDBUS_SIM", "mdbus-sim")
        self.feedd = os.environ.get("MDBUS_FEEDD", "feedd")
        self.tail = os.environ.get("MDBUS_TAIL", "mdbus-tail")

    def have_feedd(self):
        return os.path.isfile(self.feedd) and os.access(self.feedd, os.X_OK)

    def have_tail(self):
        return os.path.isfile(self.tail) and os.access(self.tail, os.X_OK)


TOOLS = Tools()


def make_certs(d):
    r = subprocess.run([TOOLS.sim, "--make-certs", d], capture_output=True, timeout=30)
    check(r.returncode == 0, f"--make-certs failed: {r.stderr.decode()}")
    return d


class Sim:
    """mdbus-sim on 127.0.0.1 with a random port and a control socket."""

    def __init__(self, d, cert="server", extra=(), plain=False, wrap=None):
        self.dir = d
        self.ctl_path = os.path.join(d, f"sim-{secrets.token_hex(4)}.ctl")
        argv = [TOOLS.sim, "--listen", "127.0.0.1:0", "--control", self.ctl_path]
        if plain:
            argv.append("--plain")
        else:
            argv += ["--cert", os.path.join(d, f"{cert}.pem"),
                     "--key", os.path.join(d, f"{cert}.key")]
        argv += list(extra)
        self.proc = Proc("sim", (wrap or []) + argv)
        _, m = self.proc.wait_line(r"^listening 127\.0\.0\.1:(\d+)$", 30, stdout=True)
        self.port = int(m.group(1))

    def ctl(self, *cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.ctl_path)
        s.sendall((" ".join(str(c) for c in cmd) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            d = s.recv(4096)
            if not d:
                break
            buf += d
        s.close()
        reply = buf.decode().strip()
        log(f"sim ctl {' '.join(str(c) for c in cmd)} -> {reply[:200]}")
        return reply

    def stats(self):
        return json.loads(self.ctl("stats"))


def write_config(d, bus, port, ca, symbols="BTC-USDT, ETH-USDT", channels="trades, bbo",
                 session="sim", tls=True, feed_extra="", session_extra="", path="/ws",
                 shutdown_timeout="2s", refdata=False):
    """A feedd config for one binance session at the simulator. refdata is
    off unless asked for (the session's last line, so the lines above keep
    their numbers): the scenarios count the simulator's connections and TLS
    failures, and the start-up reference-data fetch would add one
    (test_refdata.py covers that phase)."""
    scheme = "wss" if tls else "ws"
    text = f"""[bus]
name = {bus}
slots = 4096

[feed]
shutdown_timeout = {shutdown_timeout}
ca_file = {ca}
{feed_extra}
[session {session}]
venue = binance
url = {scheme}://localhost:{port}{path}
symbols = {symbols}
channels = {channels}
{session_extra}
{"" if refdata else "refdata = no"}
"""
    p = os.path.join(d, f"feedd-{secrets.token_hex(3)}.ini")
    with open(p, "w") as f:
        f.write(text)
    return p


class Feedd:
    def __init__(self, config, wrap=None, env=None, flags=()):
        self.proc = Proc("feedd", (wrap or []) + [TOOLS.feedd] + list(flags) + ["-c", config],
                         env=env)

    def wait(self, pattern, timeout, start=0):
        return self.proc.wait_line(pattern, timeout, start)

    def state_re(self, to, frm=r"\S+"):
        return rf"\bsession=\S+ venue=\S+ state={to} event=state from={frm}\b"


LOGFMT_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\\x00-\x1f]|\\.)*"|[^\s"=\\]+)')
LOGFMT_ESC = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def parse_logfmt(line):
    """{key: value} of one logfmt line, or None if any part of it is not a
    key=value pair (single spaces between pairs, quoted values escaped)."""
    out, pos = {}, 0
    while pos < len(line):
        m = LOGFMT_PAIR.match(line, pos)
        if not m:
            return None
        v = m.group(2)
        if v.startswith('"'):
            v = re.sub(r"\\(x[0-9a-f]{2}|.)",
                       lambda e: chr(int(e.group(1)[1:], 16)) if len(e.group(1)) == 3
                       else LOGFMT_ESC.get(e.group(1), None) or "\ufffd", v[1:-1])
        out[m.group(1)] = v
        pos = m.end()
        if pos < len(line):
            if line[pos] != " ":
                return None
            pos += 1
    return out


class Tail:
    """mdbus-tail --json (plus extra, e.g. ("--kind", "l2")) in the
    background until stop(): the ticks of one phase, however long the phase
    takes on a loaded machine. Killed by cleanup() if a check fails first."""

    def __init__(self, bus, extra=(), timeout_s=120):
        argv = [TOOLS.tail, "--bus", bus, "--json", *extra, "--timeout", str(timeout_s)]
        log(f"run {' '.join(argv)}")
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        _children.append(self)

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            self.lines.append(raw.decode(errors="replace").strip())

    def stop(self):
        """SIGINT; the ticks as parsed JSON objects."""
        self.p.send_signal(signal.SIGINT)
        check(self.p.wait(15) == 0, "mdbus-tail did not exit 0 on SIGINT")
        self.t.join()
        return [json.loads(line) for line in self.lines if line.startswith("{")]

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


def tail_json(bus, timeout_s, count=None, extra=()):
    """Runs mdbus-tail --json on bus; returns the decoded JSON lines."""
    argv = [TOOLS.tail, "--bus", bus, "--json", "--timeout", str(timeout_s)]
    if count:
        argv += ["--count", str(count)]
    argv += list(extra)
    log(f"run {' '.join(argv)}")
    r = subprocess.run(argv, capture_output=True, timeout=timeout_s + 15)
    out = []
    for line in r.stdout.decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise TestFailure(f"mdbus-tail printed invalid JSON: {line[:200]}")
    if r.returncode not in (0,):
        log(f"mdbus-tail exit {r.returncode}: {r.stderr.decode(errors='replace')[:500]}")
    return out, r


def segment_writer_state(bus):
    """writer_state (offset 132 of the segment header) or None if absent."""
    try:
        with open(f"/dev/shm/mdbus-{bus}", "rb") as f:
            hdr = f.read(136)
    except OSError:
        return None
    if len(hdr) < 136:
        return None
    return struct.unpack_from("<I", hdr, 132)[0]


WRITER_STOPPED = 3

VALGRIND = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
            "--track-fds=yes", "-q"]


def valgrind_fd_leaks(proc):
    """Descriptors valgrind --track-fds reports open at exit, minus stdio and
    the ones inherited from the parent."""
    leaks = []
    with proc.cv:
        lines = list(proc.lines)
    for i, l in enumerate(lines):
        m = re.search(r"Open file descriptor (\d+):(.*)", l)
        if not m or int(m.group(1)) <= 2:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if "inherited from parent" in nxt:
            continue
        leaks.append(f"fd {m.group(1)}:{m.group(2)} {nxt.strip()}")
    return leaks
