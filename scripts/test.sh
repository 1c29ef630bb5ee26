#!/usr/bin/env bash
# Builds mdbus three ways and runs every test:
#   build/       default (-Werror, debugoptimized): suites unit, stress, e2e, valgrind, smoke, lint
#   build-asan/  ASan + UBSan: unit and e2e (stress/smoke too slow, valgrind incompatible,
#                lint needs to run once only)
#   build-tsan/  ThreadSanitizer: suite tsan (ring logic with threads)
#   build-release/  a packager's -Dbuildtype=release (-O3, NDEBUG): suite unit
#   build-plain/    -Dbuildtype=plain with Debian's default CFLAGS: must compile (-Werror)
#   build-fuzz/     clang, libFuzzer, ASan + UBSan: every fuzz target of tests/fuzz for a short
#                   bounded run (scripts/fuzz.sh --smoke; MDBUS_FUZZ_SECONDS, default 15), one
#                   test each
# Ends with one line "N passed, N failed". Exit 0 only if nothing failed.
# MDBUS_TEST_QUICK=1 skips the sanitizer builds (for quick local loops).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/setup-debian.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0

count_results() { # $1 = build dir
	local log="$1/meson-logs/testlog.json"
	[ -f "$log" ] || return 0
	local p f
	p=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(sum(1 for x in r if x["result"] in ("OK","EXPECTEDFAIL")))' "$log")
	f=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(sum(1 for x in r if x["result"] not in ("OK","EXPECTEDFAIL","SKIP")))' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
}

run_build() { # $1 = dir, $2 = meson setup options, rest = meson test args (none: build only)
	local dir="$1" opts="$2"
	shift 2
	echo "== $dir: configure and build"
	if [ ! -f "$dir/build.ninja" ]; then
		# shellcheck disable=SC2086
		meson setup "$dir" $opts >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"; failed=$((failed + 1)); return; }
	fi
	if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
		tail -50 "$dir.ninja.log"
		echo "== $dir: BUILD FAILED"
		failed=$((failed + 1))
		return
	fi
	if [ $# -eq 0 ]; then
		echo "== $dir: build OK"
		passed=$((passed + 1))
		return
	fi
	rm -f "$dir/meson-logs/testlog.json"
	echo "== $dir: test $*"
	meson test -C "$dir" --print-errorlogs "$@"
	count_results "$dir"
}

# Each libFuzzer target counts as one test: PASS, or FAIL on any crash or report.
# A target without a verdict (build failure, script killed) counts as failed.
run_fuzz_smoke() {
	local out rc p f want
	out=$(bash scripts/fuzz.sh --smoke all "${MDBUS_FUZZ_SECONDS:-15}" 2>&1)
	rc=$?
	echo "$out"
	want=$(bash scripts/fuzz.sh --list | wc -l)
	p=$(echo "$out" | grep -c '^fuzz-result .* PASS')
	f=$(echo "$out" | grep -c '^fuzz-result .* FAIL')
	[ $((p + f)) -ge "$want" ] || f=$((want - p))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	passed=$((passed + p))
	failed=$((failed + f))
}

# Any sanitizer report fails the test that produced it: UBSan does not stop by
# default, so make it; ASan's leak checker stays on.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=1"

run_build build "" --no-suite tsan
if [ "${MDBUS_TEST_QUICK:-0}" != 1 ]; then
	run_build build-asan "-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug" \
		--no-suite stress --no-suite valgrind --no-suite tsan --no-suite smoke --no-suite lint
	run_build build-tsan "-Db_sanitize=thread -Db_lundef=false" --suite tsan
	# What a packager builds must compile warning-free and pass the unit tests.
	run_build build-release "-Dbuildtype=release" --suite unit
	CFLAGS="-O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2" \
		run_build build-plain "-Dbuildtype=plain"
	run_fuzz_smoke
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
