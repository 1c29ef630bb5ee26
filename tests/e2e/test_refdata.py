#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instrument reference data at start-up, end to end.

feedd runs a Binance session whose WebSocket url points at mdbus-sim and
whose rest_url points at a small HTTP server in this script that answers
GET /api/v3/exchangeInfo?symbols=[...] in the documented form (tickSize
0.01, stepSize 0.00001). Then:

  1. source=rest: the log line, the request's query (the symbols as a
     URL-encoded JSON array), the instruments' decimals in the segment
     (2 and 5, read back through mdbus-tail --json) and the cache file;
     a SIGHUP that restarts the session fetches nothing and keeps 2 and 5;
  2. restart with the HTTP server gone (connection refused, at once):
     source=cache, the same decimals;
  3. a REST host that accepts and never answers: the phase ends at
     refdata_timeout (2s here), source=cache;
  4. the cache file cut short: refused with its reason, source=default (the
     venue's 8 and 8), and feedd still runs: ticks flow;
  5. SIGTERM while the phase waits (refdata_timeout 60s): feedd exits 0
     at once.

usage: test_refdata.py refdata|valgrind (the same steps under memcheck)|contract
Paths come from MDBUS_SIM, MDBUS_FEEDD, MDBUS_TAIL.
"""
import http.server
import json
import os
import socket
import stat
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as E  # noqa: E402
from e2elib import check, log  # noqa: E402

SYMS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}


def symbol_doc(native):
    """One symbol of exchangeInfo as Binance's docs print it."""
    return {"symbol": native, "status": "TRADING", "baseAsset": native[:3],
            "baseAssetPrecision": 8, "quoteAsset": "USDT", "quotePrecision": 8,
            "quoteAssetPrecision": 8, "orderTypes": ["LIMIT", "MARKET"],
            "icebergAllowed": True, "isSpotTradingAllowed": True,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.01000000",
                 "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
                {"filterType": "LOT_SIZE", "minQty": "0.00001000",
                 "maxQty": "9000.00000000", "stepSize": "0.00001000"},
                {"filterType": "ICEBERG_PARTS", "limit": 10},
                {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00000000",
                 "maxQty": "100.00000000", "stepSize": "0.00000000"}],
            "permissions": [], "permissionSets": [["SPOT"]]}


class ExchangeInfo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests = []

    def do_GET(self):  # noqa: N802 (the handler's name is fixed)
        ExchangeInfo.requests.append(self.path)
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path != "/api/v3/exchangeInfo" or "symbols" not in q:
            return self.reply(404, {"code": -1, "msg": "not here"})
        try:
            want = json.loads(q["symbols"][0])
        except ValueError:
            return self.reply(400, {"code": -1100, "msg": "bad symbols"})
        doc = {"timezone": "UTC", "serverTime": 1765100000000,
               "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE",
                               "intervalNum": 1, "limit": 6000}],
               "exchangeFilters": [], "symbols": [symbol_doc(s) for s in want]}
        self.reply(200, doc)

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        log("http| " + fmt % args)


def decimals(bus):
    """{symbol: (price_decimals, qty_decimals)} of the ticks on bus."""
    ticks, _ = E.tail_json(bus, 20, count=40)
    out = {}
    for t in ticks:
        if t.get("symbol") in SYMS:
            out[t["symbol"]] = (t["price_decimals"], t["qty_decimals"])
    check(set(out) == set(SYMS), f"no ticks of every symbol: {sorted(out)}")
    return out


WRAP = []  # E.VALGRIND in the valgrind scenario


def run_feedd(cfg, source):
    """feedd until its refdata line says source; returns it (running)."""
    f = E.Feedd(cfg, wrap=WRAP)
    _, m = f.wait(r"session=sim venue=binance state=DISCONNECTED event=refdata "
                  r"source=(\S+) symbols=(\d+) warnings=(\d+)", 30)
    check(m.group(1) == source and m.group(2) == "2",
          f"refdata line: source={m.group(1)} symbols={m.group(2)}, want {source}, 2")
    f.wait(r"event=started\b", 30)
    f.wait(f.state_re("LIVE"), 30)
    return f, int(m.group(3))


