"""Stance in plain words: the page's question, and one sentence per source, both written from
the numbers of ``stance.csv`` and their intervals (never from anything recomputed)."""

from __future__ import annotations

import math
from typing import Any

from pipeline.report.labels import Name, name_of


def signed(v: float) -> str:
    """``+0.75``, ``−0.40``, ``0.00`` (a true minus sign; zero unsigned)."""
    if round(v, 2) == 0:
        return "0.00"
    return f"{v:+.2f}".replace("-", "−")


def interval(lo: float, hi: float) -> str:
    """``−0.01 to +0.93``; ``none`` when the run gives no interval."""
    if math.isnan(lo) or math.isnan(hi):
        return "none"
    return f"{signed(lo)} to {signed(hi)}"


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def direction(r: dict[str, Any]) -> str:
    """``favourable``, ``unfavourable``, ``leans favourable`` / ``leans unfavourable`` (the
    interval crosses zero), ``balanced``, ``thin`` (low evidence) or ``none`` (no evaluation)."""
    n = int(_num(r.get("evaluated")) or 0)
    s, lo, hi = _num(r.get("stance")), _num(r.get("ci_low")), _num(r.get("ci_high"))
    if n == 0 or math.isnan(s):
        return "none"
    if bool(r.get("low_evidence")) or math.isnan(lo) or math.isnan(hi):
        return "thin"
    if lo >= 0 and s > 0:
        return "favourable"
    if hi <= 0 and s < 0:
        return "unfavourable"
    if s > 0:
        return "leans favourable"
    if s < 0:
        return "leans unfavourable"
    return "balanced"


def crosses_zero(r: dict[str, Any]) -> bool:
    """True when the row's interval has zero strictly inside it."""
    return _num(r.get("ci_low")) < 0 < _num(r.get("ci_high"))


def _evaluations(n: int) -> str:
    return f"{n} evaluation{'' if n == 1 else 's'}"


def _figures(r: dict[str, Any]) -> str:
    n = int(_num(r["evaluated"]))
    lo, hi = _num(r["ci_low"]), _num(r["ci_high"])
    return f"{signed(_num(r['stance']))}, {_evaluations(n)}, interval {interval(lo, hi)}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


PHRASES = {
    "favourable": "portrays {t} favourably ({f})",
    "unfavourable": "portrays {t} unfavourably ({f})",
    "leans favourable": "leans favourably towards {t}, but the interval includes zero ({f})",
    "leans unfavourable": "leans unfavourably towards {t}, but the interval includes zero ({f})",
    "balanced": "is balanced on {t} ({f})",
}


def source_sentence(source: str, rows: list[dict[str, Any]], names: dict[str, Name]) -> str:
    """How ``source`` portrays each target, in one sentence, targets in the given order."""
    said: list[str] = []
    thin: list[str] = []
    for r in rows:
        name = name_of(names, r["target"]).short
        kind = direction(r)
        if kind in PHRASES:
            said.append(PHRASES[kind].format(t=name, f=_figures(r)))
        elif kind == "thin" or int(_num(r.get("mentions")) or 0) > 0:
            thin.append(name)
    parts = []
    if said:
        parts.append("; ".join(said))
    if thin:
        parts.append(f"too little evidence on {_join(thin)}")
    if not parts:
        return f"{source} evaluates none of the targets in its own voice."
    return f"{source} {'; '.join(parts)}."


def question(names: dict[str, Name], relation: tuple[str, str, str] | None) -> str:
    """The question the page answers, from the targets the run measured."""
    if relation is not None:
        a, b = (name_of(names, t).short for t in relation[1:])
        return f"How does each outlet portray {a}, {b} and their alliance?"
    shown = [n.short for n in list(names.values())[:3]] or ["each target"]
    return f"How does each outlet portray {_join(shown)}?"
