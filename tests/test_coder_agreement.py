"""scripts/coder_agreement.py: κ between two codings and the agreed pairs, run as users run it."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "coder_agreement.py"
DEV = ROOT / "gold" / "stance" / "dev"


def _write(path: Path, rows: list[tuple[str, str, int]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "target", "stance", "note"])
        for id_, target, stance in rows:
            w.writerow([id_, target, stance, "n"])


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True
    )


def _ids(n: int) -> list[str]:
    with (DEV / "manifest.csv").open(encoding="utf-8") as f:
        return [r["id"] for r in csv.DictReader(f)][:n]


def test_disagreements_lower_kappa_and_stay_out_of_the_agreed_file(tmp_path: Path) -> None:
    shutil.copy(DEV / "manifest.csv", tmp_path / "manifest.csv")
    ids = _ids(6)
    first = [(i, "russia", s) for i, s in zip(ids, [1, -1, 0, 0, 1, -1], strict=True)]
    second = [(i, "russia", s) for i, s in zip(ids, [1, -1, 0, 1, 0, -1], strict=True)]
    _write(tmp_path / "a.csv", first)
    _write(tmp_path / "b.csv", [*second, (ids[0], "dprk", 0)])
    agreed = tmp_path / "agreed.csv"
    r = _run(str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--agreed", str(agreed))
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.split()[0] == "all").split()
    assert line[1] == "6" and 0 < float(line[-1]) < 1
    assert "coded by one coding only (left out): 1" in r.stdout
    with agreed.open(encoding="utf-8") as f:
        kept = {(row["id"], int(row["stance"])) for row in csv.DictReader(f)}
    assert kept == {(ids[0], 1), (ids[1], -1), (ids[2], 0), (ids[5], -1)}


def test_a_bad_gold_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    shutil.copy(DEV / "manifest.csv", tmp_path / "manifest.csv")
    _write(tmp_path / "a.csv", [(_ids(1)[0], "russia", 5)])
    r = _run(str(tmp_path / "a.csv"), str(tmp_path / "a.csv"))
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
