#!/usr/bin/env bash
# What `meson install` puts where README's "Installing" section says: the
# tools in bin/, libmdbus and mdbus.pc in the libdir, README, LICENSE and the
# example feedd.ini in share/doc/mdbus/, the man pages in share/man/. The installed feedd accepts the
# installed example, and every installed tool answers --version with the
# project's version with no LD_LIBRARY_PATH: the tools carry libmdbus
# statically (README says so; a program linking the shared library is
# tests/bus/test_install.sh's case).
# Usage: test_install_layout.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

meson install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log"; echo "FAIL: meson install"; exit 1; }
# The build's prefix is whatever it was configured with; find the tree under it.
root=$(dirname "$(dirname "$(find "$tmp/dest" -path '*/bin/feedd' | head -n 1)")")
[ -n "$root" ] && [ -d "$root/bin" ] || { echo "FAIL: no bin/feedd installed"; exit 1; }
doc="$root/share/doc/mdbus"
for f in README.md LICENSE feedd.ini consumer.c; do
	[ -f "$doc/$f" ] || { echo "FAIL: $doc/$f not installed"; exit 1; }
done
grep -q "^MIT License" "$doc/LICENSE" || { echo "FAIL: LICENSE is not the MIT licence"; exit 1; }
lib=$(dirname "$(find "$root" -name 'libmdbus.so.*' | head -n 1)")
[ -f "$lib/pkgconfig/mdbus.pc" ] || { echo "FAIL: mdbus.pc not beside libmdbus in $lib"; exit 1; }
unset LD_LIBRARY_PATH
"$root/bin/feedd" --check "$doc/feedd.ini" || { echo "FAIL: installed feedd.ini"; exit 1; }
for t in feedd mdbus-tail mdbus-top mdbus-book mdbus-replay mdbus-sim mdbus-bench mdbus-exporter; do
	[ "$t" != mdbus-exporter ] || [ -x "$root/bin/$t" ] || continue # option exporter off
	out=$("$root/bin/$t" --version)
	[ "$out" = "$t $version" ] || { echo "FAIL: installed $t --version: '$out'"; exit 1; }
done
# The man pages (option man, with scdoc): each one built is installed in its section.
for page in "$build"/docs/man/*.[1-8]; do
	[ -f "$page" ] || continue
	p=$(basename "$page")
	[ -f "$root/share/man/man${p##*.}/$p" ] || { echo "FAIL: man page $p not installed"; exit 1; }
	echo "man page $p installed"
done
echo "PASS: installed layout under $root"
