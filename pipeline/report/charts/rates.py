"""Charts of rates and shares: per source × frame, per article, by voice, the frame mix."""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from pipeline.report.charts.data import LOW_EVIDENCE, ChartData, matrix, shares_matrix
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.layout import (
    AXIS_LABEL,
    EDGE,
    GREY,
    TICK_LINE,
    TICK_OFFSET,
    TITLE,
    Facets,
    Margins,
    add_legend,
    empty_note,
    facet_grid,
    fmt,
    frame_palette,
    grey_low,
    labels_width,
    legend_below,
    listing,
    place,
    place_bars,
    place_panels,
    source_palette,
)
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.registry import chart
from pipeline.report.runinfo import MAX_POINTS, UNIT


@chart("heatmap_per1k", "rates", reads=("sources",))
def heatmap(d: ChartData) -> tuple[Figure, ChartNote]:
    m = matrix(d, "per_1k")
    n_s, n_f = max(len(d.names), 1), max(len(d.frames), 1)
    fig = Figure(figsize=(max(5.5, 3.2 + 1.5 * n_f), max(3.2, 1.6 + 0.55 * n_s)))
    xlabels = [display_label(d.label(f), 16, 3) for f in d.frames]
    ylabels = [d.src_label(s) for s in d.names]
    width, height = fig.get_size_inches()
    left = EDGE + AXIS_LABEL + labels_width(ylabels) + TICK_OFFSET
    bottom = (
        EDGE
        + AXIS_LABEL
        + TICK_OFFSET
        + TICK_LINE * max((x.count("\n") + 1 for x in xlabels), default=1)
    )
    right = EDGE + AXIS_LABEL + TICK_OFFSET + labels_width(["00.0"]) + 0.4
    top = EDGE + TITLE
    box = (left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height)
    ax = fig.add_axes(box)
    cax = fig.add_axes((box[0] + box[2] + 0.2 / width, box[1], 0.2 / width, box[3]))
    if m.size:
        # Labels go in already made safe: seaborn measures them while it lays the axes out.
        sns.heatmap(
            m, ax=ax, cbar_ax=cax, annot=n_s <= 40, fmt=".2f", cmap="Blues", linewidths=0.5,
            linecolor="white", cbar_kws={"label": UNIT}, mask=m.isna(), vmin=0,
            xticklabels=xlabels, yticklabels=ylabels,
        )  # fmt: skip
        ax.tick_params(axis="x", labelrotation=0)
        ax.tick_params(axis="y", labelrotation=0)
        grey_low(ax, d, d.names)
    else:
        cax.set_visible(False)
        empty_note(ax, "no sources")
    ax.set_title("Framing intensity by source and frame")
    ax.set_xlabel("frame")
    ax.set_ylabel("source")
    stack = m.stack().dropna() if m.size else pd.Series(dtype=float)
    if len(stack) and stack.max() > 0:
        s, f = cast(tuple[str, str], stack.idxmax())
        highest = f"The highest rate is {d.label(f)} in {s}: {stack.max():.2f} {UNIT}."
    else:
        highest = "No source has any counted match."
    alt = (
        f"Heatmap of {UNIT} for {len(d.names)} sources (rows) and {len(d.frames)} frames "
        f"(columns). {highest}"
    )
    guide = "Read across a row: the darkest cell is the frame that source uses most."
    return fig, ChartNote("Framing intensity by source and frame", alt, guide)


