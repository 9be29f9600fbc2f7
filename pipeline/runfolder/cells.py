"""Make text cells safe to open: no spreadsheet formulas in CSVs, no spoofing in displayed names.

Spreadsheet injection: a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read as a formula by Excel and LibreOffice. Every text cell written to a
CSV that starts with one of them, or with ``'``, gets one ``'`` in front (OWASP's rule); the
readers take it off again, so the rule round-trips. Numbers are never touched (``-1.5`` in a
numeric column stays a number). The raw text stays in ``data/texts/``.

Display spoofing: Unicode bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F,
U+061C) and other invisible format characters in a name can reorder what is shown around it
(a source name can make 24.15 read as 51.42). ``display_name`` removes them; the dashboard
also wraps each name in its own isolate (``<bdi>``).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_ESCAPE = "'"


def neutralize(cell: object) -> object:
    """``cell`` with a ``'`` in front when it is text that a spreadsheet would run."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return _ESCAPE + cell
    return cell


def restore(cell: object) -> object:
    """The text that ``neutralize`` was given."""
    if isinstance(cell, str) and cell.startswith(_ESCAPE) and cell[1:2] in FORMULA_START:
        return cell[1:]
    return cell


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c])
    ]


def _strings(values: pd.Series) -> pd.Series | None:
    """``values`` as a string accessor's input, or None when the column holds no text."""
    try:
        values.str  # noqa: B018 - raises AttributeError on a column without text
    except AttributeError:
        return None
    return values


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell neutralised (a copy when anything changed)."""
    out = df
    for col in _text_columns(df):
        values = _strings(df[col])
        if values is None:
            continue
        risky = values.str.startswith(FORMULA_START, na=False).astype(bool)
        if risky.any():
            if out is df:
                out = df.copy()
            out[col] = values.where(~risky, _ESCAPE + values.astype(str))
    return out


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as it was before ``neutralize_frame`` (text columns changed in place)."""
    for col in _text_columns(df):
        values = _strings(df[col])
        if values is None:
            continue
        marked = values.str.startswith(_ESCAPE, na=False).astype(bool)
        if marked.any():
            marked &= values.str[1:2].isin(FORMULA_START)
            df[col] = values.where(~marked, values.str[1:])
    return df


@dataclass(frozen=True)
class _Hidden:
    """Bidi embeddings, overrides, isolates and marks, the Arabic letter mark, and every other
    format (Cf) character (zero-width ones included) but the ZWJ that joins emoji."""

    chars: frozenset[str]
    pattern: str
    regex: re.Pattern[str]


@cache
def _hidden() -> _Hidden:
    """The hidden characters, found once per process when a name is first displayed (a walk
    over every code point: a process that only writes tables never pays for it)."""
    chars = "".join(
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"
    ).replace("\u200d", "")
    pattern = _char_class(chars)
    return _Hidden(frozenset(chars), pattern, re.compile(pattern))


def _char_class(chars: str) -> str:
    """A regex character class of ``chars`` written as runs (``[a-c]``, not ``[abc]``):
    given single characters beyond the BMP, ``re`` tests every one of them in turn."""
    runs: list[list[int]] = []
    for point in sorted(map(ord, chars)):
        if runs and runs[-1][1] == point - 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    parts = (re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs)
    return f"[{''.join(parts)}]"


def _has_hidden(s: str) -> bool:
    return not s.isascii() and _hidden().regex.search(s) is not None


def _visible(ch: str) -> str:
    return f"[U+{ord(ch):04X}]" if ch in _hidden().chars else ch


def display_name(text: object) -> str:
    """``text`` with bidi controls and invisible format characters made visible
    (``[U+202E]``): they can no longer reorder or hide what is shown around them, and two
    names that differ only by one still look different."""
    s = "" if text is None else str(text)
    if not _has_hidden(s):
        return s
    return "".join(map(_visible, s))


def display_value(value: Any) -> Any:
    """``value`` as a page shows it: text (of whatever ``str`` type, so markup stays markup)
    with ``display_name`` applied; anything else unchanged. Meant for the point where a value
    is rendered (a template's ``finalize``), so nothing has to walk the data beforehand."""
    if isinstance(value, str) and _has_hidden(value):
        return type(value)(display_name(value))
    return value


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``display_name`` applied to the text cells that need it (in place)."""
    for col in _text_columns(df):
        values = _strings(df[col])
        if values is None:
            continue
        hidden = values.str.contains(_hidden().pattern, regex=True, na=False).astype(bool)
        if hidden.any():
            df[col] = values.where(~hidden, values[hidden].map(display_name))
    return df


def display_all(obj: Any) -> Any:
    """Strings anywhere in nested dicts, lists and tuples passed through ``display_name``
    (for small payloads such as a page's embedded JSON; rendered values use
    ``display_value``)."""
    if isinstance(obj, str):
        return display_name(obj) if _has_hidden(obj) else obj
    if isinstance(obj, dict):
        return {display_all(k): display_all(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(display_all(v) for v in obj) if not hasattr(obj, "_fields") else obj
    return obj
