"""Aggregating batches into data/*.csv: batch-independence, order, caps and derived tables."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from fold_params import params_for

from pipeline.aggregate import fold
from pipeline.aggregate.tables import write_tables
from pipeline.analyze.article import analyze_batch, write_batch
from pipeline.analyze.lexicons import Lexicon, load_lexicons
from pipeline.ingest.corpus import ArticleRef, read_manifest

MAX_BYTES = 5_000_000
N_BOOT = N_PERM = 60
# The seed articles regrouped into two sources, with two articles of one source in one month
# and one undated article, so pooling, capping and the timeline have something to do.
POOLED = {
    "valdai-2024-03-26": ("Alpha", "2024-03-26"),
    "aggregator-2023-09-13": ("Beta", "2023-09-13"),
    "toda-2024-06-19": ("Alpha", "2024-03-05"),
    "yahoo-pyon-2022-04-24": ("Beta", "2023-09-01"),
    "nikkei-2024-06-17": ("Beta", ""),
}


@pytest.fixture(scope="module")
def lexicons(lexicon_dir: Path) -> list[Lexicon]:
    return load_lexicons(lexicon_dir)


@pytest.fixture(scope="module")
def corpora(corpus_dir: Path) -> dict[str, list[ArticleRef]]:
    seed = read_manifest(corpus_dir).articles
    pooled = [
        dataclasses.replace(r, source=POOLED[r.id][0], published=POOLED[r.id][1]) for r in seed
    ]
    return {"seed": seed, "pooled": pooled}


def make_batches(
    root: Path, refs: list[ArticleRef], sizes: list[int], lexicons: list[Lexicon]
) -> list[Path]:
    assert sum(sizes) == len(refs)
    dirs, start = [], 0
    for k, size in enumerate(sizes):
        items = [(r, None) for r in refs[start : start + size]]
        start += size
        t = analyze_batch(items, lexicons, root / "data" / "texts", MAX_BYTES)
        dirs.append(write_batch(t, root / "_work" / f"batch-{k:05d}"))
    return dirs


def run(
    root: Path, refs: list[ArticleRef], sizes: list[int], lexicons: list[Lexicon], **kw
) -> tuple[Path, dict]:
    dirs = make_batches(root, refs, sizes, lexicons)
    counts = dict(Counter(r.source for r in refs))
    params = params_for(root / "data", lexicons, counts, bootstrap=N_BOOT, seed=11,
                        permutations=N_PERM, **kw)  # fmt: skip
    summary = write_tables(params, dirs)
    return root / "data", summary


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, corpora, lexicons) -> dict[tuple, Path]:
    out = {}
    for name, refs in corpora.items():
        for sizes in ([5], [1, 1, 1, 1, 1]):
            root = tmp_path_factory.mktemp(f"{name}-{len(sizes)}")
            # five batches aggregated one at a time, the single batch in one go
            out[(name, len(sizes))] = run(root, refs, sizes, lexicons, aggregate_articles=1)[0]
    return out


def read(data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data / f"{name}.csv", keep_default_na=False, na_values=[""])


def read_hits(data: Path) -> pd.DataFrame:
    hits = pd.read_csv(data / "hits.csv", keep_default_na=False, dtype={"negated": str})
    assert set(hits["negated"]) <= {"TRUE", "FALSE"}
    hits["negated"] = hits["negated"] == "TRUE"
    hits["counted"] = (hits["voice"] == "author") & ~hits["negated"]
    return hits


def read_corpus(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "corpus.csv", keep_default_na=False, dtype={"published": str})


def assert_same_csvs(one: Path, two: Path) -> None:
    names = sorted(p.name for p in one.glob("*.csv"))
    assert names == sorted(p.name for p in two.glob("*.csv"))
    assert len(names) >= 15
    different = [n for n in names if (one / n).read_bytes() != (two / n).read_bytes()]
    assert different == []


# --- batch independence and order ------------------------------------------------------------


@pytest.mark.parametrize("corpus", ["seed", "pooled"])
def test_one_batch_or_five_give_byte_identical_csvs(runs, corpus: str) -> None:
    assert_same_csvs(runs[(corpus, 1)], runs[(corpus, 5)])
    one = pd.read_parquet(runs[(corpus, 1)] / "lemmas.parquet")
    five = pd.read_parquet(runs[(corpus, 5)] / "lemmas.parquet")
    pd.testing.assert_frame_equal(one, five)


@pytest.mark.parametrize("at_least", [2, 3, 1000])
def test_aggregating_batches_in_groups_gives_the_same_csvs(
    tmp_path: Path, runs, corpora, lexicons, at_least: int
) -> None:
    grouped, _ = run(
        tmp_path, corpora["pooled"], [1, 1, 1, 1, 1], lexicons, aggregate_articles=at_least
    )
    assert_same_csvs(runs[("pooled", 5)], grouped)


def test_validation_csv_does_not_depend_on_batching_with_low_evidence(
    tmp_path: Path, corpora, lexicons
) -> None:
    refs = corpora["seed"]
    # 20 counted hits: Valdai and Toda have more, the Yahoo article fewer (low evidence).
    one, _ = run(tmp_path / "one", refs, [5], lexicons, min_hits=20)
    five, _ = run(
        tmp_path / "five", refs, [1, 1, 1, 1, 1], lexicons, min_hits=20, aggregate_articles=1
    )
    validation = read(one, "validation")
    assert set(validation["evidence"]) == {"ok", "low"}, "the example needs both kinds"
    assert_same_csvs(one, five)


@pytest.mark.parametrize("batches", [1, 5])
def test_articles_csv_keeps_corpus_order(runs, corpora, lexicons, batches: int) -> None:
    data = runs[("pooled", batches)]
    articles = read(data, "articles")
    frames = [lex.frame for lex in lexicons]
    ids = [r.id for r in corpora["pooled"]]
    assert list(articles["article_id"]) == [a for a in ids for _ in frames]
    assert list(articles["frame"]) == frames * len(ids)
    assert list(read_corpus(data)["article_id"]) == ids
    hits = read_hits(data)
    first_seen = list(dict.fromkeys(hits["article_id"]))
    assert first_seen == [a for a in ids if a in set(first_seen)]


# --- passages ------------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[5], [1, 1, 1, 1, 1], [2, 3]])
def test_passages_are_capped_per_source_and_frame(
    tmp_path: Path, corpora, lexicons, monkeypatch: pytest.MonkeyPatch, sizes: list[int]
) -> None:
    monkeypatch.setattr(fold, "PASSAGES_PER_CELL", 2)
    data, _ = run(tmp_path, corpora["pooled"], sizes, lexicons)
    hits = pd.read_csv(data / "hits.csv", keep_default_na=False)
    passages = pd.read_csv(data / "passages.csv", keep_default_na=False)
    assert list(passages.columns) == list(hits.columns)
    cells = hits.groupby(["source", "frame"]).size()
    assert (cells > 2).any(), "some cell must be over the cap"
    got = passages.groupby(["source", "frame"]).size()
    assert got.to_dict() == {k: min(2, n) for k, n in cells.items()}
    # The kept passages are the first ones of their cell, in corpus (hits.csv) order.
    expected = hits.groupby(["source", "frame"], sort=False).head(2)
    pd.testing.assert_frame_equal(
        passages.reset_index(drop=True), expected.reset_index(drop=True), check_like=False
    )


# --- terms and lexicon ---------------------------------------------------------------------


@pytest.mark.parametrize("corpus", ["seed", "pooled"])
def test_terms_add_up_to_the_hits(runs, corpus: str) -> None:
    data = runs[(corpus, 5)]
    hits = read_hits(data)
    terms = read(data, "terms")
    key = ["source", "frame", "term"]
    author = hits[hits["counted"]].groupby(key).size()
    quoted = hits[hits["voice"] == "quoted"].groupby(key).size()
    author_negated = hits[(hits["voice"] == "author") & hits["negated"]].groupby(key).size()
    negated = hits[hits["negated"]].groupby(key).size()
    cited = hits[hits["voice"] == "cited"].groupby(key).size()
    assert author_negated.sum() >= 1, "the example needs a negated author hit"
    t = terms.set_index(key)
    assert t.index.is_unique
    assert set(t.index) == set(hits.groupby(key).size().index)
    for k, row in t.iterrows():
        a, q, an = author.get(k, 0), quoted.get(k, 0), author_negated.get(k, 0)
        assert row["author_hits"] == a
        assert row["quoted_hits"] == q
        assert row["negated_hits"] == negated.get(k, 0)
        assert row["all_hits"] == a + q + an + cited.get(k, 0)
    assert t["all_hits"].sum() == len(hits)


def test_lexicon_csv_lists_every_entry_with_its_author_hits(runs, lexicons) -> None:
    data = runs[("pooled", 5)]
    lexicon = pd.read_csv(data / "lexicon.csv", keep_default_na=False)
    entries = [(lex.frame, e.term) for lex in lexicons for e in lex.entries]
    assert list(zip(lexicon["frame"], lexicon["term"], strict=True)) == entries
    terms = read(data, "terms").groupby(["frame", "term"])["author_hits"].sum()
    hits = read_hits(data)
    counted = hits[hits["counted"]].groupby(["frame", "term"]).size()
    for row in lexicon.itertuples():
        assert row.author_hits == terms.get((row.frame, row.term), 0)
        assert row.author_hits == counted.get((row.frame, row.term), 0)
    assert lexicon["author_hits"].sum() == hits["counted"].sum() > 0
    assert (lexicon["author_hits"] == 0).any(), "unmatched entries are listed too"


# --- coverage, positions, timeline ---------------------------------------------------------


def test_coverage_counts_articles_with_enough_hits(runs, lexicons) -> None:
    data = runs[("pooled", 5)]
    hits = read_hits(data)
    n_articles = len(read_corpus(data))
    per_article = hits[hits["counted"]].groupby(["frame", "article_id"]).size()
    coverage = read(data, "coverage").set_index("frame")
    assert list(coverage.index) == [lex.frame for lex in lexicons]
    for frame in coverage.index:
        covered = int((per_article.get(frame, pd.Series(dtype=int)) >= 3).sum())
        assert coverage.loc[frame, "articles"] == n_articles
        assert coverage.loc[frame, "covered"] == covered
        assert coverage.loc[frame, "share"] == pytest.approx(covered / n_articles, abs=1e-4)


@pytest.mark.parametrize("corpus", ["seed", "pooled"])
def test_positions_are_counted_hits_by_sentence_decile(runs, corpus: str) -> None:
    data = runs[(corpus, 5)]
    hits = read_hits(data)
    sentences = read_corpus(data).set_index("article_id")["sentences"]
    expected: Counter = Counter()
    weighted: Counter = Counter()
    for h in hits[hits["counted"]].itertuples():
        decile = min(9, h.sentence_id * 10 // sentences[h.article_id])
        expected[(h.source, h.frame, decile)] += 1
        weighted[(h.source, h.frame, decile)] += h.weight
    positions = read(data, "positions")
    assert positions["decile"].between(0, 9).all()
    got = {(r.source, r.frame, r.decile): r.hits for r in positions.itertuples()}
    assert got == dict(expected)
    for r in positions.itertuples():
        assert r.weighted == pytest.approx(weighted[(r.source, r.frame, r.decile)], abs=1e-4)
    assert len({r.decile for r in positions.itertuples()}) >= 5


def test_timeline_pools_articles_by_month(runs, lexicons) -> None:
    data = runs[("pooled", 5)]
    hits = read_hits(data)
    corpus = read_corpus(data)
    timeline = pd.read_csv(data / "timeline.csv", keep_default_na=False, dtype={"month": str})
    assert timeline["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    frames = [lex.frame for lex in lexicons]
    dated = corpus[corpus["published"] != ""].assign(month=lambda d: d["published"].str[:7])
    months = dated.groupby(["source", "month"]).agg(
        articles=("article_id", "size"), tokens=("tokens", "sum")
    )
    assert set(months.index) == {("Alpha", "2024-03"), ("Beta", "2023-09")}
    assert (months["articles"] == 2).all(), "the undated article is left out"
    month_of = dict(zip(dated["article_id"], dated["month"], strict=True))
    own = hits[hits["counted"] & hits["article_id"].isin(month_of)]
    w = own.assign(month=own["article_id"].map(month_of)).groupby(["source", "month", "frame"])
    weights = w["weight"].sum()
    t = timeline.set_index(["source", "month", "frame"])
    assert len(t) == len(months) * len(frames)
    for (source, month), m in months.iterrows():
        for frame in frames:
            row = t.loc[(source, month, frame)]
            wt = float(weights.get((source, month, frame), 0.0))
            assert row["articles"] == m["articles"]
            assert row["tokens"] == m["tokens"]
            assert row["weighted"] == pytest.approx(wt, abs=1e-4)
            assert row["per_1k"] == pytest.approx(wt * 1000 / m["tokens"], abs=1e-4)


# --- broken articles -----------------------------------------------------------------------


def test_quarantined_articles_are_reported_and_the_rest_scored(
    tmp_path: Path, corpora, lexicons
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    refs = list(corpora["seed"])
    bad = dataclasses.replace(refs[1], id="broken", file="empty.txt", path=empty, line=99)
    data, summary = run(tmp_path, [*refs[:2], bad, *refs[2:]], [3, 3], lexicons)
    assert summary["scored"] == 5
    assert [(q["article_id"], q["line"]) for q in summary["quarantined"]] == [("broken", 99)]
    assert "broken" not in set(read_corpus(data)["article_id"])


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_batch_of_only_broken_articles_does_not_stop_the_tables(
    tmp_path: Path, corpora, lexicons, where: str
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    refs = list(corpora["seed"])
    bad = dataclasses.replace(refs[1], id="broken", file="empty.txt", path=empty, line=99)
    ordered = [bad, *refs] if where == "first" else [*refs, bad]
    sizes = [1, 5] if where == "first" else [5, 1]
    data, summary = run(tmp_path, ordered, sizes, lexicons)
    assert summary["scored"] == 5
    assert [q["article_id"] for q in summary["quarantined"]] == ["broken"]
    assert len(pd.read_parquet(data / "lemmas.parquet")) == 5


@pytest.mark.parametrize("swap", [False, True])
def test_reversal_warnings_follow_the_perspectives_articles_carry(
    tmp_path: Path, corpora, lexicons, swap: bool
) -> None:
    """Warnings are what reversals() makes of the corpus's (source, perspective) pairs; with
    the pro-Moscow and western-analytic labels swapped, pro_moscow must be reversed."""
    from pipeline.aggregate.validate import reversals, source_perspectives

    swapped = {"pro_moscow": "western_analytic", "western_analytic": "pro_moscow"}
    refs = [
        dataclasses.replace(
            r,
            meta={
                **r.meta,
                "perspective": swapped.get(p, p) if swap else p,
            },
        )
        for r in corpora["seed"]
        for p in [r.meta.get("perspective", "")]
    ]
    data, summary = run(tmp_path, refs, [2, 3], lexicons, aggregate_articles=1)
    corpus = pd.read_csv(data / "corpus.csv", dtype=str, keep_default_na=False)
    known = source_perspectives(corpus)
    assert len(known) >= 2
    assert summary["warnings"] == reversals(summary["sources"], known)
    assert any("higher on pro_moscow" in w for w in summary["warnings"]) is swap
