"""The corpus family: per article its metadata, what cleaning removed, its content lemmas, and
the sources' lexical similarity."""

from __future__ import annotations

from pipeline.aggregate.batch import Batch
from pipeline.aggregate.family import Family, Section, Tables
from pipeline.aggregate.fold import Lemmas, Rows, Similarity
from pipeline.aggregate.params import FoldParams


class CorpusFold:
    """corpus.csv and removed.csv appended, lemmas.parquet written, similarity at the end."""

    def __init__(self, params: FoldParams) -> None:
        self.corpus = Rows(params.data_dir, "corpus", "articles")
        self.removed = Rows(params.data_dir, "removed", "removed")
        self.similarity = Similarity()
        self.lemmas = Lemmas(params.data_dir / "lemmas.parquet")

    def add(self, batch: Batch) -> None:
        for part in (self.corpus, self.removed, self.similarity, self.lemmas):
            part.add(batch)

    def result(self) -> Tables:
        self.corpus.result()
        self.removed.result()
        self.lemmas.result()
        return {"similarity": self.similarity.result()}


FAMILY = Family(
    name="corpus",
    batch_tables=("articles", "removed", "docs"),
    accumulator=CorpusFold,
    tables=("corpus", "removed", "similarity"),
    section=Section("cleaning", "Cleaning", after="lexicons"),
)
