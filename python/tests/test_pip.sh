#!/bin/sh
# SPDX-License-Identifier: MIT
# pip install --no-build-isolation ./python builds the module through
# meson-python (offline, into a temporary target) and the result imports on
# its own: the one project version, a missing bus raising mdbus.Error.
# Usage: test_pip.sh PYTHON SRCROOT VERSION
set -eu
py=$1 src=$2 version=$3
"$py" -c 'import mesonpy, pip' 2>/dev/null || {
	echo "python3-mesonpy or python3-pip missing: run scripts/setup-debian.sh"
	exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$py" -m pip install --quiet --no-build-isolation --no-deps --no-index --target "$tmp/site" \
	"$src/python" >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; exit 1; }
PYTHONPATH="$tmp/site" PYTHONDONTWRITEBYTECODE=1 "$py" - "$tmp/site" "$version" <<'PY'
import errno, os, sys
import mdbus
assert os.path.dirname(mdbus.__file__) == sys.argv[1], mdbus.__file__
assert mdbus.__version__ == sys.argv[2], mdbus.__version__
try:
    mdbus.open("pip-test-no-such-bus")
    raise SystemExit("open of a missing bus did not fail")
except mdbus.Error as e:
    assert e.errno == errno.ENOENT, e.errno
print("pip-installed mdbus", mdbus.__version__, "ok")
PY
