"""Draw a run folder's charts (PNG, seaborn) and describe each for the dashboard.

Reads only the run folder's ``data/*.csv`` and ``run.json`` (and, for the chart across runs,
the output folder's ``history.csv``); writes ``charts/*.png`` and ``charts/charts.json`` (file →
title, alt text, reading guide). Figures are built with ``matplotlib.figure.Figure`` rather
than pyplot, so no global figure state or GUI backend is touched, and every figure is drawn
inside an ``rc_context`` that sets the Japanese font. Charts whose data file is missing (an
older run) are not drawn; the dashboard says so.

Memory and time do not grow with the corpus beyond what is drawn: the per-article and
per-match tables are read a chunk at a time (``iter_table``), keeping a fixed sample of
articles. Drawing is most of a run's fixed cost, so each figure is drawn once, laid out in
inches from the fonts' metrics (not by tight_layout, which measures every tick label), and
small multiples of term bars share one axes.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import matplotlib as mpl
import matplotlib_fontja  # registers IPAexGothic with matplotlib's font manager
import numpy as np
import pandas as pd
import seaborn as sns
from fontTools.ttLib import TTFont
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from pipeline.runfolder.cells import display_frame, display_name, restore_frame

FONT_FAMILY = "IPAexGothic"
FALLBACK_FAMILY = "DejaVu Sans"
DPI = 110
UNIT = "matches per 1,000 content tokens"
TOP_TERMS = 8
CHARTS_JSON = "charts.json"
MAX_POINTS = 5_000  # articles plotted one point each: a deterministic sample beyond this
KEYNESS_PER_PAGE = 12  # sources per keyness chart; more sources make more pages
MAX_LINES = 12  # sources drawn as coloured, labelled lines; beyond, grey lines + pooled line
MAX_POINT_LABELS = 20  # sources named on the stance map; beyond, the furthest from the centre
Z_CRIT = 1.96
LOW_EVIDENCE = "low evidence"
GREY = "#8a949e"

# fmt: off
NUMERIC = {
    "articles": ("hits", "weighted", "tokens", "per_1k", "share", "quoted_hits", "negated_hits"),
    "sources": ("articles", "tokens", "hits", "per_1k", "ci_low", "ci_high", "share"),
    "hits": ("sentence_id", "char_start", "char_end", "weight"),
    "terms": ("author_hits", "quoted_hits", "negated_hits", "all_hits"),
    "corpus": ("chars", "sentences", "tokens", "removed_lines"),
    "removed": ("line",),
    "lexicon": ("weight", "author_hits"),
    "differences": ("diff", "ci_low", "ci_high", "p_value", "p_adjusted"),
    "keyness": ("count", "count_rest", "log_odds", "z"),
    "similarity": ("cosine",),
    "stance": ("pc1", "pc2", "pc1_low", "pc1_high", "pc2_low", "pc2_high", "var1", "var2"),
    "positions": ("decile", "hits", "weighted"),
    "timeline": ("articles", "tokens", "weighted", "per_1k"),
    "coverage": ("articles", "covered", "share"),
    "validation": (),
    "confusion": ("count",),
    "validation_metrics": ("value",),
    "agreement": ("articles", "spearman"),
    "history": ("articles", "tokens", "hits", "per_1k", "ci_low", "ci_high", "share"),
}
NUMERIC["passages"] = NUMERIC["hits"]
BOOLEAN = {
    "hits": ("negated",),
    "passages": ("negated",),
    "articles": ("low_evidence",),
    "sources": ("low_evidence",),
    "differences": ("significant",),
}
COLUMNS = {
    "articles": ("article_id", "source", "published", "frame", *NUMERIC["articles"],
                 "low_evidence"),
    "sources": ("source", "frame", *NUMERIC["sources"], "low_evidence"),
    "hits": (
        "article_id", "source", "frame", "category", "term", "matched", "sentence_id",
        "char_start", "char_end", "voice", "negated", "weight", "left", "right",
    ),
    "terms": ("source", "frame", "category", "term", *NUMERIC["terms"]),
    "corpus": (
        "article_id", "source", "title", "author", "published", "url", "language", "perspective",
        "encoding", "chars", "sentences", "tokens", "removed_lines",
    ),
    "removed": ("article_id", "line", "kind", "text"),
    "lexicon": (
        "frame", "label", "term", "category", "weight", "note", "lemmas", "shared", "author_hits",
    ),
    "differences": ("source_a", "source_b", "frame", "diff", "ci_low", "ci_high", "p_value",
                    "p_adjusted", "unit", "significant"),
    "keyness": ("source", "frame", "term", *NUMERIC["keyness"]),
    "similarity": ("source_a", "source_b", "cosine"),
    "stance": ("source", *NUMERIC["stance"]),
    "positions": ("source", "frame", *NUMERIC["positions"]),
    "timeline": ("source", "month", "frame", *NUMERIC["timeline"]),
    "coverage": ("frame", *NUMERIC["coverage"]),
    "validation": ("article_id", "source", "perspective", "dominant", "match", "evidence"),
    "confusion": ("perspective", "predicted", "count"),
    "validation_metrics": ("metric", "frame", "value"),
    "agreement": ("source", "frame_a", "frame_b", *NUMERIC["agreement"]),
    "history": ("run_id", "finished", "lexicons_sha256", "source", "frame",
                *NUMERIC["history"]),
}
COLUMNS["passages"] = COLUMNS["hits"]
# fmt: on


@dataclass(frozen=True)
class ChartNote:
    """What the dashboard shows beside a chart."""

    title: str
    alt: str
    guide: str


# --- reading a run folder -------------------------------------------------------------------


def table_path(run_dir: Path, name: str) -> Path:
    """Where a table lives: ``data/<name>.csv``, except the output folder's ``history.csv``."""
    if name == "history":
        return Path(run_dir).parent.parent / "history.csv"
    return Path(run_dir) / "data" / f"{name}.csv"


def has_table(run_dir: Path, name: str) -> bool:
    """Whether the run folder has this table (an older run may not)."""
    return table_path(run_dir, name).is_file()


def _empty(name: str) -> pd.DataFrame:
    num = set(NUMERIC.get(name, ()))
    boolean = set(BOOLEAN.get(name, ()))
    return pd.DataFrame(
        {
            c: pd.Series(dtype=float if c in num else bool if c in boolean else object)
            for c in COLUMNS.get(name, ())
        }
    )


