#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""feedd's include rule: no file includes a header of a module above it.

    layers.py FEEDD_DIR            check every .c/.h under FEEDD_DIR
    layers.py --self-test FEEDD_DIR  prove the check fails on a bad include

The layer table below is THE rule; docs/ARCHITECTURE.md shows the same
table. Each feedd file belongs to exactly one layer (a file the table does
not place is an error: new files must be placed). A file may include headers
of its own layer and of lower ones; headers outside feedd (include/, system)
sit below everything. Exit 0 clean, 1 with one "FILE:LINE: ..." per finding.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Bottom-up. Paths are relative to feedd/.
LAYERS = [
    ("log", ["log.h", "log.c"]),
    # systemd's service protocol (sd_notify): called by the daemon only.
    ("notify", ["notify.h", "notify.c"]),
    ("proto", ["proto/*"]),
    ("jsonscan", ["jsonscan.h", "jsonscan.c"]),
    ("symbol", ["symbol.h", "symbol.c"]),
    ("fsm", ["fsm.h", "fsm.c"]),
    ("backoff", ["backoff.h", "backoff.c"]),
    ("rate", ["rate.h", "rate.c"]),
    ("loop", ["loop.h", "loop.c"]),
    # REST snapshot queue and weight limiter: no I/O.
    ("restq", ["restq.h", "restq.c"]),
    ("resolve", ["resolve.h", "resolve.c"]),
    # The config: syntax and types only (key table, URL grammar); what a
    # venue accepts is checked by the venue layer above it (venues/check.c).
    ("config", ["config.h", "config.c", "config_keys.h", "config_keys.c", "url.c"]),
    ("venues", ["venues/*"]),
    # Local order books and their sync (no I/O): driven by venue events.
    ("book", ["book/*"]),
    ("fallback", ["fallback.h", "fallback.c"]),
    ("tlsctx", ["tlsctx.h", "tlsctx.c"]),
    # REST client: the ring, the resolver, proto's TLS and HTTP.
    ("rest", ["rest.h", "rest.c"]),
    # Start-up reference data: venues' ref ops through the REST client, the cache.
    ("refdata", ["refdata.h", "refdata.c"]),
    ("sink", ["sink.h", "sink.c", "lat.h"]),
    ("session", ["session.h", "session_int.h", "session.c", "session_live.c", "session_init.c",
                 "session_book.c", "session_fb.c"]),
    ("watchdog", ["watchdog.h", "watchdog.c"]),
    ("daemon", ["daemon.h", "daemon.c", "reload.h", "reload.c"]),
    ("main", ["main.c"]),
]

# feedd's include directories, in the compiler's search order after the
# including file's own directory (feedd/meson.build: '.', 'proto', 'venues', 'book').
SEARCH = ["", "proto", "venues", "book"]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    for rank, (name, pats) in enumerate(LAYERS):
        for p in pats:
            if p == rel or (p.endswith("/*") and rel.startswith(p[:-1]) and
                            "/" not in rel[len(p) - 1:]):
                return rank, name
    return None


def resolve(root, rel, inc):
    """The feedd file an include names, or None (outside feedd)."""
    here = os.path.dirname(rel)
    for d in [here] + SEARCH:
        cand = os.path.normpath(os.path.join(d, inc))
        if not cand.startswith("..") and os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def sources(root):
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(dirpath, f), root)


def check(root):
    findings = []
    for rel in sorted(sources(root)):
        me = layer_of(rel)
        if me is None:
            findings.append(f"feedd/{rel}:1: not in the layer table (tests/lint/layers.py)")
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            for no, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(root, rel, m.group(1))
                if target is None:
                    continue
                it = layer_of(target)
                if it is None:
                    findings.append(f"feedd/{rel}:{no}: includes {m.group(1)}, which is not "
                                    f"in the layer table")
                elif it[0] > me[0]:
                    findings.append(f"feedd/{rel}:{no}: includes {m.group(1)} (layer "
                                    f"'{it[1]}') from layer '{me[1]}' below it")
    return findings


def self_test(root):
    """A copy of feedd with one upward include must fail, naming file and line."""
    tmp = tempfile.mkdtemp(prefix="feedd-layers.")
    try:
        copy = os.path.join(tmp, "feedd")
        shutil.copytree(root, copy)
        if check(copy):
            print("self-test: the pristine copy already fails", file=sys.stderr)
            return 1
        victim = os.path.join(copy, "fsm.c")
        with open(victim, encoding="utf-8") as fh:
            lines = fh.readlines()
        at = next(i for i, l in enumerate(lines) if INCLUDE.match(l)) + 1
        lines.insert(at, '#include "session.h"\n')
        with open(victim, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
        r = subprocess.run([sys.executable, __file__, copy], capture_output=True, text=True)
        want = f"feedd/fsm.c:{at + 1}: includes session.h (layer 'session') from layer 'fsm'"
        if r.returncode != 1 or want not in r.stdout:
            print(f"self-test: expected exit 1 and '{want}', got {r.returncode}:\n"
                  f"{r.stdout}{r.stderr}", file=sys.stderr)
            return 1
        print("self-test: a bad include is caught:", r.stdout.strip())
        return 0
    finally:
        shutil.rmtree(tmp)


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    findings = check(argv[1])
    for f in findings:
        print(f)
    if findings:
        return 1
    print(f"feedd include layers: ok ({sum(1 for _ in sources(argv[1]))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
