"""Manage an output folder: one run folder per run, an atomic ``latest``, a lock, history.

A run is built in ``runs/.partial-<id>/`` and renamed into place only when complete; then
``latest`` is switched to it with one ``os.replace`` of a symlink. A run killed at any moment
leaves ``latest`` as it was, and the next run removes what the killed one left.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import read_path, write_table

PARTIAL = ".partial-"
HISTORY_COLUMNS = columns("history")


class RunBusy(RuntimeError):
    """Another run holds this output folder."""


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time plus a short random suffix."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock for the duration; raise RunBusy at once if another run has it."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunBusy(
                f"another run is writing to {out}; try again when it has finished"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_free(out: Path) -> None:
    """Raise RunBusy now if another run holds ``out`` (the flow takes the lock itself)."""
    if (out / ".lock").exists():
        with locked(out):
            pass


def remove_partials(out: Path) -> list[Path]:
    """Delete run folders that a killed run left half-written (call while holding the lock)."""
    runs = out / "runs"
    stale = sorted(runs.glob(f"{PARTIAL}*")) if runs.is_dir() else []
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    for tmp in out.glob(".latest-*"):
        tmp.unlink(missing_ok=True)
    return stale


def staging_dir(out: Path, run_id: str) -> Path:
    """The folder a run writes into until it is published."""
    path = out / "runs" / f"{PARTIAL}{run_id}"
    path.mkdir(parents=True)
    return path


def publish(out: Path, staging: Path, run_id: str) -> Path:
    """Move a complete run into place and point ``latest`` at it, atomically."""
    final = out / "runs" / run_id
    os.replace(staging, final)
    tmp = out / f".latest-{run_id}"
    tmp.unlink(missing_ok=True)
    os.symlink(Path("runs") / run_id, tmp)
    latest = out / "latest"
    if latest.is_dir() and not latest.is_symlink():
        shutil.rmtree(latest)
    os.replace(tmp, latest)
    return final


def append_history(
    out: Path, run_id: str, finished: str, lexicons_sha: str, sources: pd.DataFrame
) -> Path:
    """Add this run's per-source scores to ``history.csv`` (rewritten atomically)."""
    path = history_path(out)
    rows = sources.assign(run_id=run_id, finished=finished, lexicons_sha256=lexicons_sha)
    old = read_path(path, "history")
    frames = [df for df in (old, rows[HISTORY_COLUMNS]) if not df.empty]
    merged = pd.concat(frames, ignore_index=True) if frames else rows[HISTORY_COLUMNS]
    return write_table(merged, path, "history")


def history_path(out: Path) -> Path:
    """The output folder's ``history.csv``."""
    return Path(out) / "history.csv"


def prune(out: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` run folders (never the one ``latest`` points to)."""
    runs = out / "runs"
    if keep <= 0 or not runs.is_dir():
        return []
    current = (out / "latest").resolve() if (out / "latest").exists() else None
    done = sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith("."))
    removed = []
    for path in done[:-keep]:
        if path.resolve() != current:
            shutil.rmtree(path)
            removed.append(path)
    return removed