def _header(path: Path) -> list[str] | None:
    """The CSV's column names; None when the file is missing or empty."""
    if not path.is_file():
        return None
    try:
        return list(pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8").columns)
    except pd.errors.EmptyDataError:
        return None


def _finish(df: pd.DataFrame, name: str, wanted: Iterable[str]) -> pd.DataFrame:
    """Add the ``wanted`` columns the file lacks (empty), parse the booleans, note the absent."""
    numeric = set(NUMERIC.get(name, ()))
    absent = [c for c in wanted if c not in df.columns]
    for col in absent:
        df[col] = np.nan if col in numeric else ""
    for col in BOOLEAN.get(name, ()):
        if col in df.columns:
            df[col] = df[col].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    df.attrs["absent"] = tuple(absent)
    return display_frame(restore_frame(df))


def _csv_options(name: str, header: list[str], usecols: list[str] | None) -> dict[str, object]:
    numeric = set(NUMERIC.get(name, ()))
    cols = header if usecols is None else usecols
    return {
        "usecols": usecols,
        "dtype": {c: ("float64" if c in numeric else str) for c in cols},
        "keep_default_na": False,
        "na_values": {c: ["", "nan", "NaN"] for c in cols if c in numeric},
        "encoding": "utf-8",
    }


def _as_numbers(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Numeric columns of a table read as text, converted one by one (a stray non-number
    becomes NaN rather than failing the whole table)."""
    for col in set(NUMERIC.get(name, ())) & set(df.columns):
        df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="coerce").astype(float)
    return df


def read_table(run_dir: Path, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Read ``data/<name>.csv`` with text kept as text (a source called "NA" stays "NA").

    Numbers and ``true``/``false`` columns of the contract are converted; a missing file reads
    as an empty table with the contract's columns, so a partial run still renders. Columns the
    file lacks are added empty and listed in ``df.attrs["absent"]``. ``columns`` reads only
    those (for the tables that grow with the corpus, see ``iter_table``).
    """
    path = table_path(run_dir, name)
    header = _header(path)
    wanted = list(columns) if columns is not None else list(COLUMNS.get(name, ()))
    if header is None:
        df = _empty(name)
        df = df[[c for c in wanted if c in df.columns]] if columns is not None else df
        df.attrs["absent"] = tuple(df.columns)
        return df
    usecols = None if columns is None else [c for c in header if c in set(wanted)]
    try:  # fast path: the C parser converts numbers itself
        df = pd.read_csv(path, **_csv_options(name, header, usecols))
    except (ValueError, TypeError):  # a stray non-number: convert column by column
        df = pd.read_csv(path, usecols=usecols, dtype=str, keep_default_na=False, encoding="utf-8")
        df = _as_numbers(df, name)
    return _finish(df, name, wanted)


CHUNK_ROWS = 50_000  # at most this many rows in memory at once
CHUNK_BYTES = 2_000_000  # about this much of the file at once (tables of long texts)


def _chunk_rows(path: Path) -> int:
    """Rows per chunk: ``CHUNK_BYTES`` of the file by its first lines' length, at most
    ``CHUNK_ROWS``. A pandas chunk takes many times its size in the file while it is parsed."""
    with open(path, "rb") as fh:
        head = fh.read(65_536)
    per_row = len(head) / max(head.count(b"\n"), 1)
    return int(max(1, min(CHUNK_ROWS, CHUNK_BYTES // max(per_row, 1.0))))


def iter_table(
    run_dir: Path, name: str, columns: Iterable[str], chunksize: int | None = None
) -> Iterator[pd.DataFrame]:
    """``data/<name>.csv`` in chunks of ``chunksize`` rows (default: see ``_chunk_rows``), only
    ``columns``, converted as ``read_table`` does: for the tables that grow with the corpus
    (articles, hits, corpus, removed, validation), so memory stays bounded by a chunk.

    A missing or empty file yields one empty chunk with those columns.
    """
    path = table_path(run_dir, name)
    header = _header(path)
    wanted = list(columns)
    if header is None:
        df = _empty(name).reindex(columns=wanted)
        for col in set(BOOLEAN.get(name, ())) & set(wanted):
            df[col] = df[col].astype(bool)
        df.attrs["absent"] = tuple(wanted)
        yield df
        return
    usecols = [c for c in header if c in set(wanted)]
    size = chunksize or _chunk_rows(path)
    done = 0
    try:  # fast path, as read_table's
        with pd.read_csv(path, **_csv_options(name, header, usecols), chunksize=size) as reader:
            for chunk in reader:
                done += len(chunk)
                yield _finish(chunk, name, wanted)[wanted]
        return
    except (ValueError, TypeError):  # a stray non-number: the rest as text, column by column
        pass
    skip = done
    with pd.read_csv(path, usecols=usecols, dtype=str, keep_default_na=False, encoding="utf-8",
                     chunksize=size) as reader:  # fmt: skip
        for chunk in reader:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            chunk, skip = chunk.iloc[skip:], 0
            yield _finish(_as_numbers(chunk.copy(), name), name, wanted)[wanted]


def read_run(run_dir: Path) -> dict:
    """Read ``run.json`` (an empty dict when missing)."""
    path = Path(run_dir) / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def frame_order(run: dict, *tables: pd.DataFrame) -> list[str]:
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


def frame_labels(run: dict, lexicon: pd.DataFrame, frames: Iterable[str]) -> dict[str, str]:
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
        rows if rows is not None else _empty("articles")[columns], n, list(sources), list(frames)
    )


# --- text for matplotlib --------------------------------------------------------------------


@cache
def _advances() -> dict[int, float]:
    """Advance width (in ems) of every code point the chart fonts can draw, first font first."""
    widths: dict[int, float] = {}
    for path in (font_path(), font_manager.findfont(FALLBACK_FAMILY, fallback_to_default=False)):
        with TTFont(path, lazy=True) as font:
            hmtx, em = font["hmtx"].metrics, font["head"].unitsPerEm
            for point, glyph in font.getBestCmap().items():
                widths.setdefault(point, hmtx[glyph][0] / em)
    return widths


def text_width(text: str, size: float) -> float:
    """Width in points of a (possibly multi-line) label at ``size`` points, from the fonts'
    advance widths: enough to lay a chart out without asking matplotlib to measure it."""
    adv = _advances()
    lines = text.replace(r"\$", "$").split("\n")
    return max(sum(adv.get(ord(ch), 1.0) for ch in line) for line in lines) * size


def font_path() -> str:
    """The TrueType file of the Japanese chart font."""
    return matplotlib_fontja.get_font_ttf_path()


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_label(text: object, width: int = 20, max_lines: int = 2) -> str:
    """Wrap and truncate a label for a chart; make it safe for matplotlib.

    Widths count East Asian wide characters as 2. Characters no chart font can draw become
    "?", and ``$`` is escaped so a name never switches matplotlib into mathtext.
    """
    raw = " ".join(str(text).split())
    known = _advances()
    raw = "".join(ch if ord(ch) in known else "?" for ch in raw)
    lines: list[str] = []
    line, used = "", 0
    for word in raw.split(" "):
        w = sum(_width(c) for c in word)
        if line and used + 1 + w <= width:
            line, used = f"{line} {word}", used + 1 + w
            continue
        if line:
            lines.append(line)
        line, used = "", 0
        for ch in word:
            if used + _width(ch) > width:
                lines.append(line)
                line, used = "", 0
            line, used = line + ch, used + _width(ch)
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and sum(_width(c) for c in last) + 1 > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return "\n".join(lines).replace("$", r"\$")


def _rc() -> dict[str, object]:
    """seaborn's whitegrid look with the Japanese font on every text element."""
    rc: dict[str, object] = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook")}
    rc.update(
        {
            "font.family": [FONT_FAMILY, FALLBACK_FAMILY],
            "font.sans-serif": [FONT_FAMILY, FALLBACK_FAMILY],
            "axes.unicode_minus": True,
            "axes.titlesize": 13,
            "axes.titleweight": "normal",
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 9,
            "axes.titley": 1.0,
            "text.hinting": "no_hinting",
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
        }
    )
    return rc


def _fmt(v: float) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def safe_name(text: str) -> str:
    """A file-name fragment from free text: ASCII letters, digits, '_' and '-' only."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:40]
    return name or "x"


# --- the charts -----------------------------------------------------------------------------


class _Data:
    """A run folder's tables, read once; the optional ones only when a chart asks. Of the
    tables that grow with the corpus only what the charts show is kept (``ArticlePoints``)."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = Path(run_dir)
        self.run = read_run(run_dir)
        self.sources = read_table(run_dir, "sources")
        self.points = article_points(run_dir)
        self.terms = read_table(run_dir, "terms")
        lexicon = read_table(run_dir, "lexicon")
        seen_frames = pd.DataFrame({"frame": self.points.frames}, dtype=object)
        seen_sources = pd.DataFrame({"source": self.points.sources}, dtype=object)
        self.frames = frame_order(self.run, lexicon, self.sources, seen_frames, self.terms)
        self.labels = frame_labels(self.run, lexicon, self.frames)
        self.names = source_order(self.sources, seen_sources, self.terms)
        self.low = low_evidence_sources(self.sources)
        self._tables: dict[str, pd.DataFrame] = {}

    def has(self, name: str) -> bool:
        return has_table(self.dir, name)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = read_table(self.dir, name)
        return self._tables[name]

    def label(self, frame: str) -> str:
        return self.labels.get(frame, frame)

    def src_label(self, source: str, width: int = 24) -> str:
        """A source's tick label; low-evidence sources say so on a line of their own."""
        text = display_label(source, width)
        return f"{text}\n({LOW_EVIDENCE})" if source in self.low else text


def _palette(frames: list[str]) -> dict[str, tuple[float, float, float]]:
    colors = sns.color_palette("colorblind", max(len(frames), 1))
    return {f: colors[i % len(colors)] for i, f in enumerate(frames)}


def _source_palette(names: list[str]) -> dict[str, tuple[float, float, float]]:
    n = max(len(names), 1)
    colors = sns.color_palette("tab10" if n <= 10 else "husl", n)
    return {s: colors[i] for i, s in enumerate(names)}


def _grey_low(ax: Axes, d: _Data, names: list[str], axis: str = "y") -> None:
    """Grey out the tick labels of low-evidence sources."""
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    for tick, s in zip(ticks, names, strict=False):
        if s in d.low:
            tick.set_color(GREY)


def _listing(parts: list[str], limit: int = 12) -> str:
    """A "; "-joined list, cut after ``limit`` items with a count of the rest."""
    if len(parts) <= limit:
        return "; ".join(parts)
    return "; ".join(parts[:limit]) + f"; and {len(parts) - limit} more"


def _matrix(d: _Data, column: str) -> pd.DataFrame:
    """Source × frame table of one sources.csv column (NaN where absent)."""
    if d.sources.empty:
        return pd.DataFrame(index=d.names, columns=d.frames, dtype=float)
    m = d.sources.pivot_table(index="source", columns="frame", values=column, aggfunc="first")
    return m.reindex(index=d.names, columns=d.frames).astype(float)


def _shares_matrix(d: _Data) -> pd.DataFrame:
    """Shares (0–1) per source × frame; NaN for low-evidence sources, whatever the file says."""
    share = _matrix(d, "share")
    if share.size and np.nanmax(share.to_numpy(dtype=float), initial=0) > 1.5:
        share = share / 100  # tolerate percentages
    if d.low and share.size:
        share.loc[[s for s in share.index if s in d.low]] = np.nan
    return share


def _empty_note(ax: Axes, text: str = "no matches") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})  # fmt: skip


# Sizes in inches of the parts round a chart's axes, measured once with this style and font.
PT = 1 / 72
EDGE = 0.1  # white round the figure
TICK_OFFSET = 9.5 * PT  # tick pad plus tick length, drawn or not
TICK_LINE = 0.16  # one line of 10-point tick labels
AXIS_LABEL = 0.22  # an 11-point axis label and its pad
TITLE = 0.26  # a 13-point axes title and its pad
PANEL_TITLE = 0.165  # a line of 11-point panel title (plus 0.06 of pad)


def _suptitle_height(fig: Figure) -> float:
    """A figure title sits 2% of the height below the top edge."""
    return 0.02 * fig.get_figheight() + 0.24


def _tick_labels(ax: Axes) -> list[str]:
    """The y tick labels matplotlib will draw (set, or from the locator and formatter)."""
    return [t.get_text() for t in ax.get_yticklabels()]


def _labels_width(labels: Iterable[str], size: float = 10) -> float:
    """Inches taken by the widest of some tick labels."""
    return max((text_width(str(t), size) for t in labels), default=0.0) * 1.04 * PT


def _place(
    fig: Figure,
    ncols: int,
    nrows: int,
    *,
    left: float,
    bottom: float,
    top: float,
    right: float = 0.3,
    wspace: float = 0.3,
    hspace: float = 0.0,
) -> None:
    """Lay a grid of axes out with margins and gaps in inches.

    tight_layout measures every tick label of every axes to find these, which costs about as
    much as drawing the chart; each chart here knows its labels and works them out itself.
    """
    width, height = fig.get_size_inches()
    aw = max((width - left - right - wspace * (ncols - 1)) / ncols, 0.5)
    ah = max((height - top - bottom - hspace * (nrows - 1)) / nrows, 0.5)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=min(bottom / height, 0.9),
        top=max(1 - top / height, min(bottom / height, 0.9) + 0.05),
        wspace=wspace / aw,
        hspace=hspace / ah,
    )


def _legend(fig: Figure, handles: list, labels: list[str], title: str, ncol: int = 3) -> float:
    """A legend across the foot of the figure; returns the inches it takes."""
    if not handles:
        return 0.0
    ncol = min(len(labels), ncol)
    rows = math.ceil(len(labels) / ncol)
    fig.legend(handles, labels, title=title or None, loc="lower center", ncol=ncol,
               frameon=False)  # fmt: skip
    return (0.38 if title else 0.15) + 0.19 * rows


def _legend_below(fig: Figure, ax: Axes, title: str = "frame") -> float:
    """Move the axes' legend under the plot, across the figure; returns the inches it takes."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    return _legend(fig, handles, labels, title)


def _place_bars(fig: Figure, ax: Axes, legend: float) -> None:
    """Lay out a one-axes chart with a title, source names left, numbers and a label below."""
    _place(
        fig, 1, 1,
        left=EDGE + AXIS_LABEL + _labels_width(_tick_labels(ax)) + TICK_OFFSET,
        bottom=EDGE + legend + TICK_LINE + TICK_OFFSET + AXIS_LABEL,
        top=EDGE + TITLE,
    )  # fmt: skip


def _place_scatter(fig: Figure, ax: Axes, legend: float, labels: list[tuple[float, float]]) -> None:
    """Lay out a one-axes scatter with numbers on both axes, leaving room on the right for the
    point labels (x of the point, inches the label reaches to its right) that stick out."""
    width = fig.get_figwidth()
    left = EDGE + AXIS_LABEL + _labels_width(_tick_labels(ax)) + TICK_OFFSET
    x0, x1 = ax.get_xlim()
    right = 0.3
    for _ in range(2):  # the axes' width depends on the margin, the overhang on the width
        span = max(width - left - right, 1.0)
        over = max((((x - x0) / (x1 - x0 or 1.0)) * span + w - span for x, w in labels), default=0)
        right = max(0.3, EDGE + over)
    _place(fig, 1, 1, left=left, right=right, top=EDGE + TITLE,
           bottom=EDGE + legend + TICK_LINE + TICK_OFFSET + AXIS_LABEL)  # fmt: skip


def _grid(
    fig: Figure,
    n: int,
    ncols: int,
    sharey: bool = False,
    xlabel: str = "",
    ylabel: str = "",
    sharex: bool = True,
) -> tuple[list[Axes], int]:
    """``n`` facets in rows of ``ncols``; only the used cells get axes (an axes costs time).

    Tick labels and axis labels go on the outer panels only (x under the last panel of each
    column when ``sharex``, y on the first column when ``sharey``): every text costs drawing
    time.
    """
    ncols = max(1, min(n, ncols))
    nrows = max(1, math.ceil(n / ncols))
    grid = fig.add_gridspec(nrows, ncols)
    axes: list[Axes] = []
    for i in range(max(n, 1)):
        first = axes[0] if axes else None
        ax = fig.add_subplot(grid[i // ncols, i % ncols], sharex=first if sharex else None,
                             sharey=first if sharey else None)  # fmt: skip
        if sharex and i + ncols < n:
            ax.tick_params(axis="x", labelbottom=False)
        elif xlabel:
            ax.set_xlabel(xlabel)
        if sharey and i % ncols:
            ax.tick_params(axis="y", labelleft=False)
        elif ylabel:
            ax.set_ylabel(ylabel)
        axes.append(ax)
    return axes, ncols


def _place_panels(
    fig: Figure,
    axes: list[Axes],
    ncols: int,
    legend: float,
    xticks: float = TICK_LINE,
    titles: int = 1,
    sharex: bool = True,
) -> None:
    """Lay out facets made by ``_grid`` under a figure title, with a legend ``legend`` inches
    tall at the foot; ``xticks``: inches of x tick labels; ``titles``: lines of panel title.
    Panels that do not share x have their own tick labels and axis label under each row."""
    nrows = math.ceil(len(axes) / ncols)
    xaxis = xticks + TICK_OFFSET + AXIS_LABEL
    _place(
        fig, ncols, nrows,
        left=EDGE + AXIS_LABEL + _labels_width(_tick_labels(axes[0])) + TICK_OFFSET,
        bottom=EDGE + legend + xaxis,
        top=_suptitle_height(fig) + 0.1 + PANEL_TITLE * titles,
        hspace=0.06 + PANEL_TITLE * titles + 0.15 + (0.0 if sharex else xaxis),
    )  # fmt: skip


def _heatmap(d: _Data) -> tuple[Figure, ChartNote]:
    m = _matrix(d, "per_1k")
    n_s, n_f = max(len(d.names), 1), max(len(d.frames), 1)
    fig = Figure(figsize=(max(5.5, 3.2 + 1.5 * n_f), max(3.2, 1.6 + 0.55 * n_s)))
    xlabels = [display_label(d.label(f), 14, 3) for f in d.frames]
    ylabels = [d.src_label(s) for s in d.names]
    width, height = fig.get_size_inches()
    left = EDGE + AXIS_LABEL + _labels_width(ylabels) + TICK_OFFSET
    bottom = (
        EDGE
        + AXIS_LABEL
        + TICK_OFFSET
        + TICK_LINE * max((x.count("\n") + 1 for x in xlabels), default=1)
    )
    right = EDGE + AXIS_LABEL + TICK_OFFSET + _labels_width(["00.0"]) + 0.4
    top = EDGE + TITLE
    box = (left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height)
    ax = fig.add_axes(box)
    cax = fig.add_axes((box[0] + box[2] + 0.2 / width, box[1], 0.2 / width, box[3]))
    if m.size:
        # Labels go in already made safe: seaborn measures them while it lays the axes out.
        sns.heatmap(
            m, ax=ax, cbar_ax=cax, annot=n_s <= 40, fmt=".2f", cmap="Blues", linewidths=0.5,
            linecolor="white", cbar_kws={"label": UNIT}, mask=m.isna(), vmin=0,
            xticklabels=xlabels, yticklabels=ylabels,
        )  # fmt: skip
        ax.tick_params(axis="x", labelrotation=0)
        ax.tick_params(axis="y", labelrotation=0)
        _grey_low(ax, d, d.names)
    else:
        cax.set_visible(False)
        _empty_note(ax, "no sources")
    ax.set_title("Framing intensity by source and frame")
    ax.set_xlabel("frame")
    ax.set_ylabel("source")
    stack = m.stack().dropna() if m.size else pd.Series(dtype=float)
    if len(stack) and stack.max() > 0:
        (s, f), v = stack.idxmax(), stack.max()
        top = f"The highest rate is {d.label(f)} in {s}: {v:.2f} {UNIT}."
    else:
        top = "No source has any counted match."
    alt = (
        f"Heatmap of {UNIT} for {len(d.names)} sources (rows) and {len(d.frames)} frames "
        f"(columns). {top}"
    )
    guide = "Read across a row: the darkest cell is the frame that source uses most."
    return fig, ChartNote("Framing intensity by source and frame", alt, guide)


def _bars_ci(d: _Data) -> tuple[Figure, ChartNote]:
    m, lo, hi = _matrix(d, "per_1k"), _matrix(d, "ci_low"), _matrix(d, "ci_high")
    n_s, n_f = max(len(d.names), 1), max(len(d.frames), 1)
    fig = Figure(figsize=(9, max(3.2, 1.6 + n_s * (0.35 + 0.22 * n_f))))
    ax = fig.subplots()
    colors = _palette(d.frames)
    height = 0.8 / n_f
    y = np.arange(len(d.names))
    for k, f in enumerate(d.frames):
        v = m[f].fillna(0).to_numpy()
        err = np.vstack([(v - lo[f]).clip(lower=0), (hi[f] - v).clip(lower=0)])
        err = np.nan_to_num(err, nan=0.0)
        ax.barh(
            y - 0.4 + height * (k + 0.5), v, height=height * 0.92, xerr=err, color=colors[f],
            label=display_label(d.label(f), 28, 1), error_kw={"elinewidth": 1, "capsize": 2},
        )  # fmt: skip
    for i, s in enumerate(d.names):
        if not (m.loc[s].fillna(0) > 0).any():
            ax.text(0, i, "  no matches", va="center", ha="left", fontsize=9, color="#555555")
    ax.set_yticks(y, [d.src_label(s) for s in d.names])
    _grey_low(ax, d, d.names)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_title("Rate per frame with 95% bootstrap intervals")
    ax.set_xlabel(f"{UNIT} (bar: estimate; whisker: 95% bootstrap interval)")
    ax.set_ylabel("source")
    ax.grid(axis="y", visible=False)
    _place_bars(fig, ax, _legend_below(fig, ax))
    parts = []
    for s in d.names:
        row = m.loc[s].dropna()
        if len(row) and row.max() > 0:
            f = row.idxmax()
            parts.append(
                f"{s}: {d.label(f)} {row[f]:.2f} ({_fmt(lo.loc[s, f])}–{_fmt(hi.loc[s, f])})"
                + (f", {LOW_EVIDENCE}" if s in d.low else "")
            )
        else:
            parts.append(f"{s}: no matches")
    alt = f"Horizontal bars of {UNIT} per source and frame with 95% intervals. Highest per " + (
        "source: " + _listing(parts, 30) + "."
    )
    guide = (
        "Longer bars mean more framing vocabulary; where two bars' whiskers overlap, the data "
        "cannot tell those rates apart."
    )
    return fig, ChartNote("Rate per frame with 95% bootstrap intervals", alt, guide)


def _shares(d: _Data) -> tuple[Figure, ChartNote]:
    share = _shares_matrix(d)
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.0, 1.8 + 0.45 * n_s)))
    ax = fig.subplots()
    colors = _palette(d.frames)
    left = np.zeros(len(d.names))
    y = np.arange(len(d.names))
    for f in d.frames:
        v = share[f].fillna(0).to_numpy() * 100
        bars = ax.barh(y, v, left=left, color=colors[f], height=0.7,
                       label=display_label(d.label(f), 28, 1))  # fmt: skip
        labels = [f"{x:.0f}%" if x >= 8 else "" for x in v]
        ax.bar_label(bars, labels=labels, label_type="center", fontsize=9, color="white")
        left += v
    for i, (s, total) in enumerate(zip(d.names, left, strict=True)):
        if s in d.low:
            ax.text(1, i, f"{LOW_EVIDENCE}: no share (too few tokens or matches)", va="center",
                    ha="left", fontsize=9, color=GREY, style="italic")  # fmt: skip
        elif total == 0:
            ax.text(1, i, "no matches", va="center", ha="left", fontsize=9, color="#555555")
    ax.set_yticks(y, [d.src_label(s) for s in d.names])
    _grey_low(ax, d, d.names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_title("Frame shares of each source's framing vocabulary")
    ax.set_xlabel("share of the source's total rate (%)")
    ax.set_ylabel("source")
    ax.grid(axis="y", visible=False)
    _place_bars(fig, ax, _legend_below(fig, ax))
    parts = []
    for s in d.names:
        row = share.loc[s].dropna()
        if s in d.low:
            parts.append(f"{s}: {LOW_EVIDENCE}, no share")
        elif len(row) and row.sum() > 0:
            parts.append(
                f"{s}: " + ", ".join(f"{d.label(f)} {row[f] * 100:.0f}%" for f in row.index)
            )
        else:
            parts.append(f"{s}: no matches")
    alt = "Stacked bars of frame shares (percent) per source. " + _listing(parts, 30) + "."
    guide = (
        "Each bar adds up to 100% of a source's framing vocabulary: compare the mix, not the "
        "amount (the rate chart shows the amount). Low-evidence sources get no bar."
    )
    return fig, ChartNote("Frame shares of each source's framing vocabulary", alt, guide)


def _articles(d: _Data) -> tuple[Figure, ChartNote]:
    a, n = d.points.rows, d.points.n
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.2, 1.6 + 0.55 * n_s)))
    ax = fig.subplots()
    src = a["source"].map({s: i for i, s in enumerate(d.names)})
    frm = a["frame"].map({f: j for j, f in enumerate(d.frames)})
    a = a[src.notna() & frm.notna()]
    if len(a):
        # A strip plot: one dot per article and frame, dodged by frame, jittered (fixed seed).
        colors = _palette(d.frames)
        n_f = len(d.frames)
        each = 0.8 / n_f if n_f > 1 else 0.0
        offsets = (np.arange(n_f) - (n_f - 1) / 2) * each
        jitter = 0.15 / n_f if n_f > 1 else 0.15
        j = frm[a.index].to_numpy(dtype=int)
        y = src[a.index].to_numpy(dtype=float) + offsets[j]
        y += np.random.default_rng(0).uniform(-jitter, jitter, len(a))
        big = n > 500
        size = 3 if big else 6
        ax.scatter(a["per_1k"], y, s=size**2, c=[colors[d.frames[k]] for k in j],
                   alpha=0.5 if big else 1.0, linewidths=0)  # fmt: skip
        for f in d.frames:
            ax.plot([], [], marker="o", linestyle="", markersize=6, color=colors[f],
                    label=display_label(d.label(f), 28, 1))  # fmt: skip
        ax.set_yticks(range(len(d.names)), [d.src_label(s) for s in d.names])
        ax.set_ylim(len(d.names) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        _grey_low(ax, d, d.names)
    else:
        _empty_note(ax, "no articles")
    ax.set_xlim(left=0)
    sampled = n > MAX_POINTS
    title = "Rate per article" + (f" (sample of {MAX_POINTS:,} of {n:,})" if sampled else "")
    ax.set_title(title)
    ax.set_xlabel(f"{UNIT} in one article")
    ax.set_ylabel("source")
    _place_bars(fig, ax, _legend_below(fig, ax))
    alt = f"Dot plot of {UNIT} for each of {n} articles, one row per source, coloured by frame." + (
        f" A fixed sample of {MAX_POINTS:,} articles is drawn." if sampled else ""
    )
    guide = (
        "Each dot is one article: a source whose dots sit far apart has a rate driven by a "
        "few articles, not a steady habit."
    )
    return fig, ChartNote(title, alt, guide)


VOICES = ("author (counted)", "quoted", "negated")


def _voice_counts(d: _Data, chunksize: int | None = None) -> tuple[pd.Series, int]:
    """Matches per (frame, source, voice) and their total: from terms.csv when it has
    ``all_hits`` (each match once), else counted over hits.csv, a chunk at a time."""
    t = d.terms
    if len(t) and "all_hits" not in t.attrs.get("absent", ("all_hits",)):
        author = t["author_hits"].fillna(0)
        negated = t["negated_hits"].fillna(0)
        quoted = (t["all_hits"].fillna(0) - author - negated).clip(lower=0)
        long = pd.concat(
            [
                t[["frame", "source"]].assign(kind=v, n=x)
                for v, x in zip(VOICES, (author, quoted, negated), strict=True)
            ]
        )
        counts = long.groupby(["frame", "source", "kind"])["n"].sum()
        return counts, int(counts.sum())
    parts, total, frames = [], 0, {}
    for h in iter_table(d.dir, "hits", ["frame", "source", "voice", "negated"], chunksize):
        frames.update(dict.fromkeys(pd.unique(h["frame"])))
        kind = np.where(
            h["negated"], VOICES[2], np.where(h["voice"] == "quoted", VOICES[1], VOICES[0])
        )
        parts.append(h.assign(kind=kind).groupby(["frame", "source", "kind"]).size())
        total += len(h)
    if not d.frames:
        d.frames = frame_order(d.run, pd.DataFrame({"frame": list(frames)}, dtype=object))
        d.labels = {f: d.labels.get(f, f) for f in d.frames}
    if not total:
        return pd.Series(dtype=float), 0
    return pd.concat(parts).groupby(level=[0, 1, 2]).sum(), total


def _voices(d: _Data) -> tuple[Figure, ChartNote]:
    counts, total = _voice_counts(d)
    n_f = max(len(d.frames), 1)
    ncols = min(n_f, 3)
    nrows = math.ceil(n_f / ncols)
    fig = Figure(figsize=(3.6 * ncols + 2.2, max(3.0, 1.4 + 0.42 * len(d.names)) * nrows))
    axes, _ = _grid(fig, n_f, ncols, sharey=True, xlabel="matches (count)", ylabel="source",
                    sharex=False)  # fmt: skip
    colors = dict(zip(VOICES, ("#1f5fa8", "#e09f3e", "#b23a48"), strict=True))
    y = np.arange(len(d.names))
    titles = [display_label(d.label(f), 26) for f in d.frames]
    for ax, f, title in zip(axes, d.frames, titles, strict=False):
        left = np.zeros(len(d.names))
        for v in VOICES:
            vals = np.array([float(counts.get((f, s, v), 0)) for s in d.names])
            ax.barh(y, vals, left=left, color=colors[v], height=0.7, label=v)
            left += vals
        ax.set_title(title, fontsize=11)
        ax.grid(axis="y", visible=False)
        if left.sum() == 0:
            _empty_note(ax)
    axes[0].set_yticks(y, [display_label(s, 22) for s in d.names])
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle("Whose voice: author, quoted and negated matches")
    legend = _legend(fig, handles, labels, "")
    lines = max((t.count("\n") + 1 for t in titles), default=1)
    _place_panels(fig, axes, ncols, legend, titles=lines, sharex=False)
    n_auth = int(sum(v for (_, _, k), v in counts.items() if k == VOICES[0])) if total else 0
    alt = (
        f"Stacked bars per frame and source of {total} matches by voice: {n_auth} in the "
        f"author's own voice (counted), {total - n_auth} quoted or negated (not counted)."
    )
    guide = (
        "Only the blue part counts towards scores; a long orange part means the source reports "
        "others' framing rather than using it."
    )
    return fig, ChartNote("Whose voice: author, quoted and negated matches", alt, guide)


@dataclass
class _Panel:
    """One small multiple of horizontal bars: a source's top terms."""

    title: str
    labels: list[str]
    values: list[float]
    colors: list[object]
    texts: list[str]
    note: str = ""
    muted: bool = False


BAR_ROW = 0.32  # inches per bar
BAR_TITLE = 0.36  # inches above each panel for its title
BAR_GAP = 0.3  # inches below each panel
BAR_VALUE_ROOM = 0.42  # inches right of the longest bar for its value
FRAME_COLOR = "#cccccc"


def _bar_panels(
    title: str,
    xlabel: str,
    panels: list[_Panel],
    slots: int,
    panel_width: float,
    xmax: float | None = None,
    ref: float | None = None,
    value_size: float = 9,
) -> Figure:
    """Small multiples of horizontal bars, up to three panels a row, drawn on one axes.

    Laid out in inches from the fonts' advance widths rather than with one matplotlib axes,
    ticks and tight layout per panel: those cost most of a chart's time, and a page of a dozen
    sources now costs little more than one. ``xmax`` shares one scale across the panels (else
    each panel has its own); ``ref`` draws a dashed reference line, labelled under the panel.
    """
    n = max(len(panels), 1)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    top, bottom = 0.62, 0.5
    height = BAR_TITLE + slots * BAR_ROW + BAR_GAP
    fig_w, fig_h = panel_width * ncols, top + nrows * height + bottom
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, fig_w)
    ax.set_ylim(fig_h, 0)
    ax.set_axis_off()
    label_size = float(mpl.rcParams["ytick.labelsize"])
    widest = [0.0] * ncols  # per column, so the panels of a column line up
    for k, panel in enumerate(panels):
        for t in panel.labels:
            widest[k % ncols] = max(widest[k % ncols], text_width(t, label_size) * 1.05 / 72)
    frames, refs = [], []
    ys, lefts, widths, colors = [], [], [], []
    for k, panel in enumerate(panels):
        r, c = divmod(k, ncols)
        x0, y0 = c * panel_width, top + r * height + BAR_TITLE
        bx0 = x0 + 0.2 + widest[c]
        fx1 = x0 + panel_width - 0.15
        bx1 = fx1 - BAR_VALUE_ROOM
        frame_h = slots * BAR_ROW
        frames.append(Rectangle((bx0, y0), fx1 - bx0, frame_h))
        ax.text((bx0 + fx1) / 2, y0 - 0.08, panel.title, ha="center", va="bottom", fontsize=11,
                color=GREY if panel.muted else "#1b1f24")  # fmt: skip
        scale = xmax or max(panel.values, default=0.0) or 1.0
        for i, (lab, v, col, txt) in enumerate(
            zip(panel.labels, panel.values, panel.colors, panel.texts, strict=True)
        ):
            y = y0 + (i + 0.5) * BAR_ROW
            w = max(v, 0.0) / scale * (bx1 - bx0)
            ys.append(y)
            lefts.append(bx0)
            widths.append(w)
            colors.append(col)
            ax.text(bx0 - 0.08, y, lab, ha="right", va="center", fontsize=label_size)
            ax.text(bx0 + w + 0.04, y, txt, ha="left", va="center", fontsize=value_size)
        if ref is not None:
            x = bx0 + ref / scale * (bx1 - bx0)
            refs.append([(x, y0), (x, y0 + frame_h)])
            ax.text(x, y0 + frame_h + 0.04, f"{ref:.2f}", ha="center", va="top", fontsize=9,
                    color="#444444")  # fmt: skip
        if not panel.labels:
            ax.text((bx0 + fx1) / 2, y0 + frame_h / 2, panel.note, ha="center", va="center",
                    color="#555555", bbox={"facecolor": "white", "edgecolor": "none",
                                           "alpha": 0.85})  # fmt: skip
    if ys:
        ax.barh(ys, widths, left=lefts, height=BAR_ROW * 0.7, color=colors)
    ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor=FRAME_COLOR,
                                      linewidth=1.25))  # fmt: skip
    if refs:
        ax.add_collection(LineCollection(refs, colors="#444444", linestyles="--", linewidths=1))
    fig.suptitle(title, y=1 - 0.14 / fig_h, va="top")
    fig.supxlabel(xlabel, y=0.14 / fig_h, va="bottom", fontsize=11)
    return fig


