"""Integration: the real Prefect flow on the seed corpus, checked for real properties."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.scores import ARTICLE_COLUMNS, SOURCE_COLUMNS


def test_run_folder_is_published_atomically(seed_run):
    out, result = seed_run
    latest = out / "latest"
    assert latest.is_symlink()
    assert latest.resolve() == Path(result["run_dir"]).resolve()
    assert not list((out / "runs").glob(".partial-*"))
    run_dir = latest.resolve()
    for name in ("articles", "sources", "hits", "terms", "corpus", "removed", "lexicon"):
        assert (run_dir / "data" / f"{name}.csv").is_file(), name
    assert (run_dir / "dashboard.html").stat().st_size > 10_000
    assert list((run_dir / "charts").glob("*.png"))
    assert not (run_dir / "_work").exists()


def test_tables_have_the_documented_columns(seed_run, lexicon_dir):
    run_dir = (seed_run[0] / "latest").resolve()
    articles = pd.read_csv(run_dir / "data" / "articles.csv")
    sources = pd.read_csv(run_dir / "data" / "sources.csv")
    assert list(articles.columns) == ARTICLE_COLUMNS
    assert list(sources.columns) == SOURCE_COLUMNS
    frames = sorted(p.stem for p in lexicon_dir.glob("*.yaml"))
    assert sorted(sources["frame"].unique()) == frames
    assert len(articles) == 5 * len(frames)
    assert (sources["ci_low"] <= sources["ci_high"]).all()
    assert ((sources["hits"] == 0) == (sources["per_1k"] == 0)).all()


def test_every_hit_span_is_its_text(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    hits = pd.read_csv(run_dir / "data" / "hits.csv", keep_default_na=False)
    corpus = pd.read_csv(run_dir / "data" / "corpus.csv", keep_default_na=False)
    texts = {
        r.article_id: (run_dir / "data" / r.text_file).read_text(encoding="utf-8")
        for r in corpus.itertuples()
    }
    assert len(hits) > 20
    for h in hits.itertuples():
        assert texts[h.article_id][h.char_start : h.char_end] == h.matched
    assert set(hits["voice"]) <= {"author", "quoted"}
    assert set(hits["negated"].astype(str).str.lower()) <= {"true", "false"}


def test_valdai_is_more_pro_moscow_than_toda(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    a = pd.read_csv(run_dir / "data" / "articles.csv").set_index(["article_id", "frame"])
    assert (
        a.loc[("valdai-2024-03-26", "pro_moscow"), "per_1k"]
        > a.loc[("toda-2024-06-19", "pro_moscow"), "per_1k"]
    )
    assert (
        a.loc[("toda-2024-06-19", "western_analytic"), "per_1k"]
        > a.loc[("valdai-2024-03-26", "western_analytic"), "per_1k"]
    )


def test_scores_count_only_the_authors_unnegated_hits(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    hits = pd.read_csv(run_dir / "data" / "hits.csv", keep_default_na=False)
    arts = pd.read_csv(run_dir / "data" / "articles.csv")
    own = hits[(hits["voice"] == "author") & (hits["negated"].astype(str).str.lower() == "false")]
    expected = own.groupby(["article_id", "frame"])["weight"].sum()
    got = arts.set_index(["article_id", "frame"])["weighted"]
    for key, value in expected.items():
        assert abs(got[key] - value) < 1e-6
    assert (hits["voice"] == "quoted").any(), "the seeds quote Kremlin and KCNA wording"


def test_run_json_records_hashes_and_versions(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    info = json.loads((run_dir / "run.json").read_text())
    assert info["corpus"]["scored"] == 5
    assert info["corpus"]["quarantined"] == 0
    assert len(info["corpus"]["sha256"]) == 64
    for lex in info["lexicons"]:
        assert len(lex["sha256"]) == 64 and lex["entries"] >= 40
    assert info["tools"]["fugashi"] and info["tools"]["unidic_lite"] and info["tools"]["prefect"]


def test_history_gets_this_runs_sources(seed_run):
    out, result = seed_run
    history = pd.read_csv(out / "history.csv")
    mine = history[history["run_id"] == result["run_id"]]
    assert len(mine) == len(pd.read_csv(Path(result["run_dir"]) / "data" / "sources.csv"))
