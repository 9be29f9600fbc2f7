"""The user's path, end to end: ``python -m pipeline run`` as the quick start runs it (every
lexicon kind on — frames, stance, sourcing — the analysis cache on, one worker), on synthetic
corpora of several sizes, against the ``mecab`` binary on the same text in the same
repetition.

Per size: the run's wall and CPU seconds (the process and the children it waited for) and
its phases from ``run.json`` (``phases_s``). The headline is the **variable cost**: the
characters of the largest corpus minus those of the one-article corpus, over the CPU seconds
between the two runs, as a multiple of mecab's characters per CPU second. The fixed cost is
the one-article run against an empty Prefect flow run the same way (a cold process).
Each repetition runs every case in turn; verdicts are medians of the repetitions' ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _common import OUT, ROOT, table, write_section
from prefect_overhead import EMPTY_FLOW
from prefect_overhead import timed as cold
from synth import take_mb, write_blob
from throughput import DICDIR

PHASES = ["start", "lexicons", "analysis", "aggregation", "charts", "dashboard"]


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s of the command's process tree, background cores), cold: a fresh
    ``PREFECT_HOME``, as ``prefect_overhead.py`` runs its cases."""
    with tempfile.TemporaryDirectory() as home:
        wall, cpu, bg, _ = cold(cmd, home)
    return wall, cpu, bg


def write_corpus(folder: Path, mb: float) -> tuple[Path, Path, int]:
    """A JSON Lines corpus of ``mb`` MB (0: one article) and the same text as one blob for
    mecab; returns (corpus, blob, characters)."""
    arts = take_mb(mb) if mb > 0 else take_mb(0.000001)[:1]
    corpus = folder / f"user-run-{mb:g}mb.jsonl"
    with corpus.open("w", encoding="utf-8") as f:
        for art in arts:
            f.write(json.dumps(art, ensure_ascii=False) + "\n")
    blob = folder / f"user-run-{mb:g}mb.txt"
    chars, _ = write_blob(blob, arts)
    return corpus, blob, chars


def pipeline_run(corpus: Path, out: Path, args: argparse.Namespace) -> dict[str, object]:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus)]
    cmd += ["--lexicons", str(ROOT / "lexicons"), "--out", str(out), "--workers", "1"]
    if args.bootstrap:
        cmd += ["--bootstrap", str(args.bootstrap), "--permutations", str(args.bootstrap)]
    wall, cpu, bg = timed(cmd)
    info = json.loads((out / "latest" / "run.json").read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": cpu, "bg": bg, "phases": info.get("phases_s", {})}


def mecab(blob: Path) -> tuple[float, float]:
    cmd = ["mecab", "-d", DICDIR, "-r", f"{DICDIR}/mecabrc", str(blob), "-o", "/dev/null"]
    wall, cpu, _ = timed(cmd)
    return wall, cpu


def repetition(sizes: list[float], corpora: dict, args: argparse.Namespace) -> dict:
    """Every case once, in turn: the empty flow, mecab and the pipeline on each size."""
    out = OUT / "user-run-out"
    empty_wall, empty_cpu, _ = timed([sys.executable, "-c", EMPTY_FLOW])
    rep: dict = {"empty": (empty_wall, empty_cpu), "runs": {}, "mecab": {}}
    for mb in sizes:
        corpus, blob, _ = corpora[mb]
        rep["mecab"][mb] = mecab(blob)
        rep["runs"][mb] = pipeline_run(corpus, out, args)
    return rep


def summarise(sizes: list[float], corpora: dict, reps: list[dict]) -> str:
    small, large = sizes[0], sizes[-1]
    extra_chars = corpora[large][2] - corpora[small][2]
    ratios, fixed, fixed_cpu, rows = [], [], [], []
    for rep in reps:
        run_cpu = rep["runs"][large]["cpu"] - rep["runs"][small]["cpu"]
        mecab_cpu = rep["mecab"][large][1] - rep["mecab"][small][1]
        if run_cpu > 0 and mecab_cpu > 0:  # both differences above the CPU clock's resolution
            ratios.append((extra_chars / run_cpu) / (extra_chars / mecab_cpu))
        fixed.append(rep["runs"][small]["wall"] / rep["empty"][0])
        fixed_cpu.append(rep["runs"][small]["cpu"] / rep["empty"][1])
    for mb in sizes:
        runs = [rep["runs"][mb] for rep in reps]
        med = {p: statistics.median(r["phases"].get(p, 0.0) for r in runs) for p in PHASES}
        rows.append(
            [
                f"{mb:g} MB" if mb else "1 article",
                f"{corpora[mb][2]:,}",
                f"{statistics.median(r['wall'] for r in runs):.1f}",
                f"{statistics.median(r['cpu'] for r in runs):.1f}",
                *(f"{med[p]:.1f}" for p in PHASES),
                f"{max(r['bg'] for r in runs):.2f}",
            ]
        )
    lines = [
        table(["corpus", "chars", "wall s", "CPU s", *PHASES, "background"], rows),
        "",
        f"- **Variable cost** ({large:g} MB minus one article, CPU seconds): "
        + (
            f"**{statistics.median(ratios):.2f} × mecab** per core, median of "
            f"{len(ratios)} repetitions ({', '.join(f'{r:.2f}' for r in ratios)})."
            if ratios
            else "not measured: the corpora are too close in size for the CPU clock."
        ),
        f"- **Fixed cost**: one-article run / empty Prefect flow run (cold processes, wall): "
        f"**{statistics.median(fixed):.2f} ×** ({', '.join(f'{r:.2f}' for r in fixed)}); "
        f"empty flow {statistics.median(rep['empty'][0] for rep in reps):.1f} s; in CPU "
        f"seconds of the process trees (steadier on a busy machine) "
        f"{statistics.median(fixed_cpu):.2f} × ({', '.join(f'{r:.2f}' for r in fixed_cpu)}).",
        "- Phases are medians of `run.json`'s `phases_s` (seconds); `start` runs from the "
        "process's creation to the flow's first line.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", default="0,1,3", help="corpus sizes in MB; 0 = one article")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=0, help="0: the run's default")
    parser.add_argument("--write", action="store_true", help="add the section to RESULTS.md")
    args = parser.parse_args()
    if shutil.which("mecab") is None:
        sys.exit("mecab not found: apt-get install -y mecab (see bench/README.md)")
    sizes = sorted(float(x) for x in args.mb.split(","))
    OUT.mkdir(parents=True, exist_ok=True)
    corpora = {mb: write_corpus(OUT, mb) for mb in sizes}
    reps = [repetition(sizes, corpora, args) for _ in range(args.repeat)]
    body = summarise(sizes, corpora, reps)
    print(body)
    if args.write:
        write_section("user_run", "The user's path: a whole run against mecab", body)


if __name__ == "__main__":
    main()
