"""Render a run folder as one self-contained HTML page (``dashboard.html``).

The page works offline from disk: charts are embedded as data URIs, CSS and JS are inline, and
a Content-Security-Policy forbids every network request. Jinja2 autoescapes all data; the
template only ever puts data into text, attribute values or ``|tojson``. Element ids and
``data-*`` hooks use row/column indices, never names from the data.

The tables that grow with the corpus (articles, corpus, hits, removed, validation) are read a
chunk at a time, keeping only the capped rows the page lists and running counts, so memory
stays flat from ten to a million articles; the same run folder always gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from markupsafe import Markup

from pipeline.report.charts import (
    COLUMNS,
    UNIT,
    distinct,
    frame_labels,
    frame_order,
    has_table,
    iter_table,
    low_evidence_sources,
    read_notes,
    read_run,
    read_table,
    source_order,
)
from pipeline.runfolder.cells import display_all

TEMPLATES = Path(__file__).parent / "templates"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Passages listed per source × frame; beyond this the page says how many were left out (the
# full list is in data/hits.csv), so a large corpus cannot make the page unusably heavy.
# Passages come from data/passages.csv (a sample per cell) when the run has it.
MAX_PASSAGES_PER_CELL = 400
# Rows of the long tables; the page points to the CSV that has them all.
MAX_ARTICLE_ROWS = 2_000
MAX_DIFFERENCE_ROWS = 5_000
MAX_VALIDATION_ROWS = 2_000
MAX_REMOVED_ROWS = 2_000
# Differences in words, per frame: this many reliable ones shown, the rest folded away.
SHOWN_DIFFERENCES = 10
MAX_DIFFERENCE_SENTENCES = 300
ALPHA = 0.05
SECTIONS = (
    ("summary", "Summary"),
    ("comparison", "Comparison"),
    ("differences", "Differences"),
    ("charts", "Charts"),
    ("validation", "Validation"),
    ("articles", "Articles"),
    ("passages", "Passages"),
    ("terms", "Terms"),
    ("lexicons", "Lexicons"),
    ("cleaning", "Cleaning"),
    ("quarantine", "Quarantine"),
    ("run", "Run metadata"),
)


def _num(v: Any) -> float | None:
    """A finite float, or None for missing / NaN values."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def fmt_rate(v: Any) -> str:
    """A rate with two decimals; an en dash when missing."""
    f = _num(v)
    return "–" if f is None else f"{f:.2f}"


def fmt_int(v: Any) -> str:
    """A count with thousands separators; an en dash when missing."""
    f = _num(v)
    return "–" if f is None else f"{round(f):,}"


def fmt_pct(v: Any) -> str:
    """A 0–1 share as a whole percentage; an en dash when missing."""
    f = _num(v)
    return "–" if f is None else f"{f * 100:.0f}%"


def fmt_ci(low: Any, high: Any) -> str:
    """An interval as ``low–high``; an en dash when either end is missing."""
    lo, hi = _num(low), _num(high)
    return "–" if lo is None or hi is None else f"{lo:.2f}–{hi:.2f}"


def count_of(n: Any, word: str, plural: str | None = None) -> str:
    """``1 hit`` / ``3 hits``: a formatted count with its noun."""
    f = _num(n)
    noun = word if f == 1 else (plural or f"{word}s")
    return f"{fmt_int(n)} {noun}"


def fmt_p(v: Any) -> str:
    """A p-value as "p = 0.41", "p = 0.002" or "p < 0.001"; an en dash when missing."""
    f = _num(v)
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
    f = _num(v)
    if f is None:
        return "–"
    return f"{f:+.{digits}f}".replace("-", "−")


def _key(v: Any) -> str:
    """The ``data-sort`` value of a numeric cell ("" sorts last)."""
    f = _num(v)
    return "" if f is None else repr(f)


