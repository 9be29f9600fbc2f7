"""Incremental runs: a cold run, an unchanged rerun, and a rerun after one lexicon edit.

Each is ``python -m pipeline run`` in a fresh subprocess on the same --out (so the second and
third find the analysis cache of the first) with one PREFECT_HOME for all three, as a daily
scheduled run would have. The figures are whole-run wall and CPU seconds, Prefect included.

    .venv/bin/python bench/rerun.py --n 10000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _common import OUT, PYTHON, ROOT, Background, cpu_seconds, table, wait_quiet, write_section
from synth import write_jsonl

SHORT_CHARS = 300


def timed(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the run and its children) and background cores."""
    wait_quiet()
    with Background() as bg, open(log, "w") as fh:
        c0, t0 = cpu_seconds(), time.perf_counter()
        rc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT).returncode
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {rc}; see {log}")
    return wall, cpu, bg.cores


def edit_one_lexicon(src: Path, dst: Path) -> str:
    """Copy the lexicons and append one entry to the first file; return its name."""
    shutil.copytree(src, dst)
    first = sorted(dst.glob("*.yaml"))[0]
    text = first.read_text(encoding="utf-8").rstrip("\n")
    entry = ["  - term: 声明", "    category: bench", "    weight: 1.0", "    note: bench/rerun.py"]
    text += "\n" + "\n".join(entry) + "\n"
    first.write_text(text, encoding="utf-8")
    return first.name


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000, help="articles (short, 300 chars mean)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()
    corpus = OUT / f"corpus-{a.n}-{SHORT_CHARS}c.jsonl"
    if not corpus.exists():
        write_jsonl(corpus, a.n, mean_chars=SHORT_CHARS)
    out = OUT / "rerun"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    edited = out / "lexicons-edited"
    name = edit_one_lexicon(ROOT / "lexicons", edited)
    base = [PYTHON, "-m", "pipeline", "run", "--corpus", str(corpus), "--out", str(out / "runs")]
    base += ["--workers", str(a.workers)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="prefect-home-") as home:
        env = {**os.environ, "PREFECT_HOME": home}
        steps = [
            ("cold (empty cache)", base),
            ("unchanged rerun", base),
            (f"rerun after adding one entry to {name}", [*base, "--lexicons", str(edited)]),
        ]
        cold = None
        for k, (label, cmd) in enumerate(steps):
            wall, cpu, bg = timed(cmd, env, out / f"step-{k}.log")
            cold = cold or wall
            rows.append([label, f"{wall:.1f}", f"{cpu:.1f}", f"{wall / cold:.2f}", f"{bg:.2f}"])
            print(rows[-1], flush=True)
    text = table(["run", "wall s", "CPU s", "× cold (wall)", "background"], rows)
    note = (
        f"{a.n:,} short articles ({SHORT_CHARS} chars mean), `--workers {a.workers}`, one "
        "PREFECT_HOME for the three runs, the same --out (its analysis cache is what the "
        "reruns reuse). Wall and CPU seconds of the whole `python -m pipeline run` process, "
        "Prefect's embedded server start included."
    )
    print(text + "\n" + note)
    if a.write:
        write_section("rerun", "Incremental reruns", text + "\n\n" + note)


if __name__ == "__main__":
    main()
