"""Which measurement families a run aggregates: one declaration per family, one registration.

A family (frames, stance, sourcing, the corpus itself, and the next one) declares in its own
module the analysis tables of a batch it reads (``batch_tables``, names of the batch
registry), its accumulator (built from ``FoldParams``; ``result()`` returns its tables keyed
by run-folder schema name), every run-folder table it writes (``tables``: those it appends
while folding and those ``result()`` returns), its dashboard section, and its validation
(``check``: warnings from its tables and the sources' known perspectives). Adding a family is
that module plus one line in ``FAMILY_MODULES``; ``register`` adds one at run time (tests).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from pipeline.aggregate.batch import Batch
from pipeline.aggregate.params import FoldParams

Tables = dict[str, pd.DataFrame]

# The modules that declare a family (each a module-level ``FAMILY``), in the order folded.
FAMILY_MODULES = (
    "pipeline.aggregate.corpus_family",
    "pipeline.aggregate.frames_family",
    "pipeline.aggregate.sourcing_family",
    "pipeline.aggregate.stance_family",
)


class Accumulator(Protocol):
    """A family's aggregate, folded over the groups of batches."""

    def add(self, batch: Batch) -> None: ...

    def result(self) -> Tables: ...


def no_check(tables: Tables, params: FoldParams, known: dict[str, str]) -> list[str]:
    """The validation of a family that has none."""
    return []


def always(params: FoldParams) -> bool:
    return True


@dataclass(frozen=True)
class Section:
    """A family's dashboard section: where it goes on the page and what it shows.

    ``view`` builds its data (the template sees it under ``id``) from the run folder;
    ``template`` is its Jinja source when it is not a file ``templates/sections/<id>.html.j2``.
    """

    id: str
    heading: str
    after: str  # the id of the section it follows on the page; "" puts it first
    view: Callable[[Path], Any] | None = None
    template: str = ""


@dataclass(frozen=True)
class Family:
    """One measurement family, declared."""

    name: str
    batch_tables: tuple[str, ...]
    accumulator: Callable[[FoldParams], Accumulator]
    tables: tuple[str, ...]
    section: Section
    check: Callable[[Tables, FoldParams, dict[str, str]], list[str]] = no_check
    applies: Callable[[FoldParams], bool] = always  # e.g. stance: only with a stance lexicon


_REGISTERED: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add a family to those a run aggregates (after the declared ones)."""
    if family.name in _REGISTERED:
        raise ValueError(f"family {family.name!r} is registered twice")
    _REGISTERED[family.name] = family
    return family


def unregister(name: str) -> None:
    _REGISTERED.pop(name, None)


def families() -> list[Family]:
    """Every family, declared ones first, in fold order."""
    declared = [importlib.import_module(m).FAMILY for m in FAMILY_MODULES]
    return [*declared, *_REGISTERED.values()]
