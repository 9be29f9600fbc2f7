"""Charts that place sources relative to each other: the frame map and vocabulary similarity."""

from __future__ import annotations

import math
from typing import Any, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from pipeline.report.charts.data import LOW_EVIDENCE, ChartData, matrix
from pipeline.report.charts.fonts import display_label, text_width
from pipeline.report.charts.layout import (
    AXIS_LABEL,
    EDGE,
    GREY,
    PT,
    TICK_OFFSET,
    add_legend,
    empty_note,
    frame_palette,
    labels_width,
    place_scatter,
    suptitle_height,
)
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.registry import chart, has_rows
from pipeline.report.runinfo import UNIT, source_order

MAX_POINT_LABELS = 20  # sources named on the frame map; beyond, the furthest from the centre


def _leading(d: ChartData) -> dict[str, str]:
    m = matrix(d, "per_1k")
    out = {}
    for s in m.index:
        row = m.loc[s].dropna()
        if len(row) and row.max() > 0:
            out[s] = str(row.idxmax())
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; 0 when either side does not vary."""
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.nan_to_num(np.corrcoef(a, b)[0, 1]))


def _frame_arrows(
    ax: Axes, d: ChartData, st: pd.DataFrame, colors: dict[str, Any]
) -> list[tuple[str, float, float]]:
    """Frame directions: how each frame's rate correlates with the two components (drawn
    when there are at least three sources); returns (frame, r with PC1, r with PC2)."""
    n = len(st)
    profile = matrix(d, "per_1k").reindex(list(st["source"].astype(str)))

    def reach(col: str, r: float) -> float:
        """How far the points go from 0 along a component, on the side an arrow points to:
        arrows stay inside the plot, however lopsided the components' ranges."""
        v = st[col].to_numpy(dtype=float)
        side = np.nanmax(v if r > 0 else -v, initial=0.0)
        return float(side) or float(np.nanmax(np.abs(v), initial=0.0)) or 1.0

    arrows: list[tuple[str, float, float]] = []
    if n < 3:
        return arrows
    for f in d.frames:
        v = profile[f].to_numpy(dtype=float) if f in profile else np.full(n, np.nan)
        ok = ~np.isnan(v)
        if ok.sum() < 3 or np.nanstd(v) == 0:
            continue
        r1 = _corr(v[ok], st["pc1"].to_numpy()[ok])
        r2 = _corr(v[ok], st["pc2"].to_numpy()[ok])
        ax.annotate(
            "", xy=(r1 * reach("pc1", r1) * 0.8, r2 * reach("pc2", r2) * 0.8), xytext=(0, 0),
            arrowprops={"arrowstyle": "->", "color": colors[f], "alpha": 0.6, "lw": 1.5},
        )  # fmt: skip
        ax.text(r1 * reach("pc1", r1) * 0.85, r2 * reach("pc2", r2) * 0.85,
                display_label(d.label(f), 18, 1),
                color=colors[f], fontsize=8, ha="center", va="center", alpha=0.9)  # fmt: skip
        arrows.append((f, r1, r2))
    return arrows


def _frame_spread(d: ChartData, st: pd.DataFrame, arrows: list[tuple[str, float, float]]) -> str:
    """The alt text's sentences on the spread of the sources and the main frame direction."""
    if not len(st):
        spread = ""
    else:
        order = st.sort_values("pc1", kind="stable")
        first, last = order.iloc[0], order.iloc[-1]
        spread = (
            f" Furthest apart on PC1: {first['source']} ({first['pc1']:.1f}) and "
            f"{last['source']} ({last['pc1']:.1f})."
        )
        if arrows:
            main = max(arrows, key=lambda a: abs(a[1]))
            side = "right" if main[1] > 0 else "left"
            spread += f" {d.label(main[0])} rises towards the {side} of PC1."
    if len(st) > MAX_POINT_LABELS:
        spread += f" Only the {MAX_POINT_LABELS} sources furthest from the centre are named."
    return spread


