"""Speed-up of the batch work (``pipeline.analyze.article.analyze_batch``) over worker processes.

Batches are planned from a synthetic JSON Lines corpus exactly as the flow plans them
(``pipeline.ingest.batches.plan_batches``); each worker reads a batch file, analyzes it and writes
its Parquet tables, like the ``analyze-batch`` task, without Prefect and without the cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import unidic_lite
from _common import OUT, ROOT, Background, cpu_seconds, table, wait_quiet, write_section
from synth import take_mb, write_blob, write_jsonl

from pipeline.analyze.article import analyze_batch, write_batch
from pipeline.analyze.lexicons import Lexicon, load_lexicons
from pipeline.analyze.tokens import tokenize
from pipeline.ingest.batches import plan_batches, read_batch
from pipeline.ingest.corpus import MAX_BYTES

TARGET_EFFICIENCY = 0.85
_lexicons: list[Lexicon] = []


def _init(lexicon_dir: str) -> None:
    """Per worker: compile the lexicons and create the tagger once, as the flow's tasks do."""
    _lexicons[:] = load_lexicons(Path(lexicon_dir))
    tokenize("ウォームアップ")


def _work(batch_file: str, texts_dir: str) -> tuple[str, int]:
    batch = Path(batch_file)
    items = read_batch(batch)
    tables = analyze_batch(items, _lexicons, Path(texts_dir), MAX_BYTES)
    chars = sum(len(t or "") for _, t in items)
    return str(write_batch(tables, batch.with_suffix(""))), chars


def run_once(
    batches: list[str], workers: int, lexicon_dir: Path, scratch: Path
) -> tuple[float, float, int, float]:
    """Wall time from starting the pool to the last batch written, CPU seconds of the pool's
    processes, characters analyzed and background load (cores)."""
    shutil.rmtree(scratch, ignore_errors=True)
    texts = scratch / "texts"
    wait_quiet()
    with Background() as bg:
        t0, c0 = time.perf_counter(), cpu_seconds()
        init = (str(lexicon_dir),)
        with ProcessPoolExecutor(workers, initializer=_init, initargs=init) as pool:
            futures = [pool.submit(_work, b, str(texts)) for b in batches]
            chars = sum(f.result()[1] for f in futures)
        dt, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return dt, cpu, chars, bg.cores


# A pure-Python loop, ~3 s on one core here: touches almost no memory, so it shows whether
# the cores themselves run two processes at full speed (shared physical cores would not).
PY_LOOP = "s = 0\nfor i in range(60_000_000):\n    s += i"


def machine_baseline(cmd: list[str], workers: list[int], repeat: int) -> list[list[object]]:
    """The machine's own scaling: ``w`` independent copies of ``cmd``, best of ``repeat``
    after one untimed run (files in the page cache, the dictionary read once)."""
    subprocess.run(cmd, check=True)
    rows, base, base_cpu = [], 0.0, 0.0
    for w in workers:
        t, cpu, bg = float("inf"), 0.0, 0.0
        for _ in range(repeat):
            wait_quiet()
            with Background() as b:
                t0, c0 = time.perf_counter(), cpu_seconds()
                procs = [subprocess.Popen(cmd) for _ in range(w)]
                for proc in procs:
                    proc.wait()
                dt, dcpu = time.perf_counter() - t0, cpu_seconds() - c0
            t, cpu, bg = min((t, cpu, bg), (dt, dcpu, b.cores))
        base, base_cpu = base or t, base_cpu or cpu
        rows.append([w, f"{t:.1f}", f"{w * base / t:.2f}", f"{base / t:.2f}", f"{cpu:.1f}",
                     f"{w * base_cpu / cpu:.2f}", f"{bg:.2f}"])  # fmt: skip
        print(f"{Path(cmd[0]).name} ×{w}: {t:.1f} s, efficiency {base / t:.2f}", flush=True)
    return rows


def _arguments() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers-list", default="1,2", help="comma-separated, e.g. 1,2,4,8,16")
    p.add_argument("--articles", type=int, default=3000, help="synthetic articles (default 3000)")
    p.add_argument("--batch-size", type=int, default=100, help="articles per batch, as the flow")
    p.add_argument("--repeat", type=int, default=1, help="runs per worker count; best is kept")
    p.add_argument("--lexicons", type=Path, default=ROOT / "lexicons")
    p.add_argument("--out", type=Path, default=OUT / "scaling", help="scratch folder")
    p.add_argument("--no-baseline", action="store_true", help="skip the mecab ×N baseline")
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    return p.parse_args()


