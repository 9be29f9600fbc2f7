"""Small multiples (bars, lines) drawn on one axes spanning the figure, laid out in inches:
matplotlib spends most of a faceted chart's time on the axes, their ticks and their layout."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from pipeline.report.charts.fonts import text_width
from pipeline.report.charts.layout import (
    AXIS_LABEL,
    EDGE,
    GREY,
    PANEL_TITLE,
    TICK_LINE,
    TICK_OFFSET,
    labels_width,
    suptitle_height,
)


@dataclass
class Panel:
    """One small multiple of horizontal bars: a source's top terms."""

    title: str
    labels: list[str]
    values: list[float]
    colors: list[object]
    texts: list[str]
    note: str = ""
    muted: bool = False


BAR_ROW = 0.32  # inches per bar
BAR_TITLE = 0.36  # inches above each panel for its title
BAR_GAP = 0.3  # inches below each panel
BAR_VALUE_ROOM = 0.42  # inches right of the longest bar for its value
FRAME_COLOR = "#cccccc"


@dataclass(frozen=True)
class BarScale:
    """The scale of ``bar_panels``: ``xmax`` shares one across the panels (else each panel
    has its own), ``ref`` a dashed reference line, ``value_size`` the values' font size."""

    xmax: float | None = None
    ref: float | None = None
    value_size: float = 9


def bar_panels(
    title: str,
    xlabel: str,
    panels: list[Panel],
    slots: int,
    panel_width: float,
    scaling: BarScale | None = None,
) -> Figure:
    """Small multiples of horizontal bars, up to three panels a row, drawn on one axes.

    Laid out in inches from the fonts' advance widths rather than with one matplotlib axes,
    ticks and tight layout per panel: those cost most of a chart's time, and a page of a dozen
    sources now costs little more than one. The reference line is labelled under the panel.
    """
    scaling = scaling or BarScale()
    xmax, ref, value_size = scaling.xmax, scaling.ref, scaling.value_size
    n = max(len(panels), 1)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    top, bottom = 0.62, 0.5
    height = BAR_TITLE + slots * BAR_ROW + BAR_GAP
    fig_w, fig_h = panel_width * ncols, top + nrows * height + bottom
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, fig_w)
    ax.set_ylim(fig_h, 0)
    ax.set_axis_off()
    label_size = float(mpl.rcParams["ytick.labelsize"])
    widest = [0.0] * ncols  # per column, so the panels of a column line up
    for k, panel in enumerate(panels):
        for t in panel.labels:
            widest[k % ncols] = max(widest[k % ncols], text_width(t, label_size) * 1.05 / 72)
    frames, refs = [], []
    ys, lefts, widths, colors = [], [], [], []
    for k, panel in enumerate(panels):
        r, c = divmod(k, ncols)
        x0, y0 = c * panel_width, top + r * height + BAR_TITLE
        bx0 = x0 + 0.2 + widest[c]
        fx1 = x0 + panel_width - 0.15
        bx1 = fx1 - BAR_VALUE_ROOM
        frame_h = slots * BAR_ROW
        frames.append(Rectangle((bx0, y0), fx1 - bx0, frame_h))
        ax.text((bx0 + fx1) / 2, y0 - 0.08, panel.title, ha="center", va="bottom", fontsize=11,
                color=GREY if panel.muted else "#1b1f24")  # fmt: skip
        scale = xmax or max(panel.values, default=0.0) or 1.0
        for i, (lab, v, col, txt) in enumerate(
            zip(panel.labels, panel.values, panel.colors, panel.texts, strict=True)
        ):
            y = y0 + (i + 0.5) * BAR_ROW
            w = max(v, 0.0) / scale * (bx1 - bx0)
            ys.append(y)
            lefts.append(bx0)
            widths.append(w)
            colors.append(col)
            ax.text(bx0 - 0.08, y, lab, ha="right", va="center", fontsize=label_size)
            ax.text(bx0 + w + 0.04, y, txt, ha="left", va="center", fontsize=value_size)
        if ref is not None:
            x = bx0 + ref / scale * (bx1 - bx0)
            refs.append([(x, y0), (x, y0 + frame_h)])
            ax.text(x, y0 + frame_h + 0.04, f"{ref:.2f}", ha="center", va="top", fontsize=9,
                    color="#444444")  # fmt: skip
        if not panel.labels:
            ax.text((bx0 + fx1) / 2, y0 + frame_h / 2, panel.note, ha="center", va="center",
                    color="#555555", bbox={"facecolor": "white", "edgecolor": "none",
                                           "alpha": 0.85})  # fmt: skip
    if ys:
        ax.barh(ys, widths, left=lefts, height=BAR_ROW * 0.7, color=colors)
    ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor=FRAME_COLOR,
                                      linewidth=1.25))  # fmt: skip
    if refs:
        ax.add_collection(LineCollection(refs, colors="#444444", linestyles="--", linewidths=1))
    fig.suptitle(title, y=1 - 0.14 / fig_h, va="top")
    fig.supxlabel(xlabel, y=0.14 / fig_h, va="bottom", fontsize=11)
    return fig


