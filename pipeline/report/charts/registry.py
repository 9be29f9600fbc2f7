"""Which charts exist: one registration per chart function (``@chart``), in the order the
dashboard shows them, and the dashboard's chart groups.

A chart function takes the run's tables (``ChartData``) and returns ``(Figure, ChartNote)``.
Its registration names the PNG (``name``), its dashboard group, the tables it reads (run-folder
schema names), when the run's data allows it (``when``; default always) and, for a chart drawn
once per frame or page, ``pages``: the file names and the extra arguments of each figure.
This module imports no plotting library: the dashboard reads ``GROUPS`` from it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from pipeline.runfolder.schema import TABLES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from pipeline.report.charts.data import ChartData
    from pipeline.report.charts.notes import ChartNote

Draw = Callable[..., "tuple[Figure, ChartNote]"]
Page = tuple[str, tuple[Any, ...]]  # file name, extra arguments of the draw function

# The modules of chart families, imported by ``load``; a new family module goes here.
FAMILIES = ("rates", "maps", "stance", "time", "terms", "sourcing")
# Dashboard groups, in page order: id → heading. A chart names one of these ids.
GROUPS: dict[str, str] = {
    "stance": "Stance toward targets",
    "rates": "Rates and shares",
    "maps": "Frame map and similarity",
    "time": "Where and when",
    "terms": "Terms",
    "sourcing": "Who speaks",
}


@dataclass(frozen=True)
class Chart:
    """A registered chart."""

    name: str
    group: str
    reads: tuple[str, ...]
    draw: Draw
    when: Callable[[ChartData], bool] | None = None
    pages: Callable[[ChartData], list[Page]] | None = None

    def figures(self, d: ChartData) -> list[Page]:
        """The files this chart draws for this run (none when its data does not allow it)."""
        if self.when is not None and not self.when(d):
            return []
        return self.pages(d) if self.pages is not None else [(f"{self.name}.png", ())]


CHARTS: list[Chart] = []


def chart(
    name: str,
    group: str,
    reads: tuple[str, ...] = (),
    when: Callable[[ChartData], bool] | None = None,
    pages: Callable[[ChartData], list[Page]] | None = None,
) -> Callable[[Draw], Draw]:
    """Register the decorated chart function (see the module's docstring)."""
    if group not in GROUPS:
        raise ValueError(f"chart {name!r}: unknown group {group!r} (add it to GROUPS)")
    unknown = [t for t in reads if t not in TABLES]
    if unknown:
        raise ValueError(f"chart {name!r} reads tables the schema lacks: {unknown}")
    if any(c.name == name for c in CHARTS):
        raise ValueError(f"chart {name!r} is registered twice")

    def register(draw: Draw) -> Draw:
        CHARTS.append(Chart(name, group, reads, draw, when, pages))
        return draw

    return register


def has_rows(name: str) -> Callable[[ChartData], bool]:
    """A ``when``: the run's table ``name`` has at least one row."""
    return lambda d: len(d.table(name)) > 0


def load() -> list[Chart]:
    """Every registered chart, in the dashboard's order: by group, then by family module,
    then as registered in its module (whatever order the modules were imported in)."""
    for family in FAMILIES:
        importlib.import_module(f"pipeline.report.charts.{family}")
    groups, families = list(GROUPS), [f"pipeline.report.charts.{f}" for f in FAMILIES]

    def rank(c: Chart) -> tuple[int, int]:
        module = c.draw.__module__
        return groups.index(c.group), families.index(module) if module in families else 99

    return sorted(CHARTS, key=rank)


def jobs(d: ChartData) -> Iterator[tuple[str, Chart, Callable[[], tuple[Figure, ChartNote]]]]:
    """Every figure this run's data allows: file name, chart, and the call that draws it."""
    for c in load():
        for file, args in c.figures(d):
            yield file, c, partial(c.draw, d, *args)
