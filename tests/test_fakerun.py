"""The fake run folder the chart and dashboard tests use is built from the schema: every table
it declares is written, with the declared header, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fakerun import NOT_FAKED, NOT_IN_EVERY_RUN, _write_run_tables, make_fake_run

from pipeline.runfolder.schema import TABLES, columns


def header(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()[0].split(",")


def test_a_fake_run_writes_every_declared_table_with_its_header(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "out" / "runs" / "r1", stance=True, history_runs=2)
    written = {p.stem for p in (run / "data").glob("*.csv")}
    expected = set(TABLES) - {"history"} - NOT_FAKED
    assert written == expected
    for name in written:
        assert header(run / TABLES[name].file) == columns(name), name
    assert header(tmp_path / "out" / "history.csv") == columns("history")


def test_a_plain_fake_run_leaves_out_only_the_optional_tables(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    written = {p.stem for p in (run / "data").glob("*.csv")}
    assert written == set(TABLES) - NOT_IN_EVERY_RUN
    ints = TABLES["articles"].of("int")
    articles = pd.read_csv(run / "data" / "articles.csv")
    assert all(pd.api.types.is_integer_dtype(articles[c]) for c in ints), ints


def test_a_table_the_schema_lacks_or_one_not_built_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"not in the schema \['toy'\]"):
        _write_run_tables(tmp_path, {"toy": []})
    with pytest.raises(ValueError, match=r"not built \[.*'sources'"):
        _write_run_tables(tmp_path, {"hits": []})
