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

from _common import PYTHON, ROOT, Background, median, table, wait_quiet, write_section

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


def timed(cmd: list[str], home: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds, background cores and the result of one subprocess run."""
    wait_quiet()
    with Background() as bg:
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=ROOT, env=_env(home), capture_output=True, text=True)
        dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return dt, bg.cores, r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="cold runs of each (default 3)")
    p.add_argument("--tasks", type=int, default=200, help="no-op tasks for the per-task cost")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()

    empty, whole, bgs = [], [], []
    for i in range(a.repeat):
        with tempfile.TemporaryDirectory(prefix="prefect-bench-") as tmp:
            dt, bg, _ = timed([PYTHON, "-c", EMPTY_FLOW], str(Path(tmp) / "home-empty"))
            empty.append(dt)
            bgs.append(bg)
            cmd = [PYTHON, "-m", "pipeline", "run", "--corpus", str(a.corpus)]
            cmd += ["--out", str(Path(tmp) / "out")]
            dt, bg, _ = timed(cmd, str(Path(tmp) / "home-run"))
            whole.append(dt)
            bgs.append(bg)
        print(f"rep {i + 1}: empty flow {empty[-1]:.1f} s, pipeline {whole[-1]:.1f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="prefect-bench-") as tmp:
        _, bg, r = timed([PYTHON, "-c", TASKS_FLOW, str(a.tasks)], str(Path(tmp) / "home"))
        per = json.loads(r.stdout.strip().splitlines()[-1])
        bgs.append(bg)

    me, mw = median(empty), median(whole)
    ratio = mw / me
    rows = [
        ["cold empty flow (subprocess)", f"{me:.2f}", " / ".join(f"{x:.1f}" for x in empty)],
        ["cold `python -m pipeline run` on the seeds", f"{mw:.2f}",
         " / ".join(f"{x:.1f}" for x in whole)],
        [f"{a.tasks} no-op tasks, `.submit()` + `.result()`, per task",
         f"{per['submit'] / a.tasks * 1000:.1f} ms", ""],
        [f"{a.tasks} no-op tasks called directly in a flow, per task",
         f"{per['call'] / a.tasks * 1000:.1f} ms", ""],
    ]  # fmt: skip
    text = table(["measurement", "median", "runs (s)"], rows)
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    notes = [
        f"Pipeline / empty flow: {ratio:.2f} (target ≤ {TARGET_RATIO}: {verdict}); "
        f"the pipeline's own work on the seeds costs {mw - me:.1f} s over the empty flow.",
        f"Each run: fresh PREFECT_HOME (embedded server, new SQLite database), fresh --out; "
        f"{a.repeat} repetitions, medians. Background load up to {max(bgs):.2f} cores.",
    ]
    print(text)
    print("\n".join(notes))
    if a.write:
        body = text + "\n\n" + "\n".join(f"- {s}" for s in notes)
        write_section("prefect", "Prefect overhead", body)


if __name__ == "__main__":
    main()
