# SPDX-License-Identifier: MIT
"""Fixtures of the mdbus Python tests: the tools (paths from meson's test
environment), unique bus names, and writers made with mdbus-replay from
generated JSON lines (the mdbus-tail --json format)."""
import itertools
import json
import os
import random
import subprocess
import time

import pytest

import mdbus

_names = itertools.count()


def tool(name):
    path = os.environ.get(name)
    if not path:
        pytest.fail(f"{name} is not set (run through meson test)")
    return path


@pytest.fixture
def bus_name(request):
    name = f"pytest-{os.getpid()}-{next(_names)}"
    yield name
    for suffix in ("", ".lock", ".tmp", ".readers"):
        try:
            os.unlink(f"/dev/shm/mdbus-{name}{suffix}")
        except FileNotFoundError:
            pass


def fmt_dec(m, d):
    """mantissa / 10**d exactly, trailing zeros dropped (mdbus_decimal_format's form)."""
    s = str(abs(m)).rjust(d + 1, "0")
    whole, frac = (s[:-d], s[-d:].rstrip("0")) if d else (s, "")
    return ("-" if m < 0 else "") + whole + ("." + frac if frac else "")


INT64 = (-(1 << 63), (1 << 63) - 1)


def mantissa(rng):
    pick = rng.random()
    if pick < 0.05:
        return rng.choice([INT64[0], INT64[1], 0, 1, -1])
    if pick < 0.5:
        return rng.randrange(-10**6, 10**9)
    return rng.randrange(*INT64)


def gen_ticks(n, seed=1, instruments=6):
    """n JSON-line ticks of every kind over instruments with decimals 0..18."""
    rng = random.Random(seed)
    instr = [(f"venue{i % 3}", f"SYM{i}-USDT", rng.randrange(0, 19), rng.randrange(0, 19))
             for i in range(instruments)]
    out = []
    for k in range(n):
        venue, sym, pd, qd = rng.choice(instr)
        kind = rng.choice(["trade", "bbo", "l2", "status"])
        side = rng.choice(["buy", "sell"])
        t = {"venue": venue, "symbol": sym, "native": sym.replace("-", ""),
             "price_decimals": pd, "qty_decimals": qd, "kind": kind,
             "exch_ts": 1700000000000000000 + k, "recv_ts": 1700000000000500000 + k,
             "flags": [side] if kind in ("trade", "l2") else []}
        if kind == "trade":
            t.update(price=fmt_dec(mantissa(rng), pd), qty=fmt_dec(mantissa(rng), qd),
                     side=side, trade_id=rng.randrange(0, 1 << 63))
        elif kind == "l2":
            t.update(price=fmt_dec(mantissa(rng), pd), qty=fmt_dec(mantissa(rng), qd),
                     side=side, update_id=rng.randrange(0, 1 << 63))
        elif kind == "bbo":
            t.update(bid_px=fmt_dec(mantissa(rng), pd), bid_qty=fmt_dec(mantissa(rng), qd),
                     ask_px=fmt_dec(mantissa(rng), pd), ask_qty=fmt_dec(mantissa(rng), qd))
        else:
            t.update(status=rng.choice(["up", "down", "stale", "failed"]),
                     session=rng.randrange(0, 64), reason=rng.randrange(0, 14))
        out.append(t)
    return out


class Replay:
    """mdbus-replay publishing ticks onto a bus (keeps the segment at exit)."""

    def __init__(self, tmp_path, bus, ticks, *args):
        self.file = tmp_path / f"ticks-{next(_names)}.jsonl"
        self.file.write_text("".join(json.dumps(t) + "\n" for t in ticks))
        self.proc = subprocess.Popen([tool("MDBUS_REPLAY"), "-b", bus, "--keep", *args,
                                      str(self.file)], stderr=subprocess.PIPE, text=True)

    def wait(self, timeout=60):
        _, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err
        return self

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.communicate(timeout=30)


@pytest.fixture
def replay(tmp_path):
    started = []

    def start(bus, ticks, *args):
        r = Replay(tmp_path, bus, ticks, *args)
        started.append(r)
        return r
    yield start
    for r in started:
        r.stop()


def open_when_ready(bus, timeout=30.0):
    """mdbus.open once the writer has created the bus."""
    end = time.monotonic() + timeout
    while True:
        try:
            return mdbus.open(bus)
        except mdbus.Error as e:
            if time.monotonic() > end or e.errno not in (2, 11):
                raise
            time.sleep(0.01)
