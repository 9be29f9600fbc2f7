"""Numbers and labels as the dashboard shows them: rates, counts, shares, intervals, p-values
(never rounded across the significance line), and the sort keys of table cells."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pipeline.runfolder.schema import ALPHA


def num(v: Any) -> float | None:
    """A finite float, or None for missing / NaN values."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def fmt_rate(v: Any) -> str:
    """A rate with two decimals; an en dash when missing."""
    f = num(v)
    return "–" if f is None else f"{f:.2f}"


def fmt_int(v: Any) -> str:
    """A count with thousands separators; an en dash when missing."""
    f = num(v)
    return "–" if f is None else f"{round(f):,}"


def fmt_pct(v: Any) -> str:
    """A 0–1 share as a whole percentage; an en dash when missing."""
    f = num(v)
    return "–" if f is None else f"{f * 100:.0f}%"


def fmt_ci(low: Any, high: Any) -> str:
    """An interval as ``low–high``; an en dash when either end is missing."""
    lo, hi = num(low), num(high)
    return "–" if lo is None or hi is None else f"{lo:.2f}–{hi:.2f}"


def count_of(n: Any, word: str, plural: str | None = None) -> str:
    """``1 hit`` / ``3 hits``: a formatted count with its noun."""
    f = num(n)
    noun = word if f == 1 else (plural or f"{word}s")
    return f"{fmt_int(n)} {noun}"


def fmt_p(v: Any) -> str:
    """A p-value as "p = 0.41", "p = 0.002" or "p < 0.001"; an en dash when missing."""
    f = num(v)
    if f is None:
        return "p = –"
    if f < 0.001:
        return "p < 0.001"
    for digits in range(3 if f < 0.01 else 2, 8):  # never round across the 0.05 line
        text = f"{f:.{digits}f}"
        if (float(text) < ALPHA) == (f < ALPHA):
            break
    return f"p = {text}"


def fmt_signed(v: Any, digits: int = 1) -> str:
    """A difference with its sign ("+12.3", "−4.0"); an en dash when missing."""
    f = num(v)
    if f is None:
        return "–"
    return f"{f:+.{digits}f}".replace("-", "−")


def sort_key(v: Any) -> str:
    """The ``data-sort`` value of a numeric cell ("" sorts last)."""
    f = num(v)
    return "" if f is None else repr(f)


def overlap(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool | None:
    lo_a, hi_a, lo_b, hi_b = (num(x) for x in (*a, *b))
    if None in (lo_a, hi_a, lo_b, hi_b):
        return None
    return not (hi_b < lo_a or hi_a < lo_b)  # type: ignore[operator]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.to_dict("records") if len(df) else []


def label_of(labels: dict[str, str], frame: Any) -> str:
    f = "" if frame is None else str(frame)
    return labels.get(f, f) if f else "(none)"


def scalar(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
