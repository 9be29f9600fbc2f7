"""The stance family: how each source portrays each target, group of batches by group.

``stance_hits.csv`` and ``stance_articles.csv`` grow a group at a time; the accumulator keeps
per source what the intervals and differences need; the rest is returned at the end.
"""

from __future__ import annotations

import pandas as pd

from pipeline.aggregate import stance as agg
from pipeline.aggregate.batch import Batch
from pipeline.aggregate.family import Family, Section, Tables
from pipeline.aggregate.fold import Perspectives
from pipeline.aggregate.params import FoldParams
from pipeline.aggregate.validate import source_perspectives
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.runfolder.tables import TableAppender


class StanceFold:
    """Stance aggregation for one run (a run with a stance lexicon)."""

    def __init__(self, params: FoldParams) -> None:
        self.params = params
        self.stance: StanceLexicon = _lexicon(params)
        self.acc = agg.StanceAccumulator(self.stance.target_ids, params.source_counts)
        self.hits = TableAppender(params.data_dir / "stance_hits.csv")
        self.articles = TableAppender(params.data_dir / "stance_articles.csv")
        self.months: list[pd.DataFrame] = []
        self.perspectives = Perspectives()

    def add(self, batch: Batch) -> None:
        """One group of batches (its ``articles``, ``stance_hits``, ``stance_mentions``)."""
        articles = batch.articles
        hits = batch.stance_hits.copy()
        for col in ("negated", "counted"):
            hits[col] = hits[col].astype(bool)
        order = {aid: k for k, aid in enumerate(articles["article_id"])}
        hits = hits.sort_values(
            ["article_id", "char_start", "target", "term"],
            key=lambda c: c.map(order) if c.name == "article_id" else c,
            kind="stable",
        )
        mentions = batch.stance_mentions
        self.perspectives.add(batch)
        rows = agg.article_stance(articles, hits, mentions)
        self.hits.add(hits)
        self.articles.add(rows)
        self.acc.add(articles, hits, mentions)
        self.months.append(
            rows[rows["evaluated"] > 0][
                ["article_id", "source", "published", "target", "evaluated", "positive", "negative"]
            ]
        )

    def result(self) -> Tables:
        """The per-source tables (appended ones closed)."""
        p = self.params
        self.hits.close()
        self.articles.close()
        sources = self.acc.intervals(p.bootstrap, p.seed)
        months = pd.concat(self.months, ignore_index=True) if self.months else None
        known = source_perspectives(self.perspectives.result())
        expected, _ = agg.expectations_check(sources, self.stance.expectations, known)
        return {
            "stance": sources,
            "stance_differences": agg.differences(self.acc, sources, p.permutations, p.seed),
            "stance_timeline": agg.by_month(months)
            if months is not None and len(months)
            else pd.DataFrame(columns=agg.MONTH_COLUMNS),
            "stance_expectations": expected,
        }


def _lexicon(params: FoldParams) -> StanceLexicon:
    if params.stance is None:
        raise ValueError("the stance family needs a stance lexicon")
    return params.stance


def reversed_signs(tables: Tables, params: FoldParams, known: dict[str, str]) -> list[str]:
    """Warnings: sources of a known perspective whose stance has the wrong sign."""
    return agg.expectations_check(tables["stance"], _lexicon(params).expectations, known)[1]


FAMILY = Family(
    name="stance",
    batch_tables=("articles", "stance_hits", "stance_mentions"),
    accumulator=StanceFold,
    tables=(
        "stance_hits",
        "stance_articles",
        "stance",
        "stance_differences",
        "stance_timeline",
        "stance_expectations",
    ),
    section=Section("stance", "Stance", after=""),
    check=reversed_signs,
    applies=lambda params: params.stance is not None,
)
