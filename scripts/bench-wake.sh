#!/usr/bin/env bash
# feedd's futex wakes and CPU per loop iteration against mdbus-sim (docs/PERFORMANCE.md, "Issue 12:
# no futex wake while no reader sleeps"). One Binance session, 4 symbols x trades + bbo at RATE
# events/s each, TLS on loopback; with READER=wait an mdbus-tail blocks in mdbus_reader_wait.
# Usage: scripts/bench-wake.sh BUILD_DIR none|wait [SECONDS] [RATE]   (needs perf: linux-perf)
set -euo pipefail
build=$(cd "$1" && pwd)
reader=$2
secs=${3:-10}
rate=${4:-1000}
dir=$(mktemp -d)
bus="wake-$$"
pids=()
finish() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
	rm -f "/dev/shm/mdbus-$bus" "/dev/shm/mdbus-$bus.lock" "/dev/shm/mdbus-$bus.readers"
}
trap finish EXIT
"$build/tools/sim/mdbus-sim" --make-certs "$dir" >/dev/null
"$build/tools/sim/mdbus-sim" --listen 127.0.0.1:0 --cert "$dir/server.pem" --key "$dir/server.key" \
	--rate "$rate" --seed 1 >"$dir/sim.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening' "$dir/sim.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/sim.out")
cat >"$dir/feedd.ini" <<EOC
[bus]
name = $bus
slots = 65536
[feed]
ca_file = $dir/ca.pem
[session sim]
venue = binance
url = wss://localhost:$port/ws
symbols = BTC-USDT, ETH-USDT, SOL-USDT, XRP-USDT
channels = trades, bbo
EOC
"$build/feedd/feedd" -q -c "$dir/feedd.ini" >"$dir/feedd.log" 2>&1 &
feedd=$!
pids+=("$feedd")
sleep 3
if [ "$reader" = wait ]; then
	"$build/tools/tail/mdbus-tail" -b "$bus" >/dev/null 2>&1 &
	pids+=($!)
fi
sleep 1
perf stat -x, -e syscalls:sys_enter_futex -e syscalls:sys_enter_io_uring_enter -e task-clock \
	-p "$feedd" sleep "$secs" 2>"$dir/perf.out"
futex=$(grep sys_enter_futex "$dir/perf.out" | cut -d, -f1)
iters=$(grep sys_enter_io_uring_enter "$dir/perf.out" | cut -d, -f1)
ms=$(grep task-clock "$dir/perf.out" | cut -d, -f1)
awk -v f="$futex" -v i="$iters" -v ms="$ms" -v r="$reader" 'BEGIN {
	printf "reader=%s futex=%d io_uring_enter=%d futex/iteration=%.2f cpu/iteration=%.1fus\n",
		r, f, i, i ? f / i : 0, i ? ms * 1000 / i : 0 }'
