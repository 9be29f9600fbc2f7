"""Validation against known perspectives: dominant frames, metrics, reversals, agreement."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.aggregate.validate import (
    VALIDATION_COLUMNS,
    agreement,
    confusion,
    dominant_frames,
    metrics,
    reversals,
    source_perspectives,
)


def scores(rows: list[tuple[str, str, str, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["article_id", "source", "frame", "per_1k", "low_evidence"])


# --- dominant frames -----------------------------------------------------------------------


def test_dominant_frame_is_the_highest_rate_and_low_evidence_leaves_match_empty() -> None:
    s = scores(
        [
            ("a1", "S1", "f", 5.0, False),
            ("a1", "S1", "g", 2.0, False),
            ("a1", "S1", "h", 0.0, False),
            ("a2", "S1", "f", 1.0, False),
            ("a2", "S1", "g", 3.0, False),
            ("a2", "S1", "h", 2.5, False),
            ("a3", "S2", "g", 2.0, False),  # a tie: the first frame by name wins
            ("a3", "S2", "f", 2.0, False),
            ("a4", "S2", "f", 0.0, False),  # no match at all
            ("a4", "S2", "g", 0.0, False),
            ("a5", "S2", "f", 10.0, True),  # flagged low evidence
            ("a5", "S2", "g", 0.0, True),
            ("a6", "S2", "f", 9.0, False),  # no known perspective
            ("a7", "S2", "g", 9.0, False),  # perspective "" = unknown
        ]
    )
    known = {"a1": "f", "a2": "f", "a3": "g", "a4": "g", "a5": "f", "a7": ""}
    v = dominant_frames(s, known)
    assert list(v.columns) == VALIDATION_COLUMNS
    assert list(v["article_id"]) == ["a1", "a2", "a3", "a4", "a5"]
    v = v.set_index("article_id")
    assert list(v["dominant"]) == ["f", "g", "f", "", ""]
    assert list(v["evidence"]) == ["ok", "ok", "ok", "low", "low"]
    assert list(v["match"]) == ["TRUE", "FALSE", "FALSE", "", ""]
    assert list(v["perspective"]) == ["f", "f", "g", "g", "f"]
    assert list(v["source"]) == ["S1", "S1", "S2", "S2", "S2"]


def test_no_known_perspective_gives_an_empty_table() -> None:
    v = dominant_frames(scores([("a1", "S", "f", 3.0, False)]), {})
    assert v.empty and list(v.columns) == VALIDATION_COLUMNS


# --- confusion and metrics -----------------------------------------------------------------


@pytest.fixture
def validation() -> pd.DataFrame:
    rows = [
        ("v1", "S", "f", "f", True, "ok"),
        ("v2", "S", "f", "g", False, "ok"),
        ("v3", "S", "g", "g", True, "ok"),
        ("v4", "S", "g", "g", True, "ok"),
        ("v5", "S", "h", "f", False, "ok"),
        ("v6", "S", "h", "", None, "low"),
    ]
    return pd.DataFrame(rows, columns=VALIDATION_COLUMNS)


def test_confusion_counts_decided_articles(validation: pd.DataFrame) -> None:
    c = confusion(validation)
    assert list(c.columns) == ["perspective", "predicted", "count"]
    got = {(r.perspective, r.predicted): r.count for r in c.itertuples()}
    assert got == {("f", "f"): 1, ("f", "g"): 1, ("g", "g"): 2, ("h", "f"): 1}
    assert confusion(validation[validation["evidence"] == "low"]).empty


def test_metrics_against_a_hand_made_example(validation: pd.DataFrame) -> None:
    m = metrics(validation, ["f", "g", "h", "k"])
    got = {(r.metric, r.frame): r.value for r in m.itertuples()}
    expected = {
        ("accuracy", ""): 3 / 5,
        ("precision", "f"): 1 / 2,
        ("recall", "f"): 1 / 2,
        ("support", "f"): 2.0,
        ("precision", "g"): 2 / 3,
        ("recall", "g"): 1.0,
        ("support", "g"): 2.0,
        ("precision", "h"): math.nan,  # never predicted
        ("recall", "h"): 0.0,
        ("support", "h"): 1.0,
    }
    assert set(got) == set(expected), "a frame neither predicted nor known gets no rows"
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(value), key


def test_metrics_of_nothing_decided_are_empty(validation: pd.DataFrame) -> None:
    assert metrics(validation.iloc[[5]], ["f", "g", "h"]).empty


# --- reversals -----------------------------------------------------------------------------


def source_table(rates: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [(s, f, r, r - 1.0, r + 1.0) for (s, f), r in rates.items()],
        columns=["source", "frame", "per_1k", "ci_low", "ci_high"],
    )


def test_reversals_warn_exactly_for_lower_rates_on_the_own_frame() -> None:
    rates = {
        ("X", "a"): 5.0,
        ("Y", "a"): 6.0,
        ("Z", "a"): 7.0,
        ("N", "a"): 9.0,
        ("X", "b"): 2.0,
        ("Y", "b"): 3.0,
        ("Z", "b"): 4.0,
        ("N", "b"): 1.0,
    }
    known = {"X": "a", "Y": "b", "Z": "a", "N": "neutral"}
    warnings = reversals(source_table(rates), known)
    heads = sorted(w.split(":")[1].strip() for w in warnings)
    assert heads == sorted(
        [
            "Y (known b) scores higher on a than X (known a)",
            "N (known neutral) scores higher on a than X (known a)",
            "N (known neutral) scores higher on a than Z (known a)",
            "Z (known a) scores higher on b than Y (known b)",
        ]
    )
    y_over_x = next(w for w in warnings if w.startswith("reversal: Y"))
    assert "6.00 [5.00, 7.00] vs 5.00 [4.00, 6.00]" in y_over_x


def test_equal_rates_and_unknown_sources_are_no_reversal() -> None:
    rates = {("X", "a"): 5.0, ("Y", "a"): 5.0, ("W", "a"): 50.0, ("X", "b"): 1.0}
    assert reversals(source_table(rates), {"X": "a", "Y": "b"}) == []
    assert reversals(source_table(rates), {}) == []


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=4),
    st.data(),
)
def test_reversal_count_matches_the_definition(perspectives: list[str], data) -> None:
    frames = ["a", "b"]
    names = [f"S{i}" for i in range(len(perspectives))]
    rates = {(s, f): float(data.draw(st.integers(0, 4))) for s in names for f in frames}
    known = dict(zip(names, perspectives, strict=True))
    expected = sum(
        1
        for a in names
        for b in names
        if known[a] in frames
        and known[b] != known[a]
        and rates[(b, known[a])] > rates[(a, known[a])]
    )
    assert len(reversals(source_table(rates), known)) == expected


# --- source perspectives -------------------------------------------------------------------


def test_source_perspectives_ignore_disagreeing_sources() -> None:
    corpus = pd.DataFrame(
        [
            ("S1", "f"),
            ("S1", "f"),
            ("S2", "f"),
            ("S2", "g"),
            ("S3", ""),
            ("S3", "g"),
            ("S4", ""),
            ("S4", None),
            ("S5", "g"),
        ],
        columns=["source", "perspective"],
    )
    assert source_perspectives(corpus) == {"S1": "f", "S3": "g", "S5": "g"}


# --- agreement -----------------------------------------------------------------------------


def test_agreement_is_spearman_per_source_and_empty_below_three_articles() -> None:
    rows = []
    profile = {"f": [1.0, 2.0, 3.0, 4.0], "g": [1.0, 4.0, 9.0, 100.0], "h": [4.0, 3.0, 2.5, 0.0]}
    for i in range(4):
        for frame, values in profile.items():
            rows.append(("P", f"p{i}", frame, values[i]))
    for i in range(2):
        for frame in profile:
            rows.append(("Q", f"q{i}", frame, float(i + 1)))
    rates = pd.DataFrame(rows, columns=["source", "article_id", "frame", "per_1k"])
    a = agreement(rates, ["f", "g", "h"])
    assert list(a.columns) == ["source", "frame_a", "frame_b", "articles", "spearman"]
    got = {(r.source, r.frame_a, r.frame_b): (r.articles, r.spearman) for r in a.itertuples()}
    assert set(got) == {(s, x, y) for s in "PQ" for x, y in (("f", "g"), ("f", "h"), ("g", "h"))}
    assert got[("P", "f", "g")] == (4, pytest.approx(1.0))  # co-ranked, not linear
    assert got[("P", "f", "h")] == (4, pytest.approx(-1.0))
    assert got[("P", "g", "h")] == (4, pytest.approx(-1.0))
    for pair in (("f", "g"), ("f", "h"), ("g", "h")):
        articles, rho = got[("Q", *pair)]
        assert articles == 2 and (rho is None or pd.isna(rho))


def test_agreement_with_a_constant_frame_is_empty() -> None:
    rows = [("P", f"p{i}", "f", float(i)) for i in range(3)]
    rows += [("P", f"p{i}", "g", 0.0) for i in range(3)]
    a = agreement(
        pd.DataFrame(rows, columns=["source", "article_id", "frame", "per_1k"]), ["f", "g"]
    )
    assert len(a) == 1 and pd.isna(a["spearman"].iloc[0])
