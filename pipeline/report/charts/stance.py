"""Charts of stance: how each source portrays each target (heatmap with intervals, dots and
whiskers, by month) and how often it names them."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pipeline.report.charts.data import ChartData
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.layout import GREY, listing, source_palette
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.registry import chart

CMAP = "RdBu"  # red = unfavourable, blue = favourable, white = balanced


def _has(name: str) -> Callable[[ChartData], bool]:
    return lambda d: d.has(name) and len(d.table(name)) > 0


def _order(d: ChartData, table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Sources in the run's order, targets in the table's (the lexicon's) order."""
    sources = [s for s in d.names if s in set(table["source"])]
    sources += [s for s in pd.unique(table["source"]) if s not in sources]
    return sources, list(pd.unique(table["target"]))


def _grid(table: pd.DataFrame, column: str, sources: list[str], targets: list[str]) -> np.ndarray:
    m = table.pivot_table(index="source", columns="target", values=column, aggfunc="first")
    return m.reindex(index=sources, columns=targets).to_numpy(dtype=float)


@chart("stance_heatmap", "stance", reads=("stance",), when=_has("stance"))
def stance_heatmap(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("stance")
    sources, targets = _order(d, st)
    value = _grid(st, "stance", sources, targets)
    low, high = _grid(st, "ci_low", sources, targets), _grid(st, "ci_high", sources, targets)
    n = _grid(st, "evaluated", sources, targets)
    thin = _grid(st.assign(le=st["low_evidence"].astype(float)), "le", sources, targets) > 0
    fig = Figure(figsize=(1.3 + 1.15 * len(targets), 1.4 + 0.62 * len(sources)))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    shown = np.where(np.isnan(value), 0.0, value)
    image = ax.imshow(shown, cmap=CMAP, vmin=-1, vmax=1, aspect="auto")
    ax.grid(False)
    for i in range(len(sources)):
        for j in range(len(targets)):
            if np.isnan(value[i, j]):
                ax.text(j, i, "–", ha="center", va="center", color=GREY, fontsize=9)
                continue
            text = f"{value[i, j]:+.2f}\n[{low[i, j]:+.2f}, {high[i, j]:+.2f}]\nn={n[i, j]:.0f}"
            color = "white" if abs(value[i, j]) > 0.55 else "black"
            alpha = 0.55 if thin[i, j] else 1.0
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color, alpha=alpha)
    ax.set_xticks(range(len(targets)), [display_label(t, 14) for t in targets], rotation=30,
                  ha="right")  # fmt: skip
    ax.set_yticks(range(len(sources)), [d.src_label(s, 26) for s in sources])
    ax.set_title("Stance toward each target (−1 unfavourable … +1 favourable)")
    fig.colorbar(image, ax=ax, shrink=0.8, label="stance")
    cells = [
        f"{s} on {t}: {value[i, j]:+.2f} [{low[i, j]:+.2f}, {high[i, j]:+.2f}], n={n[i, j]:.0f}"
        for i, s in enumerate(sources)
        for j, t in enumerate(targets)
        if not np.isnan(value[i, j]) and not thin[i, j]
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
        "Each cell gives the stance, its 95% interval and the number of evaluations; faded "
        "cells have fewer than three, a dash none."
    )
    return fig, ChartNote("Stance toward each target", alt, guide)


