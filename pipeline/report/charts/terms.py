"""Charts of terms: the most-matched entries and the distinctive ones (keyness), per frame."""

from __future__ import annotations

from statistics import NormalDist

import pandas as pd
from matplotlib.figure import Figure

from pipeline.report.charts.data import LOW_EVIDENCE, ChartData
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.layout import (
    frame_palette,
    listing,
    safe_name,
)
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.panels import BarScale, Panel, bar_panels
from pipeline.report.charts.registry import Page, chart, has_rows
from pipeline.runfolder.schema import ALPHA

TOP_TERMS = 8
KEYNESS_PER_PAGE = 12  # sources per keyness chart; more sources make more pages
# The z beyond which a term counts as distinctive: two-sided at the run folder's ALPHA (1.96).
Z_CRIT = round(NormalDist().inv_cdf(1 - ALPHA / 2), 2)


def _per_frame(d: ChartData) -> list[Page]:
    return [(f"top_terms_{i + 1:02d}_{safe_name(f)}.png", (f,)) for i, f in enumerate(d.frames)]


def _keyness_pages(d: ChartData) -> list[Page]:
    """Per frame, the sources in pages of ``KEYNESS_PER_PAGE``."""
    k = d.table("keyness")
    names = [s for s in d.names if s in set(k["source"])] + [
        s for s in pd.unique(k["source"]) if s not in d.names
    ]
    pages = [names[i : i + KEYNESS_PER_PAGE] for i in range(0, len(names), KEYNESS_PER_PAGE)]
    out: list[Page] = []
    for j, f in enumerate(d.frames):
        for p, chunk in enumerate(pages):
            out.append((f"keyness_{len(out) + 1:02d}_{j + 1}.png", (f, chunk, p + 1, len(pages))))
    return out


@chart("top_terms", "terms", reads=("terms",), pages=_per_frame)
def top_terms(d: ChartData, frame: str) -> tuple[Figure, ChartNote]:
    t = d.terms[(d.terms["frame"] == frame) & (d.terms["author_hits"] > 0)]
    per_source = t.groupby(["source"])["term"].nunique()
    slots = int(min(TOP_TERMS, max(2, per_source.max() if len(per_source) else 2)))
    color = frame_palette(d.frames)[frame]
    tops, panels = [], []
    for s in d.names or [""]:
        top = (
            t[t["source"] == s]
            .groupby("term")["author_hits"]
            .sum()
            .reset_index()
            .sort_values(["author_hits", "term"], ascending=[False, True])
            .head(TOP_TERMS)
        )
        if len(top):
            tops.append(
                f"{s}: "
                + ", ".join(f"{r.term} ({r.author_hits:.0f})" for r in top.head(3).itertuples())
            )
        values = [float(v) for v in top["author_hits"]]
        panels.append(
            Panel(
                title=display_label(s, 30, 1),
                labels=[display_label(x, 16, 1) for x in top["term"]],
                values=values,
                colors=[color] * len(values),
                texts=[f"{v:.0f}" for v in values],
                note="no matches",
            )
        )
    label = d.label(frame)
    total = sum(int(sum(p.values)) for p in panels)
    title = f"Top matched terms: {label} (n = {total} matches shown)"
    fig = bar_panels(display_label(title, 80, 1),
                      "author-voice matches (count, at the end of each bar)", panels, slots,
                      4.2)  # fmt: skip
    alt = (
        f"Bar charts, one per source, of the most-matched {label} terms in the author's voice. "
        + (("Top terms: " + "; ".join(tops) + ".") if tops else "No source used these terms.")
    )
    guide = "Which words carry the frame in each source: one dominant term means a narrow signal."
    return fig, ChartNote(title, alt, guide)


@chart("keyness", "terms", reads=("keyness",), when=has_rows("keyness"), pages=_keyness_pages)
def keyness(
    d: ChartData, frame: str, names: list[str], page: int, pages: int
) -> tuple[Figure, ChartNote]:
    k = d.table("keyness")
    k = k[(k["frame"] == frame) & (k["z"] > 0)].dropna(subset=["z"])
    per = k[k["source"].isin(names)].groupby("source").size()
    slots = int(min(TOP_TERMS, max(2, per.max() if len(per) else 2)))
    color = frame_palette(d.frames)[frame]
    tops, panels = [], []
    zmax = float(k["z"].max()) if len(k) else Z_CRIT
    for s in names or [""]:
        top = (
            k[k["source"] == s]
            .sort_values(["z", "term"], ascending=[False, True], kind="stable")
            .head(TOP_TERMS)
        )
        strong = top[top["z"] > Z_CRIT]
        if len(strong):
            tops.append(
                f"{s}: " + ", ".join(f"{r.term} (z {r.z:.1f})" for r in strong.head(3).itertuples())
            )
        name = display_label(s, 30 if s not in d.low else 18, 1)
        values = [float(z) for z in top["z"]]
        panels.append(
            Panel(
                title=name + (f" ({LOW_EVIDENCE})" if s in d.low else ""),
                labels=[display_label(x, 16, 1) for x in top["term"]],
                values=values,
                colors=[color if z > Z_CRIT else "#c5ccd3" for z in values],
                texts=[f"{z:.1f}" for z in values],
                note="no term used more than elsewhere",
                muted=s in d.low,
            )
        )
    label = d.label(frame)
    part = f" ({page} of {pages})" if pages > 1 else ""
    title = f"Distinctive terms: {label}{part}"
    fig = bar_panels(
        display_label(title, 90, 1),
        "z of the log-odds (this source vs the others; value at the end of each bar)",
        panels, slots, 4.4, BarScale(xmax=max(zmax, Z_CRIT) * 1.08, ref=Z_CRIT, value_size=8),
    )  # fmt: skip
    alt = (
        f"Bar charts, one per source ({len(names)} sources), of the {label} terms each source "
        f"uses more than the other sources, by z-score of the log-odds ratio. "
        + (
            (f"Beyond chance (z > {Z_CRIT}): " + listing(tops) + ".")
            if tops
            else "No source uses any term clearly more than the others."
        )
    )
    guide = (
        f"z > {Z_CRIT} (dashed line): the source uses this term more than the others beyond "
        "chance; grey bars are leanings the data cannot confirm."
    )
    return fig, ChartNote(title, alt, guide)