def stop(f):
    f.proc.signal(15)
    rc = f.proc.wait(60 if WRAP else 15)
    check(rc == 0, f"feedd exit {rc} on SIGTERM, want 0 (99: a memcheck error)")
    if WRAP:
        fds = E.valgrind_fd_leaks(f.proc)
        check(not fds, f"descriptors left open: {fds}")


def scenario_refdata():
    check(E.TOOLS.have_tail(), f"mdbus-tail not found: {E.TOOLS.tail}")
    d = E.tmpdir("refdata")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--venue", "binance", "--rate", "20"])
    http_srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ExchangeInfo)
    threading.Thread(target=http_srv.serve_forever, daemon=True).start()
    hport = http_srv.server_address[1]
    bus = E.bus_name("refdata")
    cache = os.path.join(d, "cache")
    cfg = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"),
                         feed_extra=f"cache_dir = {cache}\nrefdata_timeout = 10s\n",
                         session_extra=f"rest_url = http://127.0.0.1:{hport}\n",
                         refdata=True)

    # 1. from the venue's REST API
    f, warnings = run_feedd(cfg, "rest")
    check(warnings == 0, f"source=rest: {warnings} warnings")
    check(len(ExchangeInfo.requests) == 1, f"requests: {ExchangeInfo.requests}")
    check(ExchangeInfo.requests[0] ==
          "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D",
          f"request path {ExchangeInfo.requests[0]}")
    got = decimals(bus)
    check(got == {s: (2, 5) for s in SYMS}, f"source=rest: decimals {got}, want 2 and 5")
    path = os.path.join(cache, f"refdata-{bus}-sim.txt")
    check(os.path.isfile(path), f"no cache file {path}: {os.listdir(cache)}")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    check(mode & 0o022 == 0, f"cache file mode {oct(mode)}")
    with open(path) as fh:
        text = fh.read()
    log(f"cache file:\n{text}")
    check(text.startswith("mdbus-refdata 1\nvenue binance\n") and "BTCUSDT" in text and
          text.endswith("end 2\n"), "cache file content")
    # a reload that restarts the session: no refetch, the same scales
    tmp = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"),
                         feed_extra=f"cache_dir = {cache}\nrefdata_timeout = 10s\n",
                         session_extra=f"rest_url = http://127.0.0.1:{hport}\n"
                                       "ping_interval = 5s\n", refdata=True)
    os.replace(tmp, cfg)
    mark = f.proc.count()
    f.proc.signal(1)
    f.wait(r"event=session_added\b", 30, mark)
    f.wait(f.state_re("LIVE"), 30, mark)
    check(not f.proc.find(r"level=error", mark), "an error after the reload")
    check(len(ExchangeInfo.requests) == 1, f"the reload fetched again: {ExchangeInfo.requests}")
    time.sleep(0.5)
    check(decimals(bus) == {s: (2, 5) for s in SYMS}, "decimals after the reload")
    stop(f)

    # 2. no network: the cache
    http_srv.shutdown()
    http_srv.server_close()
    f, warnings = run_feedd(cfg, "cache")
    check(f.proc.find(r"event=refdata_fetch_failed\b"), "no refdata_fetch_failed line")
    got = decimals(bus)
    check(got == {s: (2, 5) for s in SYMS}, f"source=cache: decimals {got}, want 2 and 5")
    stop(f)

    # 3. a host that never answers: the phase's bound, then the cache
    # (the same host and port: the cache is kept per REST host)
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind(("127.0.0.1", hport))
    silent.listen(8)  # never accepted: connections wait in the backlog
    cfg_silent = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"),
                                feed_extra=f"cache_dir = {cache}\nrefdata_timeout = 2s\n",
                                session_extra=f"rest_url = http://127.0.0.1:{hport}\n",
                         refdata=True)
    t0 = time.monotonic()
    f, warnings = run_feedd(cfg_silent, "cache")
    took = time.monotonic() - t0
    check(1.5 < took < 25, f"phase with a silent host took {took:.1f}s, want about 2s")
    check(f.proc.find(r"event=refdata_fetch_failed .*no answer within refdata_timeout"),
          "no timeout reason")
    check(decimals(bus) == {s: (2, 5) for s in SYMS}, "source=cache after a timeout")
    stop(f)

    # 4. a truncated cache: refused, the defaults, feedd runs
    with open(path, "w") as fh:
        fh.write(text[: len(text) // 2])
    f, warnings = run_feedd(cfg_silent, "default")
    refused = f.proc.find(r"event=refdata_cache_refused\b")
    check(refused and "truncated" in refused[0], f"refused line: {refused}")
    got = decimals(bus)
    check(got == {s: (8, 8) for s in SYMS}, f"source=default: decimals {got}, want 8 and 8")
    stop(f)

    # 5. SIGTERM while the phase waits for a silent host
    cfg_long = E.write_config(d, bus, sim.port, os.path.join(d, "ca.pem"),
                              feed_extra=f"cache_dir = {cache}\nrefdata_timeout = 60s\n",
                              session_extra=f"rest_url = http://127.0.0.1:{hport}\n",
                         refdata=True)
    f = E.Feedd(cfg_long, wrap=WRAP)
    time.sleep(4.0 if WRAP else 1.0)
    check(not f.proc.find(r"event=started\b"), "started before the phase ended")
    t0 = time.monotonic()
    stop(f)
    check(time.monotonic() - t0 < (40 if WRAP else 15), "SIGTERM during the phase: not at once")
    check(f.proc.find(r"event=refdata_fetch_failed .*stopped by a signal"), "no signal reason")
    silent.close()


def scenario_valgrind():
    """The same under memcheck: no error, no leak, no descriptor left, the
    phase's REST clients included (a signal while they wait too)."""
    WRAP[:] = E.VALGRIND
    return scenario_refdata()


def scenario_contract():
    """An OKX swap without contract_size: the venue's ctVal (the simulator's
    instruments answer, 0.01) becomes the instrument's contract size; with
    refdata = no the same session is refused at start, naming the symbol."""
    check(E.TOOLS.have_tail(), f"mdbus-tail not found: {E.TOOLS.tail}")
    d = E.tmpdir("refdata-ct")
    E.make_certs(d)
    sim = E.Sim(d, extra=["--venue", "okx", "--rate", "20"])
    bus = E.bus_name("refdata-ct")

    def config(extra):
        p = os.path.join(d, f"feedd-{len(extra)}.ini")
        with open(p, "w") as fh:
            fh.write(f"[bus]\nname = {bus}\nslots = 4096\n\n[feed]\nshutdown_timeout = 2s\n"
                     f"ca_file = {os.path.join(d, 'ca.pem')}\n"
                     f"cache_dir = {os.path.join(d, 'cache')}\n\n"
                     f"[session ok]\nvenue = okx\nurl = wss://localhost:{sim.port}/ws/v5/public\n"
                     f"symbols = BTC-USDT-PERP\nchannels = trades\n{extra}")
        return p

    f = E.Feedd(config(""))
    _, m = f.wait(r"session=ok venue=okx state=DISCONNECTED event=refdata source=(\S+) "
                  r"symbols=1 warnings=(\d+)", 30)
    check(m.group(1) == "rest" and m.group(2) == "0",
          f"refdata source={m.group(1)} warnings={m.group(2)}, want rest, 0")
    f.wait(f.state_re("LIVE"), 30)
    ticks, _ = E.tail_json(bus, 20, count=5)
    got = {(t.get("contract_size"), t.get("qty_unit")) for t in ticks
           if t.get("symbol") == "BTC-USDT-PERP"}
    check(got == {("0.01", "contracts")}, f"contract size and unit on the ticks: {got}")
    stop(f)

    f = E.Feedd(config("refdata = no\n"))
    _, m = f.wait(r"(feedd-\d+\.ini:\d+): symbol 'BTC-USDT-PERP': quantities in contracts need "
                  r"contract_size", 30)
    rc = f.proc.wait(15)
    check(rc != 0, f"feedd started without the contract size: exit {rc} ({m.group(1)})")


SCENARIOS = {"refdata": scenario_refdata, "valgrind": scenario_valgrind,
             "contract": scenario_contract}

if __name__ == "__main__":
    sys.exit(E.main(SCENARIOS, sys.argv))
