"""Charts of where and when: position in the article, rate per month, rate across runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipeline.report.charts.data import ChartData
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.layout import (
    add_legend,
    frame_palette,
    listing,
    source_palette,
)
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.panels import Line, LineChart, XAxis, line_panels
from pipeline.report.charts.registry import chart, has_rows
from pipeline.report.runinfo import UNIT

MAX_LINES = 12  # sources drawn as coloured, labelled lines; beyond, grey lines + pooled line


DECILES = np.arange(10)


def _position_shares(p: pd.DataFrame, frames: list[str]) -> dict[str, np.ndarray]:
    """Per frame: the share (%) of its weighted matches in each tenth of the article."""
    out: dict[str, np.ndarray] = {}
    for f in frames:
        w = p[p["frame"] == f].groupby("decile")["weighted"].sum()
        weights = w.reindex(DECILES, fill_value=0.0).to_numpy(dtype=float)
        if weights.sum() > 0:
            out[f] = weights * 100 / weights.sum()
    return out


@chart("positions", "time", reads=("positions",), when=has_rows("positions"))
def positions(d: ChartData) -> tuple[Figure, ChartNote]:
    p = d.table("positions").dropna(subset=["decile"])
    p = p.assign(decile=p["decile"].clip(0, 9).astype(int), weighted=p["weighted"].fillna(0))
    names = [s for s in d.names if s in set(p["source"])] + [
        s for s in pd.unique(p["source"]) if s not in d.names
    ]
    faceted = 1 <= len(names) <= 8
    groups = [(s, p[p["source"] == s]) for s in names] if faceted else [("all sources", p)]
    fig = Figure(figsize=(11 if faceted and len(groups) > 1 else 8,
                          1.6 + 3.0 * math.ceil(len(groups) / 3)))  # fmt: skip
    colors = frame_palette(d.frames)
    peaks, panels = [], []
    for s, g in groups:
        shares = _position_shares(g, d.frames)
        lines = [Line(DECILES + 1, v, colors[f]) for f, v in shares.items()]
        panels.append((display_label(s, 30, 1), lines, "no counted matches"))
        for f, v in shares.items():
            peaks.append(f"{s}, {d.label(f)}: tenth {int(v.argmax()) + 1} ({v.max():.0f}%)")
    handles = [Line2D([], [], color=colors[f], marker="o", label=display_label(d.label(f), 28, 1))
               for f in d.frames]  # fmt: skip
    legend = add_legend(fig, handles, [str(h.get_label()) for h in handles], "frame")
    axis = XAxis(list(DECILES + 1), [str(x) for x in DECILES + 1], (0.55, 10.45),
              "tenth of the article (1 = opening)")  # fmt: skip
    chart = LineChart("Where in the article each frame appears", "share of the frame's weight (%)",
                      legend, ref=10)  # fmt: skip
    line_panels(fig, panels, axis, chart)
    how = f"one panel per source ({len(names)})" if faceted else f"all {len(names)} sources pooled"
    alt = (
        "Line chart of the share of each frame's weighted author matches in each tenth of the "
        f"article's sentences, {how}. Peaks: " + listing(peaks, 15) + "."
        if peaks
        else "Line chart of where frames appear in articles: no counted matches."
    )
    guide = (
        "The dashed line is an even spread (10% per tenth); a line high on the left means the "
        "frame is used in the opening (lead and headline) rather than further down."
    )
    return fig, ChartNote("Where in the article each frame appears", alt, guide)


def lines_by_source(
    d: ChartData,
    df: pd.DataFrame,
    x: str,
    title: str,
    xlabel: str,
    ticks: list[str] | None = None,
) -> Figure:
    """One panel per frame, one line per source, y = per_1k; x is a date, or a position in
    ``ticks`` (labels of 0, 1, 2, …). Beyond ``MAX_LINES`` sources the sources are thin grey
    lines under a bold pooled line (all sources' weight over all their tokens)."""
    names = [s for s in d.names if s in set(df["source"])] + [
        s for s in pd.unique(df["source"]) if s not in d.names
    ]
    many = len(names) > MAX_LINES
    pal = {s: (0.62, 0.66, 0.70) for s in names} if many else source_palette(names)
    frames = [f for f in d.frames if f in set(df["frame"])] or d.frames
    fig = Figure(figsize=(12 if len(frames) > 1 else 8, 1.8 + 3.4 * math.ceil(len(frames) / 3)))
    dates = ticks is None
    xs = mdates.date2num(df[x]) if dates and len(df) else df[x].to_numpy(dtype=float)
    df = df.assign(_x=xs)
    panels, drawn, pooled_what = [], set(), ""
    for f in frames:
        g = df[df["frame"] == f]
        lines = []
        for s in names:
            line = g[g["source"] == s].sort_values("_x")
            if len(line):
                drawn.add(s)
                lines.append(Line(line["_x"].to_numpy(), line["per_1k"].to_numpy(dtype=float),
                                   pal[s], marker="" if many else "o", markersize=3.5,
                                   linewidth=0.8 if many else 1.3,
                                   alpha=0.45 if many else 1.0))  # fmt: skip
        if many and len(g):
            sums = g.groupby("_x")[["weighted", "tokens"]].sum()
            if (sums["tokens"] > 0).all():
                pooled, pooled_what = sums["weighted"] * 1000 / sums["tokens"], "pooled"
            else:  # no token counts (an old history.csv): the plain mean of the sources
                pooled, pooled_what = g.groupby("_x")["per_1k"].mean(), "mean"
            lines.append(Line(pooled.index.to_numpy(), pooled.to_numpy(dtype=float), "#1b1f24",
                               linewidth=2.4))  # fmt: skip
        panels.append((display_label(d.label(f), 30, 1), lines, "no data"))
    if many:
        handles = [Line2D([], [], color=pal[names[0]], linewidth=0.8, label="one source")]
        if pooled_what:
            handles.append(Line2D([], [], color="#1b1f24", linewidth=2.4, marker="o",
                                  markersize=4, label=f"all sources ({pooled_what})"))  # fmt: skip
    else:
        handles = [Line2D([], [], color=pal[s], marker="o", markersize=3.5, linewidth=1.3,
                          label=display_label(s, 24, 1)) for s in names if s in drawn]  # fmt: skip
    legend = add_legend(fig, handles, [str(h.get_label()) for h in handles],
                     f"{len(names)} sources" if many else "source", ncol=4)  # fmt: skip
    if dates:
        lo, hi = (float(np.min(xs)), float(np.max(xs))) if len(xs) else (0.0, 1.0)
        pad = (hi - lo) * 0.05 or 1.0
        locator = mdates.AutoDateLocator(maxticks=6)
        formatter = mdates.ConciseDateFormatter(locator)
        values = [v for v in locator.tick_values(mdates.num2date(lo - pad),
                                                 mdates.num2date(hi + pad))
                  if lo - pad <= v <= hi + pad]  # fmt: skip
        labels = list(formatter.format_ticks(values))
        axis = XAxis(values, labels, (lo - pad, hi + pad), xlabel, offset=formatter.get_offset())
    else:
        ticks = ticks or []
        step = max(1, math.ceil(len(ticks) / 8))
        positions: list[float] = list(range(0, len(ticks), step))
        axis = XAxis(positions, ticks[::step], (-0.5, len(ticks) - 0.5), xlabel, rotate=True)
    line_panels(fig, panels, axis, LineChart(title, UNIT, legend))
    return fig


@chart("timeline_months", "time", reads=("timeline",), when=has_rows("timeline"))
def timeline_months(d: ChartData) -> tuple[Figure, ChartNote]:
    t = d.table("timeline")
    t = t[t["month"].astype(str).str.fullmatch(r"\d{4}-\d{2}")].dropna(subset=["per_1k"])
    n = int(t.drop_duplicates(["source", "month"])["articles"].sum()) if len(t) else 0
    title = f"Framing over time: rate per month (n = {n} dated articles)"
    months = sorted(set(t["month"]))
    if months:  # every month from the first to the last, so gaps keep their width
        months = list(pd.period_range(months[0], months[-1], freq="M").strftime("%Y-%m"))
    t = t.assign(x=t["month"].map({m: i for i, m in enumerate(months)}))
    fig = lines_by_source(d, t, "x", title, "month of publication (YYYY-MM)", months)
    if len(t):
        top = t.iloc[int(np.argmax(t["per_1k"].to_numpy()))]
        alt = (
            f"Line charts, one per frame, of each source's {UNIT} per month, {len(months)} "
            f"months from {months[0]} to {months[-1]}. The highest monthly rate is "
            f"{d.label(str(top['frame']))} in {top['source']} in {top['month']}: "
            f"{top['per_1k']:.2f}."
        )
    else:
        alt = "Line charts of rates per month: no dated articles."
    guide = (
        "Follow a line across months: a jump shows a change in framing, but months with few "
        "articles are noisy (articles without a date are left out)."
    )
    return fig, ChartNote(title, alt, guide)


def run_history(d: ChartData) -> pd.DataFrame:
    """history.csv plus this run (not yet appended when the charts are drawn), one row per
    run × source × frame, with ``when`` parsed from ``finished``."""
    h = d.table("history")
    run_id = str(d.run.get("run_id") or d.dir.name)
    when = d.run.get("finished") or d.run.get("started") or ""
    now = d.sources[["source", "frame", "per_1k", "ci_low", "ci_high", "tokens"]].assign(
        run_id=run_id, finished=str(when)
    )
    h = pd.concat([h[h["run_id"] != run_id], now], ignore_index=True)
    h["weighted"] = h["per_1k"] * h["tokens"].fillna(0) / 1000
    h["when"] = pd.to_datetime(h["finished"], errors="coerce", utc=True, format="ISO8601")
    h = h.dropna(subset=["when", "per_1k"])
    h["when"] = h["when"].dt.tz_convert(None)
    return h


@chart(
    "timeline_runs",
    "time",
    reads=("history", "sources"),
    when=lambda d: run_history(d)["run_id"].nunique() >= 2,
)
def timeline_runs(d: ChartData) -> tuple[Figure, ChartNote]:
    h = run_history(d)
    title = "Framing across runs: rate per source in each run"
    fig = lines_by_source(d, h, "when", title, "run finished (UTC)")
    runs = h.drop_duplicates("run_id").sort_values("when")
    first, last = runs["run_id"].iloc[0], runs["run_id"].iloc[-1]
    changes = []
    for s in pd.unique(h["source"]):
        a = h[(h["source"] == s) & (h["run_id"] == first)].set_index("frame")["per_1k"]
        b = h[(h["source"] == s) & (h["run_id"] == last)].set_index("frame")["per_1k"]
        common = a.index.intersection(b.index)
        delta = (b[common] - a[common]).abs()
        if len(common) and delta.max() > 0:
            f = delta.idxmax()
            changes.append(f"{s}: {d.label(f)} {a[f]:.2f} → {b[f]:.2f}")
    alt = (
        f"Line charts, one per frame, of each source's {UNIT} in {len(runs)} runs from "
        f"{runs['when'].iloc[0]:%Y-%m-%d} to {runs['when'].iloc[-1]:%Y-%m-%d}. Largest change "
        f"from the first to the latest run: " + (listing(changes) if changes else "none") + "."
    )
    guide = (
        "Flat lines mean reruns agree; a step where the lexicons or the corpus changed shows "
        "how much that change moved the scores (see run.json of each run)."
    )
    return fig, ChartNote(title, alt, guide)