@chart("per1k_intervals", "rates", reads=("sources",))
def rates_with_intervals(d: ChartData) -> tuple[Figure, ChartNote]:
    m, lo, hi = matrix(d, "per_1k"), matrix(d, "ci_low"), matrix(d, "ci_high")
    n_s, n_f = max(len(d.names), 1), max(len(d.frames), 1)
    fig = Figure(figsize=(9, max(3.2, 1.6 + n_s * (0.35 + 0.22 * n_f))))
    ax = fig.subplots()
    colors = frame_palette(d.frames)
    height = 0.8 / n_f
    y = np.arange(len(d.names))
    for k, f in enumerate(d.frames):
        v = m[f].fillna(0).to_numpy()
        err = np.vstack([(v - lo[f]).clip(lower=0), (hi[f] - v).clip(lower=0)])
        err = np.nan_to_num(err, nan=0.0)
        ax.barh(
            y - 0.4 + height * (k + 0.5), v, height=height * 0.92, xerr=err, color=colors[f],
            label=display_label(d.label(f), 28, 1), error_kw={"elinewidth": 1, "capsize": 2},
        )  # fmt: skip
    for i, s in enumerate(d.names):
        if not (m.loc[s].fillna(0) > 0).any():
            ax.text(0, i, "  no matches", va="center", ha="left", fontsize=9, color="#555555")
    ax.set_yticks(y, [d.src_label(s) for s in d.names])
    grey_low(ax, d, d.names)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_title("Rate per frame with 95% bootstrap intervals")
    ax.set_xlabel(f"{UNIT} (bar: estimate; whisker: 95% bootstrap interval)")
    ax.set_ylabel("source")
    ax.grid(axis="y", visible=False)
    place_bars(fig, ax, legend_below(fig, ax))
    parts = []
    for s in d.names:
        row = m.loc[s].dropna()
        if len(row) and row.max() > 0:
            f = str(row.idxmax())
            parts.append(
                f"{s}: {d.label(f)} {row[f]:.2f} "
                f"({fmt(cast(float, lo.loc[s, f]))}–{fmt(cast(float, hi.loc[s, f]))})"
                + (f", {LOW_EVIDENCE}" if s in d.low else "")
            )
        else:
            parts.append(f"{s}: no matches")
    alt = f"Horizontal bars of {UNIT} per source and frame with 95% intervals. Highest per " + (
        "source: " + listing(parts, 30) + "."
    )
    guide = (
        "Longer bars mean more framing vocabulary; where two bars' whiskers overlap, the data "
        "cannot tell those rates apart."
    )
    return fig, ChartNote("Rate per frame with 95% bootstrap intervals", alt, guide)


