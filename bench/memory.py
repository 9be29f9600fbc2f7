"""Peak memory of a whole ``python -m pipeline run`` on synthetic JSON Lines corpora.

The process tree (the CLI, Prefect's embedded server, worker processes) is polled with
psutil. The target is judged on the tree's summed PSS (proportional set size): every worker
maps the same 250 MB MeCab dictionary, and summed RSS would count those shared pages once
per process. Summed RSS and the largest process's RSS are shown beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
from _common import OUT, PYTHON, ROOT, Background, table, wait_quiet, write_section
from synth import write_jsonl

TARGET_MB = 1024
SHORT_CHARS = 300


def supports_jsonl() -> str | None:
    """None if ``pipeline run --corpus x.jsonl`` is supported, else the reason it is not."""
    r = subprocess.run(
        [PYTHON, "-m", "pipeline", "run", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    if r.returncode != 0:
        return f"`python -m pipeline run --help` failed: {r.stderr.strip()[-200:]}"
    if "jsonl" not in r.stdout:
        return "`python -m pipeline run --corpus x.jsonl` is not supported yet"
    return None


def _tree_memory(proc: psutil.Process) -> tuple[int, int, int, int]:
    """(summed PSS, summed RSS, largest RSS, process count) of ``proc`` and its descendants."""
    pss, rss = [], []
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = p.memory_full_info()
            pss.append(info.pss)
            rss.append(info.rss)
    return sum(pss), sum(rss), max(rss, default=0), len(rss)


def measure(
    cmd: list[str], env: dict[str, str], log: Path, interval: float = 0.2
) -> dict[str, object]:
    """Run ``cmd`` (output to ``log``); poll its tree's memory every ``interval`` s until it
    exits.

    Descendants left running after it exits (an orphaned server) are terminated.
    """
    t0 = time.perf_counter()
    seen: dict[int, psutil.Process] = {}
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        ps = psutil.Process(proc.pid)
        peak_pss = peak_sum = peak_one = procs = 0
        while proc.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                seen.update({c.pid: c for c in ps.children(recursive=True)})
                pss, s, one, n = _tree_memory(ps)
                peak_pss, peak_sum = max(peak_pss, pss), max(peak_sum, s)
                peak_one, procs = max(peak_one, one), max(procs, n)
            time.sleep(interval)
        rc = proc.wait()
    seconds = time.perf_counter() - t0
    left = [p for p in seen.values() if p.is_running()]
    names = []
    for p in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            names.append(" ".join(p.cmdline())[:80])
    for p in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    psutil.wait_procs(left, timeout=10)
    return {
        "rc": rc,
        "seconds": seconds,
        "peak_pss_mb": peak_pss / 2**20,
        "peak_sum_mb": peak_sum / 2**20,
        "peak_one_mb": peak_one / 2**20,
        "procs": procs,
        "orphans": names,
        "tail": log.read_text(errors="replace").strip()[-600:],
    }


def _arguments() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sizes", default="10000", help="articles per run, comma-separated (default 10000)"
    )
    p.add_argument("--full", action="store_true", help="10k and 100k articles (~15 min)")
    p.add_argument("--big", action="store_true", help="also 1,000,000 articles (hours)")
    p.add_argument(
        "--mean-chars",
        type=float,
        default=SHORT_CHARS,
        help=f"mean article length (default {SHORT_CHARS}, short, to keep runs to minutes)",
    )
    p.add_argument("--full-length", action="store_true", help="seed-sized articles (~3,000 chars)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--bootstrap", type=int, default=100)
    p.add_argument("--extra", default="", help="more arguments for `pipeline run`")
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    return p.parse_args()


def main() -> None:
    a = _arguments()
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    if a.full or a.big:
        sizes = sorted({*sizes, 10_000, 100_000} | ({1_000_000} if a.big else set()))
    mean = None if a.full_length else a.mean_chars

    reason = supports_jsonl()
    if reason:
        print(f"cannot run: {reason}")
        if a.write:
            write_section("memory", "Peak memory of a whole run", f"Not measured: {reason}.")
        return

    rows, notes = [], []
    for n in sizes:
        tag = "full" if mean is None else f"{mean:g}c"
        corpus = OUT / f"corpus-{n}-{tag}.jsonl"
        if not corpus.exists():
            print(f"synthesising {corpus.name} ...", flush=True)
            write_jsonl(corpus, n, mean_chars=mean)
        out = OUT / "mem"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [PYTHON, "-m", "pipeline", "run", "--corpus", str(corpus), "--out", str(out)]
        cmd += ["--bootstrap", str(a.bootstrap), "--workers", str(a.workers), *a.extra.split()]
        with tempfile.TemporaryDirectory(prefix="prefect-home-") as home:
            env = {**os.environ, "PREFECT_HOME": home}
            wait_quiet()
            with Background() as bg:
                r = measure(cmd, env, OUT / f"mem-{n}.log")
        print(
            f"{n:,} articles: rc {r['rc']}, {r['seconds']:.0f} s, tree peak PSS "
            f"{r['peak_pss_mb']:,.0f} MB (RSS {r['peak_sum_mb']:,.0f} MB), largest process "
            f"{r['peak_one_mb']:,.0f} MB",
            flush=True,
        )
        if r["rc"] != 0:
            notes.append(f"{n:,} articles: exit {r['rc']}; log in bench/out/mem-{n}.log")
            print(r["tail"])
        if r["orphans"]:
            notes.append(f"{n:,} articles: left running, terminated: {r['orphans']}")
        size_mb = corpus.stat().st_size / 1e6
        verdict = "yes" if r["peak_pss_mb"] < TARGET_MB and r["rc"] == 0 else "no"
        rows.append(
            [f"{n:,}", f"{size_mb:,.0f}", r["rc"], f"{r['seconds']:,.0f}",
             f"{n / r['seconds']:,.0f}", f"{r['peak_pss_mb']:,.0f}", f"{r['peak_sum_mb']:,.0f}",
             f"{r['peak_one_mb']:,.0f}",
             r["procs"],
             f"{bg.cores:.2f}", verdict]
        )  # fmt: skip
    text = table(
        ["articles", "corpus MB", "exit", "seconds", "articles/s", "peak PSS tree MB",
         "peak RSS tree MB", "largest process MB", "processes", "background", "< 1 GB"],
        rows,
    )  # fmt: skip
    length = "seed-sized (~3,000 chars)" if mean is None else f"short ({mean:g} chars mean)"
    notes.insert(
        0,
        f"Articles are {length}; `--workers {a.workers} --bootstrap {a.bootstrap}`, a fresh "
        f"PREFECT_HOME and --out per run. Memory of the tree polled every 0.2 s. Target: "
        f"flat, under {TARGET_MB} MB.",
    )
    print(text)
    print("\n".join(notes))
    if a.write:
        body = text + "\n\n" + "\n".join(f"- {s}" for s in notes)
        write_section("memory", "Peak memory of a whole run", body)


if __name__ == "__main__":
    main()
