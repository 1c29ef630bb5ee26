#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feedd as a systemd service.

usage: test_systemd.py SCENARIO
  unit        the built unit (FEEDD_UNIT, ExecStart pointed at the build's feedd
              in a copy) passes `systemd-analyze verify` with no finding, a copy
              with an unknown key does not (the check can fail), its hardening
              scores at most 2.0 in `systemd-analyze security --offline`, and
              the sysusers.d file creates user and group mdbus in a scratch root
  notify      feedd under a test-made NOTIFY_SOCKET (WATCHDOG_USEC set): READY=1
              (the segment exists, mode 0640), STATUS= (live/total, on change
              only), WATCHDOG=1 in that order, pings at half the period, and
              STOPPING=1 on SIGTERM before it exits 0
  nowatchdog  WATCHDOG_PID names another process: READY and STATUS, no ping
  perms       the service's access model (needs root, to switch users): a bus
              created by an unprivileged owner (as feedd runs as mdbus) is read
              by root, by the owner and by a member of its group, and refused
              to any other user
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL, MDBUS_BUS_PUB (and
FEEDD_UNIT, SYSUSERS_CONF).
"""
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

SESSION_KEYS = ("reconnect_initial = 200ms\nreconnect_max = 1s\n"
                "reconnect_jitter = 0.1\nhandshake_timeout = 5s\n")


def run(argv, timeout=60):
    log(f"run {' '.join(argv)}")
    r = subprocess.run(argv, capture_output=True, timeout=timeout, text=True)
    out = (r.stdout + r.stderr).strip()
    if out:
        log(out)
    return r.returncode, out


def unit_copy(d, extra=""):
    """The built unit as feedd@t.service in d, ExecStart on the build's feedd."""
    with open(os.environ["FEEDD_UNIT"]) as f:
        text = f.read()
    m = re.search(r"(?m)^ExecStart=(\S+)/feedd ", text)
    check(m, "the unit has no ExecStart=.../feedd line")
    text = text.replace(m.group(1) + "/feedd", E.TOOLS.feedd)
    if extra:
        text = text.replace("[Service]\n", "[Service]\n" + extra)
    path = os.path.join(d, "feedd@t.service")
    with open(path, "w") as f:
        f.write(text)
    return path, text


def scenario_unit():
    if not shutil.which("systemd-analyze") or not shutil.which("systemd-sysusers"):
        log("systemd-analyze/systemd-sysusers missing (scripts/setup-debian.sh installs systemd)")
        return E.SKIP
    d = E.tmpdir("unit")
    path, text = unit_copy(d)
    for key in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "User=mdbus",
                "Group=mdbus", "NoNewPrivileges=yes", "ProtectSystem=strict",
                "ReadWritePaths=/dev/shm", "RemoveIPC=no", "CacheDirectory=mdbus",
                "ExecStart=" + E.TOOLS.feedd + " -c "):
        check(re.search(r"(?m)^" + re.escape(key), text), f"the unit lacks {key}")
    check(re.search(r"(?m)^ExecStart=\S+ -c \S+/mdbus/%i\.conf$", text),
          "ExecStart must run the instance's config, /etc/mdbus/%i.conf")
    rc, out = run(["systemd-analyze", "verify", "--man=no", path])
    check(rc == 0 and out == "", f"systemd-analyze verify: exit {rc}, findings: {out!r}")
    bad_dir = E.tmpdir("unit-bad")
    bad, _ = unit_copy(bad_dir, extra="WatchdogSecs=10s\n")
    rc, out = run(["systemd-analyze", "verify", "--man=no", bad])
    check("WatchdogSecs" in out, "verify did not flag an unknown key: the check is blind")
    rc, out = run(["systemd-analyze", "security", "--offline=yes", "--threshold=20", path])
    check(rc == 0, f"hardening exposure above 2.0: {out[-300:]}")
    root = E.tmpdir("sysusers")
    os.makedirs(os.path.join(root, "etc"))
    rc, out = run(["systemd-sysusers", "--root=" + root,
                   os.path.abspath(os.environ["SYSUSERS_CONF"])])
    check(rc == 0, f"systemd-sysusers exit {rc}")
    with open(os.path.join(root, "etc", "passwd")) as f:
        pw = [l.split(":") for l in f if l.startswith("mdbus:")]
    with open(os.path.join(root, "etc", "group")) as f:
        gr = [l.split(":") for l in f if l.startswith("mdbus:")]
    check(len(pw) == 1 and len(gr) == 1, f"sysusers made no user/group mdbus: {pw} {gr}")
    check(pw[0][3] == gr[0][2], "user mdbus's primary group must be group mdbus")
    check(pw[0][6].strip().endswith("nologin"), "user mdbus must not have a login shell")
    return 0