def _top_terms(d: _Data, frame: str) -> tuple[Figure, ChartNote]:
    t = d.terms[(d.terms["frame"] == frame) & (d.terms["author_hits"] > 0)]
    per_source = t.groupby(["source"])["term"].nunique()
    slots = int(min(TOP_TERMS, max(2, per_source.max() if len(per_source) else 2)))
    color = _palette(d.frames)[frame]
    tops, panels = [], []
    for s in d.names or [""]:
        top = (
            t[t["source"] == s]
            .groupby("term", as_index=False)["author_hits"]
            .sum()
            .sort_values(["author_hits", "term"], ascending=[False, True])
            .head(TOP_TERMS)
        )
        if len(top):
            tops.append(
                f"{s}: "
                + ", ".join(f"{r.term} ({r.author_hits:.0f})" for r in top.head(3).itertuples())
            )
        values = [float(v) for v in top["author_hits"]]
        panels.append(
            _Panel(
                title=display_label(s, 30, 1),
                labels=[display_label(x, 16, 1) for x in top["term"]],
                values=values,
                colors=[color] * len(values),
                texts=[f"{v:.0f}" for v in values],
                note="no matches",
            )
        )
    label = d.label(frame)
    title = f"Top matched terms: {label}"
    fig = _bar_panels(display_label(title, 80, 1),
                      "author-voice matches (count, at the end of each bar)", panels, slots,
                      4.2)  # fmt: skip
    alt = (
        f"Bar charts, one per source, of the most-matched {label} terms in the author's voice. "
        + (("Top terms: " + "; ".join(tops) + ".") if tops else "No source used these terms.")
    )
    guide = "Which words carry the frame in each source: one dominant term means a narrow signal."
    return fig, ChartNote(title, alt, guide)


