"""Read the tables that grow with the corpus a chunk at a time, keeping only what the page
lists (capped rows) and running counts, so memory stays flat from ten to a million articles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.report.runinfo import distinct
from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import iter_table

# Rows of the long tables; the page points to the CSV that has them all.
MAX_ARTICLE_ROWS = 2_000
MAX_VALIDATION_ROWS = 2_000


def id_hashes(ids: pd.Series) -> np.ndarray:
    """A 64-bit hash per id: what is kept of every article, instead of its row."""
    return pd.util.hash_pandas_object(ids, index=False).to_numpy()


def member(values: pd.Series, of: Iterable[str]) -> np.ndarray:
    """``values.isin(of)`` as a boolean array; through Arrow for Arrow strings, for which
    pandas converts ``of`` value by value on every call (once per chunk, thousands of ids)."""
    items = list(of)
    if items and isinstance(values.array, pd.arrays.ArrowStringArray):
        arr = pa.array(values)
        found = pc.is_in(arr, value_set=pa.array(items, type=arr.type))
        return found.to_numpy(zero_copy_only=False).astype(bool)
    return values.isin(items).to_numpy(dtype=bool)


def first_seen(into: dict[str, None], values: pd.Series) -> None:
    into.update(dict.fromkeys(pd.unique(values)))


def seen(name: str, values: Iterable[str]) -> pd.DataFrame:
    """A one-column table of values in first-seen order, for ``frame_order``/``source_order``."""
    return pd.DataFrame({name: list(values)}, dtype=object)


@dataclass
class Passages:
    """The passages the page shows, read a chunk at a time: per source × frame the first
    ``limit`` in (article id, offset) order, and per cell how many there are."""

    rows: pd.DataFrame
    counts: dict[tuple[str, str], int]
    n: int
    sources: list[str]
    frames: list[str]


def scan_passages(run_dir: Path, limit: int, chunksize: int | None = None) -> Passages:
    """Stream ``data/passages.csv`` (a sample per source × frame), keeping at most ``limit``
    rows per cell."""
    kept: pd.DataFrame | None = None
    totals: Counter[tuple[str, str]] = Counter()
    sources: dict[str, None] = {}
    frames: dict[str, None] = {}
    n = 0
    for chunk in iter_table(run_dir, "passages", columns("passages"), chunksize):
        n += len(chunk)
        first_seen(sources, chunk["source"])
        first_seen(frames, chunk["frame"])
        for key, size in chunk.groupby(["source", "frame"], sort=False).size().items():
            totals[cast(tuple[str, str], key)] += int(size)
        pool = chunk if kept is None else pd.concat([kept, chunk], ignore_index=True)
        pool = pool.sort_values(["article_id", "char_start", "frame"], kind="stable")
        kept = pool.groupby(["source", "frame"], sort=False).head(limit)
    rows = kept if kept is not None else pd.DataFrame(columns=columns("hits"))
    return Passages(rows, {k: int(t) for k, t in totals.items()}, n, list(sources), list(frames))


ARTICLE_SHOWN = ["article_id", "source", "published", "frame", "per_1k", "hits", "tokens",
                 "low_evidence"]  # fmt: skip
CORPUS_SHOWN = ["article_id", "source", "title", "author", "published", "url", "perspective",
                "tokens", "removed_lines"]  # fmt: skip
RANK = ["low", "hits", "tokens", "at"]


@dataclass
class ArticleIndex:
    """The articles the page lists (their ids, rows and metadata), how many there are, and the
    sources and frames of corpus.csv and articles.csv in first-seen order."""

    ids: list[str]
    total: int
    corpus_sources: list[str]
    article_sources: list[str]
    article_frames: list[str]
    rows: pd.DataFrame
    meta: pd.DataFrame


class Best:
    """The ``limit`` articles with the most evidence seen so far, with their rows.

    An entry is a run of consecutive rows of one article (articles.csv keeps an article's
    frames together), ranked by: not low evidence, most counted hits, most tokens, first row.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.keys = pd.DataFrame({"id": pd.Series(dtype=object), "h": pd.Series(dtype="uint64"),
                                  "low": pd.Series(dtype=bool), "hits": pd.Series(dtype=float),
                                  "tokens": pd.Series(dtype=float),
                                  "at": pd.Series(dtype="int64")})  # fmt: skip
        self.rows: list[pd.DataFrame] = []
        self._stored = 0

    def add(self, keys: pd.DataFrame, rows: pd.DataFrame | None = None) -> None:
        """Rank ``keys`` with the entries so far, keep the best; ``rows`` (with a ``_run``
        column: the entry's ``at``) are kept for the entries that stay."""
        pool = pd.concat([self.keys, keys], ignore_index=True) if len(self.keys) else keys
        pool = pool.sort_values(RANK, ascending=[True, False, False, True], kind="stable")
        first = ~pool["h"].duplicated()
        if first.all():
            self.keys = pool.head(self.limit)
        else:  # an article in two runs counts once
            rank = first.cumsum().groupby(pool["h"].to_numpy()).transform("first")
            self.keys = pool[rank.to_numpy() <= self.limit]
        if rows is not None and len(rows):
            rows = rows[rows["_run"].isin(self.keys["at"])]
            self.rows.append(rows)
            self._stored += len(rows)
        if self._stored > 4 * len(self.keys) + 10_000:
            self.rows = [self._kept()]
            self._stored = len(self.rows[0])

    def _kept(self) -> pd.DataFrame:
        rows = pd.concat(self.rows, ignore_index=True)
        return rows[rows["_run"].isin(self.keys["at"])]

    def result(self) -> tuple[list[str], pd.DataFrame]:
        """The ids, best first, and their rows in file order."""
        rows = self._kept().sort_values("_at", kind="stable") if self.rows else pd.DataFrame()
        return list(dict.fromkeys(self.keys["id"])), rows