@chart("stance_intervals", "stance", reads=("stance",), when=_has("stance"))
def stance_intervals(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("stance").dropna(subset=["stance"])
    sources, targets = _order(d, d.table("stance"))
    targets = [t for t in targets if t in set(st["target"])] or targets[:1]
    cols = min(3, len(targets))
    rows = math.ceil(len(targets) / cols)
    fig = Figure(figsize=(4.2 * cols, 0.9 + rows * (0.6 + 0.32 * len(sources))))
    fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
    colors = source_palette(sources)
    summary: list[str] = []
    for ax, target in zip(axes, targets, strict=False):
        g = st[st["target"] == target].set_index("source").reindex(sources)
        y = np.arange(len(sources))
        for k, s in enumerate(sources):
            r = g.loc[s]
            if pd.isna(r["stance"]):
                continue
            faded = bool(r["low_evidence"])
            ax.plot([r["ci_low"], r["ci_high"]], [k, k], color=colors[s], lw=2,
                    alpha=0.35 if faded else 0.9)  # fmt: skip
            ax.plot(r["stance"], k, "o", color=colors[s], mfc="white" if faded else colors[s])
            summary.append(f"{s} on {target} {r['stance']:+.2f} [{r['ci_low']:+.2f}, "
                           f"{r['ci_high']:+.2f}]")  # fmt: skip
        ax.axvline(0, color=GREY, lw=1, ls="--")
        ax.set_xlim(-1, 1)
        ax.set_yticks(y, [display_label(s, 22) for s in sources])
        ax.invert_yaxis()
        ax.set_title(display_label(target, 30))
    for ax in axes[len(targets) :]:
        ax.set_visible(False)
    fig.suptitle("Stance with 95% intervals, per target")
    alt = "Dot and whisker chart of stance per target and source: " + listing(summary, 24) + "."
    guide = (
        "A dot right of the dashed line: favourable; left: unfavourable. Whiskers are 95% "
        "nested bootstrap intervals; hollow dots have fewer than three evaluations. Intervals "
        "that overlap zero do not establish a direction."
    )
    return fig, ChartNote("Stance with intervals, per target", alt, guide)


@chart("stance_timeline", "stance", reads=("stance_timeline",), when=_has("stance_timeline"))
def stance_timeline(d: ChartData) -> tuple[Figure, ChartNote]:
    tl = d.table("stance_timeline").dropna(subset=["stance"])
    sources, targets = _order(d, tl)
    cols = min(3, len(targets))
    rows = math.ceil(len(targets) / cols)
    fig = Figure(figsize=(4.4 * cols, 1.2 + 2.6 * rows))
    fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    colors = source_palette(sources)
    months = sorted(set(tl["month"]))
    pos = {m: k for k, m in enumerate(months)}
    lines = []
    for ax, target in zip(axes, targets, strict=False):
        g = tl[tl["target"] == target]
        for s in sources:
            h = g[g["source"] == s].sort_values("month")
            if h.empty:
                continue
            ax.plot([pos[m] for m in h["month"]], h["stance"], "o-", color=colors[s], ms=4,
                    label=display_label(s, 24))  # fmt: skip
            lines.append(f"{s} on {target}: {len(h)} months")
        ax.axhline(0, color=GREY, lw=1, ls="--")
        ax.set_ylim(-1, 1)
        ax.set_title(display_label(target, 30))
        step = max(1, len(months) // 6)
        ax.set_xticks(range(0, len(months), step), months[::step], rotation=30, ha="right")
    for ax in axes[len(targets) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(3, len(handles)))
    fig.suptitle("Stance by publication month")
    alt = (
        f"Line charts of monthly stance for {len(targets)} targets over {len(months)} months: "
        + listing(lines, 20)
        + "."
    )
    guide = (
        "Each point pools the month's articles of one source; a month with few evaluations "
        "moves a lot. Compare before and after events such as the June 2024 treaty."
    )
    return fig, ChartNote("Stance by month", alt, guide)


@chart("stance_mentions", "stance", reads=("stance",), when=_has("stance"))
def stance_mentions(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("stance")
    sources, targets = _order(d, st)
    named = _grid(st, "mentions", sources, targets)
    articles = d.sources.drop_duplicates("source").set_index("source")["articles"]
    per = named / articles.reindex(sources).to_numpy(dtype=float).clip(min=1)[:, None]
    fig = Figure(figsize=(1.3 + 1.05 * len(targets), 1.4 + 0.5 * len(sources)))
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.nan_to_num(per), cmap="Greys", aspect="auto", vmin=0)
    ax.grid(False)
    top = np.nanmax(per) if np.isfinite(per).any() else 0
    for i in range(len(sources)):
        for j in range(len(targets)):
            ax.text(j, i, f"{per[i, j]:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if top and per[i, j] > top * 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(len(targets)), [display_label(t, 14) for t in targets], rotation=30,
                  ha="right")  # fmt: skip
    ax.set_yticks(range(len(sources)), [d.src_label(s, 26) for s in sources])
    ax.set_title("Mentions of each target per article")
    fig.colorbar(image, ax=ax, shrink=0.8, label="mentions per article")
    most = [
        f"{s}: {targets[int(np.nanargmax(per[i]))]} ({np.nanmax(per[i]):.1f})"
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
