"""Prefect's fixed cost: a cold empty flow vs the whole pipeline on the seeds, and per task.

Every run is a fresh subprocess with a fresh PREFECT_HOME (an empty embedded database), as
on a first ``make run``; the pipeline writes to a fresh --out, so its cache is cold too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from _common import (
    PYTHON,
    ROOT,
    Background,
    cpu_seconds,
    median,
    table,
    wait_quiet,
    write_section,
)

TARGET_RATIO = 1.3
EMPTY_FLOW = """
from prefect import flow

@flow
def empty():
    return None

empty()
"""
TASKS_FLOW = """
import json, sys, time
from prefect import flow, task

@task
def noop(i):
    return i

@flow
def many(n):
    t0 = time.perf_counter()
    futures = [noop.submit(i) for i in range(n)]
    [f.result() for f in futures]
    return time.perf_counter() - t0

@flow
def direct(n):
    t0 = time.perf_counter()
    for i in range(n):
        noop(i)
    return time.perf_counter() - t0

n = int(sys.argv[1])
many(1)
print(json.dumps({"submit": many(n), "call": direct(n)}))
"""


def _env(home: str) -> dict[str, str]:
    # The same settings as the pipeline's CLI sets for itself.
    return {
        **os.environ,
        "PREFECT_HOME": home,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }


def timed(cmd: list[str], home: str) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """Wall seconds, CPU seconds of the process tree, background cores and the result."""
    wait_quiet()
    with Background() as bg:
        t0, c0 = time.perf_counter(), cpu_seconds()
        r = subprocess.run(cmd, cwd=ROOT, env=_env(home), capture_output=True, text=True)
        dt, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return dt, cpu, bg.cores, r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="cold runs of each (default 3)")
    p.add_argument("--tasks", type=int, default=200, help="no-op tasks for the per-task cost")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()

    runs: dict[str, list[tuple[float, float, float]]] = {"empty": [], "whole": []}
    for i in range(a.repeat):
        with tempfile.TemporaryDirectory(prefix="prefect-bench-") as tmp:
            dt, cpu, bg, _ = timed([PYTHON, "-c", EMPTY_FLOW], str(Path(tmp) / "home-empty"))
            runs["empty"].append((dt, cpu, bg))
            cmd = [PYTHON, "-m", "pipeline", "run", "--corpus", str(a.corpus)]
            cmd += ["--out", str(Path(tmp) / "out")]
            dt, cpu, bg, _ = timed(cmd, str(Path(tmp) / "home-run"))
            runs["whole"].append((dt, cpu, bg))
        e, w = runs["empty"][-1], runs["whole"][-1]
        print(
            f"rep {i + 1}: empty flow {e[0]:.1f} s ({e[1]:.1f} CPU s, background {e[2]:.2f}), "
            f"pipeline {w[0]:.1f} s ({w[1]:.1f} CPU s, background {w[2]:.2f})",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="prefect-bench-") as tmp:
        _, _, bg, r = timed([PYTHON, "-c", TASKS_FLOW, str(a.tasks)], str(Path(tmp) / "home"))
        per = json.loads(r.stdout.strip().splitlines()[-1])

    def med(key: str, i: int) -> float:
        return median([x[i] for x in runs[key]])

    def each(key: str) -> str:
        return " / ".join(f"{x[0]:.1f}" for x in runs[key])

    me, mw, ce, cw = med("empty", 0), med("whole", 0), med("empty", 1), med("whole", 1)
    # The verdict takes each repetition's pair (run back to back, on the same machine: the
    # host's speed drifts over minutes) and their median.
    pairs = sorted(w[0] / e[0] for e, w in zip(runs["empty"], runs["whole"], strict=True))
    cpu_pairs = sorted(w[1] / e[1] for e, w in zip(runs["empty"], runs["whole"], strict=True))
    ratio, cpu_ratio = median(pairs), median(cpu_pairs)
    bgs = [x[2] for v in runs.values() for x in v] + [bg]
    rows = [
        ["cold empty flow (subprocess)", f"{me:.1f} s", f"{ce:.1f} s", each("empty")],
        ["cold `python -m pipeline run` on the seeds", f"{mw:.1f} s", f"{cw:.1f} s",
         each("whole")],
        ["ratio pipeline / empty flow, per repetition", f"{ratio:.2f}", f"{cpu_ratio:.2f}",
         " / ".join(f"{x:.2f}" for x in pairs)],
        [f"{a.tasks} no-op tasks, `.submit()` + `.result()`, per task",
         f"{per['submit'] / a.tasks * 1000:.1f} ms", "", ""],
        [f"{a.tasks} no-op tasks called directly in a flow, per task",
         f"{per['call'] / a.tasks * 1000:.1f} ms", "", ""],
    ]  # fmt: skip
    text = table(["measurement", "median wall", "median CPU", "wall of each run"], rows)
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    notes = [
        f"Pipeline / empty flow: {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target ≤ "
        f"{TARGET_RATIO}: {verdict}); the pipeline's own work on the seeds costs "
        f"{mw - me:.1f} s wall over the empty flow.",
        "CPU: CPU time of the whole process tree (the script, Prefect's embedded server).",
        f"Each run: fresh PREFECT_HOME (embedded server, new SQLite database), fresh --out; "
        f"{a.repeat} repetitions, each an empty flow then the pipeline; medians (the ratio's "
        "of the repetitions' ratios, sorted in the last column). Background load up to "
        f"{max(bgs):.2f} cores.",
    ]
    print(text)
    print("\n".join(notes))
    if a.write:
        body = text + "\n\n" + "\n".join(f"- {s}" for s in notes)
        write_section("prefect", "Prefect overhead", body)


if __name__ == "__main__":
    main()
