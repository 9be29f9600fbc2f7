"""Who gets to speak: each source's attributions by actor group."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from pipeline.report.charts.data import ChartData
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.layout import (
    AXIS_LABEL,
    EDGE,
    TICK_OFFSET,
    labels_width,
    suptitle_height,
)
from pipeline.report.charts.notes import ChartNote
from pipeline.report.charts.registry import chart, has_rows
from pipeline.report.runinfo import source_order


@chart("sourcing", "sourcing", reads=("sourcing",), when=has_rows("sourcing"))
def sourcing(d: ChartData) -> tuple[Figure, ChartNote]:
    t = d.table("sourcing")
    groups = list(pd.unique(t["speaker_group"]))
    names = [s for s in source_order(d.sources, t) if s in set(t["source"])]
    m = t.pivot_table(index="source", columns="speaker_group", values="share", aggfunc="first")
    m = m.reindex(index=names, columns=groups).astype(float) * 100
    n = t.groupby("source")["attributions"].sum().reindex(names).fillna(0).astype(int)
    rows = [f"{display_label(s, 22)} (n={n[s]})" for s in names]
    cols = [display_label(d.group(g), 14, 3) for g in groups]
    fig = Figure(figsize=(3.5 + 0.75 * len(groups), 2.4 + 0.42 * len(names)))
    width, height = fig.get_size_inches()
    left = EDGE + labels_width(rows) + TICK_OFFSET + AXIS_LABEL
    bottom = EDGE + labels_width(cols) + TICK_OFFSET + AXIS_LABEL
    right, top = EDGE + 1.2, suptitle_height(fig) + 0.1
    box = (left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height)
    ax = fig.add_axes(box)
    cax = fig.add_axes((box[0] + box[2] + 0.2 / width, box[1], 0.2 / width, box[3]))
    sns.heatmap(
        m, ax=ax, cbar_ax=cax, vmin=0, vmax=100, cmap="Blues", annot=True, fmt=".0f",
        xticklabels=cols, yticklabels=rows, annot_kws={"fontsize": 8},
        cbar_kws={"label": "share of the source's attributions (%)"},
    )  # fmt: skip
    ax.tick_params(axis="x", labelrotation=90)
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_xlabel("speaker group (actor lexicon)")
    ax.set_ylabel("source")
    title = f"Who gets to speak in each source (n = {int(n.sum())} attributions)"
    fig.suptitle(title)
    shares, groups_of = m.to_numpy(dtype=float), [d.group(str(g)) for g in m.columns]
    parts = [
        f"{s}: {groups_of[int(row.argmax())]} {row.max():.0f}%"
        for s, row in zip(names[:12], shares, strict=False)
    ]
    alt = (
        f"Heatmap of the share of attributions per actor group for {len(names)} sources. "
        "Most cited group per source: " + "; ".join(parts) + "."
    )
    guide = (
        "Each row sums to 100%: whose statements a source reports (によると, は…と述べた, "
        "quotes). Intervals and every attribution are in the Who speaks section."
    )
    return fig, ChartNote(title, alt, guide)
