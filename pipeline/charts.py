"""Draw a run folder's charts (PNG, seaborn) and describe each for the dashboard.

Reads only the run folder's ``data/*.csv`` and ``run.json`` (and, for the chart across runs,
the output folder's ``history.csv``); writes ``charts/*.png`` and ``charts/charts.json`` (file →
title, alt text, reading guide). Figures are built with ``matplotlib.figure.Figure`` rather
than pyplot, so no global figure state or GUI backend is touched, and every figure is drawn
inside an ``rc_context`` that sets the Japanese font. Charts whose data file is missing (an
older run) are not drawn; the dashboard says so.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cache, cached_property
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
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

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


def read_table(run_dir: Path, name: str) -> pd.DataFrame:
    """Read ``data/<name>.csv`` with text kept as text (a source called "NA" stays "NA").

    Numbers and ``true``/``false`` columns of the contract are converted; a missing file reads
    as an empty table with the contract's columns, so a partial run still renders. Columns the
    file lacks are added empty and listed in ``df.attrs["absent"]``.
    """
    path = table_path(run_dir, name)
    if not path.is_file():
        df = _empty(name)
        df.attrs["absent"] = tuple(df.columns)
        return df
    numeric = set(NUMERIC.get(name, ()))
    try:
        header = pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8").columns
    except pd.errors.EmptyDataError:
        df = _empty(name)
        df.attrs["absent"] = tuple(df.columns)
        return df
    try:  # fast path: the C parser converts numbers itself
        df = pd.read_csv(
            path,
            dtype={c: ("float64" if c in numeric else str) for c in header},
            keep_default_na=False,
            na_values={c: ["", "nan", "NaN"] for c in header if c in numeric},
            encoding="utf-8",
        )
    except (ValueError, TypeError):  # a stray non-number: convert column by column
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        for col in numeric & set(df.columns):
            df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="coerce").astype(float)
    absent = [c for c in COLUMNS.get(name, ()) if c not in df.columns]
    for col in absent:
        df[col] = np.nan if col in numeric else ""
    for col in BOOLEAN.get(name, ()):
        df[col] = df[col].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    df.attrs["absent"] = tuple(absent)
    return df


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
    return {f: labels.get(f, f) for f in frames}


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


# --- text for matplotlib --------------------------------------------------------------------


@cache
def _glyphs() -> frozenset[int]:
    """Code points the chart fonts (IPAexGothic, then DejaVu Sans) can draw."""
    points: set[int] = set()
    for path in (font_path(), font_manager.findfont(FALLBACK_FAMILY, fallback_to_default=False)):
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap())
    return frozenset(points)


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
    raw = "".join(ch if ord(ch) in _glyphs() else "?" for ch in raw)
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
    """A run folder's tables, read once; the optional ones only when a chart asks."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = Path(run_dir)
        self.run = read_run(run_dir)
        self.sources = read_table(run_dir, "sources")
        self.articles = read_table(run_dir, "articles")
        self.terms = read_table(run_dir, "terms")
        lexicon = read_table(run_dir, "lexicon")
        self.frames = frame_order(self.run, lexicon, self.sources, self.articles, self.terms)
        self.labels = frame_labels(self.run, lexicon, self.frames)
        self.names = source_order(self.sources, self.articles, self.terms)
        self.low = low_evidence_sources(self.sources)
        self._tables: dict[str, pd.DataFrame] = {}

    def has(self, name: str) -> bool:
        return has_table(self.dir, name)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = read_table(self.dir, name)
        return self._tables[name]

    @cached_property
    def hits(self) -> pd.DataFrame:
        """Every match (only read when terms.csv lacks ``all_hits``: hits.csv can be huge)."""
        h = self.table("hits")
        if not self.frames:
            self.frames = frame_order(self.run, h)
            self.labels = {f: self.labels.get(f, f) for f in self.frames}
        return h

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


