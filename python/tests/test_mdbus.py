# SPDX-License-Identifier: MIT
"""The mdbus Python module against real buses written by mdbus-replay and
read back by the C tools (mdbus-tail --json, mdbus-top --json)."""
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import numpy as np
import pytest

import mdbus
from conftest import gen_ticks, open_when_ready, tool

META = {"seq", "venue", "symbol", "native", "price_decimals", "qty_decimals", "market",
        "kind", "exch_ts", "recv_ts", "flags"}


def tail_json(bus, count):
    out = subprocess.run([tool("MDBUS_TAIL"), "-b", bus, "--json", "--from-start",
                          "--count", str(count), "--timeout", "60"],
                         capture_output=True, text=True, timeout=90, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_decimal_round_trip_against_c_formatter(bus_name, replay):
    n = 3000
    src = gen_ticks(n, seed=7)
    replay(bus_name, src).wait()
    c_side = tail_json(bus_name, n)
    r = mdbus.open(bus_name).reader(start="oldest")
    assert len(c_side) == n
    for want, j in zip(src, c_side):
        t = r.next(timeout=5)
        assert t is not None
        assert (t.seq, t.kind, t.venue, t.symbol) == (j["seq"], j["kind"], j["venue"], j["symbol"])
        assert (t.exch_ts, t.recv_ts, t.flags) == (j["exch_ts"], j["recv_ts"], j["flags"])
        keys = [k for k in j if k not in META and k not in ("contract_size", "qty_unit",
                                                              "expiry")]
        assert list(t.fields) == keys
        for k in keys:
            v = getattr(t, k)
            if isinstance(v, Decimal):
                # the text of the C formatter (in positional notation), the
                # exact value, the mantissa
                assert format(v, "f") == j[k] == want[k]
                assert v == Decimal(j[k])
                scale = j["price_decimals"] if k in ("price", "bid_px", "ask_px") \
                    else j["qty_decimals"]
                assert getattr(t, k + "_raw") == int(v.scaleb(scale))
            else:
                assert v == j[k] == want[k], k
        d = t.as_dict()
        assert {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in d.items()} == \
            {k: j[k] for k in d}
        assert set(j) - set(d) <= {"native", "price_decimals", "qty_decimals", "market"}
        assert all(f" {k}={j[k]}" in repr(t) for k in keys if k != "flags")
    assert r.next(timeout=0.2) is None
    assert (r.read, r.missed, r.laps) == (n, 0, 0)


def test_instruments(bus_name, replay):
    src = gen_ticks(200, seed=3)
    replay(bus_name, src).wait()
    got = {(i.venue, i.symbol): i for i in mdbus.open(bus_name).instruments()}
    want = {(t["venue"], t["symbol"]): t for t in src}
    assert set(got) == set(want)
    for key, i in got.items():
        assert (i.price_scale, i.qty_scale) == (want[key]["price_decimals"],
                                                want[key]["qty_decimals"])
        assert i.native == want[key]["native"] and i.market == "spot"
    assert sorted(i.id for i in got.values()) == list(range(len(got)))


def test_batch_equals_iterator(bus_name, replay):
    n = 5000
    replay(bus_name, gen_ticks(n, seed=11)).wait()
    bus = mdbus.open(bus_name)
    it, batch = bus.reader(start="oldest"), bus.reader(start="oldest")
    parts = []
    while True:
        a = batch.read_batch(1777)
        if len(a) == 0:
            break
        parts.append(a)
    a = np.concatenate(parts)
    assert a.dtype == mdbus.TICK_DTYPE and len(a) == n
    assert batch.read_batch(10).shape == (0,) and batch.read_batch(0).shape == (0,)
    raw = a.tobytes()
    for i in range(n):
        t = it.next(timeout=5)
        rec = a[i]
        assert (t.seq, t.instrument, t.exch_ts, t.recv_ts) == \
            (rec["seq"], rec["instrument"], rec["exch_ts"], rec["recv_ts"])
        assert t.raw == raw[i * 64 + 8:(i + 1) * 64]
        assert mdbus.KINDS[t.kind] == rec["kind"] and t.flags_raw == rec["flags"]
        view = a[i:i + 1].view(mdbus.KIND_DTYPES[t.kind])[0]
        for k in t.fields:
            if k + "_raw" in view.dtype.names:
                assert getattr(t, k + "_raw") == view[k + "_raw"]
            elif k in ("trade_id", "update_id", "session", "reason"):
                assert getattr(t, k) == view[k]
    assert it.next(timeout=0) is None
    trades = a[a["kind"] == mdbus.KINDS["trade"]].view(mdbus.KIND_DTYPES["trade"])
    assert len(trades) > 1000 and trades.dtype == mdbus.KIND_DTYPES["trade"]
    assert list(a["seq"]) == list(range(1, n + 1))


def test_loss_counted_when_lapped(bus_name, replay):
    total = 1500
    w = replay(bus_name, gen_ticks(total, seed=5), "--slots", "64", "--rate", "1500")
    bus = open_when_ready(bus_name)
    one, many = bus.reader(start="latest"), bus.reader(start="latest")
    w.wait()                                   # everything published: both were lapped
    seqs = []
    while (t := one.next(timeout=0.3)) is not None:
        seqs.append(t.seq)
    a = many.read_batch(100000)
    for r, got in ((one, seqs), (many, list(a["seq"]))):
        assert got and got[-1] == total
        assert got == list(range(got[0], total + 1))    # contiguous after the lap
        assert len(got) <= 64 and r.laps >= 1
        # missed counts exactly the ticks between the open and the first read
        opened_at = got[0] - r.missed
        assert r.missed > 0 and 1 <= opened_at <= total - 64
        assert r.read == len(got)


def test_missing_bus_error():
    with pytest.raises(mdbus.Error) as e:
        mdbus.open("pytest-no-such-bus")
    assert e.value.errno == errno.ENOENT
    assert "pytest-no-such-bus" in str(e.value) and e.value.strerror
    with pytest.raises(mdbus.Error) as e:
        mdbus.open("../etc")
    assert e.value.errno == errno.EINVAL


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_bus_error(bus_name, replay, damage):
    replay(bus_name, gen_ticks(10)).wait()
    path = f"/dev/shm/mdbus-{bus_name}"
    data = open(path, "rb").read()
    os.unlink(path)
    body = {"garbage": os.urandom(len(data)), "truncated": data[:len(data) // 3],
            "empty": b""}[damage]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    os.write(fd, body)
    os.close(fd)
    with pytest.raises(mdbus.Error) as e:
        mdbus.open(bus_name)
    assert e.value.errno in (errno.EBADMSG, errno.EMSGSIZE, errno.EAGAIN, errno.ERANGE)
    assert bus_name in str(e.value)
    assert e.value.strerror == os.strerror(e.value.errno) or e.value.strerror


def test_bad_arguments(bus_name, replay):
    replay(bus_name, gen_ticks(5)).wait()
    bus = mdbus.open(bus_name)
    with pytest.raises(ValueError):
        bus.reader(start="middle")
    with pytest.raises(ValueError):
        bus.reader().read_batch(-1)


def test_reattach_after_writer_restarts(bus_name, replay):
    first, second = gen_ticks(100, seed=1), gen_ticks(300, seed=2)
    replay(bus_name, first).wait()
    bus = mdbus.open(bus_name)
    it, batch = bus.reader(start="oldest"), bus.reader(start="oldest")
    epoch = it.epoch
    assert [it.next(timeout=5).seq for _ in range(100)] == list(range(1, 101))
    assert len(batch.read_batch(1000)) == 100
    assert it.next(timeout=0.3) is None          # stopped: waits, does not spin
    replay(bus_name, second).wait()              # a new writer: new epoch
    t = it.next(timeout=30)
    assert t is not None and it.epoch != epoch and t.seq == 1
    assert t.venue == second[0]["venue"] and t.symbol == second[0]["symbol"]
    rest = [t] + [it.next(timeout=5) for _ in range(299)]
    assert [x.seq for x in rest] == list(range(1, 301))
    a = batch.read_batch(1000, timeout=30)
    assert batch.epoch == it.epoch and list(a["seq"]) == list(range(1, 301))
    assert it.missed == 0 and batch.missed == 0


def test_read_batch_timeouts(bus_name, replay):
    # 0 (and < 0): what is there now; > 0: up to that long, and a tick from
    # a writer that starts meanwhile is followed and returned.
    replay(bus_name, gen_ticks(5, seed=4)).wait()
    r = mdbus.open(bus_name).reader(start="oldest")
    assert len(r.read_batch(100)) == 5
    w0 = time.monotonic()
    assert len(r.read_batch(100)) == 0 and len(r.read_batch(100, timeout=-1)) == 0
    assert time.monotonic() - w0 < 0.2
    w0 = time.monotonic()
    assert len(r.read_batch(100, timeout=0.3)) == 0 and time.monotonic() - w0 >= 0.25
    later = threading.Timer(0.5, lambda: replay(bus_name, gen_ticks(7, seed=5)))
    later.start()
    w0 = time.monotonic()
    a = r.read_batch(100, timeout=30)
    later.join()
    assert len(a) >= 1 and a["seq"][0] == 1 and time.monotonic() - w0 >= 0.4


def test_follow_does_not_spin(bus_name, replay):
    replay(bus_name, gen_ticks(3)).wait()
    r = mdbus.open(bus_name).reader(start="oldest")
    while r.next(timeout=0.1) is not None:
        pass
    c0, w0 = time.process_time(), time.monotonic()
    assert r.next(timeout=1.0) is None
    assert time.monotonic() - w0 >= 0.9
    assert time.process_time() - c0 < 0.5        # ~0 CPU while no writer


def test_gil_released_while_waiting(bus_name, replay):
    replay(bus_name, gen_ticks(3)).wait()
    r = mdbus.open(bus_name).reader()
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1
    th = threading.Thread(target=spin)
    th.start()
    try:
        assert r.next(timeout=1.0) is None
        during = count[0]
    finally:
        stop.set()
        th.join()
    assert during > 10000


def test_keyboard_interrupt_stops_iteration(bus_name, replay):
    replay(bus_name, gen_ticks(3)).wait()
    code = ("import mdbus, sys\n"
            "r = mdbus.open(sys.argv[1]).reader()\n"
            "print('ready', flush=True)\n"
            "try:\n"
            "    for t in r: pass\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', flush=True)\n")
    p = subprocess.Popen([sys.executable, "-c", code, bus_name], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert "interrupted" in out and p.returncode == 0
    assert time.monotonic() - t0 < 10


def shape(v):
    """Keys of a JSON document, recursively (values left out: they move)."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(x) for x in v[:1]]
    return None


def test_health_is_mdbus_top_json(bus_name, replay):
    w = replay(bus_name, gen_ticks(50), "--hold", "60")
    bus = open_when_ready(bus_name)
    h = bus.health(interval=0.05)
    top = json.loads(subprocess.run([tool("MDBUS_TOP"), "-b", bus_name, "--json"],
                                    capture_output=True, text=True, timeout=60).stdout)
    assert shape(h) == shape(top)
    for k in ("bus", "attached", "epoch", "writer_pid", "writer_state", "exit"):
        assert h[k] == top[k], k
    assert h["bus"] == bus_name and h["ring"]["write_seq"] == 50
    assert bus.health()["ring"] == {"write_seq": 50, "slots": 65536, "rate": 0.0}
    w.stop()


def test_health_rest_block(bus_name):
    """sessions[].rest: the REST weight of the session's venue, written by
    health_writer's rest scenario (sess-a and sess-c share binance's window;
    sess-b has no REST client)."""
    p = subprocess.Popen([tool("HEALTH_WRITER"), bus_name, "rest", "--unlink"],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().startswith("ready pid=")
        h = open_when_ready(bus_name).health(interval=0.05)
        s = {x["name"]: x for x in h["sessions"]}
        want = {"weight": 250, "limit": 6000, "window_s": 60, "weight_total": 1250,
                "requests": 5, "n429": 2, "n418": 0, "queued": 3, "inflight": 1}
        for name in ("sess-a", "sess-c"):
            r = s[name]["rest"]
            assert {k: r[k] for k in want} == want, name
            assert 0 < r["blocked_ms"] <= 60000, name
        assert s["sess-b"]["rest"] is None
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        p.stdout.close()


READER = """
import mdbus, sys
r = mdbus.open(sys.argv[1]).reader(start="oldest")
print(" ".join(str(r.next(timeout=30).trade_id) for _ in range(int(sys.argv[2]))))
"""


def test_two_pythons_and_a_c_consumer_at_once(bus_name, replay):
    n = 1500
    src = [t for t in gen_ticks(4 * n, seed=9) if t["kind"] == "trade"][:n]
    w = replay(bus_name, src, "--rate", "3000", "--hold", "60")
    open_when_ready(bus_name)
    env = dict(os.environ)
    pys = [subprocess.Popen([sys.executable, "-c", READER, bus_name, str(n)],
                            stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    c = subprocess.Popen([tool("MDBUS_TAIL"), "-b", bus_name, "--json", "--from-start",
                          "--count", str(n), "--timeout", "60"], stdout=subprocess.PIPE,
                         text=True)
    c_ids = [json.loads(line)["trade_id"] for line in c.communicate(timeout=90)[0].splitlines()]
    want = [t["trade_id"] for t in src]
    assert c_ids == want
    for p in pys:
        out, _ = p.communicate(timeout=90)
        assert p.returncode == 0 and [int(x) for x in out.split()] == want
    w.stop()


def test_one_reader_one_thread_at_a_time(bus_name, replay):
    replay(bus_name, gen_ticks(3)).wait()
    r = mdbus.open(bus_name).reader()
    th = threading.Thread(target=r.next, kwargs={"timeout": 2.0})
    th.start()
    time.sleep(0.3)                      # th waits inside next(), the GIL released
    try:
        with pytest.raises(RuntimeError):
            r.next(timeout=0)
        with pytest.raises(RuntimeError):
            r.read_batch(10)
    finally:
        th.join()
    assert r.next(timeout=0) is None     # free again
