#!/usr/bin/env bash
# Install test: `meson install --destdir` the build, compile examples/consumer.c
# against the installed headers and library via pkg-config, and run it on a
# live bus; the installed mdbus.pc and mdbus_version.h carry the project version.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR BUS_PUB VERSION
set -euo pipefail
build=$1 src=$2 pub=$3 version=$4
tmp=$(mktemp -d)
bus="t-install-$$"
cleanup() {
	local rc=$?
	if [ -n "${pubpid:-}" ]; then
		kill "$pubpid" 2>/dev/null || true
		wait "$pubpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
	rm -f "/dev/shm/mdbus-$bus" "/dev/shm/mdbus-$bus.lock" "/dev/shm/mdbus-$bus.tmp" \
		"/dev/shm/mdbus-$bus.readers"
	exit "$rc"
}
trap cleanup EXIT
# A step that fails under set -e says which one it was.
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?"' ERR

meson install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log"; echo "FAIL: meson install"; exit 1; }
pc=$(find "$tmp/dest" -name mdbus.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: mdbus.pc not installed"; exit 1; }
for h in mdbus.h mdbus_health.h mdbus_version.h; do
	[ -n "$(find "$tmp/dest" -name "$h")" ] || { echo "FAIL: $h not installed"; exit 1; }
done
# The .pc file names the final prefix; the sysroot prefixes it with the destdir.
export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR="$tmp/dest"
modversion=$(pkg-config --modversion mdbus)
[ "$modversion" = "$version" ] || { echo "FAIL: mdbus.pc version '$modversion', want '$version'"; exit 1; }
grep -q "MDBUS_VERSION_STRING \"$version\"" "$(find "$tmp/dest" -name mdbus_version.h)" || {
	echo "FAIL: installed mdbus_version.h is not $version"; exit 1; }
flags=$(pkg-config --cflags --libs mdbus)
echo "pkg-config: $flags"
case "$flags" in *"$tmp/dest"*) ;; *) echo "FAIL: flags do not point into the destdir"; exit 1;; esac
# Only the installed header and library: no -I into the source tree.
cc -std=c11 -Wall -Wextra -Werror "$src/examples/consumer.c" $flags -o "$tmp/consumer"
libdir=$(dirname "$(find "$tmp/dest" -name 'libmdbus.so.2' | head -n 1)")
ldd_out=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/consumer")
echo "$ldd_out" | grep -q "$tmp/dest.*libmdbus.so.2" || {
	echo "$ldd_out"; echo "FAIL: consumer does not use the installed libmdbus"; exit 1; }

"$pub" "$bus" 5 3 &
pubpid=$!
for _ in $(seq 100); do [ -e "/dev/shm/mdbus-$bus" ] && break; sleep 0.05; done
out=$(LD_LIBRARY_PATH="$libdir" timeout 10 "$tmp/consumer" "$bus" 3 2>"$tmp/consumer.err") || {
	rc=$?; echo "$out"; cat "$tmp/consumer.err"; echo "FAIL: consumer exited $rc"; exit 1; }
echo "$out"
cat "$tmp/consumer.err"
[ "$(echo "$out" | grep -c 'test BTC-USDT trade 65000.1 0.12345678 missed=0')" -eq 3 ] || {
	echo "FAIL: consumer output"; exit 1; }
echo "$out" | head -n 1 | grep -q '^1 ' || { echo "FAIL: first seq"; exit 1; }
echo PASS
