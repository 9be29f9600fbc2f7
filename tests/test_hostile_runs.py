"""A bad day, through the real flow: damaged caches, a corpus where nothing can be scored,
hostile names and ids. Each run completes and publishes what it claims, or nothing."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from pipeline.orchestration.flows import Settings, framing_flow
from pipeline.runfolder.tables import read_table

TEXT = (
    "ロシアのプーチン大統領は北朝鮮を訪問し、金正恩総書記と会談した。"
    "両首脳は包括的戦略パートナーシップ条約に署名し、軍事協力を深める方針を確認した。"
    "専門家は、特別軍事作戦を続けるロシアにとって北朝鮮の砲弾が重要だと指摘する。\n"
)


def _settings(corpus: Path, lexicon_dir: Path, out: Path, **kw) -> Settings:
    return Settings(
        corpus=str(corpus), lexicons=str(lexicon_dir), out=str(out), bootstrap=50,
        permutations=50, **kw,
    )  # fmt: skip


def _data(run: dict) -> dict[str, bytes]:
    data = Path(run["run_dir"]) / "data"
    return {p.name: p.read_bytes() for p in sorted(data.glob("*.csv"))}


@pytest.fixture(scope="module")
def cached_run(harness, tmp_path_factory, corpus_dir: Path, lexicon_dir: Path):
    """An output folder with one run and its caches, and that run's result (each test
    damages a copy)."""
    out = tmp_path_factory.mktemp("cached") / "out"
    return out, framing_flow(_settings(corpus_dir, lexicon_dir, out, batch_size=2))


@pytest.mark.parametrize("damage", ["aggregate_hits", "batch_table", "sqlite_file"])
def test_a_damaged_cache_is_rebuilt_and_never_published(
    cached_run, tmp_path: Path, corpus_dir: Path, lexicon_dir: Path, damage: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(cached_run[0], out, symlinks=True)
    settings = _settings(corpus_dir, lexicon_dir, out, batch_size=2)
    first = cached_run[1]
    cache = out / "cache"
    if damage == "aggregate_hits":  # the case that published a run without hits.csv
        (entry,) = (cache / "aggregate").iterdir()
        (entry / "hits.csv").unlink()
    elif damage == "batch_table":
        for entry in (cache / "batches").iterdir():
            (entry / "hits.parquet").write_bytes(b"PAR1 garbage")
        shutil.rmtree(cache / "aggregate")
    else:
        (cache / "analysis.sqlite").write_bytes(b"garbage" * 1000)
        shutil.rmtree(cache / "batches")
        shutil.rmtree(cache / "aggregate")
    second = framing_flow(settings)
    assert _data(second) == _data(first)
    assert (Path(second["run_dir"]) / "data" / "hits.csv").stat().st_size > 1000
    if damage == "sqlite_file":  # the rebuilt cache serves the next run
        assert _data(framing_flow(settings)) == _data(first)
        con = sqlite3.connect(cache / "analysis.sqlite")
        assert con.execute("SELECT count(*) FROM summaries").fetchone()[0] == 5


def test_a_corpus_where_every_article_is_quarantined_is_a_valid_run(
    harness, tmp_path: Path, lexicon_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "articles").mkdir(parents=True)
    (corpus / "articles" / "empty.txt").write_bytes(b"")
    (corpus / "articles" / "binary.bin").write_bytes(b"\x00\x01\x02" * 100)
    (corpus / "manifest.csv").write_text(
        "id,file,source\nmissing,articles/nope.txt,S\nempty,articles/empty.txt,S\n"
        "binary,articles/binary.bin,T\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = framing_flow(_settings(corpus, lexicon_dir, out))
    assert result["scored"] == 0 and len(result["quarantined"]) == 3
    latest = out / "latest"
    assert latest.resolve() == Path(result["run_dir"]).resolve()
    html = (latest / "dashboard.html").read_text(encoding="utf-8")
    assert 'id="nothing-scored"' in html
    for reason in ("file not found", "empty file", "binary file"):
        assert reason in html
    assert json.loads((latest / "charts" / "charts.json").read_text(encoding="utf-8")) is not None


HOSTILE_SOURCES = {
    "formula": '=HYPERLINK("http://evil.example","x")',
    "plus": "+81 通信",
    "minus": "-社説",
    "at": "@SUM(A1)",
    "tab": "\tタブ",
    "bidi": "通信\u202e24.15\u202c",
    "quote": "'=already",
}


def _hostile_corpus(path: Path) -> None:
    rows = []
    for k, (key, source) in enumerate(HOSTILE_SOURCES.items()):
        rows.append({"id": f"{key}", "source": source, "text": TEXT + f"{k}番目の記事。\n"})
    # Two ids that used to share a file name on a case-insensitive disk, or by slug.
    rows.append({"id": "Case-1", "source": "S", "text": TEXT + "大文字の記事。\n"})
    rows.append({"id": "case-1", "source": "S", "text": TEXT + "小文字の記事、別の本文。\n"})
    rows.append({"id": "x y", "source": "S", "text": TEXT + "空白の記事。\n"})
    rows.append({"id": "x-y", "source": "S", "text": TEXT + "ハイフンの記事。\n"})
    rows.append({"id": "=1+1", "source": "S", "text": "-2+3 " + TEXT})
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def test_hostile_names_and_ids_are_neutralised_isolated_and_kept_apart(
    harness, tmp_path: Path, lexicon_dir: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    _hostile_corpus(corpus)
    out = tmp_path / "out"
    run = framing_flow(_settings(corpus, lexicon_dir, out, batch_size=100))
    run_dir = Path(run["run_dir"])
    assert run["scored"] == 12 and not run["quarantined"]
    # every CSV cell that a spreadsheet would run carries a leading apostrophe
    for path in [*sorted((run_dir / "data").glob("*.csv")), out / "history.csv"]:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            for cell in row:
                if cell[:1] in ("=", "+", "@", "\t", "\r"):
                    pytest.fail(f"{path.name}: formula cell {cell!r}")
                if cell.startswith("-"):
                    float(cell)  # only numbers may start with a minus
    corpus_csv = read_table(run_dir, "corpus")
    expected = {v.strip() for k, v in HOSTILE_SOURCES.items() if k != "bidi"}
    assert expected <= set(corpus_csv["source"]), "the reader restores the text"
    raw_sources = pd.read_csv(run_dir / "data" / "sources.csv", dtype=str)["source"]
    assert "'" + HOSTILE_SOURCES["formula"] in set(raw_sources)
    # texts: one file per id, each the text of its own article, raw (not neutralised)
    corpus_rows = pd.read_csv(run_dir / "data" / "corpus.csv", dtype=str, keep_default_na=False)
    files = corpus_rows["text_file"].tolist()
    assert len(set(files)) == len({f.lower() for f in files}) == 12
    texts = {
        aid.lstrip("'"): (run_dir / "data" / f).read_text(encoding="utf-8")
        for aid, f in zip(corpus_rows["article_id"], files, strict=True)
    }
    assert "大文字" in texts["Case-1"] and "小文字" in texts["case-1"]
    assert "空白" in texts["x y"] and "ハイフン" in texts["x-y"]
    assert texts["=1+1"].startswith("-2+3")
    hits = read_table(run_dir, "hits")
    for aid, start, end, matched in zip(
        hits["article_id"], hits["char_start"], hits["char_end"], hits["matched"], strict=True
    ):
        assert texts[aid][int(start) : int(end)] == matched
    # the page never carries a raw bidi control; the name is shown with it made visible
    html = (run_dir / "dashboard.html").read_text(encoding="utf-8")
    assert "\u202e" not in html and "\u202c" not in html
    assert "通信[U+202E]24.15[U+202C]" in html
    charts = (run_dir / "charts" / "charts.json").read_text(encoding="utf-8")
    assert "\\u202e" not in charts.lower() and "\u202e" not in charts
    # the same bytes with batches of one (each a task of its own)
    again = framing_flow(_settings(corpus, lexicon_dir, tmp_path / "out1", batch_size=1))
    assert _data(again) == _data(run)
