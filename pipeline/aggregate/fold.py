"""The parts the families' accumulators are made of, each with ``add(batch)`` and ``result()``.

``write_tables`` reads the batches in plan order, turns each group into a ``Batch`` (its
tables, hits in corpus order, article scores, validation rows) and hands it to every family's
accumulator (``family``), which hands it to its parts. Memory stays bounded by a batch:
per-article rows go straight to the CSVs (``Rows``), the rest are running totals, capped
samples or per-source arrays.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.aggregate.batch import Batch
from pipeline.aggregate.compare import SimilarityAccumulator
from pipeline.aggregate.families import add_counts, family_validation_counts
from pipeline.aggregate.scores import counted, term_counts
from pipeline.aggregate.sourcing import classify
from pipeline.aggregate.validate import validation_counts
from pipeline.analyze.actors import ActorLexicon
from pipeline.runfolder.schema import PASSAGES_PER_CELL, columns
from pipeline.runfolder.tables import TableAppender, records

POSITION_KEYS, POSITION_VALUES = ["source", "frame", "decile"], ["hits", "weighted"]
MONTH_KEYS, MONTH_VALUES = ["source", "month", "frame"], ["articles", "tokens", "weighted"]
_DOCS_SCHEMA = pa.schema(
    [("article_id", pa.string()), ("source", pa.string()), ("lemmas", pa.string())]
)


def sum_by(parts: list[pd.DataFrame], keys: list[str], values: list[str]) -> pd.DataFrame:
    """The ``values`` summed by ``keys`` over some tables (an empty table with those columns
    when all are empty)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=keys + values)
    return pd.concat(parts).groupby(keys, as_index=False)[values].sum()


class Rows:
    """One per-article table, appended to its CSV batch by batch (``part``: which of the
    batch's tables, and under which schema table it is written)."""

    def __init__(self, data_dir: Path, name: str, part: str) -> None:
        self.out, self.part = TableAppender(data_dir / f"{name}.csv"), part

    def add(self, batch: Batch) -> None:
        self.out.add(getattr(batch, self.part))

    def result(self) -> Path:
        return self.out.close()


class Summed:
    """A table of sums by keys, kept as a running total (a list of a thousand small tables
    would cost more memory than the rows in them)."""

    def __init__(self, make: Any, keys: list[str], values: list[str]) -> None:
        self.make, self.keys, self.values = make, keys, values
        self.total = sum_by([], keys, values)

    def add(self, batch: Batch) -> None:
        self.total = sum_by([self.total, self.make(batch)], self.keys, self.values)

    def result(self) -> pd.DataFrame:
        return self.total


class Terms:
    """Per source × frame × entry: author, quoted, negated and all hits."""

    def __init__(self) -> None:
        self.total = sum_terms([])

    def add(self, batch: Batch) -> None:
        self.total = sum_terms([self.total, term_counts(batch.hits)])

    def result(self) -> pd.DataFrame:
        return self.total


class Passages:
    """The first ``PASSAGES_PER_CELL`` matches of each source × frame: what the dashboard
    lists (data/passages.csv)."""

    def __init__(self) -> None:
        self.kept: Counter[tuple[str, str]] = Counter()
        self.parts: list[pd.DataFrame] = []

    def add(self, batch: Batch) -> None:
        hits = batch.hits
        if hits.empty:
            self.parts.append(hits)
            return
        rank = hits.groupby(["source", "frame"]).cumcount()
        room = [PASSAGES_PER_CELL - self.kept[(s, f)]
                for s, f in zip(hits["source"], hits["frame"], strict=True)]  # fmt: skip
        chosen = hits[rank.to_numpy() < room]
        for key, n in chosen.groupby(["source", "frame"]).size().items():
            self.kept[cast(tuple[str, str], key)] += int(n)
        self.parts.append(chosen)

    def result(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=columns("passages"))
        return pd.concat(self.parts, ignore_index=True)


class Similarity:
    """The sources' TF-IDF vectors of content lemmas."""

    def __init__(self) -> None:
        self.acc = SimilarityAccumulator()

    def add(self, batch: Batch) -> None:
        for source, g in batch.docs.groupby("source", sort=True):
            self.acc.add(str(source), [str(x).split() for x in g["lemmas"]])

    def result(self) -> pd.DataFrame:
        return self.acc.result()


class Lemmas:
    """Every article's content lemmas, to data/lemmas.parquet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def add(self, batch: Batch) -> None:
        docs = batch.docs.astype(str)
        table = pa.Table.from_pandas(docs, schema=_DOCS_SCHEMA, preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, _DOCS_SCHEMA)
        self.writer.write_table(table)

    def result(self) -> Path | None:
        if self.writer is None:
            return None
        self.writer.close()
        return self.path


class Rates:
    """Per source, its articles' rates per frame (for the agreement between frames)."""

    def __init__(self, frames: list[str]) -> None:
        self.frames = frames
        self.rates: dict[str, list[np.ndarray]] = {}

    def add(self, batch: Batch) -> None:
        wide = batch.scores.pivot(index="article_id", columns="frame", values="per_1k")
        wide = wide.reindex(index=batch.articles["article_id"], columns=self.frames)
        for source, ids in batch.articles.groupby("source", sort=False)["article_id"]:
            self.rates.setdefault(str(source), []).append(wide.loc[ids].to_numpy(dtype="float32"))

    def result(self) -> dict[str, np.ndarray]:
        return {s: np.vstack(v) for s, v in self.rates.items()}


