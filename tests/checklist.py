# SPDX-License-Identifier: MIT
"""check() for test scripts that go on after a failed assertion and report
every failure at the end: `return 1 if failures else 0`."""

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, flush=True)
    return cond
