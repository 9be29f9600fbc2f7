"""Read a corpus folder's gold stance labels (``stance_gold.csv`` beside the manifest).

One row per coded article × target: ``id`` (manifest id), ``target`` (a stance target id),
``stance`` (-1, 0 or 1: the author's stance, docs/stance-codebook.md) and an optional
``note``. A bad file stops the run with one line naming the file, the line and the reason,
before any article is analysed.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline.ingest.corpus import CorpusError

GOLD_FILE = "stance_gold.csv"
GOLD_COLUMNS = ("id", "target", "stance", "note")
_REQUIRED = ("id", "target", "stance")
_VALUES = {"-1": -1, "0": 0, "1": 1, "+1": 1}


class StanceGoldError(CorpusError):
    """The gold file cannot be used (a bad row stops the run: a silently dropped label would
    bias the agreement figures)."""


def gold_path(corpus: Path) -> Path | None:
    """The corpus folder's gold file, or None (a bulk file or a folder without one)."""
    path = Path(corpus) / GOLD_FILE
    return path if Path(corpus).is_dir() and path.is_file() else None


def _hint(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StanceGoldError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise StanceGoldError(f"{path}: cannot be read ({exc.strerror})") from None


def read_stance_gold(
    path: Path, article_ids: Iterable[str], target_ids: Iterable[str]
) -> pd.DataFrame:
    """The gold labels (``GOLD_COLUMNS``, ``stance`` as int); raise StanceGoldError on an
    unknown id or target, a value other than -1/0/1, a repeated article × target, a missing
    column or malformed CSV."""
    ids, targets = set(article_ids), list(target_ids)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        header = [c.strip() for c in next(reader, [])]
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise StanceGoldError(f"{path}:1: missing column(s) {', '.join(missing)}")
        col = {name: header.index(name) for name in GOLD_COLUMNS if name in header}
        rows: list[tuple[str, str, int, str]] = []
        seen: dict[tuple[str, str], int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            cells = [
                row[col[c]].strip() if col.get(c, len(row)) < len(row) else "" for c in GOLD_COLUMNS
            ]
            rows.append(_row(path, line, cells, ids, targets, seen))
    except csv.Error as exc:
        raise StanceGoldError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    return pd.DataFrame(rows, columns=list(GOLD_COLUMNS)).astype({"stance": int})


def _row(
    path: Path,
    line: int,
    cells: list[str],
    ids: set[str],
    targets: list[str],
    seen: dict[tuple[str, str], int],
) -> tuple[str, str, int, str]:
    """One checked row, or StanceGoldError naming the line and the reason."""
    article, target, value, note = cells
    if article not in ids:
        raise StanceGoldError(
            f"{path}:{line}: unknown id {article!r}: not in manifest.csv{_hint(article, ids)}"
        )
    if target not in targets:
        raise StanceGoldError(
            f"{path}:{line}: unknown target {target!r}{_hint(target, targets)}; "
            f"targets: {', '.join(targets)}"
        )
    if value not in _VALUES:
        raise StanceGoldError(f"{path}:{line}: stance {value!r} is not -1, 0 or 1")
    if (article, target) in seen:
        raise StanceGoldError(
            f"{path}:{line}: duplicate pair {article} × {target} "
            f"(first on line {seen[(article, target)]})"
        )
    seen[(article, target)] = line
    return article, target, _VALUES[value], note


def manifest_ids(corpus: Path) -> set[str]:
    """Every id the manifest lists, quarantined articles included (their gold rows are
    valid; they are left out of the figures because the run did not score them)."""
    from pipeline.ingest.corpus import read_manifest

    manifest = read_manifest(Path(corpus))
    return {a.id for a in manifest.articles} | {q.article_id for q in manifest.quarantined}


def corpus_stance_gold(corpus: Path, target_ids: Iterable[str]) -> pd.DataFrame | None:
    """The corpus folder's checked gold labels, or None when it has no ``stance_gold.csv``."""
    path = gold_path(corpus)
    if path is None:
        return None
    return read_stance_gold(path, manifest_ids(corpus), target_ids)
