"""A run's record (``run.json``), typed: built up in memory during the run and written once,
atomically, when the run is complete.

The keys and their order are those readers know (the dashboard, the charts, ``stance-check``,
``bench/user_run.py``); ``lexicon_files`` lists every lexicon file the run read, the actor
lexicon included, and ``lexicons_sha256`` is the one hash over them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.runfolder.tables import atomic_write

RUN_JSON = "run.json"


@dataclass(slots=True)
class CorpusRecord:
    """What the run read: the corpus folder or file, its content hash and what came of it."""

    path: str
    sha256: str
    articles: int
    scored: int
    quarantined: int


@dataclass(slots=True)
class BatchRecord:
    size: int
    count: int
    task_runner: str


@dataclass(slots=True)
class RunRecord:
    """Everything ``run.json`` says, in its order; the optional parts are set as the run
    learns them (``finished``, ``duration_s`` and ``phases_s`` last)."""

    run_id: str
    started: str
    corpus: CorpusRecord
    lexicons: list[dict[str, Any]]
    lexicon_files: list[dict[str, str]]
    lexicons_sha256: str
    tools: dict[str, str]
    settings: dict[str, Any]
    batches: BatchRecord
    quarantined: list[dict[str, Any]]
    warnings: list[str]
    validation: dict[str, Any]
    stance_lexicons: list[dict[str, str]]
    stance_validation: dict[str, Any] | None = None
    finished: str | None = None
    duration_s: float | None = None
    phases_s: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The record as ``run.json`` holds it (``phases_s`` only once there are phases)."""
        data = asdict(self)
        out = {k: data[k] for k in ("run_id", "started", "finished", "duration_s")}
        out.update((k, v) for k, v in data.items() if k not in out and k != "phases_s")
        if self.phases_s:
            out["phases_s"] = data["phases_s"]
        return out


def write_record(run_dir: Path, record: RunRecord) -> Path:
    """Write ``run_dir/run.json`` once: to a temporary file, then renamed into place."""
    text = json.dumps(record.as_dict(), ensure_ascii=False, indent=2)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(Path(run_dir) / RUN_JSON, write)