def article_runs(chunk: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Per run of consecutive rows of one article: id, hash, rank keys and first row (``at``);
    and, per row, the ``at`` of its run."""
    ids = chunk["article_id"]
    start = ids.ne(ids.shift()).to_numpy()
    starts = np.flatnonzero(start)
    run = np.cumsum(start) - 1
    at = chunk["_at"].to_numpy()
    tokens = pd.Series(chunk["tokens"].to_numpy()).groupby(run).first().to_numpy()
    keys = pd.DataFrame(
        {
            "id": ids.to_numpy()[starts],
            "h": id_hashes(ids.iloc[starts]),
            "low": np.logical_or.reduceat(chunk["low_evidence"].to_numpy(dtype=bool), starts),
            "hits": np.add.reduceat(np.nan_to_num(chunk["hits"].to_numpy(dtype=float)), starts),
            "tokens": tokens,
            "at": at[starts],
        }
    )
    return keys, at[starts][run]


def index_articles(
    run_dir: Path, limit: int = MAX_ARTICLE_ROWS, chunksize: int | None = None
) -> ArticleIndex:
    """Which articles the table shows, and how many there are in all.

    All of them, in corpus order, when they fit; else the ``limit`` with the most evidence
    (not low-evidence first, then most counted hits, then most tokens, then corpus order,
    which articles.csv follows). articles.csv and corpus.csv are read once, a chunk at a
    time; of every article only a 64-bit hash is kept, to count them.
    """
    best = Best(limit)
    seen = _scan_articles(run_dir, best, limit, chunksize)
    scored = seen.scored
    unscored_hashes: list[np.ndarray] = []
    corpus_sources: dict[str, None] = {}
    first_corpus: dict[str, None] = {}
    meta: list[pd.DataFrame] = []
    position = seen.count
    for chunk in iter_table(run_dir, "corpus", CORPUS_SHOWN, chunksize):
        first_seen(corpus_sources, chunk["source"])
        if len(first_corpus) <= limit:
            first_seen(first_corpus, chunk["article_id"])
        h = id_hashes(chunk["article_id"])
        found = np.searchsorted(scored, h).clip(max=max(len(scored) - 1, 0))
        unscored = (scored[found] != h) if len(scored) else np.ones(len(h), dtype=bool)
        if unscored.any():  # in corpus.csv only: no evidence, after the scored articles
            unscored_hashes.append(h[unscored])
            extra = pd.DataFrame({"id": chunk["article_id"].to_numpy()[unscored],
                                  "h": h[unscored], "low": False, "hits": 0.0, "tokens": 0.0,
                                  "at": position + np.flatnonzero(unscored)})  # fmt: skip
            best.add(extra.drop_duplicates("h"))
        position += len(chunk)
        meta.append(chunk[pd.Index(h).isin(best.keys["h"])])
    total = len(scored) + len(distinct(unscored_hashes))
    ids, rows = best.result()
    if total <= limit:
        ids = list({**first_corpus, **dict.fromkeys(seen.first_articles)})
    chosen = set(ids)
    meta_df = pd.concat(meta, ignore_index=True) if meta else pd.DataFrame(columns=CORPUS_SHOWN)
    if not len(rows):
        rows = pd.DataFrame(columns=ARTICLE_SHOWN)
    return ArticleIndex(
        ids,
        total,
        list(corpus_sources),
        list(seen.sources),
        list(seen.frames),
        rows[rows["article_id"].isin(chosen)],
        meta_df[meta_df["article_id"].isin(chosen)],
    )


@dataclass
class _ArticlesSeen:
    """What a pass over articles.csv found: sources, frames and (up to the limit) article ids
    in first-seen order, the sorted hashes of the scored articles, and its row count."""

    sources: dict[str, None]
    frames: dict[str, None]
    first_articles: dict[str, None]
    scored: np.ndarray
    count: int


def _scan_articles(run_dir: Path, best: Best, limit: int, chunksize: int | None) -> _ArticlesSeen:
    """Read articles.csv a chunk at a time into ``best``; an article's rows that a chunk cuts
    are carried into the next one."""
    sources: dict[str, None] = {}
    frames: dict[str, None] = {}
    first_articles: dict[str, None] = {}
    hashes: list[np.ndarray] = []
    carry: pd.DataFrame | None = None
    at = 0
    for chunk in iter_table(run_dir, "articles", ARTICLE_SHOWN, chunksize):
        if chunk.empty:  # a run whose every article was quarantined
            continue
        first_seen(sources, chunk["source"])
        first_seen(frames, chunk["frame"])
        if len(first_articles) <= limit:
            first_seen(first_articles, chunk["article_id"])
        chunk = chunk.assign(_at=np.arange(at, at + len(chunk)))
        at += len(chunk)
        if carry is not None:
            chunk = pd.concat([carry, chunk], ignore_index=True)
        keys, runs = article_runs(chunk)
        chunk["_run"] = runs
        last = keys["at"].iloc[-1]  # the last article may go on in the next chunk
        carry = chunk[runs == last].drop(columns="_run")
        done = keys.iloc[:-1]
        hashes.append(done["h"].to_numpy())
        best.add(done, chunk[runs != last])
    if carry is not None:
        keys, carry["_run"] = article_runs(carry)
        hashes.append(keys["h"].to_numpy())
        best.add(keys, carry)
    return _ArticlesSeen(sources, frames, first_articles, distinct(hashes), at)


def scan_validation(
    run_dir: Path, chunksize: int | None = None, limit: int | None = None
) -> tuple[int, int, int, pd.DataFrame]:
    """validation.csv read a chunk at a time: its rows, decided rows (enough evidence),
    decided rows that match, and the first ``limit`` rows with mismatches first, then
    matches, then the undecided (each in file order)."""
    limit = MAX_VALIDATION_ROWS if limit is None else limit
    n = n_decided = matched = 0
    buckets: dict[int, list[pd.DataFrame]] = {0: [], 1: [], 2: []}
    room = dict.fromkeys(buckets, limit)
    for v in iter_table(run_dir, "validation", columns("validation"), chunksize):
        n += len(v)
        match = v["match"].str.strip().str.lower()
        decided = v["evidence"].str.strip().str.lower() == "ok"
        n_decided += int(decided.sum())
        matched += int((decided & (match == "true")).sum())
        rank = match.map({"false": 0, "true": 1}).fillna(2)
        for k, part in v.groupby(rank, sort=False):
            if room[int(k)] > 0:
                buckets[int(k)].append(part.head(room[int(k)]))
                room[int(k)] -= len(buckets[int(k)][-1])
    parts = [p for k in sorted(buckets) for p in buckets[k]]
    first = pd.concat(parts, ignore_index=True).head(limit) if parts else pd.DataFrame()
    return n, n_decided, matched, first