def main() -> None:
    a = _arguments()
    workers = [int(w) for w in a.workers_list.split(",") if w.strip()]

    corpus = a.out / f"corpus-{a.articles}.jsonl"
    if not corpus.exists():
        write_jsonl(corpus, a.articles)
    work = a.out / "plan"
    shutil.rmtree(work, ignore_errors=True)
    batches = plan_batches(corpus, work, a.batch_size).batch_files
    print(f"{a.articles:,} articles in {len(batches)} batches; cores: {os.cpu_count()}", flush=True)

    # Worker counts take turns within each repetition: on a shared host the machine's speed
    # drifts over minutes, and a 1-worker and a 2-worker run done back to back see the same.
    runs: dict[int, list[tuple[float, float, int, float]]] = {w: [] for w in workers}
    for rep in range(a.repeat):
        for w in workers:
            runs[w].append(run_once(batches, w, a.lexicons, a.out / "run"))
            dt, dcpu, _, load = runs[w][-1]
            print(f"repetition {rep + 1}, {w} workers: {dt:.1f} s, CPU {dcpu:.1f} s, "
                  f"background {load:.2f} cores", flush=True)  # fmt: skip
    first = workers[0]
    rows = []
    for w in workers:
        paired = sorted(
            first * r0[0] / (w * r[0]) for r0, r in zip(runs[first], runs[w], strict=True)
        )
        cpu_paired = sorted(r0[1] / r[1] for r0, r in zip(runs[first], runs[w], strict=True))
        t, _, chars, bg = min(runs[w])
        rows.append([w, f"{t:.1f}", f"{chars / t:,.0f}", f"{a.articles / t:,.1f}",
                     f"{statistics.median(paired):.2f}",
                     f"{paired[0]:.2f}–{paired[-1]:.2f}",
                     f"{statistics.median(cpu_paired):.2f}",
                     f"{bg:.2f}"])  # fmt: skip
        print(f"{w} workers: efficiency {statistics.median(paired):.2f} (median of "
              f"{a.repeat} paired runs; {paired[0]:.2f}–{paired[-1]:.2f})", flush=True)  # fmt: skip
    headers = ["workers", "best wall s", "chars/s", "articles/s", "efficiency", "range"]
    text = table([*headers, "CPU efficiency", "background"], rows)
    note = (
        f"{a.articles:,} synthetic articles ({chars:,} chars) in {len(batches)} batches of "
        f"{a.batch_size}; wall time includes starting the pool and compiling the lexicons in "
        f"each worker. {a.repeat} repetitions; in each, every worker count ran in turn. "
        f"Efficiency: {workers[0]} worker(s)' wall time × {workers[0]} over N × N workers' "
        "wall time in the same repetition, median and range over the repetitions (the "
        "host's speed drifts over minutes; runs done back to back see the same machine). "
        f"Target efficiency ≥ {TARGET_EFFICIENCY}. CPU efficiency: the same ratio of the "
        "pool's CPU seconds (1.00 = no work added by parallelism); best wall s and chars/s: "
        "the fastest run; background: cores kept busy by other processes then."
    )
    over = [w for w in workers if w > (os.cpu_count() or 1)]
    if over:
        note += f" Worker counts above the {os.cpu_count()} cores ({over}) cannot scale here."
    if not a.no_baseline:
        headers = ["processes", "wall s", "speed-up", "efficiency", "CPU s", "CPU efficiency"]
        baselines = [("a pure-Python loop", [sys.executable, "-c", PY_LOOP])]
        if shutil.which("mecab"):
            blob = OUT / "blob-10mb.txt"
            write_blob(blob, take_mb(10))
            d = unidic_lite.DICDIR
            mecab = ["mecab", "-d", d, "-r", f"{d}/mecabrc", str(blob), "-o", "/dev/null"]
            baselines.insert(0, ("`mecab` on 10 MB", mecab))
        for what, cmd in baselines:
            base_rows = machine_baseline(cmd, workers, max(a.repeat, 2))
            text += f"\n\nMachine baseline, N independent processes each running {what}:\n\n"
            text += table([*headers, "background"], base_rows)
        note += (
            " The baselines show how far the machine itself scales (no shared work, best of "
            f"{max(a.repeat, 2)} after an untimed run): the pipeline cannot beat their "
            "efficiency."
        )
    print(text)
    print(note)
    if a.write:
        write_section("scaling", "Scaling over worker processes", text + "\n\n" + note)


if __name__ == "__main__":
    main()
