#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One toolbox, one set of conventions: every installed tool's command line.

usage: test_cli.py BUILD_DIR VERSION EXAMPLE_CONFIG

The tools are those `meson install` installs into a bin directory (from
`meson introspect --installed`); each must have a row in FLAGS below, the
table of every tool's flags (tools/common/README.md shows the same table).
For every tool, and every mode of mdbus-bench:

- -h/--help exits 0 and lists exactly the flags of its table (short and long
  names, and whether it takes a value); each flag is known to the parser;
- -V/--version exits 0 and prints "TOOL VERSION", meson's project version;
- an unknown flag, a missing value and a stray operand exit 2 with one line
  on stderr, "TOOL: error: ... (try 'TOOL --help')", and nothing on stdout;
- a missing bus (or the tool's other missing input) exits with the tool's
  documented status and a "TOOL: error:" line;
- feedd's -b/--bus replaces the config's [bus] name (checked with --check on
  the example configuration).

Across tools, a short flag means one thing (one long name). Exit 0 pass, 1 fail.
"""
import json
import os
import re
import subprocess
import sys

# Every tool's flags: (short letter or None, long name, takes a value).
STD = [("h", "help", False), ("V", "version", False)]
FLAGS = {
    "feedd": [("c", "config", True), (None, "check", True), ("b", "bus", True),
              ("v", "verbose", False), ("q", "quiet", False)],
    "mdbus-tail": [("b", "bus", True), ("j", "json", False), (None, "venue", True),
                   (None, "symbol", True), (None, "kind", True), (None, "from-start", False),
                   ("n", "count", True), (None, "timeout", True), (None, "wait-bus", False)],
    "mdbus-top": [("b", "bus", True), ("i", "interval", True), (None, "delay", True),
                  (None, "once", False), ("j", "json", False), ("n", "count", True),
                  (None, "max-age", True)],
    "mdbus-book": [("b", "bus", True), (None, "venue", True), ("j", "json", False),
                   (None, "once", False), (None, "depth", True), ("i", "interval", True)],
    "mdbus-replay": [("b", "bus", True), ("r", "rate", True), (None, "loop", False),
                     ("s", "slots", True), (None, "hold", True), (None, "keep", False),
                     (None, "unlink", False)],
    "mdbus-sim": [("l", "listen", True), (None, "cert", True), (None, "key", True),
                  (None, "venue", True), ("r", "rate", True), (None, "symbols", True),
                  (None, "control", True), (None, "replay", True), (None, "record", True),
                  (None, "plain", False), (None, "numbered", False), (None, "stamp", False),
                  (None, "ping-interval", True), (None, "seed", True),
                  (None, "make-certs", True), (None, "ctl", True)],
    "mdbus-exporter": [("b", "bus", True), ("l", "listen", True), (None, "textfile", True),
                       ("i", "interval", True), (None, "once", False)],
    "mdbus-bench": [("t", "transport", True), (None, "consumers", True),
                    ("d", "duration", True), ("r", "rate", True), ("w", "wait", False),
                    (None, "cpus", True), ("s", "slots", True), (None, "compare", False),
                    (None, "repeat", True), (None, "sweep", False),
                    (None, "sweep-rates", True), ("j", "json", False), ("p", "plot", True),
                    (None, "no-stalls", False), ("v", "verbose", False)],
    "mdbus-bench feed": [("m", "messages", True), (None, "venue", True), ("j", "json", False)],
    "mdbus-bench throughput": [("d", "duration", True), (None, "repeat", True),
                               (None, "batch", True), ("s", "slots", True),
                               (None, "cpus", True), ("r", "rate", True),
                               (None, "rates", True), (None, "only", True),
                               ("j", "json", False)],
    "mdbus-bench noise": [(None, "cpus", True), ("d", "duration", True), ("r", "rate", True),
                          ("j", "json", False)],
    "mdbus-bench python": [(None, "quick", False), ("j", "json", False)],
    "mdbus-bench e2e": [(None, "rates", True), (None, "consumers", True),
                        ("d", "duration", True), (None, "clients", True), (None, "cpus", True),
                        (None, "busy", False),
                        ("j", "json", False), ("p", "plot", True), ("v", "verbose", False)],
}
# Tools that read or write a named bus take -b/--bus (README's claim).
BUS_TOOLS = ["feedd", "mdbus-tail", "mdbus-top", "mdbus-book", "mdbus-replay", "mdbus-exporter"]
# Tools built only when their meson feature option finds its dependency.
OPTIONAL = {"mdbus-exporter"}

# A help line that names a flag: "  -b, --bus NAME   text" or "      --once   text".
HELP_FLAG = re.compile(r"^\s+(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)(?:[ =]([A-Z][^\s]*))?(?:\s|$)")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures  # noqa: E402


def run(argv, timeout=30):
    return subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout,
                          env=dict(os.environ, MDBUS_BUS="t-cli-%d" % os.getpid()))


def installed_tools(build):
    out = subprocess.run(["meson", "introspect", "--installed", build], capture_output=True,
                         text=True, check=True).stdout
    tools = {}
    for built, dest in json.loads(out).items():
        if os.path.basename(os.path.dirname(dest)) in ("bin", "sbin"):
            tools[os.path.basename(dest)] = built
    return tools


def help_flags(text):
    flags = []
    for line in text.splitlines():
        m = HELP_FLAG.match(line)
        if m:
            flags.append((m.group(1), m.group(2), m.group(3) is not None))
    return flags


def one_error_line(tool, r, rc, what):
    lines = r.stderr.splitlines()
    ok = check(r.returncode == rc, f"{what}: exit {r.returncode}, want {rc}: {r.stderr!r}")
    ok &= check(len(lines) == 1, f"{what}: {len(lines)} lines on stderr, want 1: {r.stderr!r}")
    ok &= check(r.stdout == "", f"{what}: stdout not empty: {r.stdout[:200]!r}")
    want = f"{tool}: error: "
    ok &= check(bool(lines) and lines[0].startswith(want) and
                f"(try '{tool} --help')" in lines[0], f"{what}: not '{want}... (try)': {lines}")
    return ok


def test_tool(tool, argv, version):
    table = FLAGS[tool] + STD
    r = run(argv + ["--help"])
    check(r.returncode == 0 and r.stderr == "", f"{tool} --help: exit {r.returncode} {r.stderr!r}")
    listed = help_flags(r.stdout)
    for f in table:
        check(f in listed, f"{tool} --help does not list {f} (listed: {listed})")
    for f in listed:
        check(f in table, f"{tool} --help lists {f}, which is not in its table")
    check(run(argv + ["-h"]).stdout == r.stdout, f"{tool} -h differs from --help")

    for flag in ("--version", "-V"):
        r = run(argv + [flag])
        check(r.returncode == 0 and r.stdout == f"{os.path.basename(argv[0])} {version}\n",
              f"{tool} {flag}: exit {r.returncode}, {r.stdout!r}, want '... {version}'")

    one_error_line(tool, run(argv + ["--no-such-flag"]), 2, f"{tool} --no-such-flag")
    one_error_line(tool, run(argv + ["-Z"]), 2, f"{tool} -Z")
    valued = [f[1] for f in table if f[2]]
    if valued:  # (mdbus-bench python has only switches)
        one_error_line(tool, run(argv + ["--" + valued[0]]), 2,
                       f"{tool}: a flag without its value")

    # Each flag of the table is known to the parser, by both of its names:
    # parsing goes on to --help (exit 0) or stops at a bad value (exit 2,
    # naming it), never at "unknown option".
    for short, name, arg in FLAGS[tool]:
        for spelling in ["--" + name] + (["-" + short] if short else []):
            r = run(argv + [spelling] + (["x"] if arg else []) + ["--help"])
            check(r.returncode in (0, 2) and "unknown option" not in r.stderr and
                  "missing argument" not in r.stderr,
                  f"{tool} {spelling}: not recognised: {r.returncode} {r.stderr!r}")
            if r.returncode == 2:
                one_error_line(tool, r, 2, f"{tool} {spelling} x")


def test_missing(tools, bus):
    """The tool's documented exit status and one 'TOOL: error:' line."""
    cases = [
        ("mdbus-tail", [tools["mdbus-tail"], "-b", bus], 2),
        ("mdbus-top", [tools["mdbus-top"], "-b", bus, "--once"], 2),
        ("mdbus-top", [tools["mdbus-top"], "-b", bus, "--json"], 2),
        ("mdbus-book", [tools["mdbus-book"], "-b", bus, "--venue", "test", "BTC-USDT"], 2),
        ("mdbus-book", [tools["mdbus-book"], "-b", bus, "--venue", "test", "--json",
                        "BTC-USDT"], 2),
        ("mdbus-replay", [tools["mdbus-replay"], "-b", bus, "/nonexistent/ticks.jsonl"], 2),
        ("feedd", [tools["feedd"], "-b", bus, "-c", "/nonexistent/feedd.ini"], 1),
        ("mdbus-sim", [tools["mdbus-sim"], "--ctl", "/nonexistent/sim.sock", "stats"], 1),
        ("mdbus-bench", [tools["mdbus-bench"], "-d", "10ms", "--plot",
                         "/nonexistent/plot.png"], 1),
    ]
    if "mdbus-exporter" in tools:  # a missing bus is a metric (mdbus_up 0); a bad path is not
        cases.append(("mdbus-exporter", [tools["mdbus-exporter"], "-b", bus, "--once",
                                         "--textfile", "/nonexistent/dir/mdbus.prom"], 1))
    for tool, argv, rc in cases:
        r = run(argv, timeout=120)
        check(r.returncode == rc, f"{argv[1:]}: exit {r.returncode}, want {rc}: {r.stderr!r}")
        check(f"{tool}: error: " in r.stderr, f"{argv[1:]}: no '{tool}: error:' in {r.stderr!r}")
    check(not os.path.exists(f"/dev/shm/mdbus-{bus}"), "a tool created the missing bus")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    build, version, example = sys.argv[1:]
    tools = installed_tools(build)
    modes = {t for t in FLAGS if " " not in t}
    check(set(tools) - OPTIONAL == modes - OPTIONAL and set(tools) <= modes,
          f"installed tools {sorted(tools)} != table {sorted(modes)}")

    meaning = {}
    for tool, rows in FLAGS.items():
        for short, name, _ in rows + STD:
            if short:
                check(meaning.setdefault(short, name) == name,
                      f"-{short} is --{meaning[short]} elsewhere but --{name} in {tool}")
    for tool in BUS_TOOLS:
        check(("b", "bus", True) in FLAGS[tool], f"{tool} has no -b/--bus")

    for tool in sorted(FLAGS):
        prog, *mode = tool.split(" ")
        if prog in OPTIONAL and prog not in tools:
            continue
        if check(prog in tools, f"{prog} is not installed"):
            test_tool(tool, [tools[prog]] + mode, version)
    if set(BUS_TOOLS) - OPTIONAL <= set(tools) and {"mdbus-sim", "mdbus-bench"} <= set(tools):
        test_missing(tools, "t-cli-none-%d" % os.getpid())
    if "feedd" in tools:
        for flag in ("-b", "--bus"):
            r = run([tools["feedd"], "--check", example, flag, "t-cli-other"])
            check(r.returncode == 0 and ": OK: bus t-cli-other," in r.stdout,
                  f"feedd --check {flag}: {r.returncode} {r.stdout!r} {r.stderr!r}")
        r = run([tools["feedd"], "--check", example, "-b", "no/such"])
        one_error_line("feedd", r, 2, "feedd -b with a bad name")
    print(f"{len(FLAGS)} command lines checked, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