def _keyness(
    d: _Data, frame: str, names: list[str], page: int, pages: int
) -> tuple[Figure, ChartNote]:
    k = d.table("keyness")
    k = k[(k["frame"] == frame) & (k["z"] > 0)].dropna(subset=["z"])
    per = k[k["source"].isin(names)].groupby("source").size()
    slots = int(min(TOP_TERMS, max(2, per.max() if len(per) else 2)))
    color = _palette(d.frames)[frame]
    tops, panels = [], []
    zmax = float(k["z"].max()) if len(k) else Z_CRIT
    for s in names or [""]:
        top = (
            k[k["source"] == s]
            .sort_values(["z", "term"], ascending=[False, True], kind="stable")
            .head(TOP_TERMS)
        )
        strong = top[top["z"] > Z_CRIT]
        if len(strong):
            tops.append(
                f"{s}: " + ", ".join(f"{r.term} (z {r.z:.1f})" for r in strong.head(3).itertuples())
            )
        name = display_label(s, 30 if s not in d.low else 18, 1)
        values = [float(z) for z in top["z"]]
        panels.append(
            _Panel(
                title=name + (f" ({LOW_EVIDENCE})" if s in d.low else ""),
                labels=[display_label(x, 16, 1) for x in top["term"]],
                values=values,
                colors=[color if z > Z_CRIT else "#c5ccd3" for z in values],
                texts=[f"{z:.1f}" for z in values],
                note="no term used more than elsewhere",
                muted=s in d.low,
            )
        )
    label = d.label(frame)
    part = f" ({page} of {pages})" if pages > 1 else ""
    title = f"Distinctive terms: {label}{part}"
    fig = _bar_panels(
        display_label(title, 90, 1),
        "z of the log-odds (this source vs the others; value at the end of each bar)",
        panels, slots, 4.4, xmax=max(zmax, Z_CRIT) * 1.08, ref=Z_CRIT, value_size=8,
    )  # fmt: skip
    alt = (
        f"Bar charts, one per source ({len(names)} sources), of the {label} terms each source "
        f"uses more than the other sources, by z-score of the log-odds ratio. "
        + (
            ("Beyond chance (z > 1.96): " + _listing(tops) + ".")
            if tops
            else "No source uses any term clearly more than the others."
        )
    )
    guide = (
        "z > 1.96 (dashed line): the source uses this term more than the others beyond chance; "
        "grey bars are leanings the data cannot confirm."
    )
    return fig, ChartNote(title, alt, guide)


