"""Stance validation against gold labels: κ, coverage and precision on hand-counted cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.aggregate.stance_check import kappa, pipeline_classes, stance_validation
from pipeline.runfolder.schema import columns


def _gold(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, t, s, "") for a, t, s in rows], columns=["id", "target", "stance", "note"]
    )


def _articles(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
    """stance_articles rows from (article, target, evaluated, positive, negative)."""
    return pd.DataFrame(rows, columns=["article_id", "target", "evaluated", "positive", "negative"])


def test_kappa_of_a_hand_counted_table() -> None:
    # observed 3/4; chance (1·0 + 2·3 + 1·1)/16 = 7/16; κ = (12/16 − 7/16)/(9/16) = 5/9
    assert kappa(pd.Series([1, 0, -1, 0]), pd.Series([1, 0, 0, 0])) == pytest.approx(5 / 9)
    assert kappa(pd.Series([1, 0, -1]), pd.Series([1, 0, -1])) == pytest.approx(1.0)
    # everything 0 on both sides: chance agreement is 1, κ is undefined, not 1
    assert math.isnan(kappa(pd.Series([0, 0, 0]), pd.Series([0, 0, 0])))


def test_pipeline_class_is_the_sign_of_counted_strength_and_0_without_evidence() -> None:
    gold = _gold([("a", "russia", 1), ("b", "russia", -1), ("c", "russia", 0), ("d", "russia", 1)])
    found = _articles(
        [("a", "russia", 2, 3.0, 1.0), ("b", "russia", 2, 1.0, 1.0), ("c", "russia", 0, 0.0, 0.0)]
    )
    out = pipeline_classes(gold, found).set_index("id")
    assert out["predicted"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 0}
    assert out["evaluated"].to_dict() == {"a": 2, "b": 2, "c": 0, "d": 0}


def test_validation_per_target_and_overall() -> None:
    gold = _gold(
        [
            ("a1", "dprk", 1),
            ("a2", "dprk", -1),
            ("a3", "dprk", 0),
            ("a4", "dprk", 0),
            ("a1", "west", -1),
            ("a2", "west", 0),
        ]
    )
    found = _articles(
        [
            ("a1", "dprk", 1, 2.0, 0.0),  # right
            ("a2", "dprk", 2, 1.0, 1.0),  # found, but balanced: class 0 (covered, wrong)
            ("a3", "dprk", 1, 0.0, 1.0),  # says −1 where gold is 0: a false ±
            ("a2", "west", 1, 0.0, 2.0),  # says −1 where gold is 0
            ("z9", "dprk", 1, 1.0, 0.0),  # not in gold: ignored
        ]
    )
    table = stance_validation(gold, found).set_index("target")
    assert list(table.reset_index().columns) == columns("stance_validation")
    assert list(table.index) == ["dprk", "west", "all"]
    dprk = table.loc["dprk"]
    assert (dprk.pairs, dprk.gold_signed, dprk.predicted_signed) == (4, 2, 2)
    assert dprk.coverage == 1.0 and dprk.precision == 0.5 and dprk.agreement == 0.5
    # gold (1, −1, 0, 0) vs pipeline (1, 0, −1, 0): po 1/2, pe (1·1 + 2·2 + 1·1)/16 = 3/8
    assert dprk.kappa == pytest.approx((1 / 2 - 3 / 8) / (1 - 3 / 8))
    west = table.loc["west"]
    assert west.coverage == 0.0 and west.precision == 0.0
    every = table.loc["all"]
    assert (every.pairs, every.gold_signed, every.predicted_signed) == (6, 3, 3)
    assert every.coverage == pytest.approx(2 / 3) and every.precision == pytest.approx(1 / 3)


def test_no_pipeline_stance_leaves_precision_undefined() -> None:
    table = stance_validation(_gold([("a", "west", -1)]), _articles([])).set_index("target")
    assert table.loc["west"].coverage == 0.0
    assert math.isnan(table.loc["west"].precision)