def _overlap(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool | None:
    lo_a, hi_a, lo_b, hi_b = (_num(x) for x in (*a, *b))
    if None in (lo_a, hi_a, lo_b, hi_b):
        return None
    return not (hi_b < lo_a or hi_a < lo_b)  # type: ignore[operator]


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.to_dict("records") if len(df) else []


# --- context ----------------------------------------------------------------------------------


def _summary_and_cells(
    sources: pd.DataFrame,
    groups: dict[tuple[str, str], dict[str, Any]],
    names: list[str],
    frames: list[str],
    labels: dict[str, str],
    low: set[str],
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Per source: the plain-words summary, and the comparison row of cells.

    A low-evidence source never gets a share (whatever sources.csv says): with a handful of
    tokens or matches one frame would read as 100%.
    """
    by_cell = {(r["source"], r["frame"]): r for r in _records(sources)}
    top = max((_num(r["per_1k"]) or 0.0 for r in by_cell.values()), default=0.0) or 1.0
    summary, rows = [], []
    for s in names:
        is_low = s in low
        cells = []
        stats = []
        for j, f in enumerate(frames):
            r = by_cell.get((s, f), {})
            rate = _num(r.get("per_1k"))
            g = groups.get((s, f))
            n = g["total"] if g else 0
            cells.append(
                {
                    "frame": labels[f],
                    "rate": fmt_rate(rate),
                    "rate_key": _key(rate),
                    "ci": fmt_ci(r.get("ci_low"), r.get("ci_high")),
                    "share": "no share" if is_low else fmt_pct(r.get("share")),
                    "hits": count_of(r.get("hits"), "hit"),
                    "passages": n,
                    "target": g["id"] if g else None,
                    "shade": f"{(rate or 0.0) / top:.3f}",
                    "lead": False,
                }
            )
            stats.append((rate or 0.0, j, r))
        first = next((r for r in by_cell.values() if r["source"] == s), {})
        ranked = sorted(stats, key=lambda x: -x[0])
        item: dict[str, Any] = {
            "name": s,
            "low": is_low,
            "articles": _num(first.get("articles")),
            "tokens": fmt_int(first.get("tokens")),
            "leads": [],
            "runner": None,
            "overlap": None,
        }
        if ranked and ranked[0][0] > 0:
            best = ranked[0][0]
            leaders = [x for x in ranked if x[0] == best]
            for _, j, _r in leaders:
                cells[j]["lead"] = True
            item["leads"] = [
                {
                    "label": labels[frames[j]],
                    "rate": fmt_rate(r.get("per_1k")),
                    "ci": fmt_ci(r.get("ci_low"), r.get("ci_high")),
                    "share": "–" if is_low else fmt_pct(r.get("share")),
                    "target": cells[j]["target"],
                }
                for _, j, r in leaders
            ]
            rest = [x for x in ranked if x[0] < best]
            if rest and rest[0][0] > 0:
                _, j2, r2 = rest[0]
                _, _, r1 = leaders[0]
                item["runner"] = {
                    "label": labels[frames[j2]],
                    "rate": fmt_rate(r2.get("per_1k")),
                    "ci": fmt_ci(r2.get("ci_low"), r2.get("ci_high")),
                }
                item["overlap"] = _overlap(
                    (r1.get("ci_low"), r1.get("ci_high")), (r2.get("ci_low"), r2.get("ci_high"))
                )
        summary.append(item)
        rows.append(cells)
    return summary, rows


def _hashes(ids: pd.Series) -> np.ndarray:
    """A 64-bit hash per id: what is kept of every article, instead of its row."""
    return pd.util.hash_pandas_object(ids, index=False).to_numpy()


def _member(values: pd.Series, of: Iterable[str]) -> np.ndarray:
    """``values.isin(of)`` as a boolean array; through Arrow for Arrow strings, for which
    pandas converts ``of`` value by value on every call (once per chunk, thousands of ids)."""
    items = list(of)
    if items and isinstance(values.array, pd.arrays.ArrowStringArray):
        arr = pa.array(values)
        found = pc.is_in(arr, value_set=pa.array(items, type=arr.type))
        return found.to_numpy(zero_copy_only=False).astype(bool)
    return values.isin(items).to_numpy(dtype=bool)


def _first_seen(into: dict[str, None], values: pd.Series) -> None:
    into.update(dict.fromkeys(pd.unique(values)))


def _seen(name: str, values: Iterable[str]) -> pd.DataFrame:
    """A one-column table of values in first-seen order, for ``frame_order``/``source_order``."""
    return pd.DataFrame({name: list(values)}, dtype=object)


@dataclass
class _Passages:
    """The passages the page shows, read a chunk at a time: per source × frame the first
    ``limit`` in (article id, offset) order, and per cell how many there are and are counted."""

    rows: pd.DataFrame
    counts: dict[tuple[str, str], tuple[int, int]]
    n: int
    sources: list[str]
    frames: list[str]


def _scan_passages(run_dir: Path, name: str, limit: int, chunksize: int | None = None) -> _Passages:
    """Stream ``data/passages.csv`` (a sample per source × frame) or, in older runs,
    ``data/hits.csv`` (every match), keeping at most ``limit`` rows per cell."""
    kept: pd.DataFrame | None = None
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    sources: dict[str, None] = {}
    frames: dict[str, None] = {}
    n = 0
    for chunk in iter_table(run_dir, name, COLUMNS["hits"], chunksize):
        n += len(chunk)
        _first_seen(sources, chunk["source"])
        _first_seen(frames, chunk["frame"])
        counted = (chunk["voice"] != "quoted") & ~chunk["negated"].astype(bool)
        per_cell = chunk.assign(counted=counted).groupby(["source", "frame"], sort=False)
        counts.update(per_cell["counted"].sum().astype(int).to_dict())
        totals.update(per_cell.size().to_dict())
        pool = chunk if kept is None else pd.concat([kept, chunk], ignore_index=True)
        pool = pool.sort_values(["article_id", "char_start", "frame"], kind="stable")
        kept = pool.groupby(["source", "frame"], sort=False).head(limit)
    rows = kept if kept is not None else pd.DataFrame(columns=COLUMNS["hits"])
    cells = {k: (int(counts[k]), int(t)) for k, t in totals.items()}
    return _Passages(rows, cells, n, list(sources), list(frames))


def _passage_groups(
    passages: _Passages,
    terms: pd.DataFrame,
    names: list[str],
    frames: list[str],
    labels: dict[str, str],
    article_anchor: dict[str, str],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Matched passages grouped per source × frame, in source then frame order.

    ``total`` and ``counted`` are every match of the cell when known (terms.csv's ``all_hits``
    and ``author_hits``), so ``more`` = matches not shown here, which data/hits.csv has.
    """
    src_idx = {s: i for i, s in enumerate(names)}
    frm_idx = {f: j for j, f in enumerate(frames)}
    exact = len(terms) and "all_hits" not in terms.attrs.get("absent", ("all_hits",))
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    if exact:
        sums = terms.groupby(["source", "frame"])[["all_hits", "author_hits"]].sum()
        totals = {k: (int(v["all_hits"]), int(v["author_hits"])) for k, v in sums.iterrows()}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for (source, frame), (counted, total) in passages.counts.items():
        i, j = src_idx.get(source), frm_idx.get(frame)
        if i is None or j is None:
            continue
        groups[(source, frame)] = {
            "id": f"cell-{i}-{j}", "si": i, "fj": j, "source": names[i],
            "frame": labels[frames[j]], "rows": [], "counted": counted, "total": total,
        }  # fmt: skip
    for r in _records(passages.rows):
        g = groups.get((r["source"], r["frame"]))
        if g is None:
            continue
        negated = bool(r["negated"])
        voice = "quoted" if r["voice"] == "quoted" else "author"
        g["rows"].append(
            {
                "article": r["article_id"],
                "anchor": article_anchor.get(r["article_id"]),
                "left": r["left"],
                "match": r["matched"] or r["term"],
                "right": r["right"],
                "term": r["term"],
                "category": r["category"],
                "voice": voice,
                "negated": negated,
                "counted": voice == "author" and not negated,
                "weight": fmt_rate(r["weight"]).rstrip("0").rstrip("."),
                "sentence": fmt_int(r["sentence_id"]),
            }
        )
    for key, g in groups.items():
        if key in totals:
            g["total"] = max(totals[key][0], g["total"])
            g["counted"] = totals[key][1]
        g["more"] = g["total"] - len(g["rows"])
    return dict(sorted(groups.items(), key=lambda kv: (kv[1]["si"], kv[1]["fj"])))


ARTICLE_SHOWN = ["article_id", "source", "published", "frame", "per_1k", "hits", "tokens",
                 "low_evidence"]  # fmt: skip
CORPUS_SHOWN = ["article_id", "source", "title", "author", "published", "url", "perspective",
                "tokens", "removed_lines"]  # fmt: skip
RANK = ["low", "hits", "tokens", "at"]


@dataclass
class _ArticleIndex:
    """The articles the page lists (their ids, rows and metadata), how many there are, and the
    sources and frames of corpus.csv and articles.csv in first-seen order."""

    ids: list[str]
    total: int
    corpus_sources: list[str]
    article_sources: list[str]
    article_frames: list[str]
    rows: pd.DataFrame
    meta: pd.DataFrame


class _Best:
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


def _runs(chunk: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
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
            "h": _hashes(ids.iloc[starts]),
            "low": np.logical_or.reduceat(chunk["low_evidence"].to_numpy(dtype=bool), starts),
            "hits": np.add.reduceat(np.nan_to_num(chunk["hits"].to_numpy(dtype=float)), starts),
            "tokens": tokens,
            "at": at[starts],
        }
    )
    return keys, at[starts][run]


def _index_articles(
    run_dir: Path, limit: int = MAX_ARTICLE_ROWS, chunksize: int | None = None
) -> _ArticleIndex:
    """Which articles the table shows, and how many there are in all.

    All of them, in corpus order, when they fit; else the ``limit`` with the most evidence
    (not low-evidence first, then most counted hits, then most tokens, then corpus order,
    which articles.csv follows). articles.csv and corpus.csv are read once, a chunk at a
    time; of every article only a 64-bit hash is kept, to count them.
    """
    best = _Best(limit)
    sources: dict[str, None] = {}
    frames: dict[str, None] = {}
    first_articles: dict[str, None] = {}
    hashes: list[np.ndarray] = []
    carry: pd.DataFrame | None = None
    at = 0
    for chunk in iter_table(run_dir, "articles", ARTICLE_SHOWN, chunksize):
        if chunk.empty:  # a run whose every article was quarantined
            continue
        _first_seen(sources, chunk["source"])
        _first_seen(frames, chunk["frame"])
        if len(first_articles) <= limit:
            _first_seen(first_articles, chunk["article_id"])
        chunk = chunk.assign(_at=np.arange(at, at + len(chunk)))
        at += len(chunk)
        if carry is not None:
            chunk = pd.concat([carry, chunk], ignore_index=True)
        keys, runs = _runs(chunk)
        chunk["_run"] = runs
        last = keys["at"].iloc[-1]  # the last article may go on in the next chunk
        carry = chunk[runs == last].drop(columns="_run")
        done = keys.iloc[:-1]
        hashes.append(done["h"].to_numpy())
        best.add(done, chunk[runs != last])
    if carry is not None:
        keys, carry["_run"] = _runs(carry)
        hashes.append(keys["h"].to_numpy())
        best.add(keys, carry)
    scored = distinct(hashes)
    del hashes
    unscored_hashes: list[np.ndarray] = []
    corpus_sources: dict[str, None] = {}
    first_corpus: dict[str, None] = {}
    meta: list[pd.DataFrame] = []
    position = at
    for chunk in iter_table(run_dir, "corpus", CORPUS_SHOWN, chunksize):
        _first_seen(corpus_sources, chunk["source"])
        if len(first_corpus) <= limit:
            _first_seen(first_corpus, chunk["article_id"])
        h = _hashes(chunk["article_id"])
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
        ids = list({**first_corpus, **dict.fromkeys(first_articles)})
    chosen = set(ids)
    meta_df = pd.concat(meta, ignore_index=True) if meta else pd.DataFrame(columns=CORPUS_SHOWN)
    if not len(rows):
        rows = pd.DataFrame(columns=ARTICLE_SHOWN)
    return _ArticleIndex(
        ids,
        total,
        list(corpus_sources),
        list(sources),
        list(frames),
        rows[rows["article_id"].isin(chosen)],
        meta_df[meta_df["article_id"].isin(chosen)],
    )


def _articles(
    index: _ArticleIndex, frames: list[str], labels: dict[str, str]
) -> tuple[list[dict[str, Any]], int]:
    """One row per shown article: metadata plus rate and hits per frame; and the number of
    articles in all."""
    by_art: dict[str, dict[str, dict[str, Any]]] = {}
    for r in _records(index.rows):
        by_art.setdefault(r["article_id"], {})[r["frame"]] = r
    meta = {r["article_id"]: r for r in _records(index.meta)}
    rows = []
    for k, aid in enumerate(index.ids):
        m = meta.get(aid, {})
        per = by_art.get(aid, {})
        first = next(iter(per.values()), {})
        low = any(bool(r.get("low_evidence")) for r in per.values())
        rates = [(_num(per.get(f, {}).get("per_1k")) or 0.0, f) for f in frames]
        best = max(rates, default=(0.0, ""))
        rows.append(
            {
                "anchor": f"art-{k}",
                "id": aid,
                "source": m.get("source") or first.get("source", ""),
                "title": m.get("title", ""),
                "author": m.get("author", ""),
                "published": m.get("published") or first.get("published", ""),
                "url": m.get("url", ""),
                "perspective": m.get("perspective", ""),
                "tokens": fmt_int(m.get("tokens", first.get("tokens"))),
                "tokens_key": _key(m.get("tokens", first.get("tokens"))),
                "removed": fmt_int(m.get("removed_lines")),
                "removed_key": _key(m.get("removed_lines")),
                "low": low,
                "frames": [
                    {
                        "rate": fmt_rate(per.get(f, {}).get("per_1k")),
                        "key": _key(per.get(f, {}).get("per_1k")),
                        "hits": fmt_int(per.get(f, {}).get("hits")),
                    }
                    for f in frames
                ],
                "dominant": labels[best[1]] if best[0] > 0 else "",
            }
        )
    return rows, index.total


def _lexicons(
    run: dict,
    lexicon: pd.DataFrame,
    terms: pd.DataFrame,
    frames: list[str],
    labels: dict[str, str],
) -> list[dict[str, Any]]:
    """Per frame: its file and hash, its entries, the entries that never matched at all (no
    author, quoted or negated match) and those matched only in quotes or negated."""
    meta = {str(x.get("frame")): x for x in run.get("lexicons") or [] if isinstance(x, dict)}
    other: dict[tuple[str, str], float] = {}
    if len(terms):
        sums = terms.groupby(["frame", "term"])[["quoted_hits", "negated_hits"]].sum()
        other = (sums["quoted_hits"].fillna(0) + sums["negated_hits"].fillna(0)).to_dict()
    out = []
    for j, f in enumerate(frames):
        rows = _records(lexicon[lexicon["frame"] == f]) if len(lexicon) else []
        entries = []
        for r in rows:
            author = _num(r["author_hits"]) or 0
            elsewhere = other.get((f, r["term"]), 0) or 0
            entries.append(
                {
                    "term": r["term"],
                    "category": r["category"],
                    "weight": fmt_rate(r["weight"]).rstrip("0").rstrip("."),
                    "weight_key": _key(r["weight"]),
                    "note": r["note"],
                    "lemmas": r["lemmas"],
                    "shared": r["shared"],
                    "hits": fmt_int(r["author_hits"]),
                    "hits_key": _key(r["author_hits"]),
                    "never": author == 0 and elsewhere == 0,
                    "only_other": author == 0 and elsewhere > 0,
                }
            )
        m = meta.get(f, {})
        out.append(
            {
                "j": j,
                "id": f,
                "label": labels[f],
                "file": m.get("file", ""),
                "sha256": m.get("sha256", ""),
                "count": m.get("entries", len(entries)),
                "entries": entries,
                "never": [e["term"] for e in entries if e["never"]],
                "only_other": [e["term"] for e in entries if e["only_other"]],
            }
        )
    return out


def _cleaning(
    run_dir: Path, article_ids: list[str], chunksize: int | None = None
) -> dict[str, Any]:
    """Removed lines: totals per kind, a count per article and kind, and the lines (both
    capped; data/removed.csv has them all). The articles are the listed ones, then those
    with removals in file order; data/removed.csv is read a chunk at a time."""
    shown = dict.fromkeys(article_ids)
    room = MAX_ARTICLE_ROWS - len(shown)
    more: dict[str, None] = {}  # articles with removals beyond the listed, while there is room
    others: list[np.ndarray] = []  # hashes of every such article, to count them
    totals: Counter[str] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    lines: list[pd.DataFrame] = []
    n_lines = kept = 0
    for chunk in iter_table(run_dir, "removed", COLUMNS["removed"], chunksize):
        n_lines += len(chunk)
        totals.update(chunk["kind"].value_counts().to_dict())
        if kept < MAX_REMOVED_ROWS:
            lines.append(chunk.head(MAX_REMOVED_ROWS - kept))
            kept += len(lines[-1])
        ids = pd.Series(pd.unique(chunk["article_id"]))
        new = ids[~_member(ids, shown)]
        others.append(_hashes(new))
        if len(more) < room:
            for aid in new:
                if len(more) >= room:
                    break
                more.setdefault(aid, None)
        mine = chunk[_member(chunk["article_id"], [*shown, *more])]
        counts.update(mine.groupby(["article_id", "kind"]).size().to_dict())
    kinds = sorted(totals)
    n_others = len(distinct(others))
    per_article = [
        {
            "id": aid,
            "counts": [int(counts.get((aid, k), 0)) for k in kinds],
            "total": sum(int(counts.get((aid, k), 0)) for k in kinds),
        }
        for aid in [*shown, *more][:MAX_ARTICLE_ROWS]
    ]
    removed = pd.concat(lines, ignore_index=True) if lines else pd.DataFrame()
    return {
        "kinds": kinds,
        "totals": [{"kind": k, "count": int(totals.get(k, 0))} for k in kinds],
        "articles": per_article,
        "n_articles": len(shown) + n_others,
        "lines": [
            {
                "article": r["article_id"],
                "line": fmt_int(r["line"]),
                "line_key": _key(r["line"]),
                "kind": r["kind"],
                "text": r["text"],
            }
            for r in _records(removed)
        ],
        "n_lines": n_lines,
    }


CHART_GROUPS = (
    ("rates", "Rates and shares",
     ("heatmap_per1k", "per1k_intervals", "frame_shares", "shares_ternary", "articles_per1k",
      "voices")),
    ("stance", "Stance and similarity", ("stance_map", "similarity")),
    ("time", "Where and when", ("positions", "timeline_months", "timeline_runs")),
    ("terms", "Terms", ("top_terms_", "keyness_")),
)  # fmt: skip
OPTIONAL_CHARTS = (
    ("stance", "stance map (data/stance.csv)"),
    ("similarity", "vocabulary similarity (data/similarity.csv)"),
    ("positions", "positions in the article (data/positions.csv)"),
    ("timeline", "rates per month (data/timeline.csv)"),
    ("keyness", "distinctive terms (data/keyness.csv)"),
)


def _chart_group(name: str) -> str:
    stem = name.removesuffix(".png")
    for key, _, prefixes in CHART_GROUPS:
        if any(stem == p or (p.endswith("_") and stem.startswith(p)) for p in prefixes):
            return key
    return "other"


def _charts(run_dir: Path) -> list[dict[str, Any]]:
    """Chart notes with each PNG embedded as a data URI (files that are not PNGs are skipped),
    in groups; each group keeps the order of charts.json."""
    found: dict[str, list[dict[str, str]]] = {}
    folder = run_dir / "charts"
    for name, note in read_notes(run_dir).items():
        path = folder / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if not data.startswith(PNG_MAGIC):
            continue
        found.setdefault(_chart_group(name), []).append(
            {
                "file": name,
                "title": note.title,
                "alt": note.alt,
                "guide": note.guide,
                "src": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
            }
        )
    titles = {key: title for key, title, _ in CHART_GROUPS} | {"other": "Other charts"}
    return [
        {"id": key, "title": titles[key], "charts": found[key]} for key in titles if key in found
    ]


def _differences(
    run_dir: Path, names: list[str], frames: list[str], labels: dict[str, str], low: set[str]
) -> dict[str, Any]:
    """The pairwise differences: a table (capped) and, per frame, what holds in words."""
    if not has_table(run_dir, "differences"):
        return {"available": False}
    d = read_table(run_dir, "differences")
    if "p_adjusted" in d.attrs.get("absent", ()):
        d["p_adjusted"] = d["p_value"]
    if "significant" in d.attrs.get("absent", ()):
        d["significant"] = d["p_adjusted"] < ALPHA
    d = d.assign(
        absdiff=d["diff"].abs(),
        p_sort=d["p_adjusted"].fillna(2.0),
        fj=d["frame"].map({f: j for j, f in enumerate(frames)}).fillna(len(frames)),
    )
    d = d.sort_values(
        ["significant", "p_sort", "absdiff"], ascending=[False, True, False], kind="stable"
    )
    rows, per_frame = [], {}
    for r in _records(d):
        label = labels.get(r["frame"], r["frame"])
        sig = bool(r["significant"])
        diff = _num(r["diff"]) or 0.0
        a, b, lo, hi = r["source_a"], r["source_b"], r["ci_low"], r["ci_high"]
        if diff < 0:  # say it the positive way round: who uses the frame more
            a, b, lo, hi = b, a, -(_num(hi) or math.nan), -(_num(lo) or math.nan)
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
            rows.append(
                {
                    "a": r["source_a"],
                    "b": r["source_b"],
                    "frame": label,
                    "diff": fmt_signed(r["diff"], 2),
                    "diff_key": _key(r["diff"]),
                    "ci": f"[{fmt_signed(r['ci_low'], 2).lstrip('+')}, "
                    f"{fmt_signed(r['ci_high'], 2).lstrip('+')}]",
                    "p": fmt_p(r["p_value"]).removeprefix("p = "),
                    "p_key": _key(r["p_value"]),
                    "p_adj": fmt_p(r["p_adjusted"]).removeprefix("p = "),
                    "p_adj_key": _key(r["p_adjusted"]),
                    "unit": r["unit"],
                    "significant": sig,
                    "low": words["low"],
                }
            )
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


def _label_of(labels: dict[str, str], frame: Any) -> str:
    f = "" if frame is None else str(frame)
    return labels.get(f, f) if f else "(none)"


def _scan_validation(
    run_dir: Path, chunksize: int | None = None, limit: int | None = None
) -> tuple[int, int, int, pd.DataFrame]:
    """validation.csv read a chunk at a time: its rows, decided rows (enough evidence),
    decided rows that match, and the first ``limit`` rows with mismatches first, then
    matches, then the undecided (each in file order)."""
    limit = MAX_VALIDATION_ROWS if limit is None else limit
    n = n_decided = matched = 0
    buckets: dict[int, list[pd.DataFrame]] = {0: [], 1: [], 2: []}
    room = dict.fromkeys(buckets, limit)
    for v in iter_table(run_dir, "validation", COLUMNS["validation"], chunksize):
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


def _validation(
    run_dir: Path,
    run: dict,
    frames: list[str],
    labels: dict[str, str],
    chunksize: int | None = None,
) -> dict[str, Any]:
    """The known-groups check: accuracy in words, confusion matrix, precision and recall,
    the per-article table (capped), reversal warnings, and lexicon agreement."""
    reversals = [
        str(w).removeprefix("reversal:").strip()
        for w in run.get("warnings") or []
        if str(w).startswith("reversal:")
    ]
    out: dict[str, Any] = {"reversals": reversals, "available": has_table(run_dir, "validation")}
    summary = run.get("validation") if isinstance(run.get("validation"), dict) else {}
    n, n_decided, matched, first = _scan_validation(run_dir, chunksize)
    metrics = read_table(run_dir, "validation_metrics")
    acc_rows = metrics[metrics["metric"] == "accuracy"]["value"].dropna()
    accuracy = (
        float(acc_rows.iloc[0])
        if len(acc_rows)
        else _num(summary.get("accuracy"))
        if summary
        else (matched / n_decided if n_decided else None)
    )
    out.update(
        {
            "n": n if n else int(_num(summary.get("articles")) or 0),
            "decided": n_decided,
            "matched": matched,
            "accuracy": None if accuracy is None else f"{accuracy * 100:.0f}%",
        }
    )
    # Confusion matrix: known perspective (rows) × dominant frame (columns).
    conf = read_table(run_dir, "confusion")
    keys = [f for f in frames if f in set(conf["perspective"]) | set(conf["predicted"])]
    keys += [
        f for f in pd.unique(pd.concat([conf["perspective"], conf["predicted"]])) if f not in keys
    ]
    counts = {(r["perspective"], r["predicted"]): _num(r["count"]) for r in _records(conf)}
    out["confusion"] = {
        "available": has_table(run_dir, "confusion"),
        "cols": [_label_of(labels, f) for f in keys],
        "rows": [
            {
                "label": _label_of(labels, p),
                "cells": [
                    {"n": fmt_int(counts.get((p, q), 0)), "diag": p == q, "zero": not counts.get(
                        (p, q))} for q in keys
                ],
            }
            for p in keys
            if p in set(conf["perspective"])
        ],
    }  # fmt: skip
    per_frame = []
    m = metrics[metrics["metric"] != "accuracy"]
    for f in [x for x in frames if x in set(m["frame"])] + [
        x for x in pd.unique(m["frame"]) if x not in frames
    ]:
        g = m[m["frame"] == f].set_index("metric")["value"]
        per_frame.append(
            {
                "label": _label_of(labels, f),
                "precision": fmt_pct(g.get("precision")),
                "recall": fmt_pct(g.get("recall")),
                "support": fmt_int(g.get("support")),
            }
        )
    out["metrics"] = per_frame
    rows = []
    for r in _records(first):
        match = r["match"].strip().lower()
        rows.append(
            {
                "article": r["article_id"],
                "source": r["source"],
                "perspective": _label_of(labels, r["perspective"]),
                "dominant": _label_of(labels, r["dominant"]) if r["dominant"] else "–",
                "match": "yes" if match == "true" else "no" if match == "false" else "",
                "evidence": r["evidence"],
            }
        )
    out["rows"] = rows
    agreement = read_table(run_dir, "agreement")
    out["agreement"] = {
        "available": has_table(run_dir, "agreement"),
        "rows": [
            {
                "source": r["source"],
                "a": _label_of(labels, r["frame_a"]),
                "b": _label_of(labels, r["frame_b"]),
                "articles": fmt_int(r["articles"]),
                "articles_key": _key(r["articles"]),
                "rho": "–" if _num(r["spearman"]) is None else f"{_num(r['spearman']):+.2f}",
                "rho_key": _key(r["spearman"]),
            }
            for r in _records(agreement)
        ],
    }
    return out


def _coverage(run_dir: Path, labels: dict[str, str]) -> dict[str, Any]:
    """Per frame: how many articles have at least ``min_hits`` author matches of it."""
    if not has_table(run_dir, "coverage"):
        return {"available": False, "rows": []}
    c = read_table(run_dir, "coverage")
    return {
        "available": True,
        "rows": [
            {
                "frame": _label_of(labels, r["frame"]),
                "articles": fmt_int(r["articles"]),
                "covered": fmt_int(r["covered"]),
                "share": fmt_pct(r["share"]),
                "share_key": _key(r["share"]),
            }
            for r in _records(c)
        ],
    }


def _scalar(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def build_context(run_dir: Path) -> dict[str, Any]:
    """Everything the template shows, as plain strings, numbers and lists."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    sources = read_table(run_dir, "sources")
    passages_from = "passages" if has_table(run_dir, "passages") else "hits"
    passages = _scan_passages(run_dir, passages_from, MAX_PASSAGES_PER_CELL)
    terms = read_table(run_dir, "terms")
    lexicon = read_table(run_dir, "lexicon")
    index = _index_articles(run_dir)
    frames = frame_order(run, lexicon, sources, _seen("frame", index.article_frames), terms,
                         _seen("frame", passages.frames))  # fmt: skip
    labels = frame_labels(run, lexicon, frames)
    names = source_order(sources, _seen("source", index.corpus_sources),
                         _seen("source", index.article_sources), terms,
                         _seen("source", passages.sources))  # fmt: skip
    low = low_evidence_sources(sources)
    article_rows, n_articles = _articles(index, frames, labels)
    anchors = {a["id"]: a["anchor"] for a in article_rows}
    groups = _passage_groups(passages, terms, names, frames, labels, anchors)
    summary, cells = _summary_and_cells(sources, groups, names, frames, labels, low)
    missing = [
        f"data/{n}.csv"
        for n in ("sources", "articles", "hits", "terms", "corpus", "removed", "lexicon")
        if not (run_dir / "data" / f"{n}.csv").is_file()
    ]
    exact = len(terms) and "all_hits" not in terms.attrs.get("absent", ("all_hits",))
    n_hits = int(terms["all_hits"].sum()) if exact else passages.n
    settings = run.get("settings") or {}
    warnings = [str(w) for w in run.get("warnings") or []]
    charts = _charts(run_dir)
    corpus_meta = run.get("corpus") or {}
    return {
        "run": run,
        "run_id": str(run.get("run_id", run_dir.name)),
        "unit": UNIT,
        "sections": SECTIONS,
        "frames": [{"id": f, "label": labels[f]} for f in frames],
        "sources": names,
        "summary": summary,
        "cells": cells,
        "low": sorted(low, key=names.index) if low else [],
        "min_tokens": _scalar(settings.get("min_tokens")),
        "min_hits": _scalar(settings.get("min_hits")),
        "coverage": _coverage(run_dir, labels),
        "differences": _differences(run_dir, names, frames, labels, low),
        "validation": _validation(run_dir, run, frames, labels),
        "chart_groups": charts,
        "charts": [c for g in charts for c in g["charts"]],
        "charts_missing": [what for name, what in OPTIONAL_CHARTS if not has_table(run_dir, name)],
        "articles": article_rows,
        "n_articles": n_articles,
        "groups": list(groups.values()),
        "passages_from": passages_from,
        "n_hits": n_hits,
        "terms": [
            {
                "source": r["source"],
                "frame": labels.get(r["frame"], r["frame"]),
                "category": r["category"],
                "term": r["term"],
                **{k: fmt_int(r[k]) for k in ("author_hits", "quoted_hits", "negated_hits")},
                **{f"{k}_key": _key(r[k]) for k in ("author_hits", "quoted_hits", "negated_hits")},
            }
            for r in _records(terms)
        ],
        "lexicons": _lexicons(run, lexicon, terms, frames, labels),
        "cleaning": _cleaning(run_dir, [a["id"] for a in article_rows]),
        "quarantined": [q for q in run.get("quarantined") or [] if isinstance(q, dict)],
        "warnings": [w for w in warnings if not w.startswith("reversal:")],
        "missing": missing,
        "corpus": {k: _scalar(v) for k, v in corpus_meta.items()},
        "tools": {k: _scalar(v) for k, v in (run.get("tools") or {}).items()},
        "settings": {k: _scalar(v) for k, v in settings.items()},
        "times": {k: _scalar(run.get(k)) for k in ("started", "finished", "duration_s")},
        "lexicons_sha256": _scalar(run.get("lexicons_sha256")),
    }


# --- rendering --------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its file extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["count_of"] = count_of
    return env


def _asset(name: str) -> Markup:
    """An inline CSS/JS file, verbatim (never a template, never data)."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{name} must not contain '</script'")
    return Markup(text)


NONCE = "{nonce}"


def render_html(run_dir: Path) -> str:
    """The dashboard page of a run folder, as a string.

    The script nonce is a hash of the page itself: no data can guess it (the data is part of
    what is hashed), and the same run folder always gives the same bytes.
    """
    env = _environment()
    template = env.get_template("dashboard.html.j2")
    page = template.render(
        **display_all(build_context(run_dir)),
        css=_asset("dashboard.css"),
        js=_asset("dashboard.js"),
        nonce=Markup(NONCE),
    )
    nonce = base64.urlsafe_b64encode(hashlib.sha256(page.encode()).digest()[:16]).decode()
    return page.replace(f"'nonce-{NONCE}'", f"'nonce-{nonce}'").replace(
        f'<script nonce="{NONCE}">', f'<script nonce="{nonce}">'
    )


def render_dashboard(run_dir: Path) -> Path:
    """Write ``run_dir/dashboard.html`` atomically (temp file + ``os.replace``); return it.

    A failure at any point leaves an existing dashboard.html untouched and no temp file.
    """
    run_dir = Path(run_dir)
    target = run_dir / "dashboard.html"
    html = render_html(run_dir)
    fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=".dashboard.", suffix=".html.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
