#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) in build-fuzz/.
#
#   bash scripts/fuzz.sh [TARGET|all] [SECONDS]     a fuzz session (default: all, 300 s each)
#   bash scripts/fuzz.sh --smoke [TARGET|all] [SECONDS]    what scripts/test.sh runs (10 s each)
#   bash scripts/fuzz.sh --list                      the target names
#   bash scripts/fuzz.sh --build                     configure and build only
#
# A session keeps what it learns: each target's working corpus lives in
# build-fuzz/corpus/TARGET (seeded from tests/fuzz/corpus/TARGET, never written
# back to the repo). --smoke starts from a temporary copy of the seed corpus and
# deletes it afterwards. Every target runs at most SECONDS (-max_total_time), any
# input at most FUZZ_INPUT_TIMEOUT seconds (default 25), in at most 1024 MiB.
# A crash, a sanitizer report, a FUZZ_CHECK, a leak, a timeout or an OOM fails
# the target; its input is kept in build-fuzz/artifacts/ (replay:
# build-fuzz/tests/fuzz/fuzz_TARGET_libfuzzer FILE). One line per target,
# "fuzz-result TARGET PASS|FAIL (...)"; exit 0 only if every target passed.
# FUZZ_JOBS targets run at once (default 2); FUZZ_BUILD picks the build dir.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

TARGETS="upgrade ws binance bingx mexc protobuf venues jsonscan decimal units config reader http rest_parse refdata"
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${FUZZ_JOBS:-2}
INPUT_TIMEOUT=${FUZZ_INPUT_TIMEOUT:-25}

smoke=0
build_only=0
case "${1:-}" in
--build)
	build_only=1
	shift
	;;
--list)
	echo "$TARGETS" | tr ' ' '\n'
	exit 0
	;;
--smoke)
	smoke=1
	shift
	;;
esac
which=${1:-all}
if [ "$smoke" = 1 ]; then secs=${2:-10}; else secs=${2:-300}; fi
[ "$which" = all ] && which=$TARGETS
for t in $which; do
	case " $TARGETS " in
	*" $t "*) ;;
	*)
		echo "fuzz.sh: unknown target '$t' (one of: $TARGETS)" >&2
		exit 2
		;;
	esac
done
case $secs in
'' | *[!0-9]*)
	echo "fuzz.sh: SECONDS must be a whole number" >&2
	exit 2
	;;
esac

# Bus files a target leaves in /dev/shm when it dies (their names carry its pid).
shm_cleanup() {
	local f pid
	for f in /dev/shm/mdbus-fuzz-*; do
		[ -e "$f" ] || continue
		pid=$(basename "$f" | sed -E 's/^mdbus-fuzz-[a-z]+-([0-9]+).*/\1/')
		case $pid in *[!0-9]* | '') continue ;; esac
		kill -0 "$pid" 2>/dev/null || rm -f "$f"
	done
}

echo "== $BUILD: configure and build the libFuzzer targets (clang, ASan + UBSan)"
mkdir -p "$BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		>"$BUILD/fuzz-setup.log" 2>&1 || {
		cat "$BUILD/fuzz-setup.log"
		echo "fuzz-result build FAIL (meson setup)"
		exit 1
	}
fi
if ! ninja -C "$BUILD" fuzz >"$BUILD/fuzz-ninja.log" 2>&1; then
	tail -50 "$BUILD/fuzz-ninja.log"
	echo "fuzz-result build FAIL (ninja)"
	exit 1
fi
[ "$build_only" = 0 ] || exit 0

work=$BUILD/corpus
if [ "$smoke" = 1 ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/mdbus-fuzz.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$BUILD/artifacts" "$BUILD/fuzz-logs"

# Any sanitizer report ends the run with an error (libFuzzer's own checks do).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"

start_target() { # $1 = target; runs in the background, pid in $!
	local t=$1
	rm -f "$BUILD/fuzz-logs/$t.rc"
	mkdir -p "$work/$t"
	cp -n tests/fuzz/corpus/"$t"/* "$work/$t"/ 2>/dev/null
	# The target's exit status goes to a file: `wait` on many pids loses it.
	(
		timeout -k 10 $((secs + INPUT_TIMEOUT + 60)) \
			"$BUILD/tests/fuzz/fuzz_${t}_libfuzzer" -max_total_time="$secs" \
			-timeout="$INPUT_TIMEOUT" -rss_limit_mb=1024 -error_exitcode=1 \
			-timeout_exitcode=1 -print_final_stats=1 \
			-artifact_prefix="$BUILD/artifacts/$t-" "$work/$t" \
			>"$BUILD/fuzz-logs/$t.log" 2>&1
		echo $? >"$BUILD/fuzz-logs/$t.rc"
	) &
}

report() { # $1 = target
	local t=$1 log=$BUILD/fuzz-logs/$1.log rc runs why=""
	rc=$(cat "$BUILD/fuzz-logs/$t.rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ "$rc" = 0 ] || why="exit $rc"
	if grep -qE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|FUZZ_CHECK failed|did not (return|finish)' "$log"; then
		why="${why:+$why, }report in log"
	fi
	[ -n "$runs" ] || why="${why:+$why, }no final stats"
	if [ -z "$why" ]; then
		echo "fuzz-result $t PASS ($runs runs in ${secs}s)"
	else
		grep -E 'ERROR|SUMMARY|runtime error|FUZZ_CHECK|did not|Test unit written|^==' "$log" | head -20
		echo "fuzz-result $t FAIL ($why; log $log)"
		return 1
	fi
}

echo "== fuzzing: ${secs}s per target, $JOBS at a time: $which"
failed=0
running=()
for t in $which; do
	start_target "$t"
	running+=("$t")
	if [ ${#running[@]} -ge "$JOBS" ]; then
		wait
		for r in "${running[@]}"; do report "$r" || failed=$((failed + 1)); done
		running=()
	fi
done
wait
for r in "${running[@]}"; do report "$r" || failed=$((failed + 1)); done
shm_cleanup
[ "$failed" -eq 0 ]
