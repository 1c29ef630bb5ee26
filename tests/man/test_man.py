#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The manual against the code.

usage: test_man.py BUILD_DIR VERSION CFG_KEYS_DUMP MDBUS_H CHANGELOG PAGE.scd... [BUILT_PAGE...]

- feedd.conf(5): every key of feedd's key table (CFG_KEYS_DUMP prints it from
  feedd/config_keys.c) is documented in its section ([bus], [feed] or
  [session NAME]) with its default, and every key documented there is in the
  table (so the parser accepts it);
- every tool `meson install` puts in a bin directory has a page, TOOL.N.scd,
  whose OPTIONS list each flag of the tool's --help (short and long name
  together), and of each mode's --help (mdbus-bench feed...) in that mode's
  OPTIONS section, and no flag that --help does not list;
- libmdbus(3) names every function declared in include/mdbus.h;
- each built page (scdoc output) carries the project version in its header
  and renders with man(1) without a complaint;
- CHANGELOG.md's latest release is the project version, in the Keep a
  Changelog form ("## [Unreleased]", then "## [X.Y.Z] - YYYY-MM-DD").

Exit 0 pass, 1 fail.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import check, failures  # noqa: E402


# A help line that names a flag: "  -b, --bus NAME   text" or "      --once   text"
# (the same form tests/tools/test_cli.py reads).
HELP_FLAG = re.compile(r"^\s+(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)(?:[ =][A-Z]\S*)?(?:\s|$)")
# A page's option term: "*-b*, *--bus* _NAME_" or "*--once*" (more on one line allowed).
PAGE_PAIR = re.compile(r"\*-([A-Za-z])\*, \*--([a-z][a-z0-9-]*)\*")
PAGE_LONG = re.compile(r"\*--([a-z][a-z0-9-]*)\*")


def sections(text):
    """{heading: [lines]} of an scd page ('# HEADING')."""
    out, cur = {}, None
    for line in text.splitlines():
        if line.startswith("# "):
            cur = line[2:].strip()
            out.setdefault(cur, [])
        elif cur is not None:
            out[cur].append(line)
    return out


def page_options(lines):
    """(set of (short, long) pairs, set of longs) of option term lines."""
    pairs, longs = set(), set()
    for line in lines:
        if line.startswith("*-"):
            pairs |= set(PAGE_PAIR.findall(line))
            longs |= set(PAGE_LONG.findall(line))
    return pairs, longs


