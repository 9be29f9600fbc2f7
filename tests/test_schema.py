"""The run folder's schema: the README's Outputs table, the real tables' columns, and text that
looks like a missing value ("NA", "None") kept as text in every table and in history.csv."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline.runfolder.schema import TABLES, outputs_markdown
from pipeline.runfolder.tables import read_path, read_table, table_path, write_table

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- outputs:begin -->", "<!-- outputs:end -->"
ODD_NAMES = ("NA", "None")


def test_readme_outputs_table_is_the_schema() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split(BEGIN)[1].split(END)[0].strip()
    assert block == outputs_markdown(), "run `python scripts/outputs_table.py` to refresh it"


def test_outputs_table_script_rewrites_only_the_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{BEGIN}\n| old |\n{END}\n\ntail\n", "utf-8")
    subprocess.run([sys.executable, "scripts/outputs_table.py", str(readme)], cwd=ROOT, check=True)
    text = readme.read_text("utf-8")
    assert text.startswith("# x\n\n") and text.endswith("\n\ntail\n")
    assert outputs_markdown() in text and "| old |" not in text


def test_writer_and_reader_round_trip_odd_text(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"source": ["NA", "None", "", "nan", "null"], "frame": "f", "articles": [1.0, 2, 3, 4, 5],
         "tokens": 10, "hits": [0, 1, 2, 3, 4], "per_1k": [0.123456, None, 1, 2, 3],
         "ci_low": 0.0, "ci_high": 1.0, "share": None,
         "low_evidence": [True, False, True, False, True]}
    )  # fmt: skip
    path = write_table(df, tmp_path / "sources.csv")
    lines = path.read_text("utf-8").splitlines()
    assert lines[1] == "NA,f,1,10,0,0.1235,0.0,1.0,,TRUE"
    assert lines[2].startswith("None,f,2,10,1,,")
    back = read_path(path, "sources")
    assert list(back["source"]) == ["NA", "None", "", "nan", "null"]
    assert back["low_evidence"].tolist() == [True, False, True, False, True]
    assert back["per_1k"].isna().tolist() == [False, True, False, False, False]
    assert not list(tmp_path.glob(".*")), "temporary file left behind"


@pytest.fixture(scope="module")
def odd_run(harness, tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, lexicon_dir: Path):
    """The real flow, twice, on the seed corpus with two sources renamed "NA" and "None"."""
    from pipeline.orchestration.flows import Settings, framing_flow

    corpus = tmp_path_factory.mktemp("odd") / "corpus"
    shutil.copytree(corpus_dir, corpus)
    manifest = corpus / "manifest.csv"
    with manifest.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row, name in zip(rows, ODD_NAMES, strict=False):
        row["source"] = name
    with manifest.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = corpus.parent / "out"
    settings = Settings(corpus=str(corpus), lexicons=str(lexicon_dir), out=str(out), bootstrap=50,
                        permutations=50)  # fmt: skip
    framing_flow(settings)
    framing_flow(replace(settings, bootstrap=60))  # other settings: history gets its rows
    return out


def test_a_source_named_na_survives_into_every_table(odd_run: Path) -> None:
    run = (odd_run / "latest").resolve()
    corpus = read_table(run, "corpus")
    judged = set(corpus.loc[corpus["perspective"] != "", "source"])  # in validation.csv
    checked = []
    for name, t in TABLES.items():
        cols = [c for c in ("source", "source_a", "source_b") if c in t.columns]
        if not cols or not table_path(run, name).is_file():
            continue
        df = read_table(run, name)
        if df.empty:
            continue
        seen = set().union(*(set(df[c]) for c in cols))
        known = name in ("validation", "stance_expectations")  # sources of a known perspective
        expected = set(ODD_NAMES) & judged if known else set(ODD_NAMES)
        assert expected <= seen, name
        checked.append(name)
    assert {"articles", "sources", "hits", "corpus", "terms", "history"} <= set(checked)
    history = read_path(odd_run / "history.csv", "history")
    assert history["run_id"].nunique() == 2
    for run_id, g in history.groupby("run_id"):
        assert set(ODD_NAMES) <= set(g["source"]), run_id
    assert "" not in set(history["source"])


def test_real_tables_have_the_schema_columns(odd_run: Path) -> None:
    run = (odd_run / "latest").resolve()
    for name, t in TABLES.items():
        path = table_path(run, name)
        assert path.is_file(), name
        header = path.read_text("utf-8").split("\n", 1)[0].split(",")
        assert header == list(t.columns), name
