#!/usr/bin/env python3
"""examples/consumer follows a bus across writer restarts without spinning.

Usage: test_follow.py CONSUMER BUS_PUB [VALGRIND]

The consumer starts before the bus exists; writer 1 publishes every tick kind
and stops (segment kept, STOPPED, as feedd leaves it); while no writer runs
the consumer must idle (CPU time over a few seconds, from /proc, well under
5 %); writer 2 (another ring size) takes the bus: the consumer reads its
ticks from its first; writer 2 is killed (SIGKILL, idle): the consumer idles
again and holds one mapping and two descriptors of the bus (nothing leaked
across re-attaches); writer 3 takes the bus and the consumer reads it to its
count and exits 0. With VALGRIND the consumer runs under memcheck, and any
error or leak fails.
"""
import os
import signal
import subprocess
import sys
import time

CONSUMER, PUB = sys.argv[1], sys.argv[2]
VALGRIND = sys.argv[3] if len(sys.argv) > 3 else None
BUS = "t-follow-%d" % os.getpid()
N = 10  # ticks per writer: two full cycles of the five kinds
IDLE_S = 3.0
CPU_BOUND = 0.05  # generous: a spinning consumer burns ~1.0
PROCS = []


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    for suffix in ("", ".lock", ".tmp", ".readers"):
        try:
            os.unlink("/dev/shm/mdbus-%s%s" % (BUS, suffix))
        except FileNotFoundError:
            pass


def cpu_s(pid):
    """User + system CPU time of pid, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(pid, seconds):
    """Share of one CPU pid used over `seconds` of wall time."""
    c0, t0 = cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_s(pid) - c0) / (time.monotonic() - t0)


def read_until(stream, acc, text, limit=60):
    """Reads lines of stream into acc until one contains text."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        line = stream.readline()
        check(line != "", "consumer ended before '%s': %s" % (text, "".join(acc)))
        acc.append(line)
        if text in line:
            return
    fail("no '%s' within %d s" % (text, limit))


def bus_handles(pid):
    """(mappings, descriptors) of pid that name this bus's files."""
    path = "/dev/shm/mdbus-" + BUS
    with open("/proc/%d/maps" % pid) as f:
        maps = sum(1 for line in f if line.rstrip().endswith(path) or path + " " in line)
    fds = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        fds += target.startswith(path)
    return maps, fds


def writer(seconds, slots, flags):
    return subprocess.Popen([PUB, BUS, str(seconds), str(N), str(slots), flags])


def expected_lines():
    """The consumer's lines for one writer's N ticks (bus_pub's cycle)."""
    body = ["trade 65000.1 0.12345678", "bbo 65000 1 65000.01 0.5", "l2 bid 64999.9 0.025",
            "l2 ask 64999.9 0.025", "status up"]
    return ["%d test BTC-USDT %s missed=0" % (i + 1, body[i % 5]) for i in range(N)]


def main():
    wrap = []
    if VALGRIND:
        wrap = [VALGRIND, "--quiet", "--error-exitcode=1", "--leak-check=full",
                "--show-leak-kinds=all", "--errors-for-leak-kinds=all"]
    cons = subprocess.Popen([*wrap, CONSUMER, BUS, str(3 * N)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    PROCS.append(cons)
    out, err = [], []
    time.sleep(0.5)  # the bus does not exist yet: the consumer waits for it
    check(cons.poll() is None, "consumer gave up on a missing bus")

    w1 = writer(0.2, 64, "ka")  # every kind, then STOPPED, segment kept
    PROCS.append(w1)
    check(w1.wait(timeout=30) == 0, "writer 1 failed")
    read_until(cons.stderr, err, "writer stopped")
    cpu = idle_cpu(cons.pid, IDLE_S)
    print("consumer CPU with the writer stopped: %.2f %%" % (100 * cpu))
    check(cpu < CPU_BOUND, "consumer spins while no writer runs: %.1f %% CPU" % (100 * cpu))

    w2 = writer(60, 256, "a")  # a bigger ring: another segment size
    PROCS.append(w2)
    read_until(cons.stderr, err, "following epoch")
    t_end = time.monotonic() + 30
    while len(out) < 2 * N and time.monotonic() < t_end:
        out.append(cons.stdout.readline())
    check(len(out) == 2 * N, "consumer read %d lines of two writers" % len(out))
    w2.kill()  # dies idle, its segment still says RUNNING
    w2.wait()
    read_until(cons.stderr, err, "writer died")
    cpu = idle_cpu(cons.pid, IDLE_S)
    print("consumer CPU with the writer dead: %.2f %%" % (100 * cpu))
    check(cpu < CPU_BOUND, "consumer spins after its writer died: %.1f %% CPU" % (100 * cpu))
    maps, fds = bus_handles(cons.pid)
    # The segment and its lock file, plus the reader table that holds the
    # consumer's waiter (claimed at its first wait, kept across re-attaches).
    check(maps == 1 and fds == 3, "after two re-attaches: %d mappings, %d fds" % (maps, fds))

    w3 = writer(0.5, 64, "a")
    PROCS.append(w3)
    rest, cerr = cons.communicate(timeout=120)
    err.append(cerr)
    out += rest.splitlines(keepends=True)
    check(w3.wait(timeout=30) == 0, "writer 3 failed")
    err = "".join(err)
    check(cons.returncode == 0, "consumer rc %d: %s" % (cons.returncode, err))
    lines = [line.rstrip("\n") for line in out]
    want = expected_lines() * 3
    check(lines == want, "consumer output:\n%s\nwant:\n%s" % ("\n".join(lines), "\n".join(want)))
    check(err.count("following epoch") == 2, "two re-attaches: " + err)
    print("PASS")


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
