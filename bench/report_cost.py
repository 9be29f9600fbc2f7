"""The report's cost on one run folder: importing the chart libraries, drawing every chart in
one process and in forked processes (``make_charts``' default), and rendering the dashboard.

Each case runs in a fresh Python process on a copy of the run folder, the cases alternating in
each repetition; wall and CPU seconds (the case's process and the drawing processes it waited
for) are medians. Without ``--run``, the seeds are run once into ``bench/out/``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _common import OUT, ROOT, table, write_section

CASE = """
import json, os, sys, time
from pathlib import Path
case, run = sys.argv[1], Path(sys.argv[2])
t0, c0 = time.perf_counter(), time.process_time()
if case == "import":
    import pipeline.report.charts.make  # noqa: F401
elif case.startswith("charts"):
    from pipeline.report.charts.make import make_charts
    t0, c0 = time.perf_counter(), time.process_time()
    make_charts(run, processes=1 if case == "charts, 1 process" else None)
else:
    from pipeline.report.dashboard import render_html
    t0, c0 = time.perf_counter(), time.process_time()
    render_html(run)
ch = os.times()
cpu = time.process_time() - c0 + ch.children_user + ch.children_system
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": cpu}))
"""
CASES = ["import", "charts, 1 process", "charts, forked", "dashboard"]


def seeds_run() -> Path:
    out = OUT / "report-cost-seeds"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "pipeline", "run", "--corpus", str(ROOT / "corpus")]
    subprocess.run([*cmd, "--out", str(out), "-q"], cwd=ROOT, check=True)
    return (out / "latest").resolve()


def measure(case: str, run: Path) -> dict[str, float]:
    work = OUT / "report-cost-run"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(run, work)
    r = subprocess.run([sys.executable, "-c", CASE, case, str(work)], cwd=ROOT, check=True,
                       capture_output=True, text=True)  # fmt: skip
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, help="a run folder (default: the seeds, run once)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="add the section to RESULTS.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    run = args.run.resolve() if args.run else seeds_run()
    results: dict[str, list[dict[str, float]]] = {c: [] for c in CASES}
    for _ in range(args.repeat):
        for case in CASES:
            results[case].append(measure(case, run))
    rows = [
        [case, *(f"{statistics.median(r[k] for r in results[case]):.2f}" for k in ("wall", "cpu"))]
        for case in CASES
    ]
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    charts = len(list((run / "charts").glob("*.png")))
    body = "\n".join([
        f"Run folder: {info.get('corpus', {}).get('articles', '?')} articles, {charts} charts; "
        f"medians of {args.repeat} repetitions, each case a fresh process.",
        "",
        table(["case", "wall s", "CPU s"], rows),
    ])  # fmt: skip
    print(body)
    if args.write:
        write_section("report_cost", "The report: charts and dashboard", body)


if __name__ == "__main__":
    main()
