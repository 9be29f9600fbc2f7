"""Sourcing tables: classification in article order, shares and their intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.aggregate.sourcing import HIT_COLUMNS, RAW_COLUMNS, classify, group_shares
from pipeline.analyze.actors import ActorLexicon
from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.sourcing import find_attributions


def raw_rows(article: str, source: str, text: str) -> list[tuple]:
    clean, sentences = clean_and_tokenize(text)
    return [(article, source, *a, "") for a in find_attributions(clean, sentences)]


def test_classify_keeps_article_order_and_resolves_anaphors(actors: ActorLexicon) -> None:
    rows = raw_rows("a", "S", "ペスコフ報道官は、合法だと述べた。同氏は、続くと語った。")
    rows += raw_rows("b", "S", "同氏は、問題ないと語った。")
    out = classify(pd.DataFrame(rows, columns=RAW_COLUMNS), actors)
    assert list(out.columns) == HIT_COLUMNS
    assert list(out["speaker_group"]) == ["russian_government", "russian_government", "other"]
    # An anaphor does not reach into another article.
    assert list(out["anaphor"]) == [False, True, False]


def test_shares_sum_to_one_with_intervals_around_them() -> None:
    hits = pd.DataFrame(
        {
            "article_id": ["a", "a", "b", "c", "c", "d"],
            "source": ["S", "S", "S", "S", "S", "T"],
            "speaker_group": ["us_government", "experts", "us_government", "un", "experts",
                              "dprk_state"],
        }
    )  # fmt: skip
    out = group_shares(hits, ["us_government", "experts", "un", "dprk_state"], 500, 7)
    s = out[out["source"] == "S"].set_index("speaker_group")
    assert s["share"].sum() == pytest.approx(1.0)
    assert s.loc["us_government", "attributions"] == 2
    assert (s["ci_low"] <= s["share"]).all() and (s["share"] <= s["ci_high"]).all()
    assert s.loc["dprk_state", "share"] == 0.0
    t = out[out["source"] == "T"].set_index("speaker_group")
    assert t.loc["dprk_state", "share"] == 1.0
    # The same seed gives the same intervals.
    again = group_shares(hits, ["us_government", "experts", "un", "dprk_state"], 500, 7)
    pd.testing.assert_frame_equal(out, again)
