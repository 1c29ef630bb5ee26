#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Function-length gate: no C function longer than LIMIT lines without a reason beside it.

Usage: funclen.py SRCROOT [PATH...]   (default paths: every C directory of the project)

A function is counted from its opening brace to its closing brace, both alone at column 0
(the Linux brace style .clang-format enforces). A longer one needs a one-line comment that
starts with "Long:" directly above its signature, e.g.

    /* Long: one linear script of checks; splitting it would hide the order. */
    int main(void)
    {

Exit 0 clean, 1 with one "file:line: name is N lines" per finding.
"""
import os
import re
import subprocess
import sys

LIMIT = 60
DIRS = ["feedd", "libmdbus", "include", "tools", "tests", "examples", "python"]
NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")
REASON = re.compile(r"^\s*(/\*|//)\s*Long:\s*\S", re.IGNORECASE)


def c_files(root, paths):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others",
                              "--exclude-standard", "--"] + paths,
                             capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = [os.path.relpath(os.path.join(d, f), root)
               for p in paths for d, _, fs in os.walk(os.path.join(root, p)) for f in fs]
    return sorted(f for f in out if f.endswith((".c", ".h"))
                  and os.path.isfile(os.path.join(root, f)))


def signature_start(lines, brace):
    """Index of the first line of the signature that ends just above the brace."""
    i = brace - 1
    while i > 0 and lines[i][:1] in (" ", "\t"):
        i -= 1  # continuation lines of a long parameter list
    return i


def functions(lines):
    """Yields (name, first line index, body length) for each top-level function."""
    i = 0
    while i < len(lines):
        if lines[i].rstrip("\n") != "{":
            i += 1
            continue
        start = signature_start(lines, i)
        end = i + 1
        while end < len(lines) and not lines[end].startswith("}"):
            end += 1
        m = NAME.search("".join(lines[start:i]))
        yield (m.group(1) if m else "?"), start, end - i + 1
        i = end + 1


def check(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    bad = []
    for name, start, n in functions(lines):
        if n <= LIMIT:
            continue
        if start > 0 and REASON.match(lines[start - 1]):
            continue
        bad.append(f"{rel}:{start + 1}: {name} is {n} lines (limit {LIMIT}): split it, "
                   "or put a one-line '/* Long: why */' comment above it")
    return bad


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 1
    root = sys.argv[1]
    paths = sys.argv[2:] or DIRS
    bad = [b for rel in c_files(root, paths) for b in check(root, rel)]
    for b in bad:
        print(b)
    print(f"funclen: {len(bad)} function(s) over {LIMIT} lines without a reason")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