@chart(
    "frame_map",
    "maps",
    reads=("frame_map",),
    when=lambda d: bool(d.table("frame_map")["pc1"].notna().any()),
)
def frame_map(d: ChartData) -> tuple[Figure, ChartNote]:
    st = d.table("frame_map").dropna(subset=["pc1"])
    st = st.assign(pc2=st["pc2"].fillna(0.0))
    var1 = float(st["var1"].dropna().iloc[0]) if st["var1"].notna().any() else math.nan
    var2 = float(st["var2"].dropna().iloc[0]) if st["var2"].notna().any() else math.nan
    n = len(st)
    fig = Figure(figsize=(9, 7.2))
    ax = fig.subplots()
    colors = frame_palette(d.frames)
    lead = _leading(d)
    small = 8 if n > 15 else 9
    dist = np.hypot(st["pc1"].to_numpy(), st["pc2"].to_numpy())
    named = set(st["source"].to_numpy()[np.argsort(-dist, kind="stable")[:MAX_POINT_LABELS]])
    low = st["source"].astype(str).isin(d.low).to_numpy()
    color = [GREY if lo or s not in lead else colors[lead[s]] for s, lo in zip(
        st["source"].astype(str), low, strict=True)]  # fmt: skip
    xerr = np.nan_to_num([(st["pc1"] - st["pc1_low"]).clip(lower=0),
                          (st["pc1_high"] - st["pc1"]).clip(lower=0)])  # fmt: skip
    yerr = np.nan_to_num([(st["pc2"] - st["pc2_low"]).clip(lower=0),
                          (st["pc2_high"] - st["pc2"]).clip(lower=0)])  # fmt: skip
    for c, lo in dict.fromkeys(zip(color, low, strict=True)):  # one call per look
        k = np.array([(x, y) == (c, lo) for x, y in zip(color, low, strict=True)])
        ax.errorbar(
            st["pc1"].to_numpy()[k], st["pc2"].to_numpy()[k], xerr=xerr[:, k], yerr=yerr[:, k],
            fmt="o", color=c, ecolor=(*mpl.colors.to_rgb(c), 0.35 if n > 15 else 0.8),
            elinewidth=0.8 if n > 15 else 1, capsize=2, markersize=6 if n > 15 else 7,
            markerfacecolor="white" if lo else c,
        )  # fmt: skip
    labelled: list[tuple[float, float]] = []
    for r, lo in zip(st.itertuples(), low, strict=True):
        s = str(r.source)
        if s not in named:
            continue
        text = display_label(s, 22, 1) + (f" ({LOW_EVIDENCE})" if lo else "")
        ax.annotate(text, (r.pc1, r.pc2), xytext=(6, 5), textcoords="offset points",
                    fontsize=small, color=GREY if lo else "#1b1f24")  # fmt: skip
        labelled.append((cast(float, r.pc1), (6 + text_width(text, small)) * PT))
    ax.axhline(0, color="#cccccc", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#cccccc", linewidth=0.8, zorder=0)
    arrows = _frame_arrows(ax, d, st, colors)
    pct1 = "?" if math.isnan(var1) else f"{var1 * 100:.0f}%"
    pct2 = "?" if math.isnan(var2) else f"{var2 * 100:.0f}%"
    ax.set_xlabel(f"PC1 ({pct1} of variance), {UNIT}")
    ax.set_ylabel(f"PC2 ({pct2} of variance), {UNIT}")
    ax.set_title(f"Frame map: {n} sources by their frame profiles (PCA)")
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colors[f], label=display_label(
            d.label(f), 28, 1)) for f in d.frames if f in set(lead.values())
    ]  # fmt: skip
    if any(s in d.low for s in st["source"]):
        handles.append(Line2D([], [], marker="o", linestyle="", color=GREY,
                              markerfacecolor="white", label=LOW_EVIDENCE))  # fmt: skip
    legend = add_legend(fig, handles, [str(h.get_label()) for h in handles], "leading frame")
    place_scatter(fig, ax, legend, labelled)
    spread = _frame_spread(d, st, arrows)
    alt = (
        f"Scatter of {n} sources on the first two principal components of their frame rates "
        f"(PC1 {pct1}, PC2 {pct2} of the variance), with 95% bootstrap intervals.{spread}"
    )
    guide = (
        "Sources close together use the frames in similar proportions; arrows point where a "
        "frame's rate grows; overlapping whiskers mean the positions cannot be told apart."
    )
    return fig, ChartNote("Frame map: sources by their frame profiles (PCA)", alt, guide)


