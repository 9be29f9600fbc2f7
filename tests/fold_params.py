"""Aggregation parameters for tests: a run's ``Settings`` with a few numbers changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pipeline.aggregate.params import AGGREGATE_ARTICLES, FoldParams, fold_params
from pipeline.analyze.actors import load_actors
from pipeline.analyze.lexicons import Lexicon
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.settings import Settings


def params_for(
    data_dir: Path,
    lexicons: list[Lexicon],
    source_counts: dict[str, int] | None = None,
    stance: StanceLexicon | None = None,
    aggregate_articles: int = AGGREGATE_ARTICLES,
    **settings: Any,
) -> FoldParams:
    """``FoldParams`` of a run with ``settings`` (Settings' field names), the shipped actors."""
    made = fold_params(Settings(**settings), data_dir, lexicons, load_actors(), stance,
                       source_counts)  # fmt: skip
    return dataclasses.replace(made, aggregate_articles=aggregate_articles)
