"""Known-groups validity per family of categories: what do the numbers rest on?

Every lexicon entry has a category; categories fall into three families:

- ``naming``: the category ``naming`` (names for the war, the states, the enemy);
- ``argument``: how a camp argues (``ARGUMENT_CATEGORIES``: legitimacy and blame, world
  order, sanctions and non-proliferation, security threat, partnership, humanitarian cost);
- ``other``: everything else (institutions and sources, register, word order, ...).

The known-groups check is run once per family with only that family's matches, so a user
sees whether a frame's accuracy comes from its arguments or only from names and sources.
"""

from __future__ import annotations

import pandas as pd

from pipeline.aggregate.scores import article_scores
from pipeline.aggregate.validate import COUNT_KEYS, dominant_frames, metrics, validation_counts

FAMILIES = ("naming", "argument", "other")
ARGUMENT_CATEGORIES = frozenset(
    {
        "blame_legitimacy",
        "world_order",
        "sanctions_nonproliferation",
        "security_threat",
        "partnership",
        "humanitarian_cost",
    }
)
FAMILY_COUNT_COLUMNS = ["family", *COUNT_KEYS, "count"]
FAMILY_METRIC_COLUMNS = ["family", "metric", "frame", "value"]


def family_of(category: str) -> str:
    """The family of a lexicon category."""
    if category == "naming":
        return "naming"
    return "argument" if category in ARGUMENT_CATEGORIES else "other"


def family_validation_counts(
    articles: pd.DataFrame,
    hits: pd.DataFrame,
    frames: list[str],
    perspective: dict[str, str],
    min_tokens: int,
    min_hits: int,
) -> pd.DataFrame:
    """Per family: articles per (perspective, dominant, evidence) when only that family's
    matches are scored (``FAMILY_COUNT_COLUMNS``; counts, so batches add up)."""
    if articles.empty:
        return pd.DataFrame(columns=FAMILY_COUNT_COLUMNS)
    # A group that mixes an empty batch in has object columns; 0/0 must give NaN, not raise.
    articles = articles.assign(tokens=articles["tokens"].astype("int64"))
    hits = hits.assign(weight=hits["weight"].astype(float))
    family = hits["category"].astype(str).map(family_of).astype(str)
    parts = []
    for name in FAMILIES:
        scores = article_scores(
            articles, hits[(family == name).to_numpy(bool)], frames, min_tokens, min_hits
        )
        counts = validation_counts(dominant_frames(scores, perspective))
        parts.append(counts.assign(family=name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out.reindex(columns=FAMILY_COUNT_COLUMNS)


def add_counts(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two families' count tables summed (streaming aggregation)."""
    parts = [p for p in (a, b) if len(p)]
    if not parts:
        return pd.DataFrame(columns=FAMILY_COUNT_COLUMNS)
    keys = FAMILY_COUNT_COLUMNS[:-1]
    return pd.concat(parts).groupby(keys, as_index=False)[["count"]].sum()


def family_metrics(counts: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Accuracy, per-frame precision/recall, and ``decided`` (the share of known articles
    with enough evidence for a decision) per family (``FAMILY_METRIC_COLUMNS``)."""
    rows = []
    for name in FAMILIES:
        c = counts[counts["family"] == name]
        known = float(c["count"].sum())
        ok = float(c.loc[c["evidence"] == "ok", "count"].sum())
        m = metrics(c.drop(columns="family"), frames).assign(family=name)
        rows.append(m)
        if known:
            rows.append(
                pd.DataFrame([(name, "decided", "", ok / known)], columns=FAMILY_METRIC_COLUMNS)
            )
    if not rows:
        return pd.DataFrame(columns=FAMILY_METRIC_COLUMNS)
    return pd.concat(rows, ignore_index=True)[FAMILY_METRIC_COLUMNS]