class Coverage:
    """Articles scored, and per frame those with at least ``min_hits`` counted matches."""

    def __init__(self, min_hits: int) -> None:
        self.min_hits, self.scored = min_hits, 0
        self.covered: Counter[str] = Counter()

    def add(self, batch: Batch) -> None:
        s = batch.scores
        for frame, n in s[s["hits"] >= self.min_hits].groupby("frame").size().items():
            self.covered[str(frame)] += int(n)
        self.scored += len(batch.articles)

    def result(self) -> tuple[int, Counter[str]]:
        return self.scored, self.covered


class Perspectives:
    """Distinct (source, perspective) pairs: reading them back from corpus.csv held two
    strings per article (~150 MB at a million articles)."""

    def __init__(self) -> None:
        self.pairs: set[tuple[str, str]] = set()

    def add(self, batch: Batch) -> None:
        given = batch.articles["perspective"].fillna("").astype(str)
        self.pairs.update(zip(batch.articles["source"].astype(str), given, strict=True))

    def result(self) -> pd.DataFrame:
        return pd.DataFrame(sorted(self.pairs), columns=["source", "perspective"])


class Quarantined:
    """The articles the analysis quarantined, with their reasons."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, batch: Batch) -> None:
        self.rows.extend(records(batch.quarantined))

    def result(self) -> list[dict[str, Any]]:
        return self.rows


class CategoryFamilies:
    """Known-groups counts per family of categories (naming, argument, other): each family's
    matches scored on their own."""

    def __init__(self, frames: list[str], min_tokens: int, min_hits: int) -> None:
        self.frames, self.min_tokens, self.min_hits = frames, min_tokens, min_hits
        self.counts = add_counts(pd.DataFrame(), pd.DataFrame())

    def add(self, batch: Batch) -> None:
        found = family_validation_counts(
            batch.articles, batch.hits, self.frames, batch.perspective,
            self.min_tokens, self.min_hits,
        )  # fmt: skip
        self.counts = add_counts(self.counts, found)

    def result(self) -> pd.DataFrame:
        return self.counts


class Speakers:
    """Attributions with their speaker's group, appended to ``sourcing_hits.csv``; keeps
    (article, source, group) for the shares."""

    def __init__(self, data_dir: Path, actors: ActorLexicon) -> None:
        self.out, self.actors = TableAppender(data_dir / "sourcing_hits.csv"), actors
        self.rows: list[pd.DataFrame] = []

    def add(self, batch: Batch) -> None:
        attributed = classify(batch.sourcing, self.actors)
        self.out.add(attributed)
        self.rows.append(attributed[["article_id", "source", "speaker_group"]])

    def result(self) -> pd.DataFrame:
        self.out.close()
        return pd.concat(self.rows, ignore_index=True) if self.rows else pd.DataFrame()


def positions(batch: Batch) -> pd.DataFrame:
    """Counted hits by decile of sentence position within their article."""
    hits, articles = batch.hits, batch.articles
    own = hits[counted(hits)]
    if own.empty:
        return pd.DataFrame(columns=POSITION_KEYS + POSITION_VALUES)
    n = own["article_id"].map(dict(zip(articles["article_id"], articles["sentences"], strict=True)))
    decile = (own["sentence_id"] * 10 // n.clip(lower=1)).clip(0, 9).astype(int)
    return (
        own.assign(decile=decile, hits=1)
        .groupby(["source", "frame", "decile"], as_index=False)[["hits", "weight"]]
        .sum()
        .rename(columns={"weight": "weighted"})
    )


def months(batch: Batch) -> pd.DataFrame:
    """Articles, tokens and weighted hits per source, publication month and frame."""
    scores = batch.scores
    month = scores["published"].fillna("").astype(str).str.slice(0, 7)
    dated = scores[month.str.match(r"^\d{4}-\d{2}$")].assign(month=month, articles=1)
    return dated.groupby(MONTH_KEYS, as_index=False)[MONTH_VALUES].sum()


def validation_tally(batch: Batch) -> pd.DataFrame:
    return validation_counts(batch.validation)


def sum_terms(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Term counts summed over batches, ordered by source, frame and most author hits."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return term_counts(
            pd.DataFrame(columns=["source", "frame", "category", "term", "voice", "negated"])
        )
    merged = pd.concat(parts, ignore_index=True)
    total = merged.groupby(["source", "frame", "category", "term"], as_index=False)[
        ["author_hits", "quoted_hits", "negated_hits", "all_hits"]
    ].sum()
    return total.sort_values(
        ["source", "frame", "author_hits", "term"],
        ascending=[True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