def _similarity(d: _Data) -> tuple[Figure, ChartNote]:
    t = d.table("similarity")
    names = [s for s in source_order(d.sources, t.rename(columns={"source_a": "source"}))
             if s in set(t["source_a"]) | set(t["source_b"])]  # fmt: skip
    m = t.pivot_table(index="source_a", columns="source_b", values="cosine", aggfunc="first")
    m = m.reindex(index=names, columns=names).astype(float)
    m = m.combine_first(m.T)
    for s in names:
        if pd.isna(m.loc[s, s]):
            m.loc[s, s] = 1.0
    n = len(names)
    side = max(4.5, 1.5 + 0.42 * min(n, 20) + 0.2 * max(0, n - 20))
    clustered = n >= 3
    labels = [display_label(s, 22) for s in names]
    fig = Figure(figsize=(side + 3.2, side + (2.6 if clustered else 1.8)))
    width, height = fig.get_size_inches()
    ticks = _labels_width(labels) + TICK_OFFSET + AXIS_LABEL
    left, bottom = EDGE + ticks, EDGE + ticks
    right = EDGE + 0.2 + 0.2 + _labels_width(["0.0"]) + TICK_OFFSET + AXIS_LABEL
    top = _suptitle_height(fig) + 0.1 + (1.05 if clustered else 0.0)
    box = (left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height)
    ax = fig.add_axes(box)
    cax = fig.add_axes((box[0] + box[2] + 0.2 / width, box[1], 0.2 / width, box[3]))
    if clustered:
        dist = (1.0 - m.fillna(0.0).to_numpy()).clip(0, 2)
        dist = (dist + dist.T) / 2
        np.fill_diagonal(dist, 0)
        link = hierarchy.linkage(squareform(dist, checks=False), method="average")
        # The clustermap layout, on this figure: the tree over the columns (the matrix is
        # symmetric, so rows follow the same order), the heatmap, its colour bar.
        ax_tree = fig.add_axes((box[0], box[1] + box[3] + 0.05 / height, box[2], 1.0 / height))
        frame = pd.DataFrame(m.fillna(0).to_numpy(), index=labels, columns=labels)
        tree = sns.matrix.dendrogram(frame, linkage=link, axis=1, label=False, ax=ax_tree)
        ax_tree.set_xticks([])
        ax_tree.set_yticks([])
        ax_tree.grid(False)
        order = tree.reordered_ind
    else:
        order = list(range(n))
    shown = m.iloc[order, order]
    tick = [labels[i] for i in order]
    if n:
        sns.heatmap(
            shown, ax=ax, cbar_ax=cax, vmin=0, vmax=1, cmap="viridis", annot=n <= 15,
            fmt=".2f", xticklabels=tick, yticklabels=tick,
            cbar_kws={"label": "cosine similarity of TF-IDF lemma vectors (0–1)"},
            annot_kws={"fontsize": 8},
        )  # fmt: skip
        ax.tick_params(axis="x", labelrotation=90)
        ax.tick_params(axis="y", labelrotation=0)
    else:
        cax.set_visible(False)
        _empty_note(ax, "no sources")
    ax.set_xlabel("source")
    ax.set_ylabel("source")
    title = "Vocabulary similarity between sources" + (" (clustered)" if clustered else "")
    fig.suptitle(title)
    pairs = [
        (m.iloc[i, j], names[i], names[j])
        for i in range(n)
        for j in range(i + 1, n)
        if not pd.isna(m.iloc[i, j])
    ]
    if pairs:
        hi, lo = max(pairs), min(pairs)
        alt = (
            f"Heatmap of cosine similarity of lemma profiles for {n} sources"
            + (", rows and columns ordered by hierarchical clustering" if clustered else "")
            + f". Most similar: {hi[1]} and {hi[2]} ({hi[0]:.2f}); least similar: {lo[1]} and "
            f"{lo[2]} ({lo[0]:.2f})."
        )
    else:
        alt = f"Heatmap of cosine similarity of lemma profiles for {n} source(s)."
    guide = (
        "Bright cells and sources joined low in the tree share vocabulary (all lemmas, not only "
        "the lexicons); 1 is an identical profile, 0 nothing in common."
    )
    return fig, ChartNote(title, alt, guide)