@chart("similarity", "maps", reads=("similarity",), when=has_rows("similarity"))
def similarity(d: ChartData) -> tuple[Figure, ChartNote]:
    t = d.table("similarity")
    names = [s for s in source_order(d.sources, t.rename(columns={"source_a": "source"}))
             if s in set(t["source_a"]) | set(t["source_b"])]  # fmt: skip
    m = t.pivot_table(index="source_a", columns="source_b", values="cosine", aggfunc="first")
    m = m.reindex(index=names, columns=names).astype(float)
    m = m.combine_first(m.T)
    for s in names:
        if pd.isna(cast(float, m.loc[s, s])):
            m.loc[s, s] = 1.0
    n = len(names)
    side = max(4.5, 1.5 + 0.42 * min(n, 20) + 0.2 * max(0, n - 20))
    clustered = n >= 3
    labels = [display_label(s, 22) for s in names]
    fig = Figure(figsize=(side + 3.2, side + (2.6 if clustered else 1.8)))
    width, height = fig.get_size_inches()
    ticks = labels_width(labels) + TICK_OFFSET + AXIS_LABEL
    left, bottom = EDGE + ticks, EDGE + ticks
    right = EDGE + 0.2 + 0.2 + labels_width(["0.0"]) + TICK_OFFSET + AXIS_LABEL
    top = suptitle_height(fig) + 0.1 + (1.05 if clustered else 0.0)
    box = (left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height)
    ax = fig.add_axes(box)
    cax = fig.add_axes((box[0] + box[2] + 0.2 / width, box[1], 0.2 / width, box[3]))
    order = _tree_order(fig, box, m, labels) if clustered else list(range(n))
    shown = m.iloc[order, order]
    tick = [labels[i] for i in order]
    if n:
        sns.heatmap(
            shown, ax=ax, cbar_ax=cax, vmin=0, vmax=1, cmap="viridis", annot=n <= 15,
            fmt=".2f", xticklabels=tick, yticklabels=tick,
            cbar_kws={"label": "cosine similarity of TF-IDF lemma vectors (0–1)"},
            annot_kws={"fontsize": 8},
        )  # fmt: skip
        ax.tick_params(axis="x", labelrotation=90)
        ax.tick_params(axis="y", labelrotation=0)
    else:
        cax.set_visible(False)
        empty_note(ax, "no sources")
    ax.set_xlabel("source")
    ax.set_ylabel("source")
    title = f"Vocabulary similarity between {len(names)} sources" + (
        " (clustered)" if clustered else ""
    )
    fig.suptitle(title)
    alt = _similarity_alt(m, names, clustered)
    guide = (
        "Bright cells and sources joined low in the tree share vocabulary (all lemmas, not only "
        "the lexicons); 1 is an identical profile, 0 nothing in common."
    )
    return fig, ChartNote(title, alt, guide)


def _tree_order(
    fig: Figure, box: tuple[float, float, float, float], m: pd.DataFrame, labels: list[str]
) -> list[int]:
    """Draw the clustering tree over the heatmap's box; the sources' order under its leaves."""
    height = fig.get_figheight()
    dist = (1.0 - m.fillna(0.0).to_numpy()).clip(0, 2)
    dist = (dist + dist.T) / 2
    np.fill_diagonal(dist, 0)
    link = hierarchy.linkage(squareform(dist, checks=False), method="average")
    # The clustermap layout, on this figure: the tree over the columns (the matrix is
    # symmetric, so rows follow the same order), the heatmap, its colour bar.
    ax_tree = fig.add_axes((box[0], box[1] + box[3] + 0.05 / height, box[2], 1.0 / height))
    frame = pd.DataFrame(m.fillna(0).to_numpy(), index=labels, columns=labels)
    tree = sns.matrix.dendrogram(frame, linkage=link, axis=1, label=False, ax=ax_tree)
    ax_tree.set_xticks([])
    ax_tree.set_yticks([])
    ax_tree.grid(False)
    return list(tree.reordered_ind)


def _similarity_alt(m: pd.DataFrame, names: list[str], clustered: bool) -> str:
    """The similarity chart's alt text: the most and the least similar pair."""
    n = len(names)
    values = m.to_numpy(dtype=float)
    pairs = [
        (float(values[i, j]), names[i], names[j])
        for i in range(n)
        for j in range(i + 1, n)
        if not np.isnan(values[i, j])
    ]
    if pairs:
        hi, lo = max(pairs), min(pairs)
        return (
            f"Heatmap of cosine similarity of lemma profiles for {n} sources"
            + (", rows and columns ordered by hierarchical clustering" if clustered else "")
            + f". Most similar: {hi[1]} and {hi[2]} ({hi[0]:.2f}); least similar: {lo[1]} and "
            f"{lo[2]} ({lo[0]:.2f})."
        )
    return f"Heatmap of cosine similarity of lemma profiles for {n} source(s)."
