# SPDX-License-Identifier: MIT
"""Bus.book(): order books written by book_pub (tests/tools/book_pub.c), read
back as exact Decimals and compared with mdbus-book --json."""
import errno
import json
import subprocess
from decimal import Decimal

import pytest

import mdbus
from conftest import tool

D = Decimal


@pytest.fixture
def book_bus(bus_name):
    p = subprocess.Popen([tool("BOOK_PUB"), bus_name], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().startswith("ready pid=")

    def cmd(c):
        p.stdin.write(c + "\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "ok"

    yield bus_name, cmd
    p.stdin.close()
    p.wait(timeout=30)
    p.stdout.close()


def book_json(bus, symbol, *args):
    r = subprocess.run([tool("MDBUS_BOOK"), "-b", bus, "--venue", "test", "--json", symbol]
                       + list(args), capture_output=True, text=True, timeout=60)
    return r.returncode, json.loads(r.stdout)


def as_json(d):
    """Bus.book's dict in mdbus-book --json's form: its keys, decimals as strings."""
    keys = ("venue", "symbol", "status", "update_id", "exch_ts", "recv_ts", "bids", "asks")
    out = {k: d[k] for k in keys}
    for side in ("bids", "asks"):
        out[side] = [[format(px, "f"), format(qty, "f")] for px, qty in d[side]]
    return out


def test_book_exact(book_bus):
    name, _ = book_bus
    bus = mdbus.open(name)
    b = bus.book(("test", "BTC-USDT"))
    assert b == {
        "venue": "test", "symbol": "BTC-USDT", "status": "live", "update_id": 123456789,
        "exch_ts": 1765000000123000000, "recv_ts": 1765000000124500000,
        "bids": [[D("65000.12"), D("0.5")], [D("65000.1"), D("1.25")], [D("64999"), D("3")],
                 [D("64998.5"), D("0.00000001")]],
        "asks": [[D("65000.13"), D("0.00012345")], [D("65001"), D("2")],
                 [D("65010.5"), D("10")]],
        "version": b["version"], "resyncs": 2, "checksum_fails": 1, "depth": 20}
    assert b["version"] >= 1
    assert all(isinstance(x, Decimal) for lv in b["bids"] + b["asks"] for x in lv)
    # exact: the digits and exponent of the string, never a float's
    assert b["bids"][3][1].as_tuple() == D("0.00000001").as_tuple()
    assert b["asks"][2][0].as_tuple() == D("65010.5").as_tuple()
    rc, doc = book_json(name, "BTC-USDT")
    assert rc == 0 and as_json(b) == doc


def test_book_ways_to_name_it_and_depth(book_bus):
    name, _ = book_bus
    bus = mdbus.open(name)
    btc = [i for i in bus.instruments() if i.symbol == "BTC-USDT"][0]
    full = bus.book(btc, depth=0)
    assert bus.book(btc.id, depth=0) == full
    assert bus.book(("test", "BTCUSDT"), depth=0) == full  # the venue's own symbol
    two = bus.book(btc, depth=2)
    assert two["bids"] == full["bids"][:2] and two["asks"] == full["asks"][:2]
    assert len(bus.book(btc)["bids"]) == 4  # default depth 10 > the 4 levels there
    rc, doc = book_json(name, "BTC-USDT", "--depth", "2")
    assert as_json(two) == doc


def test_book_statuses(book_bus):
    name, cmd = book_bus
    bus = mdbus.open(name)
    eth = bus.book(("test", "ETH-USDT"))
    assert eth["status"] == "resyncing" and eth["exch_ts"] is None and eth["update_id"] == 77
    assert eth["bids"] == [[D("3000.5"), D("1.5")]] and eth["asks"] == [[D("3001"), D("0.25")]]
    sol = bus.book(("test", "SOL-USDT"))
    assert sol["status"] == "empty" and sol["bids"] == [] and sol["asks"] == []
    for code, status in ((3, "stale"), (4, "down"), (5, "rest"), (1, "live")):
        cmd("status %d" % code)
        assert bus.book(("test", "BTC-USDT"))["status"] == status
    v = bus.book(("test", "BTC-USDT"))["version"]
    cmd("bump")
    b = bus.book(("test", "BTC-USDT"))
    assert b["version"] > v and b["update_id"] == 123456790
    assert b["bids"][0] == [D("65000.12"), D("0.50000001")]


def test_book_errors(book_bus):
    name, _ = book_bus
    bus = mdbus.open(name)
    with pytest.raises(mdbus.Error) as e:
        bus.book(("test", "XRP-USDT"))  # an instrument without a book
    assert e.value.errno == errno.ENOENT
    with pytest.raises(mdbus.Error) as e:
        bus.book(("test", "DOGE-USDT"))
    assert e.value.errno == errno.ENOENT
    with pytest.raises(mdbus.Error):
        bus.book(999)
    with pytest.raises(TypeError):
        bus.book("BTC-USDT")
    with pytest.raises(ValueError):
        bus.book(("test", "BTC-USDT"), depth=1001)