def _leading(d: _Data) -> dict[str, str]:
    m = _matrix(d, "per_1k")
    out = {}
    for s in m.index:
        row = m.loc[s].dropna()
        if len(row) and row.max() > 0:
            out[s] = str(row.idxmax())
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; 0 when either side does not vary."""
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.nan_to_num(np.corrcoef(a, b)[0, 1]))


def _stance(d: _Data) -> tuple[Figure, ChartNote]:
    st = d.table("stance").dropna(subset=["pc1"])
    st = st.assign(pc2=st["pc2"].fillna(0.0))
    var1 = float(st["var1"].dropna().iloc[0]) if st["var1"].notna().any() else math.nan
    var2 = float(st["var2"].dropna().iloc[0]) if st["var2"].notna().any() else math.nan
    n = len(st)
    fig = Figure(figsize=(9, 7.2))
    ax = fig.subplots()
    colors = _palette(d.frames)
    lead = _leading(d)
    small = 8 if n > 15 else 9
    dist = np.hypot(st["pc1"].to_numpy(), st["pc2"].to_numpy())
    named = set(st["source"].to_numpy()[np.argsort(-dist, kind="stable")[:MAX_POINT_LABELS]])
    low = st["source"].astype(str).isin(d.low).to_numpy()
    color = [GREY if lo or s not in lead else colors[lead[s]] for s, lo in zip(
        st["source"].astype(str), low, strict=True)]  # fmt: skip
    xerr = np.nan_to_num([(st["pc1"] - st["pc1_low"]).clip(lower=0),
                          (st["pc1_high"] - st["pc1"]).clip(lower=0)])  # fmt: skip
    yerr = np.nan_to_num([(st["pc2"] - st["pc2_low"]).clip(lower=0),
                          (st["pc2_high"] - st["pc2"]).clip(lower=0)])  # fmt: skip
    for c, lo in dict.fromkeys(zip(color, low, strict=True)):  # one call per look
        k = np.array([(x, y) == (c, lo) for x, y in zip(color, low, strict=True)])
        ax.errorbar(
            st["pc1"].to_numpy()[k], st["pc2"].to_numpy()[k], xerr=xerr[:, k], yerr=yerr[:, k],
            fmt="o", color=c, ecolor=(*mpl.colors.to_rgb(c), 0.35 if n > 15 else 0.8),
            elinewidth=0.8 if n > 15 else 1, capsize=2, markersize=6 if n > 15 else 7,
            markerfacecolor="white" if lo else c,
        )  # fmt: skip
    labelled = []
    for r, lo in zip(st.itertuples(), low, strict=True):
        s = str(r.source)
        if s not in named:
            continue
        text = display_label(s, 22, 1) + (f" ({LOW_EVIDENCE})" if lo else "")
        ax.annotate(text, (r.pc1, r.pc2), xytext=(6, 5), textcoords="offset points",
                    fontsize=small, color=GREY if lo else "#1b1f24")  # fmt: skip
        labelled.append((r.pc1, (6 + text_width(text, small)) * PT))
    ax.axhline(0, color="#cccccc", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#cccccc", linewidth=0.8, zorder=0)
    # Frame directions: how each frame's rate correlates with the two components.
    profile = _matrix(d, "per_1k").reindex(list(st["source"].astype(str)))

    def reach(col: str, r: float) -> float:
        """How far the points go from 0 along a component, on the side an arrow points to:
        arrows stay inside the plot, however lopsided the components' ranges."""
        v = st[col].to_numpy(dtype=float)
        side = np.nanmax(v if r > 0 else -v, initial=0.0)
        return float(side) or float(np.nanmax(np.abs(v), initial=0.0)) or 1.0

    arrows = []
    if n >= 3:
        for f in d.frames:
            v = profile[f].to_numpy(dtype=float) if f in profile else np.full(n, np.nan)
            ok = ~np.isnan(v)
            if ok.sum() < 3 or np.nanstd(v) == 0:
                continue
            r1 = _corr(v[ok], st["pc1"].to_numpy()[ok])
            r2 = _corr(v[ok], st["pc2"].to_numpy()[ok])
            ax.annotate(
                "", xy=(r1 * reach("pc1", r1) * 0.8, r2 * reach("pc2", r2) * 0.8), xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": colors[f], "alpha": 0.6, "lw": 1.5},
            )  # fmt: skip
            ax.text(r1 * reach("pc1", r1) * 0.85, r2 * reach("pc2", r2) * 0.85,
                    display_label(d.label(f), 18, 1),
                    color=colors[f], fontsize=8, ha="center", va="center", alpha=0.9)  # fmt: skip
            arrows.append((f, r1, r2))
    pct1 = "?" if math.isnan(var1) else f"{var1 * 100:.0f}%"
    pct2 = "?" if math.isnan(var2) else f"{var2 * 100:.0f}%"
    ax.set_xlabel(f"PC1 ({pct1} of variance), {UNIT}")
    ax.set_ylabel(f"PC2 ({pct2} of variance), {UNIT}")
    ax.set_title("Stance map: sources by their frame profiles (PCA)")
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colors[f], label=display_label(
            d.label(f), 28, 1)) for f in d.frames if f in set(lead.values())
    ]  # fmt: skip
    if any(s in d.low for s in st["source"]):
        handles.append(Line2D([], [], marker="o", linestyle="", color=GREY,
                              markerfacecolor="white", label=LOW_EVIDENCE))  # fmt: skip
    legend = _legend(fig, handles, [h.get_label() for h in handles], "leading frame")
    _place_scatter(fig, ax, legend, labelled)
    if n:
        order = st.sort_values("pc1", kind="stable")
        first, last = order.iloc[0], order.iloc[-1]
        spread = (
            f" Furthest apart on PC1: {first['source']} ({first['pc1']:.1f}) and "
            f"{last['source']} ({last['pc1']:.1f})."
        )
        if arrows:
            main = max(arrows, key=lambda a: abs(a[1]))
            side = "right" if main[1] > 0 else "left"
            spread += f" {d.label(main[0])} rises towards the {side} of PC1."
    else:
        spread = ""
    if n > MAX_POINT_LABELS:
        spread += f" Only the {MAX_POINT_LABELS} sources furthest from the centre are named."
    alt = (
        f"Scatter of {n} sources on the first two principal components of their frame rates "
        f"(PC1 {pct1}, PC2 {pct2} of the variance), with 95% bootstrap intervals.{spread}"
    )
    guide = (
        "Sources close together use the frames in similar proportions; arrows point where a "
        "frame's rate grows; overlapping whiskers mean the positions cannot be told apart."
    )
    return fig, ChartNote("Stance map: sources by their frame profiles (PCA)", alt, guide)


TRIANGLE = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])


def _ternary(d: _Data) -> tuple[Figure, ChartNote]:
    share = _shares_matrix(d)
    fr = d.frames[:3]
    ok = share.dropna(how="any")
    ok = ok[(ok.sum(axis=1) > 0)]
    skipped = [s for s in d.names if s not in ok.index]
    fig = Figure(figsize=(8, 7.6))
    ax = fig.subplots()
    colors = _palette(d.frames)
    ax.fill(TRIANGLE[:, 0], TRIANGLE[:, 1], color="#f7f9fb", zorder=0)
    ax.plot(*np.vstack([TRIANGLE, TRIANGLE[:1]]).T, color="#555555", linewidth=1)
    for k in range(3):
        i, j = (k + 1) % 3, (k + 2) % 3
        grid = []
        for t in (0.2, 0.4, 0.6, 0.8):
            p = t * TRIANGLE[k] + (1 - t) * TRIANGLE[i]
            q = t * TRIANGLE[k] + (1 - t) * TRIANGLE[j]
            grid.append([p, q])
            ax.text(*(p + (p - TRIANGLE.mean(axis=0)) * 0.06), f"{t:.0%}", fontsize=7,
                    color=colors[fr[k]], ha="center", va="center")  # fmt: skip
        ax.add_collection(LineCollection(grid, colors=[colors[fr[k]]], alpha=0.25,
                                         linewidths=0.8))  # fmt: skip
    offsets = [(-0.04, -0.05, "right"), (1.04, -0.05, "left"), (0.5, 0.91, "center")]
    for k, (x, y, ha) in enumerate(offsets):
        ax.text(x, y, display_label(d.label(fr[k]), 22) + "\n(100%)", ha=ha, va="center",
                fontsize=10, color=colors[fr[k]])  # fmt: skip
    pal = _source_palette(list(ok.index))
    small = 8 if len(ok) > 12 else 9
    w = ok.to_numpy(dtype=float)
    xy = (w / w.sum(axis=1, keepdims=True)) @ TRIANGLE if len(ok) else np.empty((0, 2))
    ax.scatter(xy[:, 0], xy[:, 1], s=55, c=[pal[s] for s in ok.index], edgecolor="white",
               zorder=3)  # fmt: skip
    for s, (x, y) in zip(ok.index, xy, strict=True):
        ax.annotate(display_label(s, 18, 1), (x, y), xytext=(5, 4), textcoords="offset points",
                    fontsize=small)  # fmt: skip
    if ok.empty:
        ax.text(0.5, 0.3, "no source with enough evidence", ha="center", color="#555555")
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.15, 1.0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("share of each frame in the source's total rate (%): nearer a corner = more")
    title = "Frame mix: each source's shares of the three frames"
    ax.set_title(title)
    _place(fig, 1, 1, left=EDGE, right=EDGE, top=EDGE + TITLE, bottom=EDGE + AXIS_LABEL + 0.1)
    parts = [
        f"{s}: " + ", ".join(f"{d.label(f)} {row[f] * 100:.0f}%" for f in fr)
        for s, row in ok.iterrows()
    ]
    alt = (
        f"Triangle (ternary) plot of the shares of {', '.join(d.label(f) for f in fr)} for "
        f"{len(ok)} sources. "
        + (_listing(parts) + "." if parts else "No source has shares to plot.")
        + (f" Left out ({LOW_EVIDENCE} or no matches): {_listing(skipped)}." if skipped else "")
    )
    guide = (
        "A point near a corner uses mostly that frame; a point in the middle mixes all three "
        "equally. Low-evidence sources are left out."
    )
    return fig, ChartNote(title, alt, guide)


DECILES = np.arange(10)


def _position_shares(p: pd.DataFrame, frames: list[str]) -> dict[str, np.ndarray]:
    """Per frame: the share (%) of its weighted matches in each tenth of the article."""
    out = {}
    for f in frames:
        w = p[p["frame"] == f].groupby("decile")["weighted"].sum()
        w = w.reindex(DECILES, fill_value=0.0).to_numpy(dtype=float)
        if w.sum() > 0:
            out[f] = w * 100 / w.sum()
    return out


