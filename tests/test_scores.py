"""Scores: rates, shares, what counts, and bootstrap intervals that follow the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregate.scores import (
    MIN_TOKENS,
    SourceAccumulator,
    article_scores,
    bootstrap_rates,
    term_counts,
)

FRAMES = ["a", "b"]


def _hits(rows):
    cols = [
        "article_id",
        "source",
        "frame",
        "category",
        "term",
        "sentence_id",
        "voice",
        "negated",
        "weight",
    ]
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture
def data():
    articles = pd.DataFrame(
        {
            "article_id": ["x1", "x2", "y1"],
            "source": ["X", "X", "Y"],
            "published": ["2024-01-01"] * 3,
            "tokens": [100, 300, 200],
        }
    )
    sentences = pd.DataFrame(
        {
            "article_id": ["x1", "x1", "x2", "y1", "y1"],
            "sentence_id": [0, 1, 0, 0, 1],
            "tokens": [50, 50, 300, 100, 100],
        }
    )
    hits = _hits(
        [
            ["x1", "X", "a", "c", "t1", 0, "author", False, 2.0],
            ["x1", "X", "a", "c", "t1", 1, "quoted", False, 2.0],
            ["x1", "X", "b", "c", "t2", 1, "author", True, 1.0],
            ["x2", "X", "a", "c", "t3", 0, "author", False, 1.0],
            ["y1", "Y", "b", "c", "t2", 0, "author", False, 1.0],
        ]
    )
    return articles, sentences, hits


def test_article_scores_count_author_unnegated_only(data):
    articles, _, hits = data
    s = article_scores(articles, hits, FRAMES, min_hits=1).set_index(["article_id", "frame"])
    assert s.loc[("x1", "a"), "hits"] == 1
    assert s.loc[("x1", "a"), "weighted"] == 2.0
    assert s.loc[("x1", "a"), "per_1k"] == pytest.approx(20.0)
    assert s.loc[("x1", "a"), "quoted_hits"] == 1
    assert s.loc[("x1", "b"), "hits"] == 0
    assert s.loc[("x1", "b"), "negated_hits"] == 1
    assert s.loc[("x1", "a"), "share"] == pytest.approx(1.0)


def test_share_is_empty_without_evidence():
    articles = pd.DataFrame(
        {"article_id": ["z"], "source": ["Z"], "published": [""], "tokens": [50]}
    )
    s = article_scores(articles, _hits([]), FRAMES)
    assert s["share"].isna().all()
    assert (s["per_1k"] == 0).all()


def source_scores(
    articles: pd.DataFrame,
    sentences: pd.DataFrame,
    hits: pd.DataFrame,
    n_boot: int = 1000,
    seed: int = 0,
    min_hits: int = 3,
) -> pd.DataFrame:
    """Source scores of tables held in memory (the frames ``FRAMES``, at least 100 tokens),
    through the accumulator a run folds."""
    sizes = articles.groupby("source").size()
    acc = SourceAccumulator(FRAMES, {str(s): int(n) for s, n in sizes.items()})
    acc.add(articles, sentences, hits)
    return acc.intervals(n_boot, seed, 100, min_hits)


def test_source_scores_pool_articles(data):
    articles, sentences, hits = data
    s = source_scores(articles, sentences, hits, n_boot=300, seed=1, min_hits=1)
    x = s.set_index(["source", "frame"]).loc["X"]
    assert x.loc["a", "per_1k"] == pytest.approx(3.0 * 1000 / 400)
    assert x.loc["a", "articles"] == 2 and x.loc["a", "tokens"] == 400
    assert x.loc["a", "ci_low"] <= x.loc["a", "per_1k"] <= x.loc["a", "ci_high"]
    assert x.loc["a", "ci_low"] < x.loc["a", "ci_high"]
    assert x["share"].sum() == pytest.approx(1.0)


def test_source_scores_are_reproducible_and_order_free(data):
    articles, sentences, hits = data
    one = source_scores(articles, sentences, hits, n_boot=200, seed=7)
    two = source_scores(
        articles.iloc[::-1], sentences.iloc[::-1], hits.iloc[::-1], n_boot=200, seed=7
    )
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.parametrize("large", [False, True])
def test_accumulating_batch_by_batch_equals_one_batch_in_any_order(data, large: bool):
    """Sentence-level (small sources) and article-level (large: a count above the limit)."""
    articles, sentences, hits = data
    counts = {"X": 10_000, "Y": 10_000} if large else {"X": 2, "Y": 1}
    whole = SourceAccumulator(FRAMES, counts)
    whole.add(articles, sentences, hits)
    parts = SourceAccumulator(FRAMES, counts)
    for ids in (["y1", "x2"], ["x1"]):
        parts.add(
            articles[articles["article_id"].isin(ids)].iloc[::-1],
            sentences[sentences["article_id"].isin(ids)].iloc[::-1],
            hits[hits["article_id"].isin(ids)],
        )
    assert parts.sentence_level("X") is not large
    pd.testing.assert_frame_equal(
        whole.intervals(200, 3, MIN_TOKENS, 1), parts.intervals(200, 3, MIN_TOKENS, 1)
    )
    for level in ("articles", "sentences"):
        for a, b in zip(whole.units("X", level), parts.units("X", level), strict=True):
            np.testing.assert_array_equal(a, b)
    tokens, weights = parts.units("X")
    assert sorted(tokens) == [100.0, 300.0]
    # x1: one counted hit of a (2.0; the quoted and the negated one do not count); x2: a = 1.0
    assert sorted(map(tuple, weights)) == [(1.0, 0.0), (2.0, 0.0)]
    assert parts.n_articles("X") == 2 and parts.n_articles("Y") == 1


def test_bootstrap_seed_changes_the_resamples():
    toks = [np.array([10.0, 30.0, 5.0]), np.array([20.0, 20.0])]
    wts = [np.array([[1.0], [0.0], [2.0]]), np.array([[0.0], [1.0]])]
    a = bootstrap_rates(toks, wts, 100, np.random.default_rng(1))
    b = bootstrap_rates(toks, wts, 100, np.random.default_rng(1))
    c = bootstrap_rates(toks, wts, 100, np.random.default_rng(2))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bootstrap_resamples_sentences_within_an_article():
    rng = np.random.default_rng(0)
    toks = [np.array([10.0, 10.0, 10.0, 10.0])]
    wts = [np.array([[1.0], [0.0], [0.0], [3.0]])]
    boot = bootstrap_rates(toks, wts, 500, rng)
    assert boot.shape == (500, 1)
    assert boot.min() < 100.0 < boot.max(), "one article still varies by its sentences"
    flat = bootstrap_rates(toks, wts, 50, rng, resample_sentences=False)
    assert np.allclose(flat, 100.0)


def test_term_counts(data):
    _, _, hits = data
    t = term_counts(hits).set_index(["source", "frame", "term"])
    assert t.loc[("X", "a", "t1"), "author_hits"] == 1
    assert t.loc[("X", "a", "t1"), "quoted_hits"] == 1
    assert t.loc[("X", "b", "t2"), "negated_hits"] == 1


def test_low_evidence_gets_no_share(data):
    articles, _, hits = data
    s = article_scores(articles, hits, FRAMES, min_hits=3).set_index(["article_id", "frame"])
    assert s.loc[("x1", "a"), "low_evidence"]
    assert pd.isna(s.loc[("x1", "a"), "share"]), "one hit must not read as a 100% share"
    short = article_scores(articles, hits, FRAMES, min_tokens=150, min_hits=1)
    assert short.set_index(["article_id", "frame"]).loc[("x1", "a"), "low_evidence"]
    assert not short.set_index(["article_id", "frame"]).loc[("x2", "a"), "low_evidence"]
