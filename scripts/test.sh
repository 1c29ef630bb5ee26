#!/usr/bin/env bash
# Builds mdbus five ways and runs every test:
#   build/       default (-Werror, debugoptimized): every suite but tsan and chaos (unit,
#                stress, e2e, venue-one, valgrind, smoke, lint, systemd, python, exporter),
#                without the e2e tests listed in tests/e2e/asan.list
#   build-asan/  ASan + UBSan: unit (but tools-cli), systemd, exporter, and the e2e tests of tests/e2e/asan.list
#                (chaos among them): each e2e test runs once per CI run, in one tree or the
#                other; the Python module is not built here (an instrumented extension cannot
#                load into the system python)
#   build-tsan/  ThreadSanitizer: suite tsan (ring and health seqlocks with threads); only the
#                tsan tests' targets are built
#   build-release/  a packager's build: -Dbuildtype=release (-O3, NDEBUG) with Debian's hardening
#                   CFLAGS (-fstack-protector-strong, _FORTIFY_SOURCE=2, format-security): suite unit
#   build-fuzz/     clang, libFuzzer, ASan + UBSan: every fuzz target of tests/fuzz for a short
#                   bounded run (scripts/fuzz.sh --smoke; MDBUS_FUZZ_SECONDS, default 5), one
#                   test each
# Ends with one line "N passed, N failed". Exit 0 only if nothing failed.
# MDBUS_TEST_QUICK=1 skips the sanitizer, release and fuzz builds (quick local loops).
#
# Time: the end-to-end tests mostly wait on timers, so build/'s and build-asan's suites run side
# by side (each still one non-parallel test at a time), and the CPU-bound work (compiling the
# other three trees, clang-tidy, the TSan and release unit runs, fuzzing) runs beside them at
# nice 19, where it barely delays a test's processes (clang-tidy gets three times its timeout
# there). The chaos suite runs in the ASan build only: the same invariants, plus memory errors
# and leaks.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/setup-debian.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
quick=${MDBUS_TEST_QUICK:-0}
logs=build-logs
rm -rf "$logs"
mkdir -p "$logs"

count_results() { # $1 = a meson test log (testlog.json or --logbase NAME.json)
	local log=$1 p f
	[ -f "$log" ] || return 0
	p=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(sum(1 for x in r if x["result"] in ("OK","EXPECTEDFAIL")))' "$log")
	f=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(sum(1 for x in r if x["result"] not in ("OK","EXPECTEDFAIL","SKIP")))' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
}

build() { # $1 = dir, $2 = meson setup options, rest = ninja targets (none: all). 0 or 1.
	local dir="$1" opts="$2"
	shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		# shellcheck disable=SC2086
		meson setup "$dir" $opts >"$logs/$dir.setup.log" 2>&1 || {
			cat "$logs/$dir.setup.log"; echo "== $dir: CONFIGURE FAILED"; return 1; }
	fi
	if ! ninja -C "$dir" "$@" >"$logs/$dir.ninja.log" 2>&1; then
		tail -50 "$logs/$dir.ninja.log"
		echo "== $dir: BUILD FAILED"
		return 1
	fi
	echo "== $dir: build OK"
}

# The four other trees, built at nice 19 while build/'s tests run. Verdicts in
# $logs/DIR.built (0 = built).
build_others() {
	local d
	build build-asan "-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug"
	echo $? >"$logs/build-asan.built"
	build build-tsan "-Db_sanitize=thread -Db_lundef=false" tests/bus/test_tsan \
		tests/health/test_health_torn tests/bus/test_wake_stress
	echo $? >"$logs/build-tsan.built"
	# What a packager builds must compile warning-free and pass the unit tests: a release
	# build (-O3, NDEBUG) with Debian's hardening flags (dpkg-buildflags, minus its -O2).
	CFLAGS="-g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security" \
		build build-release "-Dbuildtype=release"
	echo $? >"$logs/build-release.built"
	bash scripts/fuzz.sh --build >"$logs/build-fuzz.log" 2>&1
	d=$?
	[ "$d" = 0 ] || cat "$logs/build-fuzz.log"
	echo $d >"$logs/build-fuzz.built"
}

built() { # $1 = dir: did build_others build it? Counts a failed build once.
	local rc
	rc=$(cat "$logs/$1.built" 2>/dev/null || echo 1)
	[ "$rc" = 0 ] && return 0
	failed=$((failed + 1))
	return 1
}

