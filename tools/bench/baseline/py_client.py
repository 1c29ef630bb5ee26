#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python baseline of `mdbus-bench e2e`: a Binance trade client built the
way cryptofeed and the desks' write-ups build one: asyncio + python3-websockets
(Debian's package), json.loads with Decimal floats, Decimal price and size.

Latency = time.time_ns() when the message was parsed - its trade id (the
simulator's send stamp, mdbus-sim --stamp), for the trades stamped in
[--from, --to); messages parsed while the clock is in [--from, --to) are
"handled" (the bench divides this process's CPU time by them). The latencies
go to --out as native int64 values; one JSON line on stdout:
{"received":N,"handled":N,"done":B,"error":S}. done: a trade stamped at or
after --to arrived before --deadline (the client kept up to the end).
"""
import argparse
import array
import asyncio
import json
import signal
import ssl
import sys
import time
from decimal import Decimal

import websockets


class Client:
    def __init__(self, a):
        self.a = a
        self.lat = array.array("q")
        self.received = 0
        self.handled = 0
        self.done = False
        self.error = ""

    def on_trade(self, msg):
        """What cryptofeed's Binance feed does with a trade, then the timing."""
        t = json.loads(msg, parse_float=Decimal)
        if t.get("e") != "trade":
            return
        trade = {"symbol": t["s"], "side": "sell" if t["m"] else "buy",
                 "amount": Decimal(t["q"]), "price": Decimal(t["p"]), "id": str(t["t"]),
                 "timestamp": t["T"] / 1000.0}
        now = time.time_ns()
        stamp = int(trade["id"])
        if self.a.from_ns <= now < self.a.to:
            self.handled += 1
        if stamp >= self.a.to:
            self.done = True
        elif stamp >= self.a.from_ns:
            self.received += 1
            self.lat.append(now - stamp)

    async def run(self):
        ctx = ssl.create_default_context(cafile=self.a.ca)
        uri = f"wss://localhost:{self.a.port}/ws"
        # close_timeout: leaving must not wait for the closing handshake behind a backlog
        async with websockets.connect(uri, ssl=ctx, max_size=2**20, close_timeout=0.1) as ws:
            params = [f"{s}@trade" for s in self.a.symbols.split(",")]
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": params, "id": 1}))
            async for msg in ws:
                self.on_trade(msg)
                if self.done or time.time_ns() >= self.a.deadline:
                    return


class Stopped(Exception):
    pass


def on_term(signum, frame):
    raise Stopped()  # the bench gave up waiting: report what was read


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--symbols", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--from", dest="from_ns", type=int, required=True)
    p.add_argument("--to", type=int, required=True)
    p.add_argument("--deadline", type=int, required=True)
    a = p.parse_args()
    c = Client(a)
    signal.signal(signal.SIGTERM, on_term)
    try:
        left = max(0.1, (a.deadline - time.time_ns()) / 1e9)
        asyncio.run(asyncio.wait_for(c.run(), timeout=left))
    except (asyncio.TimeoutError, Stopped):
        pass  # still behind at the deadline: done stays false
    except (OSError, websockets.exceptions.WebSocketException) as e:
        c.error = f"{type(e).__name__}: {e}"
    with open(a.out, "wb") as f:
        c.lat.tofile(f)
    print(json.dumps({"received": c.received, "handled": c.handled, "done": c.done,
                      "parse_errors": 0, "error": c.error}), flush=True)
    return 1 if c.error else 0


if __name__ == "__main__":
    sys.exit(main())
