#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions per tick of libmdbus's publish and read paths.

usage: thru_callgrind.py MDBUS_BENCH [WORKDIR]

Runs `mdbus-bench throughput --only publish` and `--only local` (writer and
reader taking turns in one process: no second core, so the counts are exact
and repeatable) under `valgrind --tool=callgrind`, once per case, and divides
the inclusive instruction count of mdbus_writer_publish[_batch] /
mdbus_reader_next / mdbus_reader_read by the ticks that case published / read.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile


def incl(path, fn):
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", path],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) .*:(\S+) \[", line)
        if m and m.group(2) == fn:
            return int(m.group(1).replace(",", ""))
    return None


def main():
    bench = os.path.abspath(sys.argv[1])
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="thru-cg-")
    os.makedirs(work, exist_ok=True)
    print(f"callgrind files in {work}")
    print(f"{'case':16} {'function':32} {'instr/tick':>10}")
    for only in ("publish", "local"):
        prefix = os.path.join(work, only)
        p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={prefix}.%p",
                            bench, "throughput", "--json", "--only", only, "--repeat", "1",
                            "--duration", "200ms", "--slots", "16384"],
                           capture_output=True, text=True, check=True)
        doc = json.loads(p.stdout)
        files = sorted(glob.glob(prefix + ".*"), key=lambda f: int(f.rsplit(".", 1)[1]))
        children = files[1:]  # the first pid is the parent (orchestration only)
        for case, path in zip(doc["cases"], children):
            run = case["runs"][0]
            wfn = case["writer_api"]
            n = incl(path, wfn)
            print(f"{case['name']:16} {wfn:32} {n / run['published']:10.1f}")
            if case["reader_api"]:
                rfn = case["reader_api"]
                n = incl(path, rfn)
                print(f"{case['name']:16} {rfn:32} {n / run['read']:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