@dataclass
class Line:
    """One line of a ``line_panels`` panel."""

    x: np.ndarray
    y: np.ndarray
    color: object
    label: str = ""
    marker: str = "o"
    markersize: float = 4.0
    linewidth: float = 1.5
    alpha: float = 1.0


def nice_ticks(top: float) -> tuple[list[float], list[str]]:
    """Round tick values from 0 to ``top`` and their labels, with one number of decimals."""
    ticks = [t for t in MaxNLocator(nbins=6).tick_values(0, top) if -1e-12 <= t <= top * 1.0001]
    decimals = max((len(f"{t:g}".partition(".")[2]) for t in ticks), default=0)
    return ticks, [f"{t:.{decimals}f}" for t in ticks]


@dataclass(frozen=True)
class XAxis:
    """The x axis ``line_panels`` share: ticks, their labels, limits and title; ``rotate``
    tilts long labels; ``offset`` is a date axis's offset (the year), right under the ticks."""

    ticks: list[float]
    labels: list[str]
    lim: tuple[float, float]
    title: str
    rotate: bool = False
    offset: str = ""

    def tick_height(self) -> float:
        """Inches the tick labels take below a panel."""
        if self.rotate:
            return (labels_width(self.labels) + TICK_LINE) * math.sqrt(0.5)
        return TICK_LINE

    def height(self) -> float:
        """Inches the whole axis (ticks, offset, title) takes below a panel."""
        offset = TICK_LINE if self.offset else 0.0
        return TICK_OFFSET + self.tick_height() + offset + AXIS_LABEL


@dataclass(frozen=True)
class LineChart:
    """What a ``line_panels`` figure says around its panels: title, y axis title, the inches
    of legend at its foot, and a dashed reference line (none when ``ref`` is None)."""

    title: str
    ylabel: str
    legend: float
    ref: float | None = None


@dataclass(frozen=True)
class _Box:
    """One panel's place on the figure, in inches, and its data-to-inches scales."""

    px: float
    py: float
    pw: float
    ph: float
    xlim: tuple[float, float]
    ytop: float

    def fx(self, x: Any) -> Any:
        lo, hi = self.xlim
        return self.px + (np.asarray(x, dtype=float) - lo) / (hi - lo) * self.pw

    def fy(self, y: Any) -> Any:
        return self.py + self.ph - np.asarray(y, dtype=float) / self.ytop * self.ph


