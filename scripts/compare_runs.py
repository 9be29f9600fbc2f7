"""Check that a refactoring left a run's tables byte-identical: data/*.csv of two runs.

    python scripts/compare_runs.py OLD NEW            # two run folders (or output folders)
    python scripts/compare_runs.py --rev 33172bc      # run REV and the working tree, compare

With ``--rev`` the revision is exported with ``git archive`` into a temporary folder and both
it and the working tree run on the seed corpus and on a synthetic corpus (``bench/synth.py``,
``--synth N`` articles, 0 to skip), each with ``--no-cache``. Exit 0 when every table is
identical, 1 when one differs (each difference named, with its first differing line).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_folder(path: Path) -> Path:
    """A run folder: ``path`` itself, or an output folder's ``latest``."""
    return path / "latest" if (path / "latest" / "data").is_dir() else path


def compare(old: Path, new: Path) -> list[str]:
    """The differences between two run folders' ``data/*.csv``, one line each."""
    a, b = run_folder(old) / "data", run_folder(new) / "data"
    names = sorted({p.name for p in a.glob("*.csv")} | {p.name for p in b.glob("*.csv")})
    out = []
    for name in names:
        if not (a / name).is_file() or not (b / name).is_file():
            out.append(f"{name}: only in {'new' if (b / name).is_file() else 'old'}")
            continue
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if x != y:
            lx, ly = x.decode().splitlines(), y.decode().splitlines()
            k = next((i for i, (p, q) in enumerate(zip(lx, ly, strict=False)) if p != q), None)
            where = f"line {k + 1}: {lx[k]!r} != {ly[k]!r}" if k is not None else "length"
            out.append(f"{name}: {len(lx)} vs {len(ly)} lines; {where}")
    return out


def run(src: Path, corpus: Path, out: Path) -> None:
    """Run the pipeline of the source tree ``src`` on ``corpus`` into ``out``."""
    cmd = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus),
           "--lexicons", str(ROOT / "lexicons"), "--out", str(out), "--no-cache"]  # fmt: skip
    subprocess.run(cmd, cwd=src, check=True, stdout=subprocess.DEVNULL)


def against_rev(rev: str, synth: int, work: Path) -> list[str]:
    old_src = work / "old"
    old_src.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(old_src)], input=archive.stdout, check=True)
    corpora = {"seed": ROOT / "corpus"}
    if synth:
        path = work / f"synth-{synth}.jsonl"
        synth_cmd = [sys.executable, str(ROOT / "bench" / "synth.py"), "jsonl", "--n",
                     str(synth), "--out", str(path)]  # fmt: skip
        subprocess.run(synth_cmd, check=True, stdout=subprocess.DEVNULL)
        corpora["synth"] = path
    problems = []
    for name, corpus in corpora.items():
        run(old_src, corpus, work / f"{name}-old")
        run(ROOT, corpus, work / f"{name}-new")
        problems += [f"{name}: {p}" for p in compare(work / f"{name}-old", work / f"{name}-new")]
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old", nargs="?", type=Path)
    p.add_argument("new", nargs="?", type=Path)
    p.add_argument("--rev", help="run this git revision and the working tree, and compare")
    p.add_argument("--synth", type=int, default=2000, help="synthetic articles (0: none)")
    a = p.parse_args()
    if a.rev:
        with tempfile.TemporaryDirectory() as tmp:
            problems = against_rev(a.rev, a.synth, Path(tmp))
    elif a.old and a.new:
        problems = compare(a.old, a.new)
    else:
        p.error("give two run folders, or --rev")
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} table(s) differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