class NotifySocket:
    """An AF_UNIX datagram socket standing in for the service manager: every
    message is kept with its arrival time and whether the segment existed."""

    def __init__(self, d, bus):
        self.path = os.path.join(d, "notify.sock")
        self.seg = f"/dev/shm/mdbus-{bus}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.msgs = []  # (monotonic time, [KEY=VALUE lines], segment mode or None)
        self.cv = threading.Condition()
        self.stop = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while not self.stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            try:
                mode = stat.S_IMODE(os.stat(self.seg).st_mode)
            except OSError:
                mode = None
            lines = data.decode(errors="replace").split("\n")
            log(f"notify: {lines} (segment mode {oct(mode) if mode is not None else None})")
            with self.cv:
                self.msgs.append((time.monotonic(), [l for l in lines if l], mode))
                self.cv.notify_all()

    def flat(self):
        """Every KEY=VALUE in arrival order, with its message's time and mode."""
        with self.cv:
            return self.flat_locked()

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                hits = [x for x in self.flat_locked() if pred(x[1])]
                if hits:
                    return hits[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise E.TestFailure(f"no {what} within {timeout}s")
                self.cv.wait(min(left, 0.2))

    def flat_locked(self):
        return [(t, kv, mode) for t, lines, mode in self.msgs for kv in lines]

    def close(self):
        self.stop = True


def start(tag, watchdog_env):
    d = E.make_certs(E.tmpdir(tag))
    bus = E.bus_name(tag)
    sim = E.Sim(d, extra=["--rate", "50"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), session="sim",
                         session_extra=SESSION_KEYS)
    ns = NotifySocket(d, bus)
    env = dict(os.environ, NOTIFY_SOCKET=ns.path, **watchdog_env)
    feedd = E.Feedd(cfg, env=env)
    return feedd, ns, bus


def is_status(kv, text=None):
    return kv.startswith("STATUS=") and (text is None or text in kv)


def scenario_notify():
    # 600 ms: a ping every 300 ms, well above the loop's 50 ms watchdog timer.
    feedd, ns, bus = start("notify", {"WATCHDOG_USEC": "600000"})
    t_ready, _, mode = ns.wait(lambda kv: kv == "READY=1", 20, "READY=1")
    check(mode is not None, "READY=1 came before the bus segment existed")
    check(mode == 0o640, f"segment mode {oct(mode)}, want 0640 (group-readable only)")
    feedd.proc.wait_line(r"(?i)\bsession=sim venue=\S+ state=LIVE event=state\b", 20)
    ns.wait(lambda kv: is_status(kv, "1/1 sessions live"), 10, "STATUS= with 1/1 live")
    # Ticks flow at 50/s: a STATUS= per tick would show here.
    time.sleep(2.0)
    ns.wait(lambda kv: kv == "WATCHDOG=1", 10, "WATCHDOG=1")
    flat = ns.flat()
    keys = [kv for _, kv, _ in flat]
    first = {k: next(i for i, kv in enumerate(keys) if kv.startswith(k))
             for k in ("READY=1", "STATUS=", "WATCHDOG=1")}
    check(first["READY=1"] < first["STATUS="] < first["WATCHDOG=1"],
          f"want READY, STATUS, WATCHDOG in that order, got {keys[:6]}")
    check(keys[first["STATUS="]] == "STATUS=0/1 sessions live",
          f"first STATUS= {keys[first['STATUS=']]!r}, want 0/1 sessions live")
    statuses = [kv for kv in keys if is_status(kv)]
    check(len(statuses) <= 3, f"STATUS= must change only with the live count: {statuses}")
    pings = [t for t, kv, _ in flat if kv == "WATCHDOG=1"]
    span = pings[-1] - t_ready
    check(len(pings) >= 3, f"{len(pings)} pings in {span:.1f}s: want one every 300 ms")
    check(len(pings) <= span / 0.3 + 2, f"{len(pings)} pings in {span:.1f}s: more than "
          "one per half WATCHDOG_USEC")
    n_before = len(keys)
    feedd.proc.signal(signal.SIGTERM)
    rc = feedd.proc.wait(30)
    check(rc == 0, f"feedd exit status {rc} after SIGTERM")
    time.sleep(0.3)  # the last datagrams reach the pump thread
    after = [kv for _, kv, _ in ns.flat()][n_before:]
    check("STOPPING=1" in after, f"no STOPPING=1 after SIGTERM: {after}")
    check(not any(kv == "READY=1" for kv in after), f"READY=1 again while stopping: {after}")
    ns.close()
    return 0


def scenario_nowatchdog():
    # The watchdog is someone else's (WATCHDOG_PID): feedd must not ping.
    feedd, ns, _ = start("nowd", {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
    ns.wait(lambda kv: kv == "READY=1", 20, "READY=1")
    feedd.proc.wait_line(r"(?i)\bsession=sim venue=\S+ state=LIVE event=state\b", 20)
    ns.wait(lambda kv: is_status(kv, "1/1 sessions live"), 10, "STATUS= with 1/1 live")
    time.sleep(1.0)
    keys = [kv for _, kv, _ in ns.flat()]
    check("WATCHDOG=1" not in keys, f"WATCHDOG=1 sent for another process's watchdog: {keys}")
    feedd.proc.signal(signal.SIGTERM)
    check(feedd.proc.wait(30) == 0, "feedd exit status after SIGTERM")
    ns.close()
    return 0


# Debian's own accounts: nobody/nogroup owns the bus, daemon is someone else.
OWNER = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
OTHER = ["--reuid=daemon", "--regid=daemon", "--clear-groups"]
MEMBER = ["--reuid=daemon", "--regid=daemon", "--groups=nogroup"]


def as_user(who, argv):
    return (["setpriv"] + who + argv) if who else argv


def read_one(who, bus):
    rc, out = run(as_user(who, [E.TOOLS.tail, "--bus", bus, "--from-start", "--count", "1",
                                "--timeout", "5"]), timeout=30)
    return rc, out


def scenario_perms():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        log("needs root and setpriv (util-linux) to run programs as other users")
        return E.SKIP
    pub = os.environ["MDBUS_BUS_PUB"]
    for who in (OWNER, OTHER):
        rc, _ = run(as_user(who, ["test", "-x", pub, "-a", "-x", E.TOOLS.tail]))
        if rc != 0:
            log("the build directory is not reachable by other users")
            return E.SKIP
    bus = E.bus_name("perms")
    E.Proc("bus_pub", as_user(OWNER, [pub, bus, "30", "3"]))
    seg = f"/dev/shm/mdbus-{bus}"
    deadline = time.monotonic() + 20
    while not os.path.exists(seg) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the three ticks are published right after the segment appears
    st = os.stat(seg)
    check(stat.S_IMODE(st.st_mode) == 0o640, f"segment mode {oct(st.st_mode)}, want 0640")
    for name, who in (("root", None), ("owner", OWNER), ("group member", MEMBER)):
        rc, out = read_one(who, bus)
        check(rc == 0 and "id=1" in out, f"{name} cannot read the bus: exit {rc}: {out}")
    rc, out = read_one(OTHER, bus)
    check(rc != 0 and "Permission denied" in out,
          f"a user outside the group read the bus: exit {rc}: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(E.main({"unit": scenario_unit, "notify": scenario_notify,
                     "nowatchdog": scenario_nowatchdog, "perms": scenario_perms}, sys.argv))
