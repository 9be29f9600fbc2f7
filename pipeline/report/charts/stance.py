"""Charts of stance: how each source portrays each target (heatmap with intervals, dots and
whiskers, by month) and how often it names them."""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from pipeline.report.charts.data import ChartData
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.layout import GREY, listing, source_palette
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.registry import chart

CMAP = "RdBu"  # red = unfavourable, blue = favourable, white = balanced


def _has(name: str) -> Callable[[ChartData], bool]:
    return lambda d: d.has(name) and len(d.table(name)) > 0


def _order(d: ChartData, table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Sources in the run's order, targets in the lexicon's order (then the table's)."""
    sources = [s for s in d.names if s in set(table["source"])]
    sources += [s for s in pd.unique(table["source"]) if s not in sources]
    present = list(pd.unique(table["target"]))
    targets = [t for t in d.targets if t in set(present)]
    return sources, targets + [t for t in present if t not in targets]


def _grid(table: pd.DataFrame, column: str, sources: list[str], targets: list[str]) -> np.ndarray:
    m = table.pivot_table(index="source", columns="target", values=column, aggfunc="first")
    return m.reindex(index=sources, columns=targets).to_numpy(dtype=float)


HATCH = "#b9c2cc"
PLATE = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}
LINES = 3  # lines a source or target name may take on an axis (never cut mid-word)


def _xlabels(d: ChartData, targets: list[str], width: int = 12) -> list[str]:
    return [display_label(d.target(t), width, LINES) for t in targets]


def _ylabels(d: ChartData, sources: list[str], width: int = 24) -> list[str]:
    return [d.src_label(s, width, LINES, count=False) for s in sources]


def _hide_unused(axes: np.ndarray, used: int, cols: int) -> None:
    """Hide the panels no target fills; the panels above them get the x tick labels."""
    for ax in axes[used:]:
        ax.set_visible(False)
    for k, ax in enumerate(axes[:used]):
        if k + cols >= used:
            ax.xaxis.set_tick_params(labelbottom=True)


def _total(st: pd.DataFrame) -> int:
    return int(pd.to_numeric(st["evaluated"], errors="coerce").fillna(0).sum())


@chart("stance_heatmap", "stance", reads=("stance",), when=_has("stance"))
def stance_heatmap(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("stance")
    sources, targets = _order(d, st)
    value = _grid(st, "stance", sources, targets)
    low, high = _grid(st, "ci_low", sources, targets), _grid(st, "ci_high", sources, targets)
    n = np.nan_to_num(_grid(st, "evaluated", sources, targets))
    thin = _grid(st.assign(le=st["low_evidence"].astype(float)), "le", sources, targets) > 0
    blank = np.isnan(value) | thin | (n == 0)
    fig = Figure(figsize=(2.4 + 1.05 * len(targets), 1.9 + 0.72 * len(sources)))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    cmap = colormaps[CMAP].with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_where(blank, value), cmap=cmap, vmin=-1, vmax=1, aspect="auto")
    ax.grid(False)
    _draw_cells(ax, value, low, high, n, blank)
    ax.set_xticks(range(len(targets)), _xlabels(d, targets))
    ax.set_yticks(range(len(sources)), _ylabels(d, sources))
    ax.set_title(f"Stance toward each target (n = {_total(st)} evaluations)")
    fig.colorbar(image, ax=ax, shrink=0.8, label="−1 unfavourable … +1 favourable")
    cells = [
        f"{s} on {d.target(t)}: {value[i, j]:+.2f} [{low[i, j]:+.2f}, {high[i, j]:+.2f}], "
        f"n={n[i, j]:.0f}"
        for i, s in enumerate(sources)
        for j, t in enumerate(targets)
        if not blank[i, j]
    ]
    alt = (
        f"Heatmap of stance, {len(sources)} sources by {len(targets)} targets, centred at zero. "
        + (
            f"With enough evidence: {listing(cells, 20)}."
            if cells
            else "No cell has enough evidence."
        )
    )
    guide = (
        "Blue: the source's own evaluations portray the target favourably; red: unfavourably. "
        "Each cell gives the stance, its 95% interval and n, the evaluations counted. Hatched "
        "cells, left without colour, have too little evidence (or none); a dashed frame marks "
        "an interval that includes zero."
    )
    return fig, ChartNote("Stance toward each target", alt, guide)


def _draw_cells(
    ax: Axes, value: np.ndarray, low: np.ndarray, high: np.ndarray, n: np.ndarray, blank: np.ndarray
) -> None:
    """Write each cell's stance, interval and n; hatch the thin ones, frame those whose
    interval includes zero."""
    rows, cols = value.shape
    for i in range(rows):
        for j in range(cols):
            if blank[i, j]:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        fill=False,
                        hatch="///",
                        edgecolor=HATCH,
                        linewidth=0,
                    )
                )
            if np.isnan(value[i, j]) or n[i, j] == 0:
                ax.text(j, i, "n=0", ha="center", va="center", color=GREY, fontsize=8, bbox=PLATE)
                continue
            spans = low[i, j] < 0 < high[i, j]
            text = f"{value[i, j]:+.2f}\n[{low[i, j]:+.2f}, {high[i, j]:+.2f}]\nn={n[i, j]:.0f}"
            strong = not blank[i, j] and abs(value[i, j]) > 0.55
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if strong else "#2d3640" if not blank[i, j] else "#5b6672",
                bbox=PLATE if blank[i, j] else None,
            )
            if spans and not blank[i, j]:
                ax.add_patch(
                    Rectangle(
                        (j - 0.46, i - 0.46),
                        0.92,
                        0.92,
                        fill=False,
                        linestyle="--",
                        edgecolor="#1b1f24",
                        linewidth=1,
                    )
                )


