"""Record a published run in the output folder's ``history.csv``."""

from __future__ import annotations

from pathlib import Path

from pipeline.runfolder import runs
from pipeline.runfolder.record import RunRecord
from pipeline.runfolder.tables import read_table


def record_history(out: Path, record: RunRecord, final: Path) -> None:
    """Append the published run's per-source scores to ``history.csv``, keyed by what
    produced them."""
    key = runs.HistoryKey(
        record.run_id,
        record.finished or "",
        record.lexicons_sha256,
        record.corpus.sha256,
        record.corpus.path,
        runs.settings_hash(record.settings),
    )
    runs.append_history(out, key, read_table(final, "sources"))
