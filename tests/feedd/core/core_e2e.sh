#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# core_e2e.sh FEEDD BUSREAD WSSERVER: feedd core against a local TLS
# WebSocket server (wsserver.py): live data on the bus, reconnect with GAP,
# stale detection, Retry-After + retry limit -> FAILED, TLS verification
# failure, busy bus, shutdown from every kind of state, exit codes, no fd
# left. Exit 0 pass, 1 fail.
set -u
FEEDD=$1 BUSREAD=$2 WSSERVER=$3
T=$(mktemp -d /tmp/feedd-core-e2e.XXXXXX)
BUS=core-e2e-$$
SRV=
fail() { echo "FAIL: $*"; [ -n "${LOG:-}" ] && [ -f "$LOG" ] && sed 's/^/  | /' "$LOG" | tail -40; exit 1; }
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	rm -rf "$T"
	rm -f /dev/shm/mdbus-$BUS-* /dev/shm/mdbus-$BUS-*.lock 2>/dev/null
}
trap cleanup EXIT

# shellcheck source=wsserver.sh
. "$(dirname "$0")/wsserver.sh"
make_cert

config() { # $1 = name, $2 = url, rest = extra session lines
	local name=$1 url=$2
	shift 2
	{
		printf '[bus]\nname = %s-%s\nslots = 4096\n[feed]\nshutdown_timeout = 2s\n' "$BUS" "$name"
		printf 'ca_file = %s\n' "$T/cert.pem"
		printf '[session s1]\nvenue = binance\nurl = %s\n' "$url"
		printf 'symbols = BTC-USDT, ETH-USDT\nchannels = trades, bbo\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/$name.ini"
}

# run NAME SECONDS SIGNAL: runs feedd for SECONDS, sends SIGNAL, sets RC and LOG.
run() {
	LOG=$T/$1.log
	"$FEEDD" -c "$T/$1.ini" 2>"$LOG" &
	local pid=$!
	sleep "$2"
	kill -"$3" "$pid" 2>/dev/null
	local t0=$(date +%s%N)
	wait "$pid"
	RC=$?
	WAITED_MS=$((($(date +%s%N) - t0) / 1000000))
}
expect_log() { grep -qF -- "$1" "$LOG" || fail "$CASE: log lacks '$1'"; }
fds_clean() { # also: no sanitizer report in the log
	local l
	grep -q "runtime error\|Sanitizer\|LeakSanitizer" "$LOG" && fail "$CASE: sanitizer report"
	l=$(grep -o 'event=exit_fds fds=[0-9]* start_fds=[0-9]*' "$LOG") || fail "$CASE: no fd report"
	set -- $(echo "$l" | tr -dc '0-9 ')
	[ "$1" = "$2" ] || fail "$CASE: fds at exit $1 != at start $2"
}
field() { echo "$SUM" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }

# ---- --check ------------------------------------------------------------------
CASE=check
config ok wss://127.0.0.1:1/ws
"$FEEDD" --check "$T/ok.ini" >/dev/null 2>&1 || fail "check: valid config rejected"
printf '[bus]\nname = x\n[session a]\nvenue = binance\nsymbols = BTC-USDT\nbogus = 1\n' >"$T/bad.ini"
"$FEEDD" --check "$T/bad.ini" 2>"$T/bad.err"
[ $? = 1 ] || fail "check: bad config not exit 1"
grep -q "bad.ini:6:" "$T/bad.err" || fail "check: no FILE:LINE in '$(cat "$T/bad.err")'"
"$FEEDD" --version | grep -q "^feedd " || fail "--version"

# ---- live over TLS, SIGTERM --------------------------------------------------------
CASE=live
start_server
config live "wss://localhost:$PORT/ws" "ping_interval = 500ms"
run live 2 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC, want 0"
expect_log "session=s1 venue=binance state=RESOLVING event=state from=DISCONNECTED"
expect_log "session=s1 venue=binance state=TLS_HANDSHAKE event=state from=CONNECTING"
expect_log "session=s1 venue=binance state=LIVE event=state from=SUBSCRIBING"
expect_log "session=s1 venue=binance state=LIVE event=subscribed streams=4 rejected=0"
expect_log "session=s1 venue=binance state=CLOSING event=state from=LIVE error=shutdown reason="
expect_log "session=s1 venue=binance state=STOPPED event=state from=CLOSING"
fds_clean
grep -q "close received" "$T/srv.err" || fail "$CASE: server saw no WebSocket close"
SUM=$("$BUSREAD" "$BUS-live" | tr '\n' ' ') || fail "$CASE: busread"
echo "live: $SUM"
[ "$(field trades)" -gt 10 ] || fail "$CASE: too few trades: $SUM"
[ "$(field bbo)" -gt 10 ] || fail "$CASE: too few bbo: $SUM"
[ "$(field badtrade)" = 0 ] && [ "$(field badbbo)" = 0 ] || fail "$CASE: wrong values: $SUM"
[ "$(field up)" = 2 ] && [ "$(field down)" = 2 ] || fail "$CASE: status ticks: $SUM"
[ "$(field gap)" = 0 ] || fail "$CASE: GAP on a first connection: $SUM"
[ "$(field state)" = 3 ] || fail "$CASE: segment not STOPPED: $SUM"
# The watchdog's last run: feed STOPPED (4), session STOPPED (11), counters.
[ "$(field health)" = 0 ] || fail "$CASE: no health records: $SUM"
[ "$(field feed_state)" = 4 ] && [ "$(field sess_state)" = 11 ] || fail "$CASE: health: $SUM"
[ "$(field hb)" -ge 10 ] || fail "$CASE: watchdog ran too rarely (50 ms period): $SUM"
[ "$(field connects)" = 1 ] && [ "$(field reconnects)" = 0 ] || fail "$CASE: health: $SUM"
[ "$(field sess_ticks)" = $(($(field trades) + $(field bbo))) ] || fail "$CASE: ticks: $SUM"
[ "$(field msgs)" -ge "$(field sess_ticks)" ] || fail "$CASE: messages: $SUM"

# ---- busy bus: a second feedd on the same bus ---------------------------------------
CASE=busy
"$FEEDD" -c "$T/live.ini" 2>"$T/first.log" &
FIRST=$!
sleep 0.7
"$FEEDD" -c "$T/live.ini" 2>"$T/second.log"
RC2=$?
kill -TERM $FIRST
wait $FIRST
[ "$RC2" = 1 ] || fail "$CASE: second feedd exit $RC2, want 1"
grep -q "level=error event=bus_busy bus=$BUS-live writer_pid=$FIRST " "$T/second.log" ||
	fail "$CASE: message: $(cat "$T/second.log")"
# a fatal start-up error is that one line, nothing else
[ "$(wc -l <"$T/second.log")" = 1 ] || fail "$CASE: more than one line: $(cat "$T/second.log")"

# ---- peer drops the connection: reconnect, GAP again, SIGINT in BACKOFF or LIVE -----
CASE=reconnect
start_server --drop-after 20
config rec "wss://127.0.0.1:$PORT/ws" "reconnect_initial = 100ms" "reconnect_max = 300ms"
run rec 3 INT
[ "$RC" = 130 ] || fail "$CASE: exit $RC, want 130"
expect_log "session=s1 venue=binance state=BACKOFF event=state from=LIVE error=tcp reason=\"connection closed by peer"
expect_log "session=s1 venue=binance state=BACKOFF event=reconnect attempt="
fds_clean
SUM=$("$BUSREAD" "$BUS-rec" | tr '\n' ' ') || fail "$CASE: busread"
echo "reconnect: $SUM"
[ "$(field up)" -ge 4 ] || fail "$CASE: want >= 2 UP per instrument: $SUM"
# One GAP-flagged tick per instrument and kind (trade, bbo) per reconnection
# (not the first one).
[ "$(field gap)" -ge 2 ] || fail "$CASE: want a GAP per instrument per reconnection: $SUM"
[ "$(field gap)" -le $((2 * ($(field up) - 2))) ] ||
	fail "$CASE: more GAPs than kinds x reconnections: $SUM"
[ "$(field connects)" = $(($(field up) / 2)) ] || [ "$(field connects)" = $(($(field up) / 2 + 1)) ] ||
	fail "$CASE: connects vs UP statuses: $SUM"
[ "$(field reconnects)" = $(($(field connects) - 1)) ] || fail "$CASE: reconnects: $SUM"

# ---- no data: STALE, then reconnect ----------------------------------------------------
CASE=stale
start_server --silent
config stale "wss://127.0.0.1:$PORT/ws" "stale_timeout = 500ms" "reconnect_initial = 100ms"
run stale 1.6 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
expect_log "session=s1 venue=binance state=STALE event=state from=LIVE error=stale reason=\"no market data for 500 ms\""
expect_log "session=s1 venue=binance state=CLOSING event=state from=STALE error=stale reason="
fds_clean
SUM=$("$BUSREAD" "$BUS-stale")
[ "$(field stale)" -ge 2 ] || fail "$CASE: no STALE status: $SUM"

# ---- 429 + Retry-After, retry limit -> FAILED -------------------------------------------
CASE=failed
start_server --refuse
config failed "wss://127.0.0.1:$PORT/ws" "reconnect_initial = 100ms" "reconnect_max_retries = 1"
run failed 2.5 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
# the refused upgrade still gets our close_notify before the socket closes
expect_log "session=s1 venue=binance state=CLOSING event=state from=WS_HANDSHAKE error=http reason="
expect_log "session=s1 venue=binance state=BACKOFF event=state from=CLOSING"
expect_log "event=retry_after retry_after_ms=1000 http=429"
expect_log "session=s1 venue=binance state=FAILED event=state from=BACKOFF"
expect_log "session=s1 venue=binance state=STOPPED event=state from=FAILED"
fds_clean
d=$(grep -o 'event=reconnect attempt=[0-9]* delay_ms=[0-9]*' "$LOG" | head -1 | sed 's/.*delay_ms=//')
[ "$d" -ge 1000 ] || fail "$CASE: Retry-After not honoured: delay $d"
SUM=$("$BUSREAD" "$BUS-failed")
[ "$(field failed)" = 2 ] && [ "$(field up)" = 0 ] || fail "$CASE: status: $SUM"
[ "$(field trades)" = 0 ] || fail "$CASE: ghost ticks: $SUM"

# ---- certificate not trusted: TLS error, nothing published --------------------------------
CASE=tls
start_server
config tls "wss://localhost:$PORT/ws" "reconnect_initial = 200ms"
# Trust another self-signed certificate: the server's does not verify.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/okey.pem" -out "$T/other.pem" -days 2 \
	-subj "/CN=localhost" >/dev/null 2>&1 || fail "openssl"
sed -i "s|^ca_file = .*|ca_file = $T/other.pem|" "$T/tls.ini"
run tls 1 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
# our TLS alert goes out before the socket closes
expect_log "session=s1 venue=binance state=CLOSING event=state from=TLS_HANDSHAKE error=tls reason="
expect_log "session=s1 venue=binance state=BACKOFF event=state from=CLOSING"
fds_clean
SUM=$("$BUSREAD" "$BUS-tls")
[ "$(field trades)" = 0 ] && [ "$(field up)" = 0 ] || fail "$CASE: ghost data: $SUM"

# ---- shutdown in the middle of a name lookup / connect: prompt --------------------------------
CASE=resolve
config res "wss://feedd-core-test.invalid:9443/ws" "handshake_timeout = 10s"
run res 0.3 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
[ "$WAITED_MS" -lt 2500 ] || fail "$CASE: shutdown took $WAITED_MS ms"
fds_clean

CASE=unreachable
config unr "ws://127.0.0.1:1/ws" "reconnect_initial = 100ms"
run unr 0.5 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
expect_log "session=s1 venue=binance state=BACKOFF event=state from=CONNECTING error=tcp reason=\"connect 127.0.0.1:1: Connection refused\""
fds_clean

# ---- max_lifetime: planned rotation without backoff ------------------------------------
CASE=lifetime
start_server
config life "wss://127.0.0.1:$PORT/ws" "max_lifetime = 700ms"
run life 1.8 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
expect_log "session=s1 venue=binance state=CLOSING event=state from=LIVE error=lifetime reason=\"max_lifetime 700 ms reached\""
expect_log "session=s1 venue=binance state=DISCONNECTED event=state from=CLOSING"
expect_log "session=s1 venue=binance state=RESOLVING event=state from=DISCONNECTED"
grep -q "event=reconnect" "$LOG" && fail "$CASE: a planned rotation backed off"
fds_clean

# ---- peer never answers our close: shutdown deadline, then a second signal --------------
CASE=deadline
start_server --ignore-close
config dl "wss://127.0.0.1:$PORT/ws"
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 400ms/' "$T/dl.ini"
run dl 1 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
[ "$WAITED_MS" -ge 300 ] && [ "$WAITED_MS" -lt 2500 ] || fail "$CASE: took $WAITED_MS ms"
expect_log "session=s1 venue=binance state=CLOSING event=state from=LIVE error=shutdown reason="
expect_log "session=s1 venue=binance state=STOPPED event=state from=CLOSING"
fds_clean

CASE=second-signal
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 10s/' "$T/dl.ini"
LOG=$T/dl2.log
"$FEEDD" -c "$T/dl.ini" 2>"$LOG" &
pid=$!
sleep 1
kill -INT $pid
sleep 0.2
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
RC=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" = 130 ] || fail "$CASE: exit $RC, want 130 (the first signal's)"
[ "$ms" -lt 1000 ] || fail "$CASE: second signal took $ms ms"
expect_log "event=second_signal signal=SIGTERM effect=\"exiting now\""
fds_clean
SUM=$("$BUSREAD" "$BUS-dl")
[ "$(field state)" = 3 ] || fail "$CASE: segment not STOPPED after a forced exit: $SUM"

# ---- global connect rate across sessions ------------------------------------------------
CASE=rate
start_server
config rate "wss://127.0.0.1:$PORT/ws"
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 2s\nconnect_rate = 2\/s/' "$T/rate.ini"
for n in 2 3 4; do
	printf '[session s%d]\nvenue = binance\nurl = wss://127.0.0.1:%s/ws\nsymbols = SOL-USDT\n' $n "$PORT" >>"$T/rate.ini"
done
run rate 2.5 TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
expect_log "event=connect_rate wait_ms="
[ "$(grep -c 'state=LIVE event=state from=SUBSCRIBING' "$LOG")" = 4 ] || fail "$CASE: not all 4 sessions live"
fds_clean

echo "core_e2e: ok"
exit 0