def help_of(argv):
    r = subprocess.run(argv + ["--help"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"{argv} --help: exit {r.returncode}")
    flags = set()
    for line in r.stdout.splitlines():
        m = HELP_FLAG.match(line)
        if m:
            flags.add((m.group(1), m.group(2)))
    return r.stdout, flags


def check_keys(dump, page):
    rows = subprocess.run([dump], capture_output=True, text=True, check=True).stdout
    table = {}
    for row in rows.splitlines():
        name, where, default = row.split("\t")
        table[name] = (where, None if default == "-" else default)
    check(len(table) >= 20, f"the key table has only {len(table)} keys: {rows!r}")
    where_of = {"[bus]": "bus", "[feed]": "feed", "[session NAME]": "session"}
    documented = {}
    for head, lines in sections(page).items():
        for line in lines:
            m = re.match(r"^\*([a-z_]+)\* = ", line)
            if m:
                check(m.group(1) not in documented, f"feedd.conf(5): {m.group(1)} twice")
                documented[m.group(1)] = (where_of.get(head), line)
    for name, (where, default) in sorted(table.items()):
        if not check(name in documented, f"feedd.conf(5) does not document key '{name}'"):
            continue
        sec, line = documented[name]
        check(sec == where, f"feedd.conf(5): '{name}' is under [{sec}], the parser wants [{where}]")
        if default is not None:
            check(f"(default *{default}*)" in line,
                  f"feedd.conf(5): '{name}' default is {default} in the code: {line!r}")
    for name in sorted(set(documented) - set(table)):
        check(False, f"feedd.conf(5) documents '{name}', which the parser does not accept")
    print(f"feedd.conf(5): {len(table)} keys in the code, {len(documented)} documented")


def installed_tools(build):
    out = subprocess.run(["meson", "introspect", "--installed", build], capture_output=True,
                         text=True, check=True).stdout
    return {os.path.basename(d): b for b, d in json.loads(out).items()
            if os.path.basename(os.path.dirname(d)) in ("bin", "sbin")}


def check_tool(tool, exe, pages):
    page = next((p for n, p in pages.items() if re.fullmatch(re.escape(tool) + r"\.[18]", n)),
                None)
    if not check(page is not None, f"{tool} has no man page (docs/man/{tool}.1.scd)"):
        return
    secs = sections(page)
    opt_lines = [l for h, ls in secs.items() if h.startswith("OPTIONS") for l in ls]
    pairs, longs = page_options(opt_lines)
    text, flags = help_of([exe])
    modes = re.findall(r"^(?:usage:)?\s+" + re.escape(tool) + r" ([a-z][a-z0-9]*) \[", text, re.M)
    every = set(flags)
    for mode in [None] + modes:
        mflags = flags if mode is None else help_of([exe, mode])[1]
        every |= mflags
        mpairs, mlongs = pairs, longs
        if mode is not None:
            if not check(f"OPTIONS ({mode})" in secs, f"{tool}(1) has no OPTIONS ({mode})"):
                continue
            mpairs, mlongs = page_options(secs[f"OPTIONS ({mode})"])
        where = tool + (" " + mode if mode else "")
        check(len(mflags) >= 2, f"{where} --help lists no flags")
        for short, name in sorted(mflags, key=str):
            if mode is not None and name in ("help", "version"):
                continue  # the common pair, documented once in the page
            check(name in mlongs, f"{where}: --{name} is in --help, not in its man page")
            if short:
                check((short, name) in mpairs,
                      f"{where}: -{short}, --{name} is in --help, not so in its man page")
    for name in sorted(longs - {n for _, n in every}):
        check(False, f"{tool}'s man page has --{name}, which --help does not list")
    for short, name in sorted(pairs - {f for f in every if f[0]}):
        check(False, f"{tool}'s man page has -{short}, --{name}, which --help does not list")
    print(f"{tool}: {len(every)} flags, {len(modes)} modes checked against its man page")


def check_library(header, page):
    funcs = set(re.findall(r"\b(mdbus_[a-z_]+)\(", open(header).read()))
    check(len(funcs) >= 20, f"only {len(funcs)} functions found in {header}")
    for f in sorted(funcs):
        check(f"*{f}*(" in page, f"libmdbus(3) does not document {f}()")
    print(f"libmdbus(3): {len(funcs)} functions of mdbus.h")


def check_built(path, version):
    text = open(path).read()
    th = next((l for l in text.splitlines() if l.startswith(".TH ")), "")
    check(f'"mdbus {version}"' in th, f"{path}: no 'mdbus {version}' in its .TH line: {th!r}")
    man = shutil.which("man")
    if check(man is not None, "man(1) not found (scripts/setup-debian.sh installs man-db)"):
        env = {k: v for k, v in os.environ.items() if k != "MAN_KEEP_FORMATTING"}
        r = subprocess.run([man, "-l", path], capture_output=True, text=True, timeout=30,
                           env=dict(env, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
        plain = re.sub(".\b", "", r.stdout)  # overstrike bold, if any
        check(r.returncode == 0 and r.stderr == "" and "\nNAME\n" in plain and
              "SEE ALSO" in plain, 
              f"man -l {path}: exit {r.returncode}, {r.stderr!r}")


def check_changelog(path, version):
    heads = re.findall(r"^## \[([^\]]+)\](.*)$", open(path).read(), re.M)
    check(bool(heads) and heads[0][0] == "Unreleased", f"{path}: no '## [Unreleased]' first")
    released = [(v, rest) for v, rest in heads if v != "Unreleased"]
    if check(bool(released), f"{path}: no release"):
        v, rest = released[0]
        check(v == version, f"{path}: latest release {v}, the project version is {version}")
        check(re.fullmatch(r" - \d{4}-\d{2}-\d{2}", rest) is not None,
              f"{path}: '## [{v}]{rest}' is not '## [{v}] - YYYY-MM-DD'")


def main():
    if len(sys.argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    build, version, dump, header, changelog = sys.argv[1:6]
    srcs = [a for a in sys.argv[6:] if a.endswith(".scd")]
    built = [a for a in sys.argv[6:] if not a.endswith(".scd")]
    check_changelog(changelog, version)
    pages = {os.path.basename(p)[:-4]: open(p).read() for p in srcs}
    check_keys(dump, pages.get("feedd.conf.5", ""))
    tools = installed_tools(build)
    check(len(tools) >= 6, f"installed tools: {sorted(tools)}")
    for tool in sorted(tools):
        check_tool(tool, tools[tool], pages)
    check_library(header, pages.get("libmdbus.3", ""))
    for path in built:
        check_built(path, version)
    print(f"{len(pages)} pages, {len(built)} built, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
