"""Write the stance tables of a run, group of batches by group, beside the frame tables.

``stance_hits.csv`` and ``stance_articles.csv`` grow a group at a time; the accumulator keeps
per source what the intervals and differences need; the rest is written at the end.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.aggregate import stance as agg
from pipeline.aggregate.batch import Batch
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.runfolder.tables import TableAppender, write_table


class StanceTables:
    """Stance aggregation for one run, an accumulator of the fold: ``add`` each group of
    batches, then ``finish``."""

    def __init__(
        self, data_dir: Path, stance: StanceLexicon, source_counts: dict[str, int] | None
    ) -> None:
        self.data_dir = data_dir
        self.stance = stance
        self.acc = agg.StanceAccumulator(stance.target_ids, source_counts)
        self.hits = TableAppender(data_dir / "stance_hits.csv")
        self.articles = TableAppender(data_dir / "stance_articles.csv")
        self.months: list[pd.DataFrame] = []

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
        rows = agg.article_stance(articles, hits, mentions)
        self.hits.add(hits)
        self.articles.add(rows)
        self.acc.add(articles, hits, mentions)
        self.months.append(
            rows[rows["evaluated"] > 0][
                ["article_id", "source", "published", "target", "evaluated", "positive", "negative"]
            ]
        )

    def result(self) -> StanceTables:
        """Itself: the per-source tables need the bootstrap settings (``finish``)."""
        return self

    def finish(
        self, n_boot: int, seed: int, n_perm: int, source_perspective: dict[str, str]
    ) -> list[str]:
        """Write the per-source tables; return the reversal warnings of the expected signs."""
        self.hits.close()
        self.articles.close()
        sources = self.acc.result(n_boot, seed)
        months = pd.concat(self.months, ignore_index=True) if self.months else None
        expected, warnings = agg.expectations_check(
            sources, self.stance.expectations, source_perspective
        )
        tables = {
            "stance": sources,
            "stance_differences": agg.differences(self.acc, sources, n_perm, seed),
            "stance_timeline": agg.by_month(months)
            if months is not None and len(months)
            else pd.DataFrame(columns=agg.MONTH_COLUMNS),
            "stance_expectations": expected,
        }
        for name, df in tables.items():
            write_table(df, self.data_dir / f"{name}.csv")
        return warnings
