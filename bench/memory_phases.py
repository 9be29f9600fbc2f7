"""Peak memory of each phase of a run, in one process and without Prefect.

plan → analyze → write_tables → charts → dashboard on a corpus (a folder, .jsonl or
.parquet), printing the process's RSS and peak RSS after each phase, so a growth with the
corpus can be pinned to the step that causes it. Output goes to bench/out/memphase/.

    .venv/bin/python bench/memory_phases.py bench/out/corpus-100000-300c.jsonl
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import psutil

from pipeline.aggregate.params import fold_params
from pipeline.aggregate.tables import write_tables
from pipeline.analyze.actors import load_actors
from pipeline.analyze.article import analyze_batch, write_batch
from pipeline.analyze.lexicons import load_lexicons
from pipeline.ingest.batches import plan_batches, read_batch
from pipeline.report.charts.make import make_charts
from pipeline.report.dashboard import render_dashboard
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


_T0 = time.perf_counter()


def report(tag: str) -> None:
    """Print RSS, peak RSS and seconds since the previous report."""
    global _T0
    now, elapsed = time.perf_counter(), time.perf_counter() - _T0
    _T0 = now
    rss = psutil.Process().memory_info().rss / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{tag}: rss {rss:.0f} MB, peak {peak:.0f} MB, {elapsed:.1f} s", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", type=Path)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--bootstrap", type=int, default=100)
    a = p.parse_args()
    lexicons = load_lexicons(ROOT / "lexicons")
    out = ROOT / "bench" / "out" / "memphase"
    shutil.rmtree(out, ignore_errors=True)
    report("imports")
    plan = plan_batches(a.corpus, out / "work", a.batch_size)
    report(f"plan ({len(plan.batch_files)} batches)")
    dirs = []
    for b in plan.batch_files:
        tables = analyze_batch(read_batch(Path(b)), lexicons, out / "data" / "texts", 5_000_000)
        dirs.append(write_batch(tables, Path(b).with_suffix("")))
    report("analyze")
    settings = Settings(bootstrap=a.bootstrap, seed=1)
    actors = load_actors()
    params = fold_params(settings, out / "data", lexicons, actors, None, plan.source_counts)
    write_tables(params, dirs)
    report("write_tables")
    (out / "run.json").write_text(json.dumps({"run_id": "memphase", "settings": {}}))
    make_charts(out)
    report("charts")
    render_dashboard(out)
    report("dashboard")


if __name__ == "__main__":
    main()
