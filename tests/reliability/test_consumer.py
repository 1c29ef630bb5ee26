#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Consumers under faults: rel_consumer (public API only) keeps reading while
its writer is killed and its segment is tampered with.

  test_consumer.py kill_restart  feedd (against mdbus-sim) SIGKILLed three times:
                                 the consumer's gate (mdbus_health_session_healthy)
                                 says down within 300 ms of the kill() call; the
                                 restarted feedd's new epoch is attached and ticks
                                 continue; mdbus_health_instr_status goes down too
                                 (heartbeat bound: 3 x 100 ms after the last beat)
  test_consumer.py recreate      writer killed, its segment unlinked and an empty
                                 file created at the name, then a new writer
  test_consumer.py truncate      writer killed, its segment truncated (the ring
                                 cut after the reader's slot) while mapped: the
                                 reader notices, reads -EBADMSG, never SIGBUS
  test_consumer.py garbage       random bytes renamed over a live writer's
                                 segment; the writer then killed
In every case: the consumer never dies (a SIGBUS or its alarm() guard would kill
it), no library call takes more than a second, it sleeps rather than spins while
nothing valid is there (CPU < 20% of wall time), and it attaches the next valid
writer's epoch and reads its ticks.

Paths: MDBUS_SIM, MDBUS_FEEDD, REL_CONSUMER, REL_WRITER (meson sets them).
"""
import os
import re
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

CONSUMER = os.environ.get("REL_CONSUMER", "rel_consumer")
WRITER = os.environ.get("REL_WRITER", "rel_writer")
DOWN_MS = 300         # the spec: a consumer sees `down` within 300 ms of the kill
INSTR_DOWN_MS = 500   # heartbeat-only path: 3 x 100 ms after the last beat, + a poll, a clock
                      # tick and scheduling on a loaded machine (measured 290-310 ms)
MAX_CALL_NS = 1e9     # any single library call
MAX_CPU = 0.20        # consumer CPU / wall time while nothing valid is there
ESTALE, EBADMSG = 116, 74


class Consumer:
    def __init__(self, bus, session):
        self.p = E.Proc("consumer", [CONSUMER, bus, session, "BTC-USDT"])

    def mark(self):
        with self.p.cv:
            return len(self.p.out)

    def wait(self, pattern, timeout, start=0):
        try:
            _, m = self.p.wait_line(pattern, timeout, start, stdout=True)
        except E.TestFailure:
            events = [x for x in self.lines(start) if not x.startswith("stat ")]
            log("consumer events since the step began:\n  " + "\n  ".join(events[-40:]))
            raise
        return m

    def lines(self, start=0):
        with self.p.cv:
            return list(self.p.out[start:])

    def alive(self):
        rc = self.p.p.poll()
        check(rc is None, f"consumer died: exit {rc}"
              + (f" (signal {signal.Signals(-rc).name})" if rc and rc < 0 else ""))

    def ticks(self):
        """The tick count of the last stat line."""
        for line in reversed(self.lines()):
            m = re.match(r"^stat t=\d+ cpu_ns=\d+ ticks=(\d+)", line)
            if m:
                return int(m.group(1))
        return 0

    def cpu_between(self, t0_ns, t1_ns):
        """CPU fraction from the stat lines inside [t0, t1]."""
        pts = []
        for line in self.lines():
            m = re.match(r"^stat t=(\d+) cpu_ns=(\d+)", line)
            if m and t0_ns <= int(m.group(1)) <= t1_ns:
                pts.append((int(m.group(1)), int(m.group(2))))
        check(len(pts) >= 3, f"only {len(pts)} stat lines in the window: consumer stuck?")
        frac = (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])
        log(f"consumer CPU {100 * frac:.2f}% of wall time over {(pts[-1][0] - pts[0][0]) / 1e9:.2f} s")
        check(frac < MAX_CPU, f"consumer used {100 * frac:.1f}% CPU while waiting: spinning")

    def finish(self):
        self.alive()
        self.p.signal(signal.SIGTERM)
        rc = self.p.wait(10)
        check(rc == 0, f"consumer exit {rc} on SIGTERM")
        m = self.wait(r"^end t=\d+ cpu_ns=\d+ ticks=(\d+) epoch=\d+ maxcall_ns=(\d+)", 5)
        log(f"consumer: {m.group(1)} ticks, longest library call {int(m.group(2)) / 1e6:.2f} ms")
        check(int(m.group(2)) < MAX_CALL_NS, f"a library call took {int(m.group(2)) / 1e6} ms")


def new_epoch(cons, start, old, timeout):
    """The consumer attaches a segment other than `old` and reads from it."""
    m = cons.wait(r"^attach t=\d+ epoch=(\d+)", timeout, start)
    epoch = int(m.group(1))
    check(epoch != old, f"re-attached the same epoch {old}")
    cons.wait(rf"^tick t=\d+ epoch={epoch} ", timeout, start)
    n0 = cons.ticks()
    deadline = time.monotonic() + timeout
    while cons.ticks() < n0 + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    check(cons.ticks() >= n0 + 5, f"ticks stopped after the re-attach at {cons.ticks()}")
    log(f"consumer re-attached: epoch {old} -> {epoch}, ticks flowing")
    return epoch


# ---- feedd killed and restarted --------------------------------------------------

def scenario_kill_restart():
    check(E.TOOLS.have_feedd(), "feedd missing")
    d = E.tmpdir("ckill")
    E.make_certs(d)
    bus = E.bus_name("ckill")
    sim = E.Sim(d, extra=["--rate", "50"])
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"), symbols="BTC-USDT",
                         session_extra="reconnect_initial = 200ms\n")
    feedd = E.Feedd(cfg)
    feedd.wait(feedd.state_re("LIVE"), 30)
    cons = Consumer(bus, "sim")
    epoch = int(cons.wait(r"^attach t=\d+ epoch=(\d+)", 10).group(1))
    cons.wait(r"^health t=\d+ healthy=1", 10)
    cons.wait(r"^instr t=\d+ status=live", 10)
    for cycle in range(3):
        start = cons.mark()
        t_kill = time.monotonic_ns()
        os.kill(feedd.proc.p.pid, signal.SIGKILL)
        m = cons.wait(r"^health t=(\d+) healthy=0", 5, start)
        down = (int(m.group(1)) - t_kill) / 1e6
        m = cons.wait(r"^instr t=(\d+) status=down", 5, start)
        idown = (int(m.group(1)) - t_kill) / 1e6
        log(f"cycle {cycle}: gate down {down:.1f} ms after kill(), instrument status down "
            f"{idown:.1f} ms after")
        check(down <= DOWN_MS, f"session_healthy still 1 {down:.1f} ms after SIGKILL")
        check(idown <= INSTR_DOWN_MS, f"instrument status not down {idown:.1f} ms after SIGKILL")
        feedd.proc.p.wait(5)
        time.sleep(1.0)
        cons.alive()
        cons.cpu_between(t_kill + 300_000_000, time.monotonic_ns())
        feedd = E.Feedd(cfg)
        epoch = new_epoch(cons, start, epoch, 20)
        cons.wait(r"^health t=\d+ healthy=1", 20, start)
        cons.wait(r"^instr t=\d+ status=live", 20, start)
        stale = [x for x in cons.lines(start) if x.startswith("err ") and f"rc=-{ESTALE}" in x]
        log(f"cycle {cycle}: -ESTALE seen {len(stale)} times (else the dead-feed re-attach "
            "found the new segment first)")
    cons.finish()
    return 0


# ---- hostile segments behind a small writer --------------------------------------

def start_writer(bus):
    p = E.Proc("writer", [WRITER, bus])
    _, m = p.wait_line(r"^ready epoch=(\d+)", 10, stdout=True)
    return p, int(m.group(1))


def hostile_rig(tag):
    bus = E.bus_name(tag)
    w, epoch = start_writer(bus)
    cons = Consumer(bus, "-")
    cons.wait(rf"^tick t=\d+ epoch={epoch} ", 10)
    cons.wait(r"^health t=\d+ healthy=1", 10)
    return bus, w, epoch, cons


def kill_writer(w, cons):
    start = cons.mark()
    t_kill = time.monotonic_ns()
    os.kill(w.p.pid, signal.SIGKILL)
    m = cons.wait(r"^health t=(\d+) healthy=0", 5, start)
    down = (int(m.group(1)) - t_kill) / 1e6
    log(f"writer lock free: consumer down {down:.1f} ms after kill()")
    check(down <= DOWN_MS, f"writer_alive still 1 {down:.1f} ms after SIGKILL")
    w.p.wait(5)
    return t_kill


def hostile_end(bus, cons, epoch, start, t_fault):
    """Nothing valid for a second: the consumer survives without spinning;
    then a new writer: the consumer follows it."""
    time.sleep(1.0)
    cons.alive()
    cons.cpu_between(t_fault, time.monotonic_ns())
    start_writer(bus)
    new_epoch(cons, start, epoch, 15)
    cons.finish()
    return 0


def shm(bus):
    return f"/dev/shm/mdbus-{bus}"


def scenario_recreate():
    bus, w, epoch, cons = hostile_rig("crecreate")
    start = cons.mark()
    t = kill_writer(w, cons)
    os.unlink(shm(bus))
    fd = os.open(shm(bus), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)
    os.close(fd)
    # The old segment was never marked REPLACED: the reader notices that the
    # name holds another file (-ESTALE at a wait timeout) and keeps trying.
    cons.wait(rf"^err t=\d+ rc=-{ESTALE}", 5, start)
    return hostile_end(bus, cons, epoch, start, t)


def scenario_truncate():
    bus, w, epoch, cons = hostile_rig("ctrunc")
    start = cons.mark()
    t = kill_writer(w, cons)
    with open(shm(bus), "rb") as f:
        hdr = f.read(256)
    total, ring_off = struct.unpack_from("<Q", hdr, 16)[0], struct.unpack_from("<Q", hdr, 72)[0]
    slots, ws = struct.unpack_from("<I", hdr, 88)[0], struct.unpack_from("<Q", hdr, 192)[0]
    # Keep the header, health region and the page of the slot the reader
    # waits on (tick ws + 1): cut everything one page beyond it.
    slot_end = ring_off + (((ws + 1) & (slots - 1)) + 1) * 64
    cut = (slot_end + 4095) // 4096 * 4096 + 4096
    check(cut < total, f"nothing to cut: slot end {slot_end}, size {total}")
    os.truncate(shm(bus), cut)
    log(f"segment truncated from {total} to {cut} bytes under the reader (write_seq {ws})")
    cons.wait(rf"^err t=\d+ rc=-{EBADMSG}", 5, start)
    return hostile_end(bus, cons, epoch, start, t)


def scenario_garbage():
    bus, w, epoch, cons = hostile_rig("cgarbage")
    start = cons.mark()
    tmp = shm(bus) + "-garbage"
    with open(tmp, "wb") as f:
        f.write(os.urandom(1 << 20))
    os.chmod(tmp, 0o640)
    os.rename(tmp, shm(bus))
    # The live writer still publishes into the (now nameless) segment.
    n0 = cons.mark()
    time.sleep(0.5)
    cons.alive()
    # (-ESTALE at an idle wait, if any, is fine: re-attaching to garbage fails
    # and the reader keeps its segment.)
    check(not [x for x in cons.lines(n0) if x.startswith("attach ")],
          "the reader left a live writer for garbage")
    ticks = [int(m.group(1)) for m in (re.match(r"^stat t=\d+ cpu_ns=\d+ ticks=(\d+)", x)
                                        for x in cons.lines(n0)) if m]
    check(len(ticks) >= 2 and ticks[-1] > ticks[0], f"ticks stopped: {ticks}")
    t = kill_writer(w, cons)
    cons.wait(rf"^err t=\d+ rc=-{ESTALE}", 5, start)
    return hostile_end(bus, cons, epoch, start, t)


if __name__ == "__main__":
    sys.exit(E.main({"kill_restart": scenario_kill_restart, "recreate": scenario_recreate,
                     "truncate": scenario_truncate, "garbage": scenario_garbage}, sys.argv))
