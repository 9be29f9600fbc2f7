"""Run every benchmark with its default size, one after the other (``--write`` is passed on)."""

from __future__ import annotations

import subprocess
import sys
import time

from _common import BENCH, PYTHON, ROOT

SCRIPTS = [
    ["synth.py", "jsonl", "--n", "10000"],
    ["throughput.py"],
    ["scaling.py"],
    ["memory.py"],
    ["prefect_overhead.py"],
    ["rerun.py"],
]


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--write"]
    failed = []
    for args in SCRIPTS:
        cmd = [PYTHON, str(BENCH / args[0]), *args[1:], *extra]
        print(f"\n=== {' '.join(args)} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT).returncode
        print(f"=== {args[0]}: exit {rc}, {time.perf_counter() - t0:.0f} s ===", flush=True)
        if rc:
            failed.append(args[0])
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