@dataclass
class _Line:
    """One line of a ``_line_panels`` panel."""

    x: np.ndarray
    y: np.ndarray
    color: object
    label: str = ""
    marker: str = "o"
    markersize: float = 4.0
    linewidth: float = 1.5
    alpha: float = 1.0


def _nice_ticks(top: float) -> tuple[list[float], list[str]]:
    """Round tick values from 0 to ``top`` and their labels, with one number of decimals."""
    ticks = [t for t in MaxNLocator(nbins=6).tick_values(0, top) if -1e-12 <= t <= top * 1.0001]
    decimals = max((len(f"{t:g}".partition(".")[2]) for t in ticks), default=0)
    return ticks, [f"{t:.{decimals}f}" for t in ticks]


def _line_panels(
    fig: Figure,
    title: str,
    panels: list[tuple[str, list[_Line], str]],
    xticks: list[float],
    xlabels: list[str],
    xlim: tuple[float, float],
    xlabel: str,
    ylabel: str,
    legend: float,
    ref: float | None = None,
    rotate: bool = False,
    offset: str = "",
) -> None:
    """Small multiples of line charts on one y scale from 0, up to three a row, drawn on one
    axes spanning ``fig`` (panel: title, lines, note when it has none).

    For the same reason as ``_bar_panels``: matplotlib spends most of a faceted chart's time on
    the axes, their ticks and their layout, not on the lines. Tick labels go on the outer panels
    (x under the last panel of each column, y on the first column); ``ref`` is a dashed
    reference line; ``offset`` is a date axis's offset (the year), right under the ticks.
    """
    width, height = fig.get_size_inches()
    n = max(len(panels), 1)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    ymax = max((float(np.nanmax(ln.y, initial=0.0)) for _, lines, _ in panels for ln in lines),
               default=0.0)  # fmt: skip
    ytop = (ymax or 1.0) * 1.05
    yticks, ylabels = _nice_ticks(ytop)
    widest = _labels_width(xlabels) if rotate else 0.0
    xtick_h = (widest + TICK_LINE) * math.sqrt(0.5) if rotate else TICK_LINE
    xaxis = TICK_OFFSET + xtick_h + (TICK_LINE if offset else 0.0) + AXIS_LABEL
    left = EDGE + AXIS_LABEL + _labels_width(ylabels) + TICK_OFFSET
    top = _suptitle_height(fig) + 0.16 + PANEL_TITLE
    bottom = EDGE + legend + xaxis
    gap_w, gap_h = 0.3, PANEL_TITLE + 0.25
    pw = max((width - left - 0.3 - gap_w * (ncols - 1)) / ncols, 0.5)
    ph = max((height - top - bottom - gap_h * (nrows - 1)) / nrows, 0.5)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    grid, frames, refs = [], [], []
    for k, (name, lines, note) in enumerate(panels):
        r, c = divmod(k, ncols)
        px, py = left + c * (pw + gap_w), top + r * (ph + gap_h)

        def fx(x: object, px: float = px) -> np.ndarray:
            return px + (np.asarray(x, dtype=float) - xlim[0]) / (xlim[1] - xlim[0]) * pw

        def fy(y: object, py: float = py) -> np.ndarray:
            return py + ph - np.asarray(y, dtype=float) / ytop * ph

        frames.append(Rectangle((px, py), pw, ph))
        grid += [[(px, fy(t)), (px + pw, fy(t))] for t in yticks]
        grid += [[(fx(t), py), (fx(t), py + ph)] for t in xticks]
        if ref is not None:
            refs.append([(px, fy(ref)), (px + pw, fy(ref))])
        ax.text(px + pw / 2, py - 0.06, name, ha="center", va="bottom", fontsize=11)
        for ln in lines:
            ax.plot(fx(ln.x), fy(ln.y), color=ln.color, marker=ln.marker or None,
                    markersize=ln.markersize, linewidth=ln.linewidth, alpha=ln.alpha)  # fmt: skip
        if not lines:
            ax.text(px + pw / 2, py + ph / 2, note, ha="center", va="center", color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})  # fmt: skip
        if c == 0:
            for t, s in zip(yticks, ylabels, strict=True):
                ax.text(px - TICK_OFFSET, fy(t), s, ha="right", va="center", fontsize=10)
        if k + ncols >= n:  # nothing under this panel: its column's x axis
            below = py + ph + TICK_OFFSET
            for t, s in zip(xticks, xlabels, strict=True):
                if rotate:
                    ax.text(fx(t), below, s, ha="right", va="top", rotation=45,
                            rotation_mode="anchor", fontsize=10)  # fmt: skip
                else:
                    ax.text(fx(t), below, s, ha="center", va="top", fontsize=10)
            if offset:
                ax.text(px + pw, below + xtick_h, offset, ha="right", va="top", fontsize=10)
            ax.text(px + pw / 2, py + ph + xaxis - AXIS_LABEL + 0.04, xlabel, ha="center",
                    va="top", fontsize=11)  # fmt: skip
    ax.add_collection(LineCollection(grid, colors=FRAME_COLOR, linewidths=1.0, zorder=0))
    ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor=FRAME_COLOR,
                                      linewidth=1.25))  # fmt: skip
    if refs:
        ax.add_collection(LineCollection(refs, colors="#777777", linestyles="--", linewidths=0.8))
    y_mid = 1 - (top + (nrows * ph + (nrows - 1) * gap_h) / 2) / height
    fig.text(EDGE / width, y_mid, ylabel, rotation=90, ha="left", va="center", fontsize=11)
    fig.suptitle(title)


def _positions(d: _Data) -> tuple[Figure, ChartNote]:
    p = d.table("positions").dropna(subset=["decile"])
    p = p.assign(decile=p["decile"].clip(0, 9).astype(int), weighted=p["weighted"].fillna(0))
    names = [s for s in d.names if s in set(p["source"])] + [
        s for s in pd.unique(p["source"]) if s not in d.names
    ]
    faceted = 1 <= len(names) <= 8
    groups = [(s, p[p["source"] == s]) for s in names] if faceted else [("all sources", p)]
    fig = Figure(figsize=(11 if faceted and len(groups) > 1 else 8,
                          1.6 + 3.0 * math.ceil(len(groups) / 3)))  # fmt: skip
    colors = _palette(d.frames)
    peaks, panels = [], []
    for s, g in groups:
        shares = _position_shares(g, d.frames)
        lines = [_Line(DECILES + 1, v, colors[f]) for f, v in shares.items()]
        panels.append((display_label(s, 30, 1), lines, "no counted matches"))
        for f, v in shares.items():
            peaks.append(f"{s}, {d.label(f)}: tenth {int(v.argmax()) + 1} ({v.max():.0f}%)")
    handles = [Line2D([], [], color=colors[f], marker="o", label=display_label(d.label(f), 28, 1))
               for f in d.frames]  # fmt: skip
    legend = _legend(fig, handles, [h.get_label() for h in handles], "frame")
    _line_panels(
        fig, "Where in the article each frame appears", panels, list(DECILES + 1),
        [str(x) for x in DECILES + 1], (0.55, 10.45), "tenth of the article (1 = opening)",
        "share of the frame's weight (%)", legend, ref=10,
    )  # fmt: skip
    how = f"one panel per source ({len(names)})" if faceted else f"all {len(names)} sources pooled"
    alt = (
        "Line chart of the share of each frame's weighted author matches in each tenth of the "
        f"article's sentences, {how}. Peaks: " + _listing(peaks, 15) + "."
        if peaks
        else "Line chart of where frames appear in articles: no counted matches."
    )
    guide = (
        "The dashed line is an even spread (10% per tenth); a line high on the left means the "
        "frame is used in the opening (lead and headline) rather than further down."
    )
    return fig, ChartNote("Where in the article each frame appears", alt, guide)


def _lines_by_source(
    d: _Data,
    df: pd.DataFrame,
    x: str,
    title: str,
    xlabel: str,
    ticks: list[str] | None = None,
) -> Figure:
    """One panel per frame, one line per source, y = per_1k; x is a date, or a position in
    ``ticks`` (labels of 0, 1, 2, …). Beyond ``MAX_LINES`` sources the sources are thin grey
    lines under a bold pooled line (all sources' weight over all their tokens)."""
    names = [s for s in d.names if s in set(df["source"])] + [
        s for s in pd.unique(df["source"]) if s not in d.names
    ]
    many = len(names) > MAX_LINES
    pal = {s: (0.62, 0.66, 0.70) for s in names} if many else _source_palette(names)
    frames = [f for f in d.frames if f in set(df["frame"])] or d.frames
    fig = Figure(figsize=(12 if len(frames) > 1 else 8, 1.8 + 3.4 * math.ceil(len(frames) / 3)))
    dates = ticks is None
    xs = mdates.date2num(df[x]) if dates and len(df) else df[x].to_numpy(dtype=float)
    df = df.assign(_x=xs)
    panels, drawn, pooled_what = [], set(), ""
    for f in frames:
        g = df[df["frame"] == f]
        lines = []
        for s in names:
            line = g[g["source"] == s].sort_values("_x")
            if len(line):
                drawn.add(s)
                lines.append(_Line(line["_x"].to_numpy(), line["per_1k"].to_numpy(dtype=float),
                                   pal[s], marker="" if many else "o", markersize=3.5,
                                   linewidth=0.8 if many else 1.3,
                                   alpha=0.45 if many else 1.0))  # fmt: skip
        if many and len(g):
            sums = g.groupby("_x")[["weighted", "tokens"]].sum()
            if (sums["tokens"] > 0).all():
                pooled, pooled_what = sums["weighted"] * 1000 / sums["tokens"], "pooled"
            else:  # no token counts (an old history.csv): the plain mean of the sources
                pooled, pooled_what = g.groupby("_x")["per_1k"].mean(), "mean"
            lines.append(_Line(pooled.index.to_numpy(), pooled.to_numpy(dtype=float), "#1b1f24",
                               linewidth=2.4))  # fmt: skip
        panels.append((display_label(d.label(f), 30, 1), lines, "no data"))
    if many:
        handles = [Line2D([], [], color=pal[names[0]], linewidth=0.8, label="one source")]
        if pooled_what:
            handles.append(Line2D([], [], color="#1b1f24", linewidth=2.4, marker="o",
                                  markersize=4, label=f"all sources ({pooled_what})"))  # fmt: skip
    else:
        handles = [Line2D([], [], color=pal[s], marker="o", markersize=3.5, linewidth=1.3,
                          label=display_label(s, 24, 1)) for s in names if s in drawn]  # fmt: skip
    legend = _legend(fig, handles, [h.get_label() for h in handles],
                     f"{len(names)} sources" if many else "source", ncol=4)  # fmt: skip
    if dates:
        lo, hi = (float(np.min(xs)), float(np.max(xs))) if len(xs) else (0.0, 1.0)
        pad = (hi - lo) * 0.05 or 1.0
        locator = mdates.AutoDateLocator(maxticks=6)
        formatter = mdates.ConciseDateFormatter(locator)
        values = [v for v in locator.tick_values(mdates.num2date(lo - pad),
                                                 mdates.num2date(hi + pad))
                  if lo - pad <= v <= hi + pad]  # fmt: skip
        labels = list(formatter.format_ticks(values))
        _line_panels(fig, title, panels, values, labels, (lo - pad, hi + pad), xlabel, UNIT,
                     legend, offset=formatter.get_offset())  # fmt: skip
    else:
        step = max(1, math.ceil(len(ticks) / 8))
        positions = list(range(0, len(ticks), step))
        _line_panels(fig, title, panels, positions, ticks[::step], (-0.5, len(ticks) - 0.5),
                     xlabel, UNIT, legend, rotate=True)  # fmt: skip
    return fig