# Each libFuzzer target counts as one test: PASS, or FAIL on any crash or report.
# A target without a verdict (build failure, script killed) counts as failed.
fuzz_counts() { # $1 = the output of scripts/fuzz.sh --smoke, $2 = its exit status
	local out rc=$2 p f want
	out=$(cat "$1")
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

echo "== build: configure and build"
if ! build build ""; then
	echo "0 passed, 1 failed"
	exit 1
fi

if [ "$quick" = 1 ]; then
	echo "== build: test (quick: this build only)"
	meson test -C build --no-rebuild --print-errorlogs --no-suite tsan
	count_results build/meson-logs/testlog.json
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

# Two test streams run side by side, each one test at a time for its non-parallel tests:
# build/'s and, once its tree is built, build-asan's (their logs in build-logs/, printed at
# the end). Beside them, one chain at nice 19: the other trees (build-asan first), clang-tidy,
# the TSan and release unit runs and fuzzing. Every verdict is counted once all are done.
background() {
	local lint
	# clang-tidy needs only build/ (built): it starts now, beside the other trees' builds,
	# so that the longest job of the chain is not also its last.
	nice -n 19 meson test -C build --no-rebuild --print-errorlogs --suite lint --logbase lint -t 3 \
		>"$logs/lint.log" 2>&1 &
	lint=$!
	nice -n 19 bash -c "$(declare -f build build_others); logs=$logs; build_others" \
		>"$logs/others.log" 2>&1
	[ "$(cat "$logs/build-tsan.built")" = 0 ] &&
		nice -n 19 meson test -C build-tsan --no-rebuild --print-errorlogs --suite tsan \
			>"$logs/tsan.log" 2>&1
	[ "$(cat "$logs/build-release.built")" = 0 ] &&
		nice -n 19 meson test -C build-release --no-rebuild --print-errorlogs --suite unit \
			>"$logs/release.log" 2>&1
	if [ "$(cat "$logs/build-fuzz.built")" = 0 ]; then
		nice -n 19 bash scripts/fuzz.sh --smoke all "${MDBUS_FUZZ_SECONDS:-5}" >"$logs/fuzz.log" 2>&1
		echo $? >"$logs/fuzz.rc"
	fi
	wait "$lint"
}
background &
bg=$!

# The test names of tree $1 to run: with $2 = plain, every test but suites tsan, lint and
# chaos and the names in tests/e2e/asan.list; with $2 = asan, those names only; with
# $2 = rest, build-asan's other tests: suites unit, systemd and exporter, but tools-cli
# (a hundred short tool runs, each paying the sanitizer runtime's start: 72 s against 7 s
# in build/; the tools' memory is checked by tools-valgrind and their runs under ASan in the
# e2e tests).
tests_of() {
	meson introspect --tests "$1" | python3 -c '
import json, sys
names = {l.strip() for l in open("tests/e2e/asan.list") if l.strip() and not l.startswith("#")}
tests = json.load(sys.stdin)
known = {t["name"] for t in tests}
miss = sorted(names - known)
if miss:
    sys.exit("tests/e2e/asan.list: no such test: " + ", ".join(miss))
for t in tests:
    suites = {s.split(":")[-1] for s in t["suite"]}
    if sys.argv[1] == "asan":
        ok = t["name"] in names
    elif sys.argv[1] == "rest":
        ok = bool(suites & {"unit", "systemd", "exporter"}) and t["name"] != "tools-cli"
    else:
        ok = t["name"] not in names and not suites & {"tsan", "lint", "chaos"}
    if ok:
        print(t["name"])
' "$2" | sort -u
}

asan_tests() {
	local names
	while [ ! -f "$logs/build-asan.built" ] && kill -0 "$bg" 2>/dev/null; do sleep 1; done
	[ "$(cat "$logs/build-asan.built" 2>/dev/null)" = 0 ] || return 0
	names=$(tests_of build-asan rest) && [ -n "$names" ] || return 1
	# shellcheck disable=SC2086
	meson test -C build-asan --no-rebuild --print-errorlogs --logbase asan-rest $names
	names=$(tests_of build-asan asan) && [ -n "$names" ] || return 1
	# shellcheck disable=SC2086
	meson test -C build-asan --no-rebuild --print-errorlogs --logbase asan-e2e $names
}
echo "== build and build-asan: test, side by side (chaos runs in build-asan)"
asan_tests >"$logs/asan-test.log" 2>&1 &
asan=$!
if plain_names=$(tests_of build plain) && [ -n "$plain_names" ]; then
	# shellcheck disable=SC2086
	meson test -C build --no-rebuild --print-errorlogs $plain_names >"$logs/build-test.log" 2>&1
else
	echo "== build: no test list" >"$logs/build-test.log"
	failed=$((failed + 1))
fi
wait "$asan"
echo "== build: test"
cat "$logs/build-test.log"
count_results build/meson-logs/testlog.json
if built build-asan; then
	echo "== build-asan: test"
	cat "$logs/asan-test.log"
	count_results build-asan/meson-logs/asan-rest.json
	count_results build-asan/meson-logs/asan-e2e.json
	[ -f build-asan/meson-logs/asan-e2e.json ] || failed=$((failed + 1))
fi

echo "== waiting for the builds, clang-tidy, TSan, release and fuzz runs"
wait "$bg"
cat "$logs/others.log" "$logs/lint.log" "$logs/tsan.log" "$logs/release.log" "$logs/fuzz.log" \
	2>/dev/null
count_results build/meson-logs/lint.json
for d in build-tsan build-release; do
	built "$d" && count_results "$d/meson-logs/testlog.json"
done
built build-fuzz && fuzz_counts "$logs/fuzz.log" "$(cat "$logs/fuzz.rc" 2>/dev/null || echo 1)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
