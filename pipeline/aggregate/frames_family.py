"""The frames family: how often each source uses each frame's vocabulary, with intervals,
differences, keyness, the frame map, and the known-groups check of the frames."""

from __future__ import annotations

from collections import Counter
from typing import cast

import pandas as pd

from pipeline.aggregate.batch import Batch
from pipeline.aggregate.compare import differences, frame_map, keyness
from pipeline.aggregate.families import family_metrics
from pipeline.aggregate.family import Family, Section, Tables
from pipeline.aggregate.fold import (
    MONTH_KEYS,
    MONTH_VALUES,
    POSITION_KEYS,
    POSITION_VALUES,
    CategoryFamilies,
    Coverage,
    Passages,
    Rates,
    Rows,
    Summed,
    Terms,
    months,
    positions,
    validation_tally,
)
from pipeline.aggregate.params import FoldParams
from pipeline.aggregate.scores import SourceAccumulator
from pipeline.aggregate.validate import COUNT_KEYS, agreement_of, confusion, metrics, reversals
from pipeline.analyze.lexicons import Lexicon
from pipeline.runfolder.schema import columns


class FramesFold:
    """articles.csv, hits.csv and validation.csv appended; the per-source tables at the end."""

    def __init__(self, params: FoldParams) -> None:
        self.params = params
        frames, d = params.frames, params.data_dir
        parts = (("articles", "scores"), ("hits", "hits"), ("validation", "validation"))
        self.rows = [Rows(d, name, part) for name, part in parts]
        self.sources = SourceAccumulator(frames, params.source_counts)
        self.terms = Terms()
        self.passages = Passages()
        self.positions = Summed(positions, POSITION_KEYS, POSITION_VALUES)
        self.months = Summed(months, MONTH_KEYS, MONTH_VALUES)
        self.rates = Rates(frames)
        self.validation = Summed(validation_tally, COUNT_KEYS, ["count"])
        self.coverage = Coverage(params.min_hits)
        self.families = CategoryFamilies(frames, params.min_tokens, params.min_hits)

    def add(self, batch: Batch) -> None:
        for row in self.rows:
            row.add(batch)
        self.sources.add(batch.articles, batch.sentences, batch.hits)
        for part in (self.terms, self.passages, self.positions, self.months, self.rates,
                     self.validation, self.coverage, self.families):  # fmt: skip
            part.add(batch)

    def result(self) -> Tables:
        p, frames = self.params, self.params.frames
        for row in self.rows:
            row.result()
        acc = self.sources
        sources = acc.intervals(p.bootstrap, p.seed, p.min_tokens, p.min_hits)
        terms, validation = self.terms.result(), self.validation.result()
        scored, covered = self.coverage.result()
        metric_table = metrics(validation, frames)
        return {
            "sources": sources,
            "terms": terms,
            "passages": self.passages.result(),
            "differences": differences(acc, sources, p.permutations, p.seed),
            "keyness": keyness(terms, sources),
            "frame_map": frame_map(sources, acc.boots, frames),
            "positions": self.positions.result(),
            "timeline": _timeline(self.months.result()),
            "coverage": pd.DataFrame(
                [(f, scored, covered[f], covered[f] / scored if scored else None) for f in frames],
                columns=columns("coverage"),
            ),
            "confusion": confusion(validation),
            "validation_metrics": pd.concat(
                [metric_table.assign(family="all"), family_metrics(self.families.result(), frames)],
                ignore_index=True,
            ),
            "agreement": agreement_of(self.rates.result(), frames),
            "lexicon": lexicon_table(list(p.lexicons), _author_hits(terms)),
        }


def lexicon_table(lexicons: list[Lexicon], author_hits: Counter[tuple[str, str]]) -> pd.DataFrame:
    """Every entry used, with its author-voice hit count (0 = never matched in the corpus)."""
    rows = [
        {
            "frame": lex.frame,
            "label": lex.label,
            "term": e.term,
            "category": e.category,
            "weight": e.weight,
            "note": e.note,
            "lemmas": " ".join(e.lemmas),
            "shared": " ".join(e.shared),
            "author_hits": author_hits.get((lex.frame, e.term), 0),
        }
        for lex in lexicons
        for e in lex.entries
    ]
    return pd.DataFrame(rows)


def _author_hits(terms: pd.DataFrame) -> Counter[tuple[str, str]]:
    by_entry = terms.groupby(["frame", "term"])["author_hits"].sum()
    return Counter({cast(tuple[str, str], key): int(n) for key, n in by_entry.items()})


def _timeline(months: pd.DataFrame) -> pd.DataFrame:
    t = months.copy()
    t["per_1k"] = t["weighted"] * 1000 / t["tokens"].clip(lower=1) if len(t) else []
    return t[["source", "month", "frame", "articles", "tokens", "weighted", "per_1k"]]


def ranked_against_perspective(
    tables: Tables, params: FoldParams, known: dict[str, str]
) -> list[str]:
    """Warnings: a source ranked below another on its own known perspective's frame."""
    return reversals(tables["sources"], known)


TABLES = (
    "articles", "hits", "validation", "sources", "terms", "passages", "differences",
    "keyness", "frame_map", "positions", "timeline", "coverage", "confusion",
    "validation_metrics", "agreement", "lexicon",
)  # fmt: skip
FAMILY = Family(
    name="frames",
    batch_tables=("articles", "sentences", "hits"),
    accumulator=FramesFold,
    tables=TABLES,
    section=Section("summary", "Frames", after="changes"),
    check=ranked_against_perspective,
)