@chart("frame_shares", "rates", reads=("sources",))
def shares(d: ChartData) -> tuple[Figure, ChartNote]:
    share = shares_matrix(d)
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.0, 1.8 + 0.45 * n_s)))
    ax = fig.subplots()
    colors = frame_palette(d.frames)
    left = np.zeros(len(d.names))
    y = np.arange(len(d.names))
    for f in d.frames:
        v = share[f].fillna(0).to_numpy() * 100
        bars = ax.barh(y, v, left=left, color=colors[f], height=0.7,
                       label=display_label(d.label(f), 28, 1))  # fmt: skip
        labels = [f"{x:.0f}%" if x >= 8 else "" for x in v]
        ax.bar_label(bars, labels=labels, label_type="center", fontsize=9, color="white")
        left += v
    for i, (s, total) in enumerate(zip(d.names, left, strict=True)):
        if s in d.low:
            ax.text(1, i, f"{LOW_EVIDENCE}: no share (too few tokens or matches)", va="center",
                    ha="left", fontsize=9, color=GREY, style="italic")  # fmt: skip
        elif total == 0:
            ax.text(1, i, "no matches", va="center", ha="left", fontsize=9, color="#555555")
    ax.set_yticks(y, [d.src_label(s) for s in d.names])
    grey_low(ax, d, d.names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_title("Frame shares of each source's framing vocabulary")
    ax.set_xlabel("share of the source's total rate (%)")
    ax.set_ylabel("source")
    ax.grid(axis="y", visible=False)
    place_bars(fig, ax, legend_below(fig, ax))
    parts = []
    for s in d.names:
        row = share.loc[s].dropna()
        if s in d.low:
            parts.append(f"{s}: {LOW_EVIDENCE}, no share")
        elif len(row) and row.sum() > 0:
            parts.append(
                f"{s}: " + ", ".join(f"{d.label(f)} {row[f] * 100:.0f}%" for f in row.index)
            )
        else:
            parts.append(f"{s}: no matches")
    alt = "Stacked bars of frame shares (percent) per source. " + listing(parts, 30) + "."
    guide = (
        "Each bar adds up to 100% of a source's framing vocabulary: compare the mix, not the "
        "amount (the rate chart shows the amount). Low-evidence sources get no bar."
    )
    return fig, ChartNote("Frame shares of each source's framing vocabulary", alt, guide)


@chart("articles_per1k", "rates", reads=("articles",))
def article_rates(d: ChartData) -> tuple[Figure, ChartNote]:
    a, n = d.points.rows, d.points.n
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.2, 1.6 + 0.55 * n_s)))
    ax = fig.subplots()
    src = a["source"].map({s: i for i, s in enumerate(d.names)})
    frm = a["frame"].map({f: j for j, f in enumerate(d.frames)})
    a = a[src.notna() & frm.notna()]
    if len(a):
        # A strip plot: one dot per article and frame, dodged by frame, jittered (fixed seed).
        colors = frame_palette(d.frames)
        n_f = len(d.frames)
        each = 0.8 / n_f if n_f > 1 else 0.0
        offsets = (np.arange(n_f) - (n_f - 1) / 2) * each
        jitter = 0.15 / n_f if n_f > 1 else 0.15
        j = frm[a.index].to_numpy(dtype=int)
        y = src[a.index].to_numpy(dtype=float) + offsets[j]
        y += np.random.default_rng(0).uniform(-jitter, jitter, len(a))
        big = n > 500
        size = 3 if big else 6
        ax.scatter(a["per_1k"], y, s=size**2, c=[colors[d.frames[k]] for k in j],
                   alpha=0.5 if big else 1.0, linewidths=0)  # fmt: skip
        for f in d.frames:
            ax.plot([], [], marker="o", linestyle="", markersize=6, color=colors[f],
                    label=display_label(d.label(f), 28, 1))  # fmt: skip
        ax.set_yticks(range(len(d.names)), [d.src_label(s) for s in d.names])
        ax.set_ylim(len(d.names) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        grey_low(ax, d, d.names)
    else:
        empty_note(ax, "no articles")
    ax.set_xlim(left=0)
    sampled = n > MAX_POINTS
    title = "Rate per article" + (f" (sample of {MAX_POINTS:,} of {n:,})" if sampled else "")
    ax.set_title(title)
    ax.set_xlabel(f"{UNIT} in one article")
    ax.set_ylabel("source")
    place_bars(fig, ax, legend_below(fig, ax))
    alt = f"Dot plot of {UNIT} for each of {n} articles, one row per source, coloured by frame." + (
        f" A fixed sample of {MAX_POINTS:,} articles is drawn." if sampled else ""
    )
    guide = (
        "Each dot is one article: a source whose dots sit far apart has a rate driven by a "
        "few articles, not a steady habit."
    )
    return fig, ChartNote(title, alt, guide)


VOICES = ("author (counted)", "quoted or cited", "negated")


def voice_counts(d: ChartData) -> tuple[pd.Series, int]:
    """Matches per (frame, source, voice) and their total, from terms.csv (each match once)."""
    t = d.terms
    author = t["author_hits"].fillna(0)
    negated = t["negated_hits"].fillna(0)
    quoted = (t["all_hits"].fillna(0) - author - negated).clip(lower=0)
    long = pd.concat(
        [
            t[["frame", "source"]].assign(kind=v, n=x)
            for v, x in zip(VOICES, (author, quoted, negated), strict=True)
        ]
    )
    counts = long.groupby(["frame", "source", "kind"])["n"].sum()
    return counts, int(counts.sum())


@chart("voices", "rates", reads=("terms",))
def voices(d: ChartData) -> tuple[Figure, ChartNote]:
    counts, total = voice_counts(d)
    n_f = max(len(d.frames), 1)
    ncols = min(n_f, 3)
    nrows = math.ceil(n_f / ncols)
    fig = Figure(figsize=(3.6 * ncols + 2.2, max(3.0, 1.4 + 0.42 * len(d.names)) * nrows))
    facets = Facets(sharex=False, sharey=True, xlabel="matches (count)", ylabel="source")
    axes, _ = facet_grid(fig, n_f, ncols, facets)
    colors = dict(zip(VOICES, ("#1f5fa8", "#e09f3e", "#b23a48"), strict=True))
    y = np.arange(len(d.names))
    titles = [display_label(d.label(f), 26) for f in d.frames]
    for ax, f, title in zip(axes, d.frames, titles, strict=False):
        left = np.zeros(len(d.names))
        for v in VOICES:
            vals = np.array([float(counts.get((f, s, v), 0)) for s in d.names])
            ax.barh(y, vals, left=left, color=colors[v], height=0.7, label=v)
            left += vals
        ax.set_title(title, fontsize=11)
        ax.grid(axis="y", visible=False)
        if left.sum() == 0:
            empty_note(ax)
    axes[0].set_yticks(y, [display_label(s, 22) for s in d.names])
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle("Whose voice: author, quoted and negated matches")
    legend = add_legend(fig, handles, labels, "")
    lines = max((t.count("\n") + 1 for t in titles), default=1)
    place_panels(fig, axes, ncols, legend, facets, titles=lines)
    n_auth = int(counts.xs(VOICES[0], level="kind").sum()) if total else 0
    alt = (
        f"Stacked bars per frame and source of {total} matches by voice: {n_auth} in the "
        f"author's own voice (counted), {total - n_auth} quoted or negated (not counted)."
    )
    guide = (
        "Only the blue part counts towards scores; a long orange part means the source reports "
        "others' framing rather than using it."
    )
    return fig, ChartNote("Whose voice: author, quoted and negated matches", alt, guide)


TRIANGLE = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])