def line_panels(
    fig: Figure, panels: list[tuple[str, list[Line], str]], x: XAxis, chart: LineChart
) -> None:
    """Small multiples of line charts on one y scale from 0, up to three a row, drawn on one
    axes spanning ``fig`` (panel: title, lines, note when it has none).

    For the same reason as ``bar_panels``: matplotlib spends most of a faceted chart's time on
    the axes, their ticks and their layout, not on the lines. Tick labels go on the outer panels
    (x under the last panel of each column, y on the first column).
    """
    width, height = fig.get_size_inches()
    n = max(len(panels), 1)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    ymax = max((float(np.nanmax(ln.y, initial=0.0)) for _, lines, _ in panels for ln in lines),
               default=0.0)  # fmt: skip
    ytop = (ymax or 1.0) * 1.05
    yticks, ylabels = nice_ticks(ytop)
    left = EDGE + AXIS_LABEL + labels_width(ylabels) + TICK_OFFSET
    top = suptitle_height(fig) + 0.16 + PANEL_TITLE
    bottom = EDGE + chart.legend + x.height()
    gap_w, gap_h = 0.3, PANEL_TITLE + 0.25
    pw = max((width - left - 0.3 - gap_w * (ncols - 1)) / ncols, 0.5)
    ph = max((height - top - bottom - gap_h * (nrows - 1)) / nrows, 0.5)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    grid, frames, refs = [], [], []
    for k, (name, lines, note) in enumerate(panels):
        r, c = divmod(k, ncols)
        box = _Box(left + c * (pw + gap_w), top + r * (ph + gap_h), pw, ph, x.lim, ytop)
        frames.append(Rectangle((box.px, box.py), pw, ph))
        grid += [[(box.px, box.fy(t)), (box.px + pw, box.fy(t))] for t in yticks]
        grid += [[(box.fx(t), box.py), (box.fx(t), box.py + ph)] for t in x.ticks]
        if chart.ref is not None:
            refs.append([(box.px, box.fy(chart.ref)), (box.px + pw, box.fy(chart.ref))])
        _draw_lines(ax, box, name, lines, note)
        if c == 0:
            for t, s in zip(yticks, ylabels, strict=True):
                ax.text(box.px - TICK_OFFSET, box.fy(t), s, ha="right", va="center", fontsize=10)
        if k + ncols >= n:  # nothing under this panel: its column's x axis
            _draw_x_axis(ax, box, x)
    ax.add_collection(LineCollection(grid, colors=FRAME_COLOR, linewidths=1.0, zorder=0))
    ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor=FRAME_COLOR,
                                      linewidth=1.25))  # fmt: skip
    if refs:
        ax.add_collection(LineCollection(refs, colors="#777777", linestyles="--", linewidths=0.8))
    y_mid = 1 - (top + (nrows * ph + (nrows - 1) * gap_h) / 2) / height
    fig.text(EDGE / width, y_mid, chart.ylabel, rotation=90, ha="left", va="center", fontsize=11)
    fig.suptitle(chart.title)


def _draw_lines(ax: Axes, box: _Box, name: str, lines: list[Line], note: str) -> None:
    """One panel's title and lines, or its note when it has none."""
    px, py, pw, ph = box.px, box.py, box.pw, box.ph
    ax.text(px + pw / 2, py - 0.06, name, ha="center", va="bottom", fontsize=11)
    for ln in lines:
        ax.plot(box.fx(ln.x), box.fy(ln.y), color=ln.color, marker=ln.marker or None,
                markersize=ln.markersize, linewidth=ln.linewidth, alpha=ln.alpha)  # fmt: skip
    if not lines:
        ax.text(px + pw / 2, py + ph / 2, note, ha="center", va="center", color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})  # fmt: skip


def _draw_x_axis(ax: Axes, box: _Box, x: XAxis) -> None:
    """The x tick labels, offset and axis title under one panel."""
    below = box.py + box.ph + TICK_OFFSET
    for t, s in zip(x.ticks, x.labels, strict=True):
        if x.rotate:
            ax.text(box.fx(t), below, s, ha="right", va="top", rotation=45,
                    rotation_mode="anchor", fontsize=10)  # fmt: skip
        else:
            ax.text(box.fx(t), below, s, ha="center", va="top", fontsize=10)
    if x.offset:
        ax.text(box.px + box.pw, below + x.tick_height(), x.offset, ha="right", va="top",
                fontsize=10)  # fmt: skip
    ax.text(box.px + box.pw / 2, box.py + box.ph + x.height() - AXIS_LABEL + 0.04, x.title,
            ha="center", va="top", fontsize=11)  # fmt: skip