def _interval_key() -> list[Line2D]:
    return [
        Line2D([], [], color="#1b1f24", lw=2, marker="o", label="interval excludes 0"),
        Line2D(
            [],
            [],
            color="#1b1f24",
            lw=2,
            ls="--",
            marker="o",
            mfc="white",
            label="interval includes 0",
        ),
        Line2D(
            [],
            [],
            color=GREY,
            lw=2,
            alpha=0.5,
            ls=":",
            marker="o",
            mfc="white",
            label="too little evidence",
        ),
    ]


@chart("stance_intervals", "stance", reads=("stance",), when=_has("stance"))
def stance_intervals(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("stance").dropna(subset=["stance"])
    sources, targets = _order(d, d.table("stance"))
    targets = [t for t in targets if t in set(st["target"])] or targets[:1]
    cols = min(3, len(targets))
    rows = math.ceil(len(targets) / cols)
    fig = Figure(figsize=(4.6 * cols, 1.3 + rows * (0.7 + 0.42 * len(sources))))
    fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
    colors = source_palette(sources)
    summary: list[str] = []
    for k_ax, (ax, target) in enumerate(zip(axes, targets, strict=False)):
        g = st[st["target"] == target].set_index("source").reindex(sources)
        y = np.arange(len(sources))
        for k, s in enumerate(sources):
            r = g.loc[s]
            if pd.isna(r["stance"]):
                ax.text(0, k, "n=0", ha="center", va="center", fontsize=7, color=GREY)
                continue
            thin, spans = bool(r["low_evidence"]), r["ci_low"] < 0 < r["ci_high"]
            color = GREY if thin else colors[s]
            style = ":" if thin else "--" if spans else "-"
            ax.plot(
                [r["ci_low"], r["ci_high"]],
                [k, k],
                color=color,
                lw=2,
                ls=style,
                alpha=0.5 if thin else 0.9,
            )
            ax.plot(r["stance"], k, "o", color=color, mfc="white" if thin or spans else color)
            ax.text(
                1.02,
                k,
                f"n={int(r['evaluated'])}",
                transform=ax.get_yaxis_transform(),
                va="center",
                fontsize=7,
                color=GREY,
            )
            summary.append(
                f"{s} on {d.target(target)} {r['stance']:+.2f} [{r['ci_low']:+.2f}, "
                f"{r['ci_high']:+.2f}], n={int(r['evaluated'])}"
            )
        ax.axvline(0, color=GREY, lw=1)
        ax.set_xlim(-1, 1)
        labels = _ylabels(d, sources, 20) if k_ax % cols == 0 else [""] * len(sources)
        ax.set_yticks(y, labels)
        ax.set_ylim(len(sources) - 0.5, -0.5)
        n_t = int(pd.to_numeric(g["evaluated"], errors="coerce").fillna(0).sum())
        ax.set_title(f"{display_label(d.target(target), 26, 1)} (n = {n_t})")
    _hide_unused(axes, len(targets), cols)
    fig.legend(handles=_interval_key(), loc="outside lower center", ncol=3)
    fig.suptitle(f"Stance with 95% intervals, per target (n = {_total(st)} evaluations)")
    alt = "Dot and whisker chart of stance per target and source: " + listing(summary, 24) + "."
    guide = (
        "A dot right of the zero line: favourable; left: unfavourable. Whiskers are 95% nested "
        "bootstrap intervals: dashed with a hollow dot when they include zero (no established "
        "direction), dotted grey when the evidence is too thin; n is the evaluations counted."
    )
    return fig, ChartNote("Stance with intervals, per target", alt, guide)


@chart("stance_timeline", "stance", reads=("stance_timeline",), when=_has("stance_timeline"))
def stance_timeline(d: ChartData) -> tuple[Figure, ChartNote]:
    tl = d.table("stance_timeline").dropna(subset=["stance"])
    tl = tl[tl["month"].astype(str).str.fullmatch(r"\d{4}-\d{2}")]
    tl = tl.assign(_x=mdates.date2num(pd.to_datetime(tl["month"].astype(str) + "-15")))
    sources, targets = _order(d, tl)
    cols = min(3, max(1, len(targets)))
    rows = max(1, math.ceil(len(targets) / cols))
    fig = Figure(figsize=(4.6 * cols, 1.6 + 2.7 * rows))
    fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)).ravel()
    colors = source_palette(sources)
    handles: dict[str, Line2D] = {}
    lines = []
    for ax, target in zip(axes, targets, strict=False):
        g = tl[tl["target"] == target]
        for s in sources:
            h = g[g["source"] == s].sort_values("_x")
            if h.empty:
                continue
            sizes = 8 + 10 * np.sqrt(h["evaluated"].to_numpy(dtype=float))
            ax.plot(h["_x"], h["stance"], "-", color=colors[s], lw=1.2, alpha=0.8)
            ax.scatter(h["_x"], h["stance"], s=sizes, color=colors[s], zorder=3)
            handles.setdefault(
                s,
                Line2D([], [], color=colors[s], marker="o", lw=1.2, label=display_label(s, 30, 2)),
            )
            lines.append(f"{s} on {d.target(target)}: {len(h)} months")
        ax.axhline(0, color=GREY, lw=1, ls="--")
        ax.set_ylim(-1.05, 1.05)
        n_t = int(g["evaluated"].sum())
        ax.set_title(f"{display_label(d.target(target), 26, 1)} (n = {n_t})")
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    _hide_unused(axes, len(targets), cols)
    if handles:
        fig.legend(
            handles=[handles[s] for s in sources if s in handles],
            loc="outside lower center",
            ncol=min(3, len(handles)),
        )
    fig.suptitle(
        f"Stance by publication month (n = {int(tl['evaluated'].sum())} evaluations; "
        "dot area: evaluations that month)"
    )
    alt = (
        f"Line charts of monthly stance for {len(targets)} targets on a time axis: "
        + listing(lines, 20)
        + "."
    )
    guide = (
        "Months sit at their dates, so gaps in coverage show as gaps. Each point pools the "
        "month's articles of one source; its area grows with the evaluations, and a month with "
        "few of them moves a lot."
    )
    return fig, ChartNote("Stance by month", alt, guide)


