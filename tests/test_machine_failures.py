"""Failures of the machine and bad numbers, through the real CLI: one line with the reason,
the documented exit code, no traceback, and ``latest`` and ``history.csv`` as they were.

A full disk and a read-only folder are real: a small tmpfs in a private mount namespace
(``unshare``, root or user namespaces), which vanishes with the command and touches nothing
outside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr[-3000:]
    return errors[0]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--bootstrap", "100000000", "--bootstrap must be at most 100,000"),
        ("--workers", "100000", "--workers must be at most 256"),
        ("--max-bytes", "0", "--max-bytes must be at least 1"),
        ("--seed", "-1", "--seed must be at least 0"),
        ("--seed", str(2**40), "--seed must be at most"),
        ("--permutations", "10000000", "--permutations must be at most"),
    ],
)
def test_an_absurd_number_is_a_usage_error(tmp_path: Path, option: str, value: str, says: str):
    done = _cli("run", "--out", str(tmp_path / "out"), option, value, timeout=120)
    assert done.returncode == 2
    assert says in _one_line_error(done)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["inf", "nan", "1e3", "ten"])
def test_a_number_that_is_not_a_whole_number_is_a_usage_error(tmp_path: Path, value: str):
    done = _cli("run", "--out", str(tmp_path / "out"), "--bootstrap", value, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "invalid int value" in done.stderr


def _seed_parquet(path: Path, corpus_dir: Path) -> None:
    from pipeline.ingest.corpus import read_article, read_manifest

    refs = read_manifest(corpus_dir).articles
    rows = [{"id": r.id, "source": r.source, "text": read_article(r)[0]} for r in refs]
    pq.write_table(pa.Table.from_pylist(rows), path)


def test_a_truncated_parquet_corpus_is_bad_input(tmp_path: Path, corpus_dir: Path) -> None:
    path = tmp_path / "corpus.parquet"
    _seed_parquet(path, corpus_dir)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    done = _cli("run", "--corpus", str(path), "--out", str(tmp_path / "out"), timeout=300)
    assert done.returncode == 2
    assert "not a readable parquet file" in _one_line_error(done)


def _namespace_ok() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--map-root-user", "true"] if os.geteuid() else
        ["unshare", "--mount", "true"], capture_output=True,
    )  # fmt: skip
    return probe.returncode == 0


needs_namespace = pytest.mark.skipif(
    not _namespace_ok(), reason="no private mount namespace here (unshare refused)"
)


@needs_namespace
@pytest.mark.parametrize("failure", ["read_only", "disk_full"])
def test_a_read_only_or_full_output_folder_ends_in_one_line(tmp_path: Path, failure: str):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    report = tmp_path / "report"
    size = "900k" if failure == "disk_full" else "4m"
    remount = 'mount -o remount,ro "$MNT"' if failure == "read_only" else "true"
    script = f"""
set -e
mount -t tmpfs -o size={size} tmpfs "$MNT"
mkdir -p "$MNT/out/runs/20240101T000000Z-aaaaaa"
echo "old run" > "$MNT/out/runs/20240101T000000Z-aaaaaa/dashboard.html"
ln -s runs/20240101T000000Z-aaaaaa "$MNT/out/latest"
printf 'run_id,source\n20240101T000000Z-aaaaaa,S\n' > "$MNT/out/history.csv"
{remount}
set +e
"$PY" -m pipeline run --out "$MNT/out" --bootstrap 20 --permutations 20 --no-cache \
    > "$REPORT.stdout" 2> "$REPORT.stderr"
echo $? > "$REPORT.rc"
readlink "$MNT/out/latest" > "$REPORT.latest"
cat "$MNT/out/history.csv" > "$REPORT.history"
"""
    env = {**os.environ, "MNT": str(mnt), "PY": sys.executable, "REPORT": str(report)}
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid():
        unshare.insert(1, "--map-root-user")
    subprocess.run([*unshare, "sh", "-c", script], cwd=ROOT, env=env, timeout=600, check=True)
    done = subprocess.CompletedProcess(
        [], int(Path(f"{report}.rc").read_text()), Path(f"{report}.stdout").read_text(),
        Path(f"{report}.stderr").read_text(),
    )  # fmt: skip
    assert done.returncode == 1
    line = _one_line_error(done)
    expected = "read-only file system" if failure == "read_only" else "the disk is full"
    assert expected in line
    assert Path(f"{report}.latest").read_text().strip() == "runs/20240101T000000Z-aaaaaa"
    assert Path(f"{report}.history").read_text() == "run_id,source\n20240101T000000Z-aaaaaa,S\n"
