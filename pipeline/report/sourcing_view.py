"""The dashboard's Who speaks section: each outlet's attributions by actor group, with the
groups' display names from the actor lexicon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report.fmt import fmt_int, fmt_pct, num, records, sort_key
from pipeline.report.labels import Name, name_of
from pipeline.runfolder.tables import has_table, iter_table, read_table


def _pct_interval(low: Any, high: Any) -> str:
    lo, hi = num(low), num(high)
    return "" if lo is None or hi is None else f"{lo * 100:.0f}–{hi * 100:.0f}%"


def sourcing_view(
    run_dir: Path, names: list[str], groups_named: dict[str, Name], limit: int = 300
) -> dict[str, Any]:
    """Who gets to speak in each outlet: per source, each actor group's share of its
    attributions with the interval, and the first attributions as examples."""
    if not has_table(run_dir, "sourcing"):
        return {"available": False, "groups": [], "rows": [], "examples": []}
    t = read_table(run_dir, "sourcing")
    groups = list(pd.unique(t["speaker_group"]))
    cells = {(r["source"], r["speaker_group"]): r for r in records(t)}
    order = [n for n in names if n in set(t["source"])]
    order += [n for n in pd.unique(t["source"]) if n not in order]
    rows = []
    for src in order:
        row_cells = []
        for grp in groups:
            r = cells.get((src, grp))
            share = num(r["share"]) if r else None
            row_cells.append(
                {
                    "share": fmt_pct(share) if r and num(r["attributions"]) else "–",
                    "ci": _pct_interval(r["ci_low"], r["ci_high"]) if r and share else "",
                    "n": fmt_int(r["attributions"]) if r else "0",
                    "key": sort_key(share),
                }
            )
        total = sum(num(cells[(src, g)]["attributions"]) or 0 for g in groups if (src, g) in cells)
        rows.append({"source": src, "total": fmt_int(total), "cells": row_cells})
    examples: list[dict[str, Any]] = []
    cols = ["article_id", "source", "speaker", "speaker_group", "kind", "verb", "sentence"]
    for chunk in iter_table(run_dir, "sourcing_hits", cols):
        examples.extend(records(chunk.head(limit - len(examples))))
        if len(examples) >= limit:
            break
    for e in examples:
        e["speaker_group"] = name_of(groups_named, e["speaker_group"]).short
    shown = [
        {"id": str(g), "short": n.short, "ja": n.ja}
        for g, n in ((g, name_of(groups_named, g)) for g in groups)
    ]
    return {"available": True, "groups": shown, "rows": rows, "examples": examples}
