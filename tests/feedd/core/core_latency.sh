#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# core_latency.sh FEEDD BUSREAD WSSERVER: feedd's latency options against a
# local TLS WebSocket server (wsserver.py):
#   idle = busy + cpu = N: live data on the bus, the loop pinned to CPU N,
#     a reload changing idle refused by name, SIGTERM honoured within
#     shutdown_timeout, and the shutdown deadline
#     itself (a peer that never answers our close) still fires while the
#     loop spins;
#   sqpoll = on (+ cpu): live data, the kernel's submission thread is a
#     task of feedd while it runs and is gone with it.
# Exit 0 pass, 1 fail, 77 only when the kernel refuses SQPOLL (feedd says
# so in its log and runs without it: the SQPOLL part cannot be checked).
set -u
FEEDD=$1 BUSREAD=$2 WSSERVER=$3
T=$(mktemp -d /tmp/feedd-core-latency.XXXXXX)
BUS=core-lat-$$
SRV=
fail() { echo "FAIL: $*"; [ -n "${LOG:-}" ] && [ -f "$LOG" ] && sed 's/^/  | /' "$LOG" | tail -40; exit 1; }
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	[ -n "${PID:-}" ] && kill -KILL "$PID" 2>/dev/null
	rm -rf "$T"
	rm -f /dev/shm/mdbus-$BUS-* 2>/dev/null
}
trap cleanup EXIT

# shellcheck source=wsserver.sh
. "$(dirname "$0")/wsserver.sh"
make_cert

config() { # $1 = name, $2 = shutdown_timeout, rest = extra [feed] lines
	local name=$1 st=$2
	shift 2
	{
		printf '[bus]\nname = %s-%s\nslots = 4096\n' "$BUS" "$name"
		printf '[feed]\nshutdown_timeout = %s\nca_file = %s\n' "$st" "$T/cert.pem"
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '[session s1]\nvenue = binance\nurl = wss://localhost:%s/ws\n' "$PORT"
		printf 'symbols = BTC-USDT, ETH-USDT\nchannels = trades, bbo\n'
	} >"$T/$name.ini"
}

# start NAME: feedd in the background (PID, LOG), back once the session is LIVE.
start() {
	LOG=$T/$1.log
	"$FEEDD" -c "$T/$1.ini" 2>"$LOG" &
	PID=$!
	for _ in $(seq 200); do
		grep -q "state=LIVE event=state from=SUBSCRIBING" "$LOG" && return
		kill -0 "$PID" 2>/dev/null || fail "$CASE: feedd exited"
		sleep 0.05
	done
	fail "$CASE: not LIVE within 10 s"
}
# stop SIGNAL: signal, wait; RC and WAITED_MS.
stop() {
	local t0=$(date +%s%N)
	kill -"$1" "$PID"
	wait "$PID"
	RC=$?
	WAITED_MS=$((($(date +%s%N) - t0) / 1000000))
	PID=
	grep -q "runtime error\|Sanitizer" "$LOG" && fail "$CASE: sanitizer report"
	grep -q "event=exit_fds fds=\([0-9]*\) start_fds=\1 " "$LOG" || fail "$CASE: fds left open"
}
expect_log() { grep -qF -- "$1" "$LOG" || fail "$CASE: log lacks '$1'"; }
field() { echo "$SUM" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
# The first CPU this shell may run on (Cpus_allowed_list: "0-1", "2,5-7").
CPU=$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status | cut -d, -f1 | cut -d- -f1)
[ -n "$CPU" ] || fail "no Cpus_allowed_list in /proc/self/status"

# ---- idle = busy, cpu = N: data, pinned, prompt shutdown ------------------------------
CASE=busy
start_server
config busy 2s "cpu = $CPU" "idle = busy"
start busy
sleep 1
[ "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/$PID/status)" = "$CPU" ] ||
	fail "$CASE: loop not pinned to CPU $CPU: $(grep Cpus_allowed_list /proc/$PID/status)"
# Fixed at start: a reload that changes idle is refused by name, the loop spins on.
sed -i 's/^idle = busy$/idle = sleep/' "$T/busy.ini"
kill -HUP "$PID"
for _ in $(seq 100); do
	grep -q "event=reload_refused" "$LOG" && break
	sleep 0.05
done
expect_log "event=reload_refused file=$T/busy.ini section=feed key=idle"
stop TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC, want 0"
# A loaded machine gets slack, but a loop that missed the signal would take
# the whole deadline (2 s) and then report shutdown_deadline.
[ "$WAITED_MS" -lt 2000 ] || fail "$CASE: shutdown took $WAITED_MS ms (timeout 2 s)"
grep -q "event=shutdown_deadline" "$LOG" && fail "$CASE: the deadline forced a polite close"
expect_log "event=io_uring features="
expect_log "cpu=$CPU idle=busy"
expect_log "session=s1 venue=binance state=STOPPED event=state from=CLOSING"
SUM=$("$BUSREAD" "$BUS-busy" | tr '\n' ' ') || fail "$CASE: busread"
echo "busy: $SUM"
[ "$(field trades)" -gt 10 ] && [ "$(field bbo)" -gt 10 ] || fail "$CASE: too few ticks: $SUM"
[ "$(field badtrade)" = 0 ] && [ "$(field badbbo)" = 0 ] || fail "$CASE: wrong values: $SUM"
[ "$(field state)" = 3 ] || fail "$CASE: segment not STOPPED: $SUM"

# ---- idle = busy: the shutdown deadline fires while the loop spins --------------------
CASE=busy-deadline
start_server --ignore-close
config bdl 400ms "idle = busy"
start bdl
stop TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
[ "$WAITED_MS" -ge 300 ] && [ "$WAITED_MS" -lt 2500 ] || fail "$CASE: took $WAITED_MS ms"
expect_log "event=shutdown_deadline effect=forcing"
expect_log "session=s1 venue=binance state=STOPPED event=state from=CLOSING"

# ---- sqpoll = on --------------------------------------------------------------------
CASE=sqpoll
start_server
config sq 2s "cpu = $CPU" "sqpoll = on"
start sq
if grep -q "event=sqpoll_unavailable" "$LOG"; then
	stop TERM
	echo "core_latency: the kernel refuses IORING_SETUP_SQPOLL: the sqpoll case is skipped"
	exit 77
fi
expect_log "features=single_issuer,sqpoll"
sleep 0.5
grep -qx "iou-sqp-$PID" /proc/$PID/task/*/comm ||
	fail "$CASE: no iou-sqp-$PID thread: $(cat /proc/$PID/task/*/comm | tr '\n' ' ')"
SQPID=$PID
stop TERM
[ "$RC" = 0 ] || fail "$CASE: exit $RC"
[ "$WAITED_MS" -lt 2000 ] || fail "$CASE: shutdown took $WAITED_MS ms (timeout 2 s)"
# The kernel thread was feedd's: no task of that name anywhere now.
cat /proc/[0-9]*/task/*/comm 2>/dev/null | grep -qx "iou-sqp-$SQPID" &&
	fail "$CASE: iou-sqp-$SQPID left behind"
SUM=$("$BUSREAD" "$BUS-sq" | tr '\n' ' ') || fail "$CASE: busread"
echo "sqpoll: $SUM"
[ "$(field trades)" -gt 10 ] && [ "$(field bbo)" -gt 10 ] || fail "$CASE: too few ticks: $SUM"
[ "$(field badtrade)" = 0 ] && [ "$(field badbbo)" = 0 ] || fail "$CASE: wrong values: $SUM"

echo "core_latency: ok"
exit 0
