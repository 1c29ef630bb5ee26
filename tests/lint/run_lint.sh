#!/bin/sh
# Lint gate: the repo's "clang-format clean, clang-tidy clean" rule as a test.
#
#   run_lint.sh clang-format SRCROOT [PATH...]
#   run_lint.sh clang-tidy   SRCROOT BUILDDIR [PATH...]
#
# PATH... narrows the check to files under those repo-relative paths (default: every lint
# directory below). clang-tidy reads SRCROOT/.clang-tidy and BUILDDIR/compile_commands.json and
# lints each .c file of compile_commands.json that lies under PATH..., LINT_JOBS (default 2) at a
# time; any finding fails (the config sets WarningsAsErrors). Exit 0 clean, 1 findings or error.
# Environment: CLANG_FORMAT, CLANG_TIDY (binaries), LINT_JOBS.
set -u

LINT_DIRS="feedd libmdbus include tools tests examples python"

usage()
{
	echo "usage: $0 clang-format SRCROOT [PATH...] | clang-tidy SRCROOT BUILDDIR [PATH...]" >&2
	exit 1
}

# Our files are formatted by Debian 12's clang-format 14; other versions format a few
# constructs differently, so prefer the versioned binary when it is there.
pick()
{
	for b in "$@"; do
		if command -v "$b" >/dev/null 2>&1; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

[ $# -ge 2 ] || usage
mode=$1
root=$(cd "$2" && pwd -P) || exit 1
shift 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdbus-lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

case $mode in
clang-format)
	fmt=${CLANG_FORMAT:-$(pick clang-format-14 clang-format)} || {
		echo "clang-format not found (scripts/setup-debian.sh installs it)" >&2
		exit 1
	}
	# shellcheck disable=SC2086 # split on purpose: a list of directory names
	[ $# -gt 0 ] || set -- $LINT_DIRS
	cd "$root" || exit 1
	# Tracked files plus new, not-ignored ones (so a file is checked before its first
	# commit); plain find outside a git checkout (e.g. a release tarball).
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- "$@" >"$tmp/all" || exit 1
	else
		find "$@" -type f >"$tmp/all" 2>/dev/null
	fi
	grep -E '\.[ch]$' "$tmp/all" | sort -u | while read -r f; do
		[ -f "$f" ] && echo "$f"
	done >"$tmp/files"
	n=$(wc -l <"$tmp/files")
	if [ "$n" -eq 0 ]; then
		echo "no files to check under: $*" >&2
		exit 1
	fi
	# One process per 20 files: fast, and the diagnostics name each file.
	if ! xargs -d '\n' -n 20 "$fmt" --dry-run --Werror <"$tmp/files" >"$tmp/out" 2>&1; then
		cat "$tmp/out"
		echo "clang-format: $(grep -c 'error:' "$tmp/out") places in" \
			"$(grep -o '^[^:]*:[0-9]*:[0-9]*: error' "$tmp/out" | cut -d: -f1 | sort -u | wc -l)" \
			"of $n files need formatting; fix with: clang-format -i FILE" >&2
		exit 1
	fi
	echo "clang-format: $n files clean"
	exit 0
	;;
clang-tidy)
	[ $# -ge 1 ] || usage
	build=$(cd "$1" && pwd -P) || exit 1
	shift
	tidy=${CLANG_TIDY:-$(pick clang-tidy-14 clang-tidy)} || {
		echo "clang-tidy not found (scripts/setup-debian.sh installs it)" >&2
		exit 1
	}
	py=$(pick python3) || {
		echo "python3 not found" >&2
		exit 1
	}
	[ -f "$build/compile_commands.json" ] || {
		echo "$build/compile_commands.json missing: run meson setup first" >&2
		exit 1
	}
	# shellcheck disable=SC2086 # split on purpose: a list of directory names
	[ $# -gt 0 ] || set -- $LINT_DIRS
	# Files of compile_commands.json under the given paths (each once), and a header filter
	# that matches our headers however the build dir spells them (../include/x.h from a
	# build dir inside the repo, an absolute path otherwise) and never /usr/include.
	"$py" - "$root" "$build" "$tmp/files" "$tmp/filter" "$@" <<'EOF' || exit 1
import json, os, sys
root, build, out, filt, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
with open(os.path.join(build, "compile_commands.json")) as f:
    db = json.load(f)
pre = [os.path.join(root, p.strip("/")) for p in paths]
files = set()
for e in db:
    p = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if p.endswith(".c") and any(p == q or p.startswith(q + "/") for q in pre):
        files.add(p)
with open(out, "w") as f:
    f.write("".join(p + "\n" for p in sorted(files)))
rel = os.path.relpath(root, build)
def esc(s):  # POSIX ERE, which is what clang-tidy's llvm::Regex speaks
    return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in s)
dirs = "feedd|libmdbus|include|tools|tests|examples|python"
with open(filt, "w") as f:
    f.write("^(%s|%s)/(%s)/\n" % (esc(root), esc(rel), dirs))
EOF
	n=$(wc -l <"$tmp/files")
	if [ "$n" -eq 0 ]; then
		echo "no compiled .c files under: $*" >&2
		exit 1
	fi
	filter=$(cat "$tmp/filter")
	jobs=${LINT_JOBS:-2}
	start=$(date +%s)
	# clang-tidy resolves relative paths against the build dir, as the compiler did.
	cd "$build" || exit 1
	# Each file's output goes to its own log so parallel runs do not interleave; a file
	# with a finding (or that failed to parse) is listed in $tmp/failed.
	export LINT_TIDY="$tidy" LINT_BUILD="$build" LINT_FILTER="$filter" LINT_TMP="$tmp"
	# shellcheck disable=SC2016 # the inner sh expands these, not this one
	xargs -d '\n' -n 1 -P "$jobs" sh -c '
		log="$LINT_TMP/$(echo "$1" | tr / _).log"
		"$LINT_TIDY" -p "$LINT_BUILD" --quiet --header-filter="$LINT_FILTER" "$1" \
			>"$log" 2>&1 || echo "$1" >>"$LINT_TMP/failed"' sh <"$tmp/files"
	secs=$(($(date +%s) - start))
	if [ -s "$tmp/failed" ]; then
		sort "$tmp/failed" | while read -r f; do
			echo "==== $f"
			grep -vE '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?generated\.$' \
				"$tmp/$(echo "$f" | tr / _).log"
		done
		# A header finding shows once per file that includes it: count each place once. A
		# message may span lines (optin.performance.Padding); its [check] ends the last one.
		cat "$tmp"/*.log | sed -e "s|^$build/||" -e "s|^$root/||" -e 's|^\(\.\./\)*||' |
			awk '/^[^ ]+:[0-9]+:[0-9]+: (warning|error): / { loc = $1 }
			     loc != "" && match($0, /\[[A-Za-z0-9.,_-]+\]$/) {
				c = substr($0, RSTART + 1, RLENGTH - 2)
				sub(/,-warnings-as-errors$/, "", c)
				print loc " " c
				loc = ""
			     }' | sort -u >"$tmp/findings"
		echo "clang-tidy: $(wc -l <"$tmp/findings") findings; $(wc -l <"$tmp/failed") of $n" \
			"files failed (${secs}s, $jobs jobs). By check:" >&2
		awk '{ print $2 }' "$tmp/findings" | sort | uniq -c | sort -rn >&2
		echo "By file:" >&2
		sed 's/:.*//' "$tmp/findings" | sort | uniq -c >&2
		exit 1
	fi
	echo "clang-tidy: $n files clean (${secs}s, $jobs jobs)"
	exit 0
	;;
*)
	usage
	;;
esac
