"""Check that a code change leaves a run's data/*.csv byte for byte as they were.

Runs ``python -m pipeline run`` from a checkout on a corpus with a fixed seed, then either
keeps its data/ as the reference or compares every data/*.csv against a reference folder.

    python bench/compare_outputs.py make --corpus corpus --ref /tmp/ref-seeds
    python bench/compare_outputs.py check --corpus corpus --ref /tmp/ref-seeds

Exit 0 when every file matches, 1 when one differs or is missing on either side, 2 when
the run itself failed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 7


def run_pipeline(corpus: Path, out: Path, bootstrap: int, permutations: int) -> Path:
    """Run the pipeline from this checkout, without cache; return the run's data folder."""
    cmd = [
        sys.executable, "-m", "pipeline", "run",
        "--corpus", str(corpus), "--out", str(out), "--seed", str(SEED),
        "--bootstrap", str(bootstrap), "--permutations", str(permutations),
        "--workers", "1", "--no-cache", "-q",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        sys.exit(2)
    return (out / "latest").resolve() / "data"


def differences(ref: Path, new: Path) -> list[str]:
    """One line per data/*.csv that is missing on one side or differs in its bytes."""
    names = sorted({p.name for p in ref.glob("*.csv")} | {p.name for p in new.glob("*.csv")})
    out = []
    for name in names:
        a, b = ref / name, new / name
        if not a.exists() or not b.exists():
            out.append(f"{name}: only in {'new' if b.exists() else 'reference'}")
        elif a.read_bytes() != b.read_bytes():
            out.append(f"{name}: differs")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["make", "check"])
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--ref", type=Path, required=True, help="reference data folder")
    p.add_argument("--bootstrap", type=int, default=200)
    p.add_argument("--permutations", type=int, default=200)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = run_pipeline(args.corpus.resolve(), Path(tmp), args.bootstrap, args.permutations)
        if args.mode == "make":
            shutil.rmtree(args.ref, ignore_errors=True)
            args.ref.mkdir(parents=True)
            for path in data.glob("*.csv"):
                shutil.copyfile(path, args.ref / path.name)
            print(f"reference: {len(list(args.ref.glob('*.csv')))} files in {args.ref}")
            return
        diffs = differences(args.ref, data)
    for line in diffs:
        print(line)
    n = len(list(args.ref.glob("*.csv")))
    print(f"{n} reference files, {len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
