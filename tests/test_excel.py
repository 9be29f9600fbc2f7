"""Excel-friendly CSV: the UTF-8 byte-order mark, added once, read back by every reader."""

from __future__ import annotations

import csv

import pandas as pd

from pipeline.runfolder.excel import BOM, add_bom


def test_the_mark_is_added_once_and_readers_see_the_same_table(tmp_path):
    df = pd.DataFrame({"source": ["朝日新聞", "Valdai"], "low_evidence": ["TRUE", "FALSE"]})
    df.to_csv(tmp_path / "sources.csv", index=False)
    (tmp_path / "notes.txt").write_text("not a table")
    assert add_bom(tmp_path) == [tmp_path / "sources.csv"]
    assert add_bom(tmp_path) == [], "a marked file is left alone"
    data = (tmp_path / "sources.csv").read_bytes()
    assert data.startswith(BOM) and not data[len(BOM) :].startswith(BOM)
    back = pd.read_csv(tmp_path / "sources.csv")
    assert list(back.columns) == ["source", "low_evidence"]
    assert back["low_evidence"].tolist() == [True, False], "TRUE/FALSE read as logicals"
    with open(tmp_path / "sources.csv", encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == ["source", "low_evidence"]
    assert (tmp_path / "notes.txt").read_text() == "not a table"
    assert not list(tmp_path.glob(".*")), "no temporary file left"
