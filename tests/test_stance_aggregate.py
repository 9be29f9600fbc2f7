"""Stance aggregation: smoothing, article and source tables, intervals, differences and the
expected-sign check, on hand-made evidence tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from pipeline.aggregate import stance as agg

TARGETS = ["russia_dprk_ties", "west"]


def evidence(rows: list[tuple]) -> pd.DataFrame:
    """Hit rows from (article, source, target, polarity, weight, sentence, counted)."""
    base = dict.fromkeys(agg.HIT_COLUMNS, "")
    records = []
    for article, source, target, polarity, weight, sid, counted in rows:
        records.append(
            base
            | {
                "article_id": article,
                "source": source,
                "target": target,
                "polarity": polarity,
                "weight": float(weight),
                "sentence_id": sid,
                "counted": counted,
                "negated": False,
                "voice": "author",
            }
        )
    return pd.DataFrame(records, columns=agg.HIT_COLUMNS)


def corpus() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    articles = pd.DataFrame(
        {
            "article_id": ["p1", "p2", "p3", "w1", "w2", "w3"],
            "source": ["pro"] * 3 + ["west"] * 3,
            "published": ["2024-06-01", "2024-06-20", "2024-07-02"] * 2,
            "sentences": [5, 4, 6, 5, 5, 5],
        }
    )
    rows = []
    for a in ("p1", "p2", "p3"):
        rows += [(a, "pro", "russia_dprk_ties", 1, 2, 0, True), (a, "pro", "west", -1, 2, 1, True)]
    for a in ("w1", "w2", "w3"):
        rows += [(a, "west", "russia_dprk_ties", -1, 2, 0, True)]
    rows += [("w1", "west", "russia_dprk_ties", 1, 3, 2, False)]  # quoted: not counted
    hits = evidence(rows)
    mentions = pd.DataFrame(
        [
            (a, s, "russia_dprk_ties", 0, 2)
            for a, s in zip(articles["article_id"], articles["source"], strict=True)
        ],
        columns=agg.MENTION_COLUMNS,
    )
    return articles, hits, mentions


# Sums of evaluation strengths: never subnormal (whose difference can round to -0.0).
@given(st.floats(0, 1e6, allow_subnormal=False), st.floats(0, 1e6, allow_subnormal=False))
def test_smoothed_stance_stays_inside_minus_one_one(p: float, n: float) -> None:
    value = agg.smoothed(p, n)
    assert -1 < value < 1
    assert np.sign(value) == np.sign(p - n)


def test_article_rows_count_only_counted_evidence() -> None:
    articles, hits, mentions = corpus()
    rows = agg.article_stance(articles, hits, mentions)
    w1 = rows[(rows.article_id == "w1") & (rows.target == "russia_dprk_ties")].iloc[0]
    assert (w1.evaluated, w1.positive, w1.negative, w1.mentions) == (1, 0.0, 2.0, 2)
    assert w1.stance == agg.smoothed(0.0, 2.0)
    assert list(rows.columns) == agg.ARTICLE_COLUMNS


def test_source_stance_intervals_and_low_evidence() -> None:
    articles, hits, mentions = corpus()
    acc = agg.StanceAccumulator(TARGETS, articles.groupby("source").size().to_dict())
    acc.add(articles.iloc[:3], hits[hits.source == "pro"], mentions[mentions.source == "pro"])
    acc.add(articles.iloc[3:], hits[hits.source == "west"], mentions[mentions.source == "west"])
    table = acc.intervals(300, 7).set_index(["source", "target"])
    pro = table.loc[("pro", "russia_dprk_ties")]
    assert pro.stance == agg.smoothed(6.0, 0.0) and pro.articles == 3 and pro.mentions == 6
    assert 0 <= pro.ci_low <= pro.stance <= pro.ci_high < 1
    west = table.loc[("west", "russia_dprk_ties")]
    assert west.stance < 0 and not west.low_evidence
    assert table.loc[("west", "west")].low_evidence and np.isnan(table.loc[("west", "west")].stance)
    again = acc.intervals(300, 7).set_index(["source", "target"])
    assert again.equals(table)


def test_differences_have_permutation_p_values_and_holm() -> None:
    articles, hits, mentions = corpus()
    acc = agg.StanceAccumulator(TARGETS, articles.groupby("source").size().to_dict())
    acc.add(articles, hits, mentions)
    sources = acc.intervals(300, 1)
    diffs = agg.differences(acc, sources, n_perm=500, seed=1)
    ties = diffs[diffs.target == "russia_dprk_ties"].iloc[0]
    assert (ties.source_a, ties.source_b, ties.unit) == ("pro", "west", "articles")
    assert ties["diff"] > 0 and ties.ci_low > 0
    # three articles against three: the most extreme split is 1 of 20 permutations
    assert 0.03 < ties.p_value < 0.15
    defined = diffs.dropna(subset=["p_value"])  # "west" has no evaluation of west
    assert (defined.p_adjusted >= defined.p_value).all()
    assert list(diffs.columns) == agg.DIFF_COLUMNS


def test_by_month_pools_the_months_articles() -> None:
    articles, hits, mentions = corpus()
    months = agg.by_month(agg.article_stance(articles, hits, mentions))
    june = months[(months.source == "pro") & (months.month == "2024-06")]
    ties = june[june.target == "russia_dprk_ties"].iloc[0]
    assert (ties.articles, ties.positive) == (2, 4.0)


def test_expected_signs_warn_on_reversals() -> None:
    articles, hits, mentions = corpus()
    acc = agg.StanceAccumulator(TARGETS, articles.groupby("source").size().to_dict())
    acc.add(articles, hits, mentions)
    sources = acc.intervals(100, 1)
    expectations = {"pro_moscow": {"russia_dprk_ties": 1}, "western": {"russia_dprk_ties": -1}}
    table, warnings = agg.expectations_check(
        sources, expectations, {"pro": "pro_moscow", "west": "western"}
    )
    assert set(table.verdict) == {"ok"} and warnings == []
    table, warnings = agg.expectations_check(
        sources, expectations, {"pro": "western", "west": "pro_moscow"}
    )
    assert set(table.verdict) == {"reversed"}
    assert len(warnings) == 3
    assert all(w.startswith("stance reversal:") for w in warnings)
