#!/usr/bin/env bash
# The mdbus demo: one exchange simulator process (mdbus-sim, TLS WebSocket)
# speaks several venues on several ports, each in its own dialect; feedd runs
# one session per venue and publishes normalized ticks on one shared-memory
# bus that mdbus-tail prints, the same BTC-USDT from every venue side by side.
# Halfway through, the simulator resets one venue's connection: feedd logs the
# error, backs off, reconnects, resubscribes, and that venue's ticks flow
# again (the first ones flagged "gap") while the others never stop. mdbus-top
# then shows every session and instrument; everything stops cleanly with SIGTERM.
#
#   bash scripts/demo.sh            (as root on a fresh Debian 12: installs packages)
#   DEMO_SECONDS=20 bash scripts/demo.sh    ticks shown before the reset (default 10)
#   DEMO_VENUES="binance okx" ...           the venues (default: eight of them)
#   DEMO_BUILD=build-x                      build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${DEMO_SECONDS:-10}
read -r -a VENUES <<<"${DEMO_VENUES:-binance coinbase kraken okx bybit gateio bingx mexc}"
RESET=$((${#VENUES[@]} > 1 ? 1 : 0)) # the listener (venue index) whose connection is reset
BUILD=${DEMO_BUILD:-build}
AFTER=$(( SECS / 2 > 3 ? SECS / 2 : 3 ))

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "packages (scripts/setup-debian.sh)"
bash scripts/setup-debian.sh
say "build ($BUILD)"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
if ! ninja -C "$BUILD" >"$BUILD/demo-ninja.log" 2>&1; then
	tail -30 "$BUILD/demo-ninja.log" >&2
	echo "demo: build failed (full log: $BUILD/demo-ninja.log)" >&2
	exit 1
fi

SIM=$BUILD/tools/sim/mdbus-sim
FEEDD=$BUILD/feedd/feedd
TAIL=$BUILD/tools/tail/mdbus-tail
TOP=$BUILD/tools/top/mdbus-top
BOOK=$BUILD/tools/book/mdbus-book
for p in "$SIM" "$FEEDD" "$TAIL"; do
	[ -x "$p" ] || { echo "demo: $p was not built" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/mdbus-demo.XXXXXX)
bus="demo-$$"
sim_pid="" feedd_pid="" tail_pid=""
cleanup() {
	# only the processes this script started, by pid
	for p in $tail_pid $feedd_pid $sim_pid; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $tail_pid $feedd_pid $sim_pid; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
	rm -f "/dev/shm/mdbus-$bus" "/dev/shm/mdbus-$bus.lock" "/dev/shm/mdbus-$bus.readers"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits up to $2 seconds for a line matching regex $1 in file $3.
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -qE "$1" "$3" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: timed out waiting for /$1/ in $3" >&2
	return 1
}

say "test certificates (a private CA) in $tmp/certs"
"$SIM" --make-certs "$tmp/certs"

say "mdbus-sim on loopback: ${VENUES[*]}, one port each"
args=()
for v in "${VENUES[@]}"; do args+=(--listen 127.0.0.1:0 --venue "$v"); done
"$SIM" "${args[@]}" --cert "$tmp/certs/server.pem" --key "$tmp/certs/server.key" \
	--control "$tmp/sim.ctl" --rate 5 --ping-interval 5s >"$tmp/sim.out" 2>"$tmp/sim.log" &
sim_pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c '^listening ' "$tmp/sim.out" 2>/dev/null)" -ge "${#VENUES[@]}" ] && break
	sleep 0.1
done
mapfile -t ports < <(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/sim.out")
[ "${#ports[@]}" -eq "${#VENUES[@]}" ] || { echo "demo: the simulator did not listen" >&2; exit 1; }
for i in "${!VENUES[@]}"; do echo "  ${VENUES[$i]}: wss://localhost:${ports[$i]}"; done

cat >"$tmp/feedd.ini" <<EOF
[bus]
name = $bus
slots = 65536

[feed]
shutdown_timeout = 2s
ca_file = $tmp/certs/ca.pem
EOF
# url = scheme, host and port only: each venue keeps its own paths.
# Order books (channel l2) from the venues whose depth the demo shows:
# Binance (REST snapshot + diff stream) and Bybit (snapshot on the stream).
BOOK_VENUE=""
for i in "${!VENUES[@]}"; do
	channels="trades, bbo"
	case ${VENUES[$i]} in
	binance | bybit)
		channels="trades, bbo, l2"
		[ -n "$BOOK_VENUE" ] || BOOK_VENUE=$i
		;;
	esac
	cat >>"$tmp/feedd.ini" <<EOF

[session sim-${VENUES[$i]}]
venue = ${VENUES[$i]}
url = wss://localhost:${ports[$i]}
symbols = BTC-USDT, ETH-USDT
channels = $channels
book_depth = 10
reconnect_initial = 500ms
EOF
done
say "feedd config"
cat "$tmp/feedd.ini"

say "feedd -c feedd.ini (its log is shown with a 'feedd |' prefix)"
: >"$tmp/feedd.log"
# The log goes to a file (to wait on it) and, prefixed, to the terminal; the
# tee/sed pair ends by itself when feedd closes its stderr.
"$FEEDD" -c "$tmp/feedd.ini" 2> >(tee -a "$tmp/feedd.log" | sed -u 's/^/  feedd | /' >&2) &
feedd_pid=$!
for v in "${VENUES[@]}"; do wait_for "session=sim-$v venue=[^ ]+ state=LIVE event=state" 30 "$tmp/feedd.log"; done

say "mdbus-tail --bus $bus --symbol BTC-USDT --kind trade,status for ${SECS}s"
# BTC-USDT trades (and status ticks) of every venue, side by side; the bus
# carries ETH-USDT and the best bid/offer too (mdbus-top below).
TAIL_ARGS=(--bus "$bus" --symbol BTC-USDT --kind trade,status)
"$TAIL" "${TAIL_ARGS[@]}" --timeout "$SECS" || true

say "fault injection: ${VENUES[$RESET]} resets the TCP connection (ticks keep printing:"
echo "   its status down/up ticks and the [\"gap\"] flag on its first ticks after it mark the"
echo "   hole; the other venues never stop)"
"$TAIL" "${TAIL_ARGS[@]}" --timeout "$((AFTER + 1))" &
tail_pid=$!
sleep 1
"$SIM" --ctl "$tmp/sim.ctl" on "$RESET" reset
wait "$tail_pid" || true
tail_pid=""

if [ -n "$BOOK_VENUE" ]; then
	bv=${VENUES[$BOOK_VENUE]}
	say "order books: mdbus-book --venue $bv BTC-USDT (the book feedd keeps in the segment)"
	wait_for "session=sim-$bv venue=[^ ]+ state=[A-Z]+ event=book_live" 30 "$tmp/feedd.log" || true
	"$BOOK" --bus "$bus" --venue "$bv" BTC-USDT --once --depth 5 || true
	say "fault injection: the simulator drops one $bv BTC-USDT depth update; feedd sees the gap,"
	echo "   marks that book resyncing (every other book and all trades keep flowing), fetches a"
	echo "   new snapshot and the book is live again"
	"$SIM" --ctl "$tmp/sim.ctl" on "$BOOK_VENUE" drop_delta BTC-USDT >/dev/null
	wait_for "session=sim-$bv venue=[^ ]+ state=[A-Z]+ event=book_resync" 15 "$tmp/feedd.log" || true
	sleep 2
	echo "mdbus-book --json --depth 3 (exit status 0 = live):"
	"$BOOK" --bus "$bus" --venue "$bv" BTC-USDT --json --depth 3 && echo "exit 0" || echo "exit $?"
fi

say "mdbus-top --once: the watchdog's view (feed heartbeat, every venue's session state and counters, instruments)"
"$TOP" --bus "$bus" --once || true

say "SIGTERM to feedd"
kill -TERM "$feedd_pid"
rc=0
wait "$feedd_pid" || rc=$?
feedd_pid=""
echo "feedd exited with status $rc"
sleep 0.2
say "simulator statistics"
"$SIM" --ctl "$tmp/sim.ctl" stats
say "done"
exit "$rc"
