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
    for m in re.finditer(r"^\s*([\d,]+) .*:(\S+) \[", out, re.M):
        if m.group(2) == fn:
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
        files = sorted(glob.glob(prefix + ".*"), key=lambda f: int(f.rsplit(".", 1)[1]))
        # the first pid is the parent (orchestration only), then one child per case
        for case, path in zip(json.loads(p.stdout)["cases"], files[1:]):
            run = case["runs"][0]
            for fn, n in ((case["writer_api"], run["published"]),
                          (case["reader_api"], run.get("read"))):
                if fn:
                    print(f"{case['name']:16} {fn:32} {incl(path, fn) / n:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
