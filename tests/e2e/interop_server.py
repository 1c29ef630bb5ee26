#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A Binance-spot-compatible TLS WebSocket server built on an implementation
not written here: Debian's python3-websockets (10.4 in Debian 12; its
"legacy" asyncio server, websockets.serve). test_interop.py runs feedd
against it, so feedd meets another library's framing, pings and close
handshake, not just our own simulator's.

usage: /usr/bin/python3 interop_server.py --certs DIR --record FILE [options]
  (Debian's python3 on purpose: a pyenv python does not see dist-packages.)

Prints "listening 127.0.0.1:PORT" on stdout once bound (ephemeral port),
then one stderr line per event:
  conn N: open path=P
  conn N: subscribe id=I streams=a,b    (answered {"result":null,"id":I})
  conn N: closing code=1001             (--close-after, first connection)
  conn N: closed code=C reason=R rcvd=C sent=C clean=0|1 keepalive_pongs=K
          keepalive_timeout=0|1 client_pings=P mid_pings=M mid_pongs=M
          data=D fragmented=F big=B
and appends every data message it finished sending to --record as a JSON
line {"conn","stream","kind","sym","k","frag","big","raw"}: the test compares
the bus with exactly what was sent.

Data come from a deterministic generator (binance_trade / binance_book below,
importable without websockets) with exact 8-decimal strings, including the
edge cases 0.00000001, 99999.99999999 and trailing zeros.
"""
import argparse
import asyncio
import json
import logging
import signal
import ssl
import sys
import zlib

TRADE_ID_BASE = {"BTCUSDT": 1_000_000, "ETHUSDT": 2_000_000, "SOLUSDT": 3_000_000}
PRICE_BASE = {"BTCUSDT": 65_000, "ETHUSDT": 3_500, "SOLUSDT": 150}
SCALE = 10 ** 8


def _mix(x):
    """splitmix64: a fixed, seedable hash (Python's hash() is randomized)."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def _rand(sym, kind, k, salt):
    return _mix(zlib.crc32(f"{sym}/{kind}".encode()) << 32 ^ k << 4 ^ salt)


def dec8(units):
    """Fixed-point units of 1e-8 -> an exact 8-decimal string, as Binance sends."""
    return f"{units // SCALE}.{units % SCALE:08d}"


def binance_trade(sym, k):
    """The k-th trade of sym (dict in Binance's field order)."""
    r1, r2, r3 = (_rand(sym, "trade", k, s) for s in (1, 2, 3))
    price = PRICE_BASE.get(sym, 100) * SCALE + r1 % (50 * SCALE) - 25 * SCALE
    qty = 1 + r2 % (20 * SCALE)
    if k % 13 == 4:
        price = 1  # 0.00000001
    if k % 11 == 7:
        qty = 99_999 * SCALE + 99_999_999  # 99999.99999999
    if k % 7 == 2:
        qty = (qty // SCALE + 1) * SCALE  # "N.00000000": trailing zeros
    t_ms = 1_700_000_000_000 + k * 37 + (r3 % 30)
    return {"e": "trade", "E": t_ms + 1, "s": sym, "t": TRADE_ID_BASE.get(sym, 9_000_000) + k,
            "p": dec8(price), "q": dec8(qty), "T": t_ms, "m": bool(r3 & 0x100), "M": True}


def binance_book(sym, k):
    """The k-th bookTicker of sym; "u" increases with gaps, like Binance's."""
    r1, r2, r3 = (_rand(sym, "book", k, s) for s in (1, 2, 3))
    mid = PRICE_BASE.get(sym, 100) * SCALE + r1 % (50 * SCALE) - 25 * SCALE
    spread = 1 + r2 % 1_000_000
    bq = 1 + r3 % (50 * SCALE)
    aq = 1 + (r3 >> 32) % (50 * SCALE)
    if k % 5 == 3:
        bq = 1
    if k % 9 == 1:
        aq = 150_000_000  # 1.50000000
    return {"u": 400_000_000 + 3 * k + (r2 & 1), "s": sym, "b": dec8(mid - spread),
            "B": dec8(bq), "a": dec8(mid + spread), "A": dec8(aq)}


def dumps(obj):
    # raw UTF-8, not \u escapes: the big messages carry non-ASCII text
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def message(sym, kind, k, big=0):
    """The exact text sent for (sym, kind, k); big > 0 appends an unknown
    field of that many bytes (a multi-frame, multi-buffer message)."""
    obj = binance_trade(sym, k) if kind == "trade" else binance_book(sym, k)
    if big:
        # Unknown keys must be skipped (Binance adds fields); raw UTF-8 in them
        # (2-, 3- and 4-byte sequences) must not upset the JSON scanner.
        obj["X"] = "x" * big + " caf\u00e9 \u20ac \U0001f600"
    return dumps(obj)


# ---- the server (needs websockets: imported in main only) --------------------------


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class FrameCounter(logging.Handler):
    """Counts websockets' own debug records per connection: frames read
    ("< PING ..."), keepalive pongs and keepalive timeouts. The protocol's
    LoggerAdapter puts the connection in record.websocket."""

    def __init__(self, conns):
        super().__init__(logging.DEBUG)
        self.conns = conns

    def emit(self, record):
        msg = record.getMessage()
        if record.levelno >= logging.WARNING:
            # the library's own complaints (handler crashed, keepalive failed...)
            exc = ""
            if record.exc_info:
                exc = " | " + logging.Formatter().formatException(record.exc_info).replace(
                    "\n", " | ")
            log(f"websockets {record.levelname}: {msg}{exc}")
        c = self.conns.get(id(getattr(record, "websocket", None)))
        if c is None:
            return
        if msg.startswith("< PING"):
            c.client_pings += 1
        elif msg.startswith("% received keepalive pong"):
            c.keepalive_pongs += 1
        elif "timed out waiting for keepalive pong" in msg:
            c.keepalive_timeout = 1


class Conn:
    def __init__(self, n, ws):
        self.n = n
        self.ws = ws
        self.streams = []  # in subscription order
        self.client_pings = 0
        self.keepalive_pongs = 0
        self.keepalive_timeout = 0
        self.mid_pings = 0
        self.mid_pongs = 0
        self.empty_ping = False  # websockets allows one pending ping per payload
        self.dropped_pings = 0
        self.unsolicited_pongs = 0
        self.data = 0
        self.fragmented = 0
        self.big = 0
        self.closing = False


class Server:
    def __init__(self, args, websockets):
        self.args = args
        self.websockets = websockets
        self.known = set(s.strip() for s in args.symbols.split(",") if s.strip())
        self.next_k = {}  # (sym, kind) -> next index: continues across connections
        self.total = 0
        self.nconn = 0
        self.conns = {}
        self.record = open(args.record, "a", buffering=1, encoding="utf-8")
        self.nbig = 0
        lg = logging.getLogger("websockets")
        lg.setLevel(logging.DEBUG)
        lg.propagate = False
        lg.addHandler(FrameCounter(self.conns))

    # -- requests --

    async def on_request(self, c, raw):
        try:
            req = json.loads(raw)
            method, rid = req["method"], req["id"]
            params = req.get("params", [])
        except (ValueError, KeyError, TypeError):
            log(f"conn {c.n}: bad request {raw[:200]!r}")
            await c.ws.send(dumps({"error": {"code": 3, "msg": "Invalid JSON"}, "id": None}))
            return
        if method == "SUBSCRIBE":
            bad = [s for s in params if not self.valid_stream(s)]
            if bad:
                log(f"conn {c.n}: subscribe id={rid} rejected={','.join(bad)}")
                await c.ws.send(dumps({"error": {"code": 2, "msg": f"Invalid symbol: {bad[0]}"},
                                       "id": rid}))
                return
            for s in params:
                if s not in c.streams:
                    c.streams.append(s)
            log(f"conn {c.n}: subscribe id={rid} streams={','.join(params)}")
            await c.ws.send(dumps({"result": None, "id": rid}))
        elif method == "UNSUBSCRIBE":
            c.streams = [s for s in c.streams if s not in params]
            await c.ws.send(dumps({"result": None, "id": rid}))
        elif method == "LIST_SUBSCRIPTIONS":
            await c.ws.send(dumps({"result": list(c.streams), "id": rid}))
        else:
            log(f"conn {c.n}: unknown method {method!r}")
            await c.ws.send(dumps({"error": {"code": 1, "msg": "Unknown method"}, "id": rid}))

    def valid_stream(self, s):
        sym, _, kind = s.partition("@")
        return sym == sym.lower() and sym.upper() in self.known and kind in ("trade",
                                                                              "bookTicker")

    # -- data --

    async def pieces(self, c, text, size):
        """Fragments of text for ws.send(async iterator): websockets sends
        them as TEXT(fin=0), CONT..., and an empty CONT(fin=1). A ping of ours
        goes out between the first and second fragment (control frames may
        be interleaved, RFC 6455 5.4) and must be answered in the middle of
        the message."""
        for i in range(0, len(text), size):
            yield text[i:i + size]
            if i == 0 and self.args.mid_ping:
                # payloads of 125 (the maximum), 0 and a few bytes
                m = c.mid_pings
                if m % 3 == 2 and not c.empty_ping:
                    data, c.empty_ping = b"", True
                elif m % 3 == 0:
                    data = f"mid-{c.n}-{m}-".encode().ljust(125, b"p")
                else:
                    data = f"mid-{c.n}-{m}".encode()
                waiter = await c.ws.ping(data)
                c.mid_pings += 1
                asyncio.get_running_loop().create_task(self.count_pong(c, waiter, data))

    async def count_pong(self, c, waiter, data):
        try:
            await asyncio.wait_for(waiter, 5)
            c.mid_pongs += 1
        except (asyncio.TimeoutError, asyncio.CancelledError, self.websockets.ConnectionClosed):
            pass
        finally:
            if not data:
                c.empty_ping = False

    async def send_one(self, c, stream):
        sym_l, _, ch = stream.partition("@")
        sym, kind = sym_l.upper(), ("trade" if ch == "trade" else "book")
        key = (sym, kind)
        k = self.next_k.get(key, 0)
        self.next_k[key] = k + 1
        self.total += 1
        big = self.args.big if self.args.big_every and self.total % self.args.big_every == 0 \
            else 0
        text = message(sym, kind, k, big)
        if c.ws.path.startswith("/stream"):
            text = f'{{"stream":"{stream}","data":{text}}}'
        frag = bool(self.args.fragment_every and self.total % self.args.fragment_every == 0)
        if big:
            # alternately one frame over 64 KiB (64-bit length) and 6 KB fragments
            self.nbig += 1
            frag = self.nbig % 2 == 0
        if frag:
            size = self.args.big_frag if big else self.args.frag_size
            await c.ws.send(self.pieces(c, text, size))
        else:
            await c.ws.send(text)
        c.data += 1
        c.fragmented += frag
        c.big += bool(big)
        self.record.write(dumps({"conn": c.n, "stream": stream, "kind": kind, "sym": sym, "k": k,
                                 "frag": frag, "big": big, "raw": text}) + "\n")

    async def sender(self, c):
        while not c.closing:
            await asyncio.sleep(self.args.interval_ms / 1000)
            for stream in list(c.streams):
                if c.closing or (self.args.max_data and self.total >= self.args.max_data):
                    break
                await self.send_one(c, stream)
                if self.total == self.args.max_data:
                    log(f"data done total={self.total}")

    async def heartbeat(self, c):
        while not c.closing:
            await asyncio.sleep(self.args.unsolicited_pong / 1000)
            await c.ws.heartbeat(f"heartbeat-{c.unsolicited_pongs}".encode())
            c.unsolicited_pongs += 1

    async def closer(self, c, sender):
        await asyncio.sleep(self.args.close_after)
        # Let the sender finish the message in flight: cancelling it in the
        # middle of a fragmented message would fail the connection (1011).
        c.closing = True
        try:
            await sender
        except (asyncio.CancelledError, self.websockets.ConnectionClosed):
            pass
        log(f"conn {c.n}: closing code=1001")
        await c.ws.close(code=1001, reason="going away")

    # -- connections --

    async def handler(self, ws):
        self.nconn += 1
        c = Conn(self.nconn, ws)
        self.conns[id(ws)] = c
        log(f"conn {c.n}: open path={ws.path}")
        sender = asyncio.get_running_loop().create_task(self.sender(c))
        closer = None
        heartbeat = None
        if self.args.unsolicited_pong:
            heartbeat = asyncio.get_running_loop().create_task(self.heartbeat(c))
        if self.args.close_after and c.n == 1:
            closer = asyncio.get_running_loop().create_task(self.closer(c, sender))
        try:
            async for raw in ws:
                if isinstance(raw, bytes):
                    log(f"conn {c.n}: unexpected binary message ({len(raw)} bytes)")
                    continue
                await self.on_request(c, raw)
        except self.websockets.ConnectionClosed:
            pass
        finally:
            if closer is not None and not c.closing:
                closer.cancel()
            if closer is not None:
                try:
                    await closer  # it owns the close handshake: do not cancel it halfway
                except (asyncio.CancelledError, self.websockets.ConnectionClosed):
                    pass
            elif not sender.done():
                sender.cancel()
            if heartbeat is not None:
                heartbeat.cancel()
                try:
                    await heartbeat
                except (asyncio.CancelledError, self.websockets.ConnectionClosed):
                    pass
            try:
                await sender
            except (asyncio.CancelledError, self.websockets.ConnectionClosed):
                pass
            await ws.wait_closed()
            rc, sc = ws.close_rcvd, ws.close_sent
            log(f"conn {c.n}: closed code={ws.close_code} reason={ws.close_reason!r} "
                f"rcvd={rc.code if rc else None} sent={sc.code if sc else None} "
                f"clean={int(rc is not None and sc is not None)} "
                f"keepalive_pongs={c.keepalive_pongs} keepalive_timeout={c.keepalive_timeout} "
                f"client_pings={c.client_pings} mid_pings={c.mid_pings} "
                f"mid_pongs={c.mid_pongs} data={c.data} fragmented={c.fragmented} big={c.big} "
                f"dropped_pings={c.dropped_pings} unsolicited_pongs={c.unsolicited_pongs}")
            del self.conns[id(ws)]


def make_protocol(srv, websockets):
    """The library's server protocol, with its automatic pong answer made
    optional (--no-pong): it calls self.pong() for every ping it reads."""
    base = websockets.legacy.server.WebSocketServerProtocol

    class Protocol(base):
        async def pong(self, data=b""):
            if srv.args.no_pong:
                c = srv.conns.get(id(self))
                if c:
                    c.dropped_pings += 1
                return
            await base.pong(self, data)

        async def heartbeat(self, data):
            await base.pong(self, data)

    return Protocol


async def amain(args, websockets):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{args.certs}/{args.cert}.pem", f"{args.certs}/{args.cert}.key")
    srv = Server(args, websockets)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(srv.handler, "127.0.0.1", 0, ssl=ctx,
                                create_protocol=make_protocol(srv, websockets),
                                ping_interval=args.ping_interval or None,
                                ping_timeout=args.ping_timeout or None,
                                close_timeout=args.close_timeout,
                                max_size=1 << 16) as server:
        port = server.sockets[0].getsockname()[1]
        log(f"websockets {websockets.__version__} on python {sys.version.split()[0]}")
        print(f"listening 127.0.0.1:{port}", flush=True)
        await stop
    log("stopped")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--certs", required=True, help="directory from mdbus-sim --make-certs")
    ap.add_argument("--cert", default="server", help="certificate name in --certs")
    ap.add_argument("--record", required=True, help="JSON lines of every data message sent")
    ap.add_argument("--symbols", default="BTCUSDT,ETHUSDT", help="symbols that exist")
    ap.add_argument("--interval-ms", type=float, default=50, help="one message per stream every")
    ap.add_argument("--ping-interval", type=float, default=1.0, help="keepalive ping every S")
    ap.add_argument("--ping-timeout", type=float, default=1.0,
                    help="close (1011) if a keepalive pong is S late")
    ap.add_argument("--close-timeout", type=float, default=3.0)
    ap.add_argument("--fragment-every", type=int, default=0, help="every Nth message fragmented")
    ap.add_argument("--frag-size", type=int, default=16, help="characters per fragment")
    ap.add_argument("--mid-ping", action="store_true", help="ping between fragments")
    ap.add_argument("--big-every", type=int, default=0,
                    help="every Nth message carries --big unknown bytes (fragmented)")
    ap.add_argument("--big", type=int, default=70000)
    ap.add_argument("--big-frag", type=int, default=6000,
                    help="fragment size of big messages: frames over wslay's 4 KiB buffer")
    ap.add_argument("--no-pong", action="store_true",
                    help="do not answer the client's pings (a half-open peer)")
    ap.add_argument("--unsolicited-pong", type=float, default=0,
                    help="send an unsolicited pong (RFC 6455 5.5.3 heartbeat) every MS")
    ap.add_argument("--max-data", type=int, default=0,
                    help="stop sending data after N messages in all (pings go on)")
    ap.add_argument("--close-after", type=float, default=0,
                    help="close the first connection with 1001 after S seconds")
    args = ap.parse_args()
    try:
        import websockets
        import websockets.legacy.server  # noqa: F401  (websockets.serve in 10.x)
    except ImportError as e:
        log(f"interop_server: {e}: install Debian's python3-websockets and run with "
            f"/usr/bin/python3 (this is {sys.executable})")
        return 2
    asyncio.run(amain(args, websockets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
