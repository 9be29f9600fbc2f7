"""What a run folder says about itself: run.json, its frames and sources in order, which
sources have too little evidence, and a fixed sample of article ids.

Shared by the charts and the dashboard, so it imports neither matplotlib nor seaborn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.runfolder.cells import display_name

UNIT = "matches per 1,000 content tokens"
MAX_POINTS = 5_000  # articles plotted one point each: a deterministic sample beyond this


def read_run(run_dir: Path) -> dict[str, Any]:
    """Read ``run.json`` (an empty dict when missing)."""
    path = Path(run_dir) / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def frame_order(run: dict[str, Any], *tables: pd.DataFrame) -> list[str]:
    """Frame ids in lexicon order (run.json, then lexicon.csv, then any other table)."""
    seen: dict[str, None] = {}
    for lex in run.get("lexicons") or []:
        if isinstance(lex, dict) and lex.get("frame"):
            seen.setdefault(str(lex["frame"]), None)
    for df in tables:
        if "frame" in df.columns and len(df):
            for f in pd.unique(df["frame"]):
                if f:
                    seen.setdefault(str(f), None)
    return list(seen)


def frame_labels(
    run: dict[str, Any], lexicon: pd.DataFrame, frames: Iterable[str]
) -> dict[str, str]:
    """Display label per frame id: run.json's, else lexicon.csv's, else the id itself."""
    labels: dict[str, str] = {}
    for lex in run.get("lexicons") or []:
        if isinstance(lex, dict) and lex.get("frame") and lex.get("label"):
            labels.setdefault(str(lex["frame"]), str(lex["label"]))
    if len(lexicon):
        for f, lab in zip(lexicon["frame"], lexicon["label"], strict=True):
            if f and lab:
                labels.setdefault(f, lab)
    return {f: display_name(labels.get(f, f)) for f in frames}


def source_order(*tables: pd.DataFrame) -> list[str]:
    """Source names in first-seen order across the tables."""
    seen: dict[str, None] = {}
    for df in tables:
        if "source" in df.columns and len(df):
            for s in pd.unique(df["source"]):
                seen.setdefault(str(s), None)
    return list(seen)


def low_evidence_sources(sources: pd.DataFrame) -> set[str]:
    """Sources that sources.csv flags as low evidence (no share is given for them)."""
    if sources.empty or "low_evidence" not in sources.columns:
        return set()
    return set(sources.loc[sources["low_evidence"].astype(bool), "source"].astype(str))


def sample_ids(ids: Iterable[str], limit: int = MAX_POINTS) -> set[str]:
    """At most ``limit`` ids, chosen by a fixed hash of each id (same ids whatever the order)."""
    unique = pd.Series(pd.unique(pd.Series(list(ids), dtype=object)), dtype=object)
    if len(unique) <= limit:
        return set(unique)
    h = pd.util.hash_pandas_object(unique, index=False).to_numpy()
    return set(unique.to_numpy()[np.argsort(h, kind="stable")[:limit]])


def distinct(parts: list[np.ndarray]) -> np.ndarray:
    """The distinct values of some arrays, sorted (in place of a hash table: 8 bytes a value)."""
    if not parts:
        return np.array([], dtype="uint64")
    values = np.concatenate(parts)
    values.sort()
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]