def _timeline_months(d: _Data) -> tuple[Figure, ChartNote]:
    t = d.table("timeline")
    t = t[t["month"].astype(str).str.fullmatch(r"\d{4}-\d{2}")].dropna(subset=["per_1k"])
    title = "Framing over time: rate per month"
    months = sorted(set(t["month"]))
    if months:  # every month from the first to the last, so gaps keep their width
        months = list(pd.period_range(months[0], months[-1], freq="M").strftime("%Y-%m"))
    t = t.assign(x=t["month"].map({m: i for i, m in enumerate(months)}))
    fig = _lines_by_source(d, t, "x", title, "month of publication (YYYY-MM)", months)
    if len(t):
        top = t.loc[t["per_1k"].idxmax()]
        alt = (
            f"Line charts, one per frame, of each source's {UNIT} per month, {len(months)} "
            f"months from {months[0]} to {months[-1]}. The highest monthly rate is "
            f"{d.label(str(top['frame']))} in {top['source']} in {top['month']}: "
            f"{top['per_1k']:.2f}."
        )
    else:
        alt = "Line charts of rates per month: no dated articles."
    guide = (
        "Follow a line across months: a jump shows a change in framing, but months with few "
        "articles are noisy (articles without a date are left out)."
    )
    return fig, ChartNote(title, alt, guide)


def _run_history(d: _Data) -> pd.DataFrame:
    """history.csv plus this run (not yet appended when the charts are drawn), one row per
    run × source × frame, with ``when`` parsed from ``finished``."""
    h = d.table("history")
    run_id = str(d.run.get("run_id") or d.dir.name)
    when = d.run.get("finished") or d.run.get("started") or ""
    now = d.sources[["source", "frame", "per_1k", "ci_low", "ci_high", "tokens"]].assign(
        run_id=run_id, finished=str(when)
    )
    h = pd.concat([h[h["run_id"] != run_id], now], ignore_index=True)
    h["weighted"] = h["per_1k"] * h["tokens"].fillna(0) / 1000
    h["when"] = pd.to_datetime(h["finished"], errors="coerce", utc=True, format="ISO8601")
    h = h.dropna(subset=["when", "per_1k"])
    h["when"] = h["when"].dt.tz_convert(None)
    return h


def _timeline_runs(d: _Data, h: pd.DataFrame) -> tuple[Figure, ChartNote]:
    title = "Framing across runs: rate per source in each run"
    fig = _lines_by_source(d, h, "when", title, "run finished (UTC)")
    runs = h.drop_duplicates("run_id").sort_values("when")
    first, last = runs["run_id"].iloc[0], runs["run_id"].iloc[-1]
    changes = []
    for s in pd.unique(h["source"]):
        a = h[(h["source"] == s) & (h["run_id"] == first)].set_index("frame")["per_1k"]
        b = h[(h["source"] == s) & (h["run_id"] == last)].set_index("frame")["per_1k"]
        common = a.index.intersection(b.index)
        delta = (b[common] - a[common]).abs()
        if len(common) and delta.max() > 0:
            f = delta.idxmax()
            changes.append(f"{s}: {d.label(f)} {a[f]:.2f} → {b[f]:.2f}")
    alt = (
        f"Line charts, one per frame, of each source's {UNIT} in {len(runs)} runs from "
        f"{runs['when'].iloc[0]:%Y-%m-%d} to {runs['when'].iloc[-1]:%Y-%m-%d}. Largest change "
        f"from the first to the latest run: " + (_listing(changes) if changes else "none") + "."
    )
    guide = (
        "Flat lines mean reruns agree; a step where the lexicons or the corpus changed shows "
        "how much that change moved the scores (see run.json of each run)."
    )
    return fig, ChartNote(title, alt, guide)


# --- writing --------------------------------------------------------------------------------


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save(fig: Figure, path: Path) -> None:
    """Write the figure as PNG in one drawing pass (a figure left with a layout engine is
    drawn twice by savefig) and with fast compression (level 1: 2% larger, half the time)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    _atomic_write(
        path,
        lambda tmp: fig.savefig(
            tmp, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1}
        ),
    )


Job = tuple[str, Callable[[], tuple[Figure, ChartNote]]]


@contextmanager
def _young_collections() -> Iterator[None]:
    """Pause the automatic garbage collector while charts are drawn; the caller collects the
    youngest generation after each chart instead.

    A figure is tens of thousands of objects in reference cycles. Left to itself the collector
    promotes them and, every few charts, walks every object of the process (the pipeline's
    worker holds hundreds of thousands), which cost about a tenth of the drawing time. Freed
    young, a figure never reaches the older generations.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _jobs(d: _Data) -> list[Job]:
    """Every chart this run's data allows, in the order the dashboard shows them."""
    jobs: list[Job] = [
        ("heatmap_per1k.png", lambda: _heatmap(d)),
        ("per1k_intervals.png", lambda: _bars_ci(d)),
        ("frame_shares.png", lambda: _shares(d)),
        ("articles_per1k.png", lambda: _articles(d)),
        ("voices.png", lambda: _voices(d)),
    ]
    if len(d.frames) == 3 and len(d.sources):
        jobs.append(("shares_ternary.png", lambda: _ternary(d)))
    if d.has("stance") and d.table("stance")["pc1"].notna().any():
        jobs.append(("stance_map.png", lambda: _stance(d)))
    if d.has("similarity") and len(d.table("similarity")):
        jobs.append(("similarity.png", lambda: _similarity(d)))
    if d.has("positions") and len(d.table("positions")):
        jobs.append(("positions.png", lambda: _positions(d)))
    if d.has("timeline") and len(d.table("timeline")):
        jobs.append(("timeline_months.png", lambda: _timeline_months(d)))
    if d.has("history"):
        history = _run_history(d)
        if history["run_id"].nunique() >= 2:
            jobs.append(("timeline_runs.png", lambda: _timeline_runs(d, history)))
    for i, f in enumerate(d.frames):
        jobs.append((f"top_terms_{i + 1:02d}_{safe_name(f)}.png", lambda f=f: _top_terms(d, f)))
    if d.has("keyness") and len(d.table("keyness")):
        k = d.table("keyness")
        names = [s for s in d.names if s in set(k["source"])] + [
            s for s in pd.unique(k["source"]) if s not in d.names
        ]
        pages = [names[i : i + KEYNESS_PER_PAGE] for i in range(0, len(names), KEYNESS_PER_PAGE)]
        seq = 0
        for j, f in enumerate(d.frames):
            for p, chunk in enumerate(pages):
                seq += 1
                jobs.append(
                    (
                        f"keyness_{seq:02d}_{j + 1}.png",
                        lambda f=f, chunk=chunk, p=p: _keyness(d, f, chunk, p + 1, len(pages)),
                    )
                )
    return jobs


def make_charts(run_dir: Path) -> list[Path]:
    """Draw every chart of a run into ``run_dir/charts/`` and write ``charts.json``.

    Returns the PNG paths, in the order the dashboard shows them.
    """
    run_dir = Path(run_dir)
    out = run_dir / "charts"
    out.mkdir(parents=True, exist_ok=True)
    d = _Data(run_dir)
    notes: dict[str, ChartNote] = {}
    paths = []
    with mpl.rc_context(_rc()), _young_collections():
        jobs = _jobs(d)
        for name, draw in jobs:
            fig, note = draw()
            _save(fig, out / name)
            del fig
            gc.collect(0)
            notes[name] = note
            paths.append(out / name)
    used = {name for name, _ in jobs}
    old = read_notes(run_dir)
    for name in old:
        if name not in used and _plain_name(name):
            (out / name).unlink(missing_ok=True)
    payload = json.dumps({k: asdict(v) for k, v in notes.items()}, ensure_ascii=False, indent=2)
    _atomic_write(out / CHARTS_JSON, lambda tmp: tmp.write_text(payload, encoding="utf-8"))
    return paths


def _plain_name(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_-]+\.png", name) is not None


def read_notes(run_dir: Path) -> dict[str, ChartNote]:
    """``charts/charts.json`` as file name → note; only plain ``*.png`` names are kept."""
    path = Path(run_dir) / "charts" / CHARTS_JSON
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        str(k): ChartNote(str(v.get("title", "")), str(v.get("alt", "")), str(v.get("guide", "")))
        for k, v in raw.items()
        if isinstance(v, dict) and _plain_name(str(k))
    }