@chart(
    "shares_ternary",
    "rates",
    reads=("sources",),
    when=lambda d: len(d.frames) == 3 and len(d.sources) > 0,
)
def ternary(d: ChartData) -> tuple[Figure, ChartNote]:
    share = shares_matrix(d)
    fr = d.frames[:3]
    ok = share.dropna(how="any")
    ok = ok[(ok.sum(axis=1) > 0)]
    skipped = [s for s in d.names if s not in ok.index]
    fig = Figure(figsize=(8, 7.6))
    ax = fig.subplots()
    colors = frame_palette(d.frames)
    ax.fill(TRIANGLE[:, 0], TRIANGLE[:, 1], color="#f7f9fb", zorder=0)
    ax.plot(*np.vstack([TRIANGLE, TRIANGLE[:1]]).T, color="#555555", linewidth=1)
    for k in range(3):
        i, j = (k + 1) % 3, (k + 2) % 3
        grid = []
        for t in (0.2, 0.4, 0.6, 0.8):
            p = t * TRIANGLE[k] + (1 - t) * TRIANGLE[i]
            q = t * TRIANGLE[k] + (1 - t) * TRIANGLE[j]
            grid.append([p, q])
            x, y = p + (p - TRIANGLE.mean(axis=0)) * 0.06
            ax.text(x, y, f"{t:.0%}", fontsize=7,
                    color=colors[fr[k]], ha="center", va="center")  # fmt: skip
        ax.add_collection(LineCollection(grid, colors=[colors[fr[k]]], alpha=0.25,
                                         linewidths=0.8))  # fmt: skip
    offsets = [(-0.04, -0.05, "right"), (1.04, -0.05, "left"), (0.5, 0.91, "center")]
    for k, (x, y, ha) in enumerate(offsets):
        ax.text(x, y, display_label(d.label(fr[k]), 22) + "\n(100%)", ha=ha, va="center",
                fontsize=10, color=colors[fr[k]])  # fmt: skip
    pal = source_palette(list(ok.index))
    small = 8 if len(ok) > 12 else 9
    w = ok.to_numpy(dtype=float)
    xy = (w / w.sum(axis=1, keepdims=True)) @ TRIANGLE if len(ok) else np.empty((0, 2))
    ax.scatter(xy[:, 0], xy[:, 1], s=55, c=[pal[s] for s in ok.index], edgecolor="white",
               zorder=3)  # fmt: skip
    for s, (x, y) in zip(ok.index, xy, strict=True):
        ax.annotate(display_label(s, 18, 1), (x, y), xytext=(5, 4), textcoords="offset points",
                    fontsize=small)  # fmt: skip
    if ok.empty:
        ax.text(0.5, 0.3, "no source with enough evidence", ha="center", color="#555555")
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.15, 1.0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("share of each frame in the source's total rate (%): nearer a corner = more")
    title = "Frame mix: each source's shares of the three frames"
    ax.set_title(title)
    place(
        fig, 1, 1, Margins(left=EDGE, right=EDGE, top=EDGE + TITLE, bottom=EDGE + AXIS_LABEL + 0.1)
    )
    parts = [
        f"{s}: " + ", ".join(f"{d.label(f)} {row[f] * 100:.0f}%" for f in fr)
        for s, row in ok.iterrows()
    ]
    alt = (
        f"Triangle (ternary) plot of the shares of {', '.join(d.label(f) for f in fr)} for "
        f"{len(ok)} sources. "
        + (listing(parts) + "." if parts else "No source has shares to plot.")
        + (f" Left out ({LOW_EVIDENCE} or no matches): {listing(skipped)}." if skipped else "")
    )
    guide = (
        "A point near a corner uses mostly that frame; a point in the middle mixes all three "
        "equally. Low-evidence sources are left out."
    )
    return fig, ChartNote(title, alt, guide)
