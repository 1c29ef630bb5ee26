#!/usr/bin/env bash
# Soak: scripts/soak.sh DURATION [OUTDIR]
# Runs the chaos driver (tests/chaos/chaos.py) for DURATION (90s, 10m, 1h)
# with continuous traffic and faults, then writes into OUTDIR (default
# soak-YYYYmmdd-HHMMSS):
#   samples.dat   one line a second: t, feedd VmRSS kB, fds, trades on the
#                 ring, reconnects, max exchange->ring latency (ms) that second
#   summary.json  totals, bounds, the seed and every invariant violation
#   summary.txt   the same for people
#   soak.png      RSS, fd count and reconnects over time (gnuplot)
#   chaos.log     the driver's, simulators' and feedd's log
# Builds build/ if needed. CHAOS_SEED=N replays a run's faults. Exit 0 when
# every invariant held. Not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 DURATION [OUTDIR]   (DURATION: 90s, 10m, 1h)" >&2
	exit 2
fi
dur="$1"
out="${2:-soak-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build feedd/feedd tools/sim/mdbus-sim tools/tail/mdbus-tail tools/top/mdbus-top >/dev/null

export MDBUS_SIM=build/tools/sim/mdbus-sim MDBUS_FEEDD=build/feedd/feedd
export MDBUS_TAIL=build/tools/tail/mdbus-tail MDBUS_TOP=build/tools/top/mdbus-top
export PYTHONDONTWRITEBYTECODE=1

echo "soak: $dur, output in $out (log: $out/chaos.log)"
rc=0
python3 tests/chaos/chaos.py --duration "$dur" --samples "$out/samples.dat" \
	--summary "$out" >"$out/seed.txt" 2>"$out/chaos.log" || rc=$?
cat "$out/seed.txt"

if [ ! -s "$out/summary.json" ]; then
	echo "soak: the driver stopped before its summary (exit $rc); see $out/chaos.log" >&2
	tail -20 "$out/chaos.log" >&2
	exit 1
fi

python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
s = json.load(open(f"{d}/summary.json"))
rows = [l.split() for l in open(f"{d}/samples.dat") if not l.startswith("#")]
fds = [int(r[2]) for r in rows]
lines = [
    f"seed                 {s['seed']} (replay: CHAOS_SEED={s['seed']})",
    f"duration             {s['duration_s']:.0f} s of faults, {s['sessions']} sessions on "
    f"{s['sims']} simulators, {s['rate']} trades/s per symbol",
    f"trades on the ring   {s['trades']}",
    f"faults injected      {s['faults']} ({len(s['injected'])} kinds)",
    f"reconnects           {s['reconnects']} (new connections seen on the ring: "
    f"{s['new_connections']}, gaps flagged: {s['gaps_flagged']})",
    f"recovery             median {s['recovery_s_median']} s, max {s['recovery_s_max']} s "
    f"(bound {s['recovery_bound_s']} s + Retry-After)",
    f"max latency          {s['latency_max_ms']} ms (sim send time T -> feedd recv_ts)",
    f"feedd VmRSS          baseline {s['rss_baseline_kb']} kB, max {s['rss_max_kb']} kB, "
    f"end {s['rss_end_kb']} kB (bound {s['rss_bound_kb']} kB)",
    f"feedd fds            baseline {s['fds_baseline']}, min {min(fds)}, max {max(fds)}, "
    f"end {s['fds_end']}",
    f"SIGTERM              exit {s['sigterm_rc']} after {s['sigterm_exit_s']} s",
    f"violations           {len(s['violations'])}",
] + [f"  {v}" for v in s["violations"]]
open(f"{d}/summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

gnuplot <<EOF
set terminal pngcairo size 1280,900 noenhanced
set output '$out/soak.png'
set multiplot layout 3,1 title 'mdbus soak: feedd under continuous faults ($dur)'
set grid
set xlabel 'time (s)'
set ylabel 'VmRSS (MiB)'
set yrange [0:*]
plot '$out/samples.dat' using 1:(\$2/1024.0) with lines lw 2 title 'feedd VmRSS'
set ylabel 'open fds'
plot '$out/samples.dat' using 1:3 with steps lw 2 title 'feedd fds'
set ylabel 'reconnects'
set y2label 'max latency (ms)'
set y2tics
plot '$out/samples.dat' using 1:5 with lines lw 2 title 'reconnects (total)', \
     '$out/samples.dat' using 1:6 axes x1y2 with impulses lc rgb '#aa8888' title 'max latency per s (ms)'
unset multiplot
EOF
echo "soak: plot $out/soak.png"
exit "$rc"