@chart("stance_mentions", "stance", reads=("stance",), when=_has("stance"))
def stance_mentions(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("stance")
    sources, targets = _order(d, st)
    named = _grid(st, "mentions", sources, targets)
    articles = d.sources.drop_duplicates("source").set_index("source")["articles"]
    per = named / articles.reindex(sources).to_numpy(dtype=float).clip(min=1)[:, None]
    fig = Figure(figsize=(2.4 + 1.0 * len(targets), 1.9 + 0.6 * len(sources)))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.nan_to_num(per), cmap="Greys", aspect="auto", vmin=0)
    ax.grid(False)
    top = np.nanmax(per) if np.isfinite(per).any() else 0
    for i in range(len(sources)):
        for j in range(len(targets)):
            ax.text(j, i, f"{per[i, j]:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if top and per[i, j] > top * 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(len(targets)), _xlabels(d, targets))
    ax.set_yticks(range(len(sources)), _ylabels(d, sources))
    total = int(np.nansum(named))
    ax.set_title(f"Mentions of each target per article (n = {total} mentions)")
    fig.colorbar(image, ax=ax, shrink=0.8, label="mentions per article")
    most = [
        f"{s}: {d.target(targets[int(np.nanargmax(per[i]))])} ({np.nanmax(per[i]):.1f})"
        for i, s in enumerate(sources)
        if np.isfinite(per[i]).any() and np.nanmax(per[i]) > 0
    ]
    alt = (
        "Heatmap of how often each source names each target (aliases, relationship nouns), "
        "per article. Most named: " + listing(most, 15) + "."
    )
    guide = (
        "Attention, not stance: a target named often but rarely evaluated is reported on "
        "rather than judged."
    )
    return fig, ChartNote("Mentions per article", alt, guide)
