"""Lay a chart out in inches from the fonts' metrics (not by tight_layout, which measures every
tick label and costs about as much as drawing the chart); colours, legends and notes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipeline.report.charts.data import ChartData
from pipeline.report.charts.fonts import text_width

GREY = "#8a949e"


def fmt(v: float) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def safe_name(text: str) -> str:
    """A file-name fragment from free text: ASCII letters, digits, '_' and '-' only."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:40]
    return name or "x"


def frame_palette(frames: list[str]) -> dict[str, tuple[float, float, float]]:
    colors = sns.color_palette("colorblind", max(len(frames), 1))
    return {f: colors[i % len(colors)] for i, f in enumerate(frames)}


def source_palette(names: list[str]) -> dict[str, tuple[float, float, float]]:
    n = max(len(names), 1)
    colors = sns.color_palette("tab10" if n <= 10 else "husl", n)
    return {s: colors[i] for i, s in enumerate(names)}


def grey_low(ax: Axes, d: ChartData, names: list[str], axis: str = "y") -> None:
    """Grey out the tick labels of low-evidence sources."""
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    for tick, s in zip(ticks, names, strict=False):
        if s in d.low:
            tick.set_color(GREY)


def listing(parts: list[str], limit: int = 12) -> str:
    """A "; "-joined list, cut after ``limit`` items with a count of the rest."""
    if len(parts) <= limit:
        return "; ".join(parts)
    return "; ".join(parts[:limit]) + f"; and {len(parts) - limit} more"


def empty_note(ax: Axes, text: str = "no matches") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})  # fmt: skip


PT = 1 / 72
EDGE = 0.1  # white round the figure
TICK_OFFSET = 9.5 * PT  # tick pad plus tick length, drawn or not
TICK_LINE = 0.16  # one line of 10-point tick labels
AXIS_LABEL = 0.22  # an 11-point axis label and its pad
TITLE = 0.26  # a 13-point axes title and its pad
PANEL_TITLE = 0.165  # a line of 11-point panel title (plus 0.06 of pad)


def suptitle_height(fig: Figure) -> float:
    """A figure title sits 2% of the height below the top edge."""
    return 0.02 * fig.get_figheight() + 0.24


def tick_labels(ax: Axes) -> list[str]:
    """The y tick labels matplotlib will draw (set, or from the locator and formatter)."""
    return [t.get_text() for t in ax.get_yticklabels()]


def labels_width(labels: Iterable[str], size: float = 10) -> float:
    """Inches taken by the widest of some tick labels."""
    return max((text_width(str(t), size) for t in labels), default=0.0) * 1.04 * PT


@dataclass(frozen=True)
class Margins:
    """A grid's margins and the gaps between its axes, in inches."""

    left: float
    bottom: float
    top: float
    right: float = 0.3
    wspace: float = 0.3
    hspace: float = 0.0


def place(fig: Figure, ncols: int, nrows: int, margins: Margins) -> None:
    """Lay a grid of axes out with margins and gaps in inches.

    tight_layout measures every tick label of every axes to find these, which costs about as
    much as drawing the chart; each chart here knows its labels and works them out itself.
    """
    m = margins
    width, height = fig.get_size_inches()
    aw = max((width - m.left - m.right - m.wspace * (ncols - 1)) / ncols, 0.5)
    ah = max((height - m.top - m.bottom - m.hspace * (nrows - 1)) / nrows, 0.5)
    fig.subplots_adjust(
        left=m.left / width,
        right=1 - m.right / width,
        bottom=min(m.bottom / height, 0.9),
        top=max(1 - m.top / height, min(m.bottom / height, 0.9) + 0.05),
        wspace=m.wspace / aw,
        hspace=m.hspace / ah,
    )


def add_legend(
    fig: Figure, handles: list[Any], labels: list[str], title: str, ncol: int = 3
) -> float:
    """A legend across the foot of the figure; returns the inches it takes."""
    if not handles:
        return 0.0
    ncol = min(len(labels), ncol)
    rows = math.ceil(len(labels) / ncol)
    fig.legend(handles, labels, title=title or None, loc="lower center", ncol=ncol,
               frameon=False)  # fmt: skip
    return (0.38 if title else 0.15) + 0.19 * rows