def _legend_below(fig: Figure, ax: Axes, title: str = "frame") -> None:
    """Put the axes' legend under the plot, across the figure, and lay out around it."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    _fig_legend(fig, handles, labels, title)


def _fig_legend(fig: Figure, handles: list, labels: list[str], title: str, ncol: int = 3) -> None:
    if not handles:
        fig.tight_layout()
        return
    ncol = min(len(labels), ncol)
    rows = math.ceil(len(labels) / ncol)
    fig.legend(handles, labels, title=title, loc="lower center", ncol=ncol, frameon=False)
    fig.tight_layout(rect=(0, min(0.45, (0.45 + 0.28 * rows) / fig.get_figheight()), 1, 1))


def _grid(fig: Figure, n: int, ncols: int, **kw) -> tuple[np.ndarray, int]:
    """``n`` facets in rows of ``ncols``; the unused axes are hidden."""
    ncols = max(1, min(n, ncols))
    nrows = max(1, math.ceil(n / ncols))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, **kw)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes, ncols


def _heatmap(d: _Data) -> tuple[Figure, ChartNote]:
    m = _matrix(d, "per_1k")
    n_s, n_f = max(len(d.names), 1), max(len(d.frames), 1)
    fig = Figure(figsize=(max(5.5, 3.2 + 1.5 * n_f), max(3.2, 1.6 + 0.55 * n_s)))
    ax = fig.subplots()
    if m.size:
        # Labels go in already made safe: seaborn measures them while it lays the axes out.
        sns.heatmap(
            m, ax=ax, annot=n_s <= 40, fmt=".2f", cmap="Blues", linewidths=0.5,
            linecolor="white", cbar_kws={"label": UNIT}, mask=m.isna(), vmin=0,
            xticklabels=[display_label(d.label(f), 14, 3) for f in d.frames],
            yticklabels=[d.src_label(s) for s in d.names],
        )  # fmt: skip
        ax.tick_params(axis="x", labelrotation=0)
        ax.tick_params(axis="y", labelrotation=0)
        _grey_low(ax, d, d.names)
    else:
        _empty_note(ax, "no sources")
    ax.set_title("Framing intensity by source and frame")
    ax.set_xlabel("frame")
    ax.set_ylabel("source")
    fig.tight_layout()
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
    _legend_below(fig, ax)
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
    _legend_below(fig, ax)
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
    a = d.articles.dropna(subset=["per_1k"])
    n = a["article_id"].nunique() if len(a) else 0
    if n > MAX_POINTS:
        a = a[a["article_id"].isin(sample_ids(a["article_id"]))]
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.2, 1.6 + 0.55 * n_s)))
    ax = fig.subplots()
    if len(a):
        a = a.assign(
            src=pd.Categorical(a["source"], categories=d.names),
            frm=pd.Categorical(a["frame"].map(d.labels), categories=[d.label(f) for f in d.frames]),
        )
        big = n > 500
        sns.stripplot(
            data=a, x="per_1k", y="src", hue="frm", dodge=len(d.frames) > 1, ax=ax,
            size=3 if big else 6, alpha=0.5 if big else 1.0, jitter=0.15,
            palette=[_palette(d.frames)[f] for f in d.frames], order=d.names,
            hue_order=[d.label(f) for f in d.frames],
        )  # fmt: skip
        ax.set_yticks(range(len(d.names)), [d.src_label(s) for s in d.names])
        _grey_low(ax, d, d.names)
        for text in ax.get_legend().get_texts() if ax.get_legend() else []:
            text.set_text(display_label(text.get_text(), 28, 1))
    else:
        _empty_note(ax, "no articles")
    ax.set_xlim(left=0)
    sampled = n > MAX_POINTS
    title = "Rate per article" + (f" (sample of {MAX_POINTS:,} of {n:,})" if sampled else "")
    ax.set_title(title)
    ax.set_xlabel(f"{UNIT} in one article")
    ax.set_ylabel("source")
    _legend_below(fig, ax)
    alt = f"Dot plot of {UNIT} for each of {n} articles, one row per source, coloured by frame." + (
        f" A fixed sample of {MAX_POINTS:,} articles is drawn." if sampled else ""
    )
    guide = (
        "Each dot is one article: a source whose dots sit far apart has a rate driven by a "
        "few articles, not a steady habit."
    )
    return fig, ChartNote(title, alt, guide)


VOICES = ("author (counted)", "quoted", "negated")


def _voice_counts(d: _Data) -> tuple[pd.Series, int]:
    """Matches per (frame, source, voice) and their total: from terms.csv when it has
    ``all_hits`` (each match once), else from every row of hits.csv."""
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
    h = d.hits
    if not len(h):
        return pd.Series(dtype=float), 0
    kind = np.where(h["negated"], VOICES[2], np.where(h["voice"] == "quoted", VOICES[1], VOICES[0]))
    return h.assign(kind=kind).groupby(["frame", "source", "kind"]).size(), len(h)


def _voices(d: _Data) -> tuple[Figure, ChartNote]:
    counts, total = _voice_counts(d)
    n_f = max(len(d.frames), 1)
    ncols = min(n_f, 3)
    nrows = math.ceil(n_f / ncols)
    fig = Figure(figsize=(3.6 * ncols + 2.2, max(3.0, 1.4 + 0.42 * len(d.names)) * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    colors = dict(zip(VOICES, ("#1f5fa8", "#e09f3e", "#b23a48"), strict=True))
    y = np.arange(len(d.names))
    for ax, f in zip(axes, d.frames, strict=False):
        left = np.zeros(len(d.names))
        for v in VOICES:
            vals = np.array([float(counts.get((f, s, v), 0)) for s in d.names])
            ax.barh(y, vals, left=left, color=colors[v], height=0.7, label=v)
            left += vals
        ax.set_title(display_label(d.label(f), 26), fontsize=11)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("matches (count)")
        if left.sum() == 0:
            _empty_note(ax)
    for ax in axes[len(d.frames) :]:
        ax.set_visible(False)
    axes[0].set_yticks(y, [display_label(s, 22) for s in d.names])
    axes[0].invert_yaxis()
    for i, ax in enumerate(axes):
        if i % ncols == 0:
            ax.set_ylabel("source")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle("Whose voice: author, quoted and negated matches")
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
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


def _top_terms(d: _Data, frame: str) -> tuple[Figure, ChartNote]:
    t = d.terms[(d.terms["frame"] == frame) & (d.terms["author_hits"] > 0)]
    n = max(len(d.names), 1)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    per_source = t.groupby(["source"])["term"].nunique()
    slots = int(min(TOP_TERMS, max(2, per_source.max() if len(per_source) else 2)))
    fig = Figure(figsize=(4.2 * ncols, 1.0 + (0.32 * slots + 0.9) * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    color = _palette(d.frames)[frame]
    tops = []
    for ax, s in zip(axes, d.names or [""], strict=False):
        top = (
            t[t["source"] == s]
            .groupby("term", as_index=False)["author_hits"]
            .sum()
            .sort_values(["author_hits", "term"], ascending=[False, True])
            .head(TOP_TERMS)
        )
        ax.set_title(display_label(s, 30, 1), fontsize=11)
        ax.set_xlabel("author-voice matches (count)")
        ax.grid(axis="y", visible=False)
        if top.empty:
            ax.set_yticks([])
            ax.set_xticks([])
            _empty_note(ax)
            continue
        tops.append(
            f"{s}: "
            + ", ".join(f"{r.term} ({r.author_hits:.0f})" for r in top.head(3).itertuples())
        )
        y = np.arange(len(top))
        bars = ax.barh(y, top["author_hits"], color=color, height=0.7)
        ax.bar_label(bars, fmt="%.0f", padding=2, fontsize=9)
        ax.set_yticks(y, [display_label(x, 16, 1) for x in top["term"]])
        ax.set_ylim(slots - 0.5, -0.5)
        ax.set_xlim(0, float(top["author_hits"].max()) * 1.25 + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in axes[len(d.names or [""]) :]:
        ax.set_visible(False)
    label = d.label(frame)
    title = f"Top matched terms: {label}"
    fig.suptitle(display_label(title, 80, 1))
    fig.tight_layout()
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
    n = max(len(names), 1)
    per = k[k["source"].isin(names)].groupby("source").size()
    slots = int(min(TOP_TERMS, max(2, per.max() if len(per) else 2)))
    fig = Figure(figsize=(4.4 * min(n, 3), 1.0 + (0.32 * slots + 1.3) * math.ceil(n / 3)))
    axes, _ = _grid(fig, n, 3)
    color = _palette(d.frames)[frame]
    tops, none = [], []
    zmax = float(k["z"].max()) if len(k) else Z_CRIT
    for ax, s in zip(axes, names or [""], strict=False):
        top = (
            k[k["source"] == s]
            .sort_values(["z", "term"], ascending=[False, True], kind="stable")
            .head(TOP_TERMS)
        )
        name = display_label(s, 30 if s not in d.low else 18, 1)
        ax.set_title(name + (f" ({LOW_EVIDENCE})" if s in d.low else ""), fontsize=11,
                     color=GREY if s in d.low else "#1b1f24")  # fmt: skip
        ax.set_xlabel("z of the log-odds (this source vs the others)")
        ax.grid(axis="y", visible=False)
        ax.axvline(Z_CRIT, color="#444444", linestyle="--", linewidth=1)
        ax.set_xlim(0, max(zmax, Z_CRIT) * 1.2 + 0.3)
        if top.empty:
            ax.set_yticks([])
            _empty_note(ax, "no term used more than elsewhere")
            none.append(s)
            continue
        strong = top[top["z"] > Z_CRIT]
        if len(strong):
            tops.append(
                f"{s}: " + ", ".join(f"{r.term} (z {r.z:.1f})" for r in strong.head(3).itertuples())
            )
        y = np.arange(len(top))
        bars = ax.barh(
            y, top["z"], height=0.7,
            color=[color if z > Z_CRIT else "#c5ccd3" for z in top["z"]],
        )  # fmt: skip
        ax.bar_label(bars, labels=[f"{z:.1f}" for z in top["z"]], padding=2, fontsize=8)
        ax.set_yticks(y, [display_label(x, 16, 1) for x in top["term"]])
        ax.set_ylim(slots - 0.5, -0.5)
    label = d.label(frame)
    part = f" ({page} of {pages})" if pages > 1 else ""
    title = f"Distinctive terms: {label}{part}"
    fig.suptitle(display_label(title, 90, 1))
    fig.tight_layout()
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
    fig = Figure(figsize=(side + 3.2, side + (2.6 if clustered else 1.8)), layout="constrained")
    if clustered:
        dist = (1.0 - m.fillna(0.0).to_numpy()).clip(0, 2)
        dist = (dist + dist.T) / 2
        np.fill_diagonal(dist, 0)
        link = hierarchy.linkage(squareform(dist, checks=False), method="average")
        # The clustermap layout, on this figure: the tree over the columns (the matrix is
        # symmetric, so rows follow the same order), the heatmap, its colour bar.
        grid = fig.add_gridspec(2, 2, width_ratios=(side, 0.22), height_ratios=(1.0, side))
        ax_tree = fig.add_subplot(grid[0, 0])
        ax = fig.add_subplot(grid[1, 0])
        cax = fig.add_subplot(grid[1, 1])
        frame = pd.DataFrame(m.fillna(0).to_numpy(), index=labels, columns=labels)
        tree = sns.matrix.dendrogram(frame, linkage=link, axis=1, label=False, ax=ax_tree)
        ax_tree.set_xticks([])
        ax_tree.set_yticks([])
        ax_tree.grid(False)
        order = tree.reordered_ind
    else:
        ax = fig.add_subplot(1, 1, 1)
        cax = None
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
    for r in st.itertuples():
        s = str(r.source)
        low = s in d.low
        c = GREY if low or s not in lead else colors[lead[s]]
        xerr = np.nan_to_num([[max(r.pc1 - r.pc1_low, 0)], [max(r.pc1_high - r.pc1, 0)]])
        yerr = np.nan_to_num([[max(r.pc2 - r.pc2_low, 0)], [max(r.pc2_high - r.pc2, 0)]])
        ax.errorbar(
            r.pc1, r.pc2, xerr=xerr, yerr=yerr, fmt="o", color=c, ecolor=(*mpl.colors.to_rgb(c),
            0.35 if n > 15 else 0.8), elinewidth=0.8 if n > 15 else 1, capsize=2,
            markersize=6 if n > 15 else 7, markerfacecolor="white" if low else c,
        )  # fmt: skip
        if s not in named:
            continue
        ax.annotate(
            display_label(s, 22, 1) + (f" ({LOW_EVIDENCE})" if low else ""), (r.pc1, r.pc2),
            xytext=(6, 5), textcoords="offset points", fontsize=small,
            color=GREY if low else "#1b1f24",
        )  # fmt: skip
    ax.axhline(0, color="#cccccc", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#cccccc", linewidth=0.8, zorder=0)
    # Frame directions: how each frame's rate correlates with the two components.
    profile = _matrix(d, "per_1k").reindex(list(st["source"].astype(str)))
    extent = float(np.nanmax(np.abs(st[["pc1", "pc2"]].to_numpy()), initial=0.0)) or 1.0
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
                "", xy=(r1 * extent * 0.8, r2 * extent * 0.8), xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": colors[f], "alpha": 0.6, "lw": 1.5},
            )  # fmt: skip
            ax.text(r1 * extent * 0.85, r2 * extent * 0.85, display_label(d.label(f), 18, 1),
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
    _fig_legend(fig, handles, [h.get_label() for h in handles], "leading frame")
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
        for t in (0.2, 0.4, 0.6, 0.8):
            p = t * TRIANGLE[k] + (1 - t) * TRIANGLE[i]
            q = t * TRIANGLE[k] + (1 - t) * TRIANGLE[j]
            ax.plot([p[0], q[0]], [p[1], q[1]], color=colors[fr[k]], alpha=0.25, linewidth=0.8)
            ax.text(*(p + (p - TRIANGLE.mean(axis=0)) * 0.06), f"{t:.0%}", fontsize=7,
                    color=colors[fr[k]], ha="center", va="center")  # fmt: skip
    offsets = [(-0.04, -0.05, "right"), (1.04, -0.05, "left"), (0.5, 0.91, "center")]
    for k, (x, y, ha) in enumerate(offsets):
        ax.text(x, y, display_label(d.label(fr[k]), 22) + "\n(100%)", ha=ha, va="center",
                fontsize=10, color=colors[fr[k]])  # fmt: skip
    pal = _source_palette(list(ok.index))
    small = 8 if len(ok) > 12 else 9
    for s, row in ok.iterrows():
        w = row.to_numpy(dtype=float)
        x, y = (w / w.sum()) @ TRIANGLE
        ax.scatter([x], [y], s=55, color=pal[s], edgecolor="white", zorder=3)
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
    fig.tight_layout()
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
    axes, _ = _grid(fig, len(groups), 3, sharey=True)
    colors = _palette(d.frames)
    peaks = []
    for ax, (s, g) in zip(axes, groups, strict=False):
        shares = _position_shares(g, d.frames)
        for f, v in shares.items():
            ax.plot(DECILES + 1, v, marker="o", markersize=4, color=colors[f],
                    label=display_label(d.label(f), 28, 1))  # fmt: skip
            peaks.append(f"{s}, {d.label(f)}: tenth {int(v.argmax()) + 1} ({v.max():.0f}%)")
        ax.axhline(10, color="#777777", linestyle="--", linewidth=0.8)
        ax.set_title(display_label(s, 30, 1), fontsize=11)
        ax.set_xticks(DECILES + 1)
        ax.set_xlabel("tenth of the article (1 = opening)")
        ax.set_ylabel("share of the frame's weight (%)")
        if not shares:
            _empty_note(ax, "no counted matches")
    axes[0].set_ylim(bottom=0)  # after every panel is drawn: the axes share y
    fig.suptitle("Where in the article each frame appears")
    handles = [Line2D([], [], color=colors[f], marker="o", label=display_label(d.label(f), 28, 1))
               for f in d.frames]  # fmt: skip
    _fig_legend(fig, handles, [h.get_label() for h in handles], "frame")
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
    axes, _ = _grid(fig, max(len(frames), 1), 3, sharey=True)
    for ax, f in zip(axes, frames, strict=False):
        g = df[df["frame"] == f]
        for k, s in enumerate(names):
            line = g[g["source"] == s].sort_values(x)
            if len(line):
                label = ("one source" if k == 0 else "_") if many else display_label(s, 24, 1)
                ax.plot(line[x], line["per_1k"], marker="" if many else "o", markersize=3.5,
                        linewidth=0.8 if many else 1.3, alpha=0.45 if many else 1.0,
                        color=pal[s], label=label)  # fmt: skip
        if many and len(g):
            sums = g.groupby(x)[["weighted", "tokens"]].sum()
            if (sums["tokens"] > 0).all():
                pooled, what = sums["weighted"] * 1000 / sums["tokens"], "pooled"
            else:  # no token counts (an old history.csv): the plain mean of the sources
                pooled, what = g.groupby(x)["per_1k"].mean(), "mean"
            ax.plot(pooled.index, pooled, color="#1b1f24", linewidth=2.4, marker="o",
                    markersize=4, label=f"all sources ({what})")  # fmt: skip
        ax.set_title(display_label(d.label(f), 30, 1), fontsize=11)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(UNIT)
        if ticks is None:
            locator = mdates.AutoDateLocator(maxticks=6)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        else:
            step = max(1, math.ceil(len(ticks) / 8))
            ax.set_xticks(range(0, len(ticks), step), ticks[::step])
            ax.set_xlim(-0.5, len(ticks) - 0.5)
            ax.tick_params(axis="x", labelrotation=45)
        if g.empty:
            _empty_note(ax, "no data")
    axes[0].set_ylim(bottom=0)  # after every panel is drawn: the axes share y
    fig.suptitle(title)
    handles, labels = axes[0].get_legend_handles_labels()
    keep = [(h, lab) for h, lab in zip(handles, labels, strict=True) if not lab.startswith("_")]
    _fig_legend(fig, [h for h, _ in keep], [lab for _, lab in keep],
                f"{len(names)} sources" if many else "source", ncol=4)  # fmt: skip
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
    _atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, facecolor="white"))


Job = tuple[str, Callable[[], tuple[Figure, ChartNote]]]


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
    with mpl.rc_context(_rc()):
        jobs = _jobs(d)
        for name, draw in jobs:
            fig, note = draw()
            _save(fig, out / name)
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
