"""The tables a chart reads, read once per run folder; the per-article table only as the fixed
sample of articles the charts plot. Source × frame matrices of sources.csv."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report.charts.fonts import display_label
from pipeline.report.labels import group_names, name_of, target_names
from pipeline.report.runinfo import (
    MAX_POINTS,
    distinct,
    frame_labels,
    frame_order,
    low_evidence_sources,
    read_run,
    source_order,
)
from pipeline.runfolder.cells import display_frame, display_name
from pipeline.runfolder.tables import empty_table, has_table, iter_table, read_table

LOW_EVIDENCE = "low evidence"


@dataclass
class ArticlePoints:
    """What the charts need of ``data/articles.csv``, read in chunks: the rated rows of at most
    ``MAX_POINTS`` articles (the same ones ``sample_ids`` picks), their number, and the sources
    and frames in first-seen order."""

    rows: pd.DataFrame
    n: int
    sources: list[str]
    frames: list[str]


def article_points(
    run_dir: Path, limit: int | None = None, chunksize: int | None = None
) -> ArticlePoints:
    """Stream ``data/articles.csv`` keeping only the rows of the ``limit`` articles with the
    smallest id hashes (all of them when they fit), so memory does not grow with the corpus."""
    limit = MAX_POINTS if limit is None else limit
    columns = ["article_id", "source", "frame", "per_1k"]
    kept: pd.DataFrame | None = None
    seen: list[np.ndarray] = []
    sources: dict[str, None] = {}
    frames: dict[str, None] = {}
    for chunk in iter_table(run_dir, "articles", columns, chunksize):
        sources.update(dict.fromkeys(pd.unique(chunk["source"])))
        frames.update(dict.fromkeys(pd.unique(chunk["frame"])))
        rated = chunk.dropna(subset=["per_1k"])
        h = pd.util.hash_pandas_object(rated["article_id"], index=False).to_numpy()
        seen.append(h)
        pool = rated.assign(_hash=h)
        if kept is not None:
            pool = pd.concat([kept, pool], ignore_index=True)
        ids = pd.unique(pool["_hash"].to_numpy())
        if len(ids) > limit:
            pool = pool[pool["_hash"] <= np.partition(ids, limit - 1)[limit - 1]]
        kept = pool
    n = len(distinct(seen))
    rows = kept.drop(columns="_hash").reset_index(drop=True) if kept is not None else None
    return ArticlePoints(
        display_frame(rows) if rows is not None else empty_table("articles", columns),
        n,
        list(sources),
        list(frames),
    )


def _articles(sources: pd.DataFrame) -> dict[str, int]:
    """Articles per source, as sources.csv gives them (its rows repeat them per frame)."""
    if sources.empty or "articles" not in sources.columns:
        return {}
    first = sources.drop_duplicates("source")
    counts = pd.to_numeric(first["articles"], errors="coerce")
    return {str(s): int(n) for s, n in zip(first["source"], counts, strict=True) if n == n}


class ChartData:
    """A run folder's tables, read once; the optional ones only when a chart asks. Of the
    tables that grow with the corpus only what the charts show is kept (``ArticlePoints``)."""

    def __init__(self, run_dir: Path, run: dict[str, Any] | None = None) -> None:
        self.dir = Path(run_dir)
        self.run = read_run(run_dir) if run is None else run
        self.sources = display_frame(read_table(run_dir, "sources"))
        self.points = article_points(run_dir)
        self.terms = display_frame(read_table(run_dir, "terms"))
        lexicon = read_table(run_dir, "lexicon")
        seen_frames = pd.DataFrame({"frame": self.points.frames}, dtype=object)
        seen_sources = pd.DataFrame(
            {"source": [display_name(s) for s in self.points.sources]}, dtype=object
        )
        self.frames = frame_order(self.run, lexicon, self.sources, seen_frames, self.terms)
        self.labels = frame_labels(self.run, lexicon, self.frames)
        self.names = source_order(self.sources, seen_sources, self.terms)
        self.low = low_evidence_sources(self.sources)
        self.articles = _articles(self.sources)
        self.targets = target_names(self.run)
        self.groups = group_names(self.run)
        self._tables: dict[str, pd.DataFrame] = {}

    def has(self, name: str) -> bool:
        return has_table(self.dir, name)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = display_frame(read_table(self.dir, name))
        return self._tables[name]

    def label(self, frame: str) -> str:
        return self.labels.get(frame, frame)

    def target(self, target: str) -> str:
        """A stance target's display name (the lexicon's English label, else its id)."""
        return name_of(self.targets, target).short

    def group(self, group: str) -> str:
        """An actor group's display name."""
        return name_of(self.groups, group).short

    def src_label(self, source: str, width: int = 24, lines: int = 3, count: bool = True) -> str:
        """A source's tick label, with its number of articles (``count``) and, for a
        low-evidence source, a note saying so, on a line of their own."""
        text = display_label(source, width, lines)
        notes = []
        n = self.articles.get(source) if count else None
        if n is not None:
            notes.append(f"n = {n} article{'' if n == 1 else 's'}")
        if source in self.low:
            notes.append(LOW_EVIDENCE)
        return f"{text}\n({', '.join(notes)})" if notes else text


def matrix(d: ChartData, column: str) -> pd.DataFrame:
    """Source × frame table of one sources.csv column (NaN where absent)."""
    if d.sources.empty:
        return pd.DataFrame(index=d.names, columns=d.frames, dtype=float)
    m = d.sources.pivot_table(index="source", columns="frame", values=column, aggfunc="first")
    return m.reindex(index=d.names, columns=d.frames).astype(float)


def shares_matrix(d: ChartData) -> pd.DataFrame:
    """Shares (0–1) per source × frame; NaN for low-evidence sources, whatever the file says."""
    share = matrix(d, "share")
    if share.size and np.nanmax(share.to_numpy(dtype=float), initial=0) > 1.5:
        share = share / 100  # tolerate percentages
    if d.low and share.size:
        share.loc[[s for s in share.index if s in d.low]] = np.nan
    return share
