"""Speed-up of the batch work (``pipeline.analyze.analyze_batch``) over worker processes.

Batches are planned from a synthetic JSON Lines corpus exactly as the flow plans them
(``pipeline.batches.plan_batches``); each worker reads a batch file, analyzes it and writes
its Parquet tables, like the ``analyze-batch`` task, without Prefect and without the cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import unidic_lite
from _common import OUT, ROOT, Background, cpu_seconds, table, wait_quiet, write_section
from synth import take_mb, write_blob, write_jsonl

from pipeline.analyze import analyze_batch, write_batch
from pipeline.batches import plan_batches, read_batch
from pipeline.corpus import MAX_BYTES
from pipeline.lexicons import Lexicon, load_lexicons
from pipeline.tokens import tokenize

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


def mecab_baseline(workers: list[int], mb: float = 5) -> list[list[object]]:
    """The machine's own scaling: ``w`` independent mecab processes on ``mb`` MB each."""
    blob = OUT / f"blob-{mb:g}mb.txt"
    write_blob(blob, take_mb(mb))
    d = unidic_lite.DICDIR
    cmd = ["mecab", "-d", d, "-r", f"{d}/mecabrc", str(blob), "-o", "/dev/null"]
    rows, base, base_cpu = [], 0.0, 0.0
    for w in workers:
        wait_quiet()
        with Background() as bg:
            t0, c0 = time.perf_counter(), cpu_seconds()
            procs = [subprocess.Popen(cmd) for _ in range(w)]
            for proc in procs:
                proc.wait()
            t, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        base, base_cpu = base or t, base_cpu or cpu
        rows.append([w, f"{t:.1f}", f"{w * base / t:.2f}", f"{base / t:.2f}", f"{cpu:.1f}",
                     f"{w * base_cpu / cpu:.2f}", f"{bg.cores:.2f}"])  # fmt: skip
        print(f"mecab ×{w}: {t:.1f} s, efficiency {base / t:.2f}", flush=True)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers-list", default="1,2", help="comma-separated, e.g. 1,2,4,8,16")
    p.add_argument("--articles", type=int, default=3000, help="synthetic articles (default 3000)")
    p.add_argument("--batch-size", type=int, default=100, help="articles per batch, as the flow")
    p.add_argument("--repeat", type=int, default=1, help="runs per worker count; best is kept")
    p.add_argument("--lexicons", type=Path, default=ROOT / "lexicons")
    p.add_argument("--out", type=Path, default=OUT / "scaling", help="scratch folder")
    p.add_argument("--no-baseline", action="store_true", help="skip the mecab ×N baseline")
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()
    workers = [int(w) for w in a.workers_list.split(",") if w.strip()]

    corpus = a.out / f"corpus-{a.articles}.jsonl"
    if not corpus.exists():
        write_jsonl(corpus, a.articles)
    work = a.out / "plan"
    shutil.rmtree(work, ignore_errors=True)
    batches = plan_batches(corpus, work, a.batch_size).batch_files
    print(f"{a.articles:,} articles in {len(batches)} batches; cores: {os.cpu_count()}", flush=True)

    rows, base, base_cpu = [], 0.0, 0.0
    for w in workers:
        t, cpu, bg, chars = float("inf"), 0.0, 0.0, 0
        for _ in range(a.repeat):
            dt, dcpu, chars, load = run_once(batches, w, a.lexicons, a.out / "run")
            t, cpu, bg = min((t, cpu, bg), (dt, dcpu, load))
        base, base_cpu = base or t * workers[0], base_cpu or cpu
        speedup = base / t
        eff, cpu_eff = speedup / w, base_cpu / cpu
        rows.append([w, f"{t:.1f}", f"{chars / t:,.0f}", f"{a.articles / t:,.1f}",
                     f"{speedup:.2f}", f"{eff:.2f}", f"{cpu:.1f}", f"{cpu_eff:.2f}",
                     f"{bg:.2f}"])  # fmt: skip
        print(
            f"{w} workers: {t:.1f} s, speed-up {speedup:.2f}, efficiency {eff:.2f}, "
            f"CPU {cpu:.1f} s, background {bg:.2f} cores",
            flush=True,
        )
    headers = ["workers", "wall s", "chars/s", "articles/s", "speed-up", "efficiency"]
    text = table([*headers, "CPU s", "CPU efficiency", "background"], rows)
    note = (
        f"{a.articles:,} synthetic articles ({chars:,} chars) in {len(batches)} batches of "
        f"{a.batch_size}; wall time includes starting the pool and compiling the lexicons in "
        f"each worker. Speed-up is against {workers[0]} worker(s) × that count. "
        f"Target efficiency ≥ {TARGET_EFFICIENCY}. CPU s: CPU time of the pool's processes; "
        "CPU efficiency: that of 1 worker over it (1.00 = no work added by parallelism, "
        "valid even when other processes share the cores); background: cores kept busy by "
        "other processes during the run (wall figures are only valid near 0)."
    )
    over = [w for w in workers if w > (os.cpu_count() or 1)]
    if over:
        note += f" Worker counts above the {os.cpu_count()} cores ({over}) cannot scale here."
    if not a.no_baseline and shutil.which("mecab"):
        base_rows = mecab_baseline(workers)
        text += "\n\nMachine baseline, N independent `mecab` processes on 5 MB each:\n\n"
        headers = ["processes", "wall s", "speed-up", "efficiency", "CPU s", "CPU efficiency"]
        text += table([*headers, "background"], base_rows)
        note += (
            " The baseline shows how far the machine itself scales (no Python, no shared "
            "work): the pipeline cannot beat its efficiency."
        )
    print(text)
    print(note)
    if a.write:
        write_section("scaling", "Scaling over worker processes", text + "\n\n" + note)


if __name__ == "__main__":
    main()
