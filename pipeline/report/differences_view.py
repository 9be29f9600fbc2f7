"""The dashboard's Differences section: the pairwise differences of rates between sources, as a
capped table and, per frame, the differences that hold in words."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pipeline.report.fmt import fmt_p, fmt_signed, num, records, sort_key
from pipeline.runfolder.tables import has_table, read_table

MAX_DIFFERENCE_ROWS = 5_000
SHOWN_DIFFERENCES = 10
MAX_DIFFERENCE_SENTENCES = 300


def differences_view(
    run_dir: Path, names: list[str], frames: list[str], labels: dict[str, str], low: set[str]
) -> dict[str, Any]:
    """The pairwise differences: a table (capped) and, per frame, what holds in words."""
    if not has_table(run_dir, "differences"):
        return {"available": False}
    d = read_table(run_dir, "differences")
    d = d.assign(
        absdiff=d["diff"].abs(),
        p_sort=d["p_adjusted"].fillna(2.0),
        fj=d["frame"].map({f: j for j, f in enumerate(frames)}).fillna(len(frames)),
    )
    d = d.sort_values(
        ["significant", "p_sort", "absdiff"], ascending=[False, True, False], kind="stable"
    )
    rows: list[dict[str, Any]] = []
    per_frame: dict[str, dict[str, Any]] = {}
    for r in records(d):
        label = labels.get(r["frame"], r["frame"])
        sig = bool(r["significant"])
        diff = num(r["diff"]) or 0.0
        a, b, lo, hi = r["source_a"], r["source_b"], r["ci_low"], r["ci_high"]
        if diff < 0:  # say it the positive way round: who uses the frame more
            a, b, lo, hi = b, a, -(num(hi) or math.nan), -(num(lo) or math.nan)
        words = {
            "more": a,
            "less": b,
            "first": r["source_a"],
            "second": r["source_b"],
            "frame": label,
            "diff": fmt_signed(abs(diff)),
            "ci": f"[{fmt_signed(lo).lstrip('+')}, {fmt_signed(hi).lstrip('+')}]",
            "p": fmt_p(r["p_adjusted"]),
            "low": r["source_a"] in low or r["source_b"] in low,
        }
        group = per_frame.setdefault(r["frame"], {"label": label, "hold": [], "not": []})
        (group["hold"] if sig else group["not"]).append(words)
        if len(rows) < MAX_DIFFERENCE_ROWS:
            rows.append(_table_row(r, label, sig, words["low"]))
    order = [f for f in frames if f in per_frame] + [f for f in per_frame if f not in frames]
    blocks = []
    for f in order:
        g = per_frame[f]
        blocks.append(
            {
                "label": g["label"],
                "n_hold": len(g["hold"]),
                "n": len(g["hold"]) + len(g["not"]),
                "shown": g["hold"][:SHOWN_DIFFERENCES],
                "folded": g["hold"][SHOWN_DIFFERENCES:MAX_DIFFERENCE_SENTENCES],
                "not": g["not"][:MAX_DIFFERENCE_SENTENCES],
                "n_not": len(g["not"]),
                "cut": max(0, len(g["hold"]) - MAX_DIFFERENCE_SENTENCES)
                + max(0, len(g["not"]) - MAX_DIFFERENCE_SENTENCES),
            }
        )
    units = sorted(set(d["unit"]) - {""})
    return {
        "available": True,
        "rows": rows,
        "total": len(d),
        "n_hold": int(d["significant"].sum()),
        "blocks": blocks,
        "units": units,
        "pairs": len(d.drop_duplicates(["source_a", "source_b"])),
    }


def _table_row(r: dict[str, Any], label: str, sig: bool, low: bool) -> dict[str, Any]:
    """One row of the differences table, numbers as text with their sort keys."""
    return {
        "a": r["source_a"],
        "b": r["source_b"],
        "frame": label,
        "diff": fmt_signed(r["diff"], 2),
        "diff_key": sort_key(r["diff"]),
        "ci": f"[{fmt_signed(r['ci_low'], 2).lstrip('+')}, "
        f"{fmt_signed(r['ci_high'], 2).lstrip('+')}]",
        "p": fmt_p(r["p_value"]).removeprefix("p = "),
        "p_key": sort_key(r["p_value"]),
        "p_adj": fmt_p(r["p_adjusted"]).removeprefix("p = "),
        "p_adj_key": sort_key(r["p_adjusted"]),
        "unit": r["unit"],
        "significant": sig,
        "low": low,
    }
