"""The sourcing family: who speaks in each source's articles, by actor group."""

from __future__ import annotations

from pipeline.aggregate.batch import Batch
from pipeline.aggregate.family import Family, Section, Tables
from pipeline.aggregate.fold import Speakers
from pipeline.aggregate.params import FoldParams
from pipeline.aggregate.sourcing import group_shares


class SourcingFold:
    """sourcing_hits.csv appended; the groups' shares with intervals at the end."""

    def __init__(self, params: FoldParams) -> None:
        self.params = params
        self.speakers = Speakers(params.data_dir, params.actors)

    def add(self, batch: Batch) -> None:
        self.speakers.add(batch)

    def result(self) -> Tables:
        p = self.params
        shares = group_shares(self.speakers.result(), list(p.actors.groups), p.bootstrap, p.seed)
        return {"sourcing": shares}


FAMILY = Family(
    name="sourcing",
    batch_tables=("sourcing",),
    accumulator=SourcingFold,
    tables=("sourcing_hits", "sourcing"),
    section=Section("sourcing", "Who speaks", after="differences"),
)