def legend_below(fig: Figure, ax: Axes, title: str = "frame") -> float:
    """Move the axes' legend under the plot, across the figure; returns the inches it takes."""
    handles, labels = ax.get_legend_handles_labels()
    old = ax.get_legend()
    if old is not None:
        old.remove()
    return add_legend(fig, handles, labels, title)


def place_bars(fig: Figure, ax: Axes, legend: float) -> None:
    """Lay out a one-axes chart with a title, source names left, numbers and a label below."""
    place(fig, 1, 1, Margins(
        left=EDGE + AXIS_LABEL + labels_width(tick_labels(ax)) + TICK_OFFSET,
        bottom=EDGE + legend + TICK_LINE + TICK_OFFSET + AXIS_LABEL,
        top=EDGE + TITLE,
    ))  # fmt: skip


def place_scatter(fig: Figure, ax: Axes, legend: float, labels: list[tuple[float, float]]) -> None:
    """Lay out a one-axes scatter with numbers on both axes, leaving room on the right for the
    point labels (x of the point, inches the label reaches to its right) that stick out."""
    width = fig.get_figwidth()
    left = EDGE + AXIS_LABEL + labels_width(tick_labels(ax)) + TICK_OFFSET
    x0, x1 = ax.get_xlim()
    right = 0.3
    for _ in range(2):  # the axes' width depends on the margin, the overhang on the width
        span = max(width - left - right, 1.0)
        over = max((((x - x0) / (x1 - x0 or 1.0)) * span + w - span for x, w in labels), default=0)
        right = max(0.3, EDGE + over)
    bottom = EDGE + legend + TICK_LINE + TICK_OFFSET + AXIS_LABEL
    place(fig, 1, 1, Margins(left=left, right=right, top=EDGE + TITLE, bottom=bottom))


@dataclass(frozen=True)
class Facets:
    """How facets share their axes, and the axis titles the outer ones carry."""

    sharex: bool = True
    sharey: bool = False
    xlabel: str = ""
    ylabel: str = ""


def facet_grid(fig: Figure, n: int, ncols: int, facets: Facets) -> tuple[list[Axes], int]:
    """``n`` facets in rows of ``ncols``; only the used cells get axes (an axes costs time).

    Tick labels and axis labels go on the outer panels only (x under the last panel of each
    column when ``sharex``, y on the first column when ``sharey``): every text costs drawing
    time.
    """
    ncols = max(1, min(n, ncols))
    nrows = max(1, math.ceil(n / ncols))
    grid = fig.add_gridspec(nrows, ncols)
    axes: list[Axes] = []
    f = facets
    for i in range(max(n, 1)):
        first = axes[0] if axes else None
        ax = fig.add_subplot(grid[i // ncols, i % ncols], sharex=first if f.sharex else None,
                             sharey=first if f.sharey else None)  # fmt: skip
        if f.sharex and i + ncols < n:
            ax.tick_params(axis="x", labelbottom=False)
        elif f.xlabel:
            ax.set_xlabel(f.xlabel)
        if f.sharey and i % ncols:
            ax.tick_params(axis="y", labelleft=False)
        elif f.ylabel:
            ax.set_ylabel(f.ylabel)
        axes.append(ax)
    return axes, ncols


def place_panels(
    fig: Figure, axes: list[Axes], ncols: int, legend: float, facets: Facets, titles: int = 1
) -> None:
    """Lay out facets made by ``facet_grid`` under a figure title, with a legend ``legend`` inches
    tall at the foot; ``titles``: lines of panel title. Panels that do not share x have their
    own tick labels and axis label under each row."""
    nrows = math.ceil(len(axes) / ncols)
    xaxis = TICK_LINE + TICK_OFFSET + AXIS_LABEL
    place(fig, ncols, nrows, Margins(
        left=EDGE + AXIS_LABEL + labels_width(tick_labels(axes[0])) + TICK_OFFSET,
        bottom=EDGE + legend + xaxis,
        top=suptitle_height(fig) + 0.1 + PANEL_TITLE * titles,
        hspace=0.06 + PANEL_TITLE * titles + 0.15 + (0.0 if facets.sharex else xaxis),
    ))  # fmt: skip
