"""Known-groups validity per family of categories."""

from __future__ import annotations

import pandas as pd

from pipeline.aggregate.families import (
    add_counts,
    family_metrics,
    family_of,
    family_validation_counts,
)


def test_family_of() -> None:
    assert family_of("naming") == "naming"
    assert family_of("security_threat") == family_of("humanitarian_cost") == "argument"
    assert family_of("institutions_sources") == family_of("register") == "other"


def _hit(article: str, frame: str, category: str) -> dict[str, object]:
    return {
        "article_id": article,
        "frame": frame,
        "category": category,
        "voice": "author",
        "negated": False,
        "weight": 1.0,
    }


def test_each_family_is_scored_on_its_own_matches() -> None:
    """Article a is pro-A by its arguments and pro-B by its names: the argument family
    gets it right, the naming family wrong, and a family without matches decides nothing."""
    articles = pd.DataFrame(
        {"article_id": ["a", "b"], "source": ["S", "T"], "published": "", "tokens": [200, 200]}
    )
    hits = pd.DataFrame(
        [_hit("a", "A", "world_order")] * 3
        + [_hit("a", "B", "naming")] * 4
        + [_hit("b", "B", "partnership")] * 3
    )
    perspective = {"a": "A", "b": "B"}
    counts = family_validation_counts(articles, hits, ["A", "B"], perspective, 100, 3)
    m = family_metrics(add_counts(counts, counts.iloc[0:0]), ["A", "B"]).set_index(
        ["family", "metric", "frame"]
    )["value"]
    assert m[("argument", "accuracy", "")] == 1.0
    assert m[("argument", "decided", "")] == 1.0
    assert m[("naming", "accuracy", "")] == 0.0
    assert m[("naming", "decided", "")] == 0.5
    assert m[("other", "decided", "")] == 0.0
    assert ("other", "accuracy", "") not in m.index
