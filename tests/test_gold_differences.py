"""stance_differences.csv says nothing where the difference is undefined: a pair whose one side
has no evaluated article for a target gets no interval and no p-value (issue 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.aggregate import stance as agg

TARGETS = ["russia_dprk_ties", "west"]


def _hits(rows: list[tuple[str, str, str, int, float, int]]) -> pd.DataFrame:
    base = dict.fromkeys(agg.HIT_COLUMNS, "")
    records = [
        base
        | {
            "article_id": a,
            "source": s,
            "target": t,
            "polarity": pol,
            "weight": w,
            "sentence_id": sid,
            "counted": True,
            "negated": False,
            "voice": "author",
        }
        for a, s, t, pol, w, sid in rows
    ]
    return pd.DataFrame(records, columns=agg.HIT_COLUMNS)


def _differences() -> pd.DataFrame:
    """Source "pro" evaluates ``west`` strongly negatively in every article; source "wire"
    never evaluates ``west``. Both evaluate the ties."""
    ids = ["p1", "p2", "p3", "w1", "w2", "w3"]
    articles = pd.DataFrame(
        {
            "article_id": ids,
            "source": ["pro"] * 3 + ["wire"] * 3,
            "published": ["2024-06-01"] * 6,
            "sentences": [4] * 6,
        }
    )
    rows = []
    for a in ids[:3]:
        rows += [(a, "pro", "west", -1, 3.0, 0), (a, "pro", "west", -1, 3.0, 1)]
        rows += [(a, "pro", "russia_dprk_ties", 1, 2.0, 2)]
    for a in ids[3:]:
        rows += [(a, "wire", "russia_dprk_ties", -1, 2.0, 0)]
    mentions = pd.DataFrame(
        [(a, s, "west", 0, 1) for a, s in zip(ids, articles["source"], strict=True)],
        columns=agg.MENTION_COLUMNS,
    )
    acc = agg.StanceAccumulator(TARGETS, articles.groupby("source").size().to_dict())
    acc.add(articles, _hits(rows), mentions)
    sources = acc.intervals(bootstrap=400, seed=3)
    return agg.differences(acc, sources, n_perm=500, seed=3).set_index("target")


def test_undefined_difference_has_no_interval_and_no_p_value() -> None:
    west = _differences().loc["west"]
    assert np.isnan(west["diff"])
    assert np.isnan(west.ci_low) and np.isnan(west.ci_high)
    assert np.isnan(west.p_value) and np.isnan(west.p_adjusted)
    assert not west.significant


def test_defined_difference_keeps_interval_and_holm_counts_only_defined_rows() -> None:
    ties = _differences().loc["russia_dprk_ties"]
    assert ties["diff"] > 0 and ties.ci_low > 0
    assert 0 < ties.p_value < 0.2
    # one defined row: Holm's adjustment over one comparison leaves p as it is
    assert ties.p_adjusted == ties.p_value
