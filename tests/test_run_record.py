"""The run record: typed, in run.json's order, written once and atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.runfolder.record import BatchRecord, CorpusRecord, RunRecord, write_record

ORDER = [
    "run_id", "started", "finished", "duration_s", "corpus", "lexicons", "lexicon_files",
    "lexicons_sha256", "tools", "settings", "batches", "quarantined", "warnings", "validation",
    "stance_lexicons", "stance_validation",
]  # fmt: skip


def _record() -> RunRecord:
    return RunRecord(
        run_id="r1",
        started="2026-01-01T00:00:00+00:00",
        corpus=CorpusRecord("/c", "a" * 64, 3, 2, 1),
        lexicons=[{"frame": "f", "label": "F", "file": "/l/f.yaml", "entries": 1, "sha256": "b"}],
        lexicon_files=[{"name": "f.yaml", "file": "/l/f.yaml", "sha256": "b"}],
        lexicons_sha256="c" * 64,
        tools={"python": "3"},
        settings={"seed": 1},
        batches=BatchRecord(100, 1, "ThreadPoolTaskRunner"),
        quarantined=[{"article_id": "x", "reason": "empty"}],
        warnings=[],
        validation={},
        stance_lexicons=[],
    )


def test_the_record_keeps_run_json_order_and_adds_phases_last() -> None:
    record = _record()
    assert list(record.as_dict()) == ORDER
    assert record.as_dict()["corpus"]["quarantined"] == 1
    assert record.as_dict()["batches"] == {
        "size": 100,
        "count": 1,
        "task_runner": "ThreadPoolTaskRunner",
    }
    record.phases_s = {"start": 1.0}
    assert list(record.as_dict()) == [*ORDER, "phases_s"]


def test_the_record_replaces_run_json_whole(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("old", "utf-8")
    record = _record()
    record.finished, record.duration_s = "2026-01-01T00:01:00+00:00", 60.0
    write_record(tmp_path, record)
    assert json.loads((tmp_path / "run.json").read_text("utf-8"))["duration_s"] == 60.0
    assert sorted(os.listdir(tmp_path)) == ["run.json"], "no temporary file left"


def test_a_record_that_cannot_be_written_leaves_the_old_one(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("old", "utf-8")
    record = _record()
    record.settings = {"bad": object()}
    with pytest.raises(TypeError):
        write_record(tmp_path, record)
    assert (tmp_path / "run.json").read_text("utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["run.json"]
