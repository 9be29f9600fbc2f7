"""Draw a run folder's charts (PNG, seaborn) and describe each for the dashboard.

Reads only the run folder's ``data/*.csv`` and ``run.json``; writes ``charts/*.png`` and
``charts/charts.json`` (file → title, alt text, reading guide). Figures are built with
``matplotlib.figure.Figure`` rather than pyplot, so no global figure state or GUI backend is
touched, and every figure is drawn inside an ``rc_context`` that sets the Japanese font.
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
from functools import cache
from pathlib import Path

import matplotlib as mpl
import matplotlib_fontja  # registers IPAexGothic with matplotlib's font manager
import numpy as np
import pandas as pd
import seaborn as sns
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

FONT_FAMILY = "IPAexGothic"
FALLBACK_FAMILY = "DejaVu Sans"
DPI = 110
UNIT = "matches per 1,000 content tokens"
TOP_TERMS = 8
CHARTS_JSON = "charts.json"

NUMERIC = {
    "articles": ("hits", "weighted", "tokens", "per_1k", "share", "quoted_hits", "negated_hits"),
    "sources": ("articles", "tokens", "hits", "per_1k", "ci_low", "ci_high", "share"),
    "hits": ("sentence_id", "char_start", "char_end", "weight"),
    "terms": ("author_hits", "quoted_hits", "negated_hits"),
    "corpus": ("chars", "sentences", "tokens", "removed_lines"),
    "removed": ("line",),
    "lexicon": ("weight", "author_hits"),
}
BOOLEAN = {"hits": ("negated",)}
COLUMNS = {
    "articles": ("article_id", "source", "published", "frame", *NUMERIC["articles"]),
    "sources": ("source", "frame", *NUMERIC["sources"]),
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
}  # fmt: skip


@dataclass(frozen=True)
class ChartNote:
    """What the dashboard shows beside a chart."""

    title: str
    alt: str
    guide: str


# --- reading a run folder -------------------------------------------------------------------


def read_table(run_dir: Path, name: str) -> pd.DataFrame:
    """Read ``data/<name>.csv`` with text kept as text (a source called "NA" stays "NA").

    Numbers and ``true``/``false`` columns of the contract are converted; a missing file reads
    as an empty table with the contract's columns, so a partial run still renders.
    """
    path = Path(run_dir) / "data" / f"{name}.csv"
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS.get(name, ())})
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for col in COLUMNS.get(name, ()):
        if col not in df.columns:
            df[col] = ""
    for col in NUMERIC.get(name, ()):
        df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="coerce").astype(float)
    for col in BOOLEAN.get(name, ()):
        df[col] = df[col].str.strip().str.lower().isin(("true", "1", "yes"))
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
        if "frame" in df.columns:
            for f in df["frame"]:
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
        if "source" in df.columns:
            for s in df["source"]:
                seen.setdefault(str(s), None)
    return list(seen)


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


@dataclass
class _Data:
    run: dict
    sources: pd.DataFrame
    articles: pd.DataFrame
    terms: pd.DataFrame
    hits: pd.DataFrame
    frames: list[str]
    labels: dict[str, str]
    names: list[str]


def _load(run_dir: Path) -> _Data:
    run = read_run(run_dir)
    sources = read_table(run_dir, "sources")
    articles = read_table(run_dir, "articles")
    terms = read_table(run_dir, "terms")
    hits = read_table(run_dir, "hits")
    lexicon = read_table(run_dir, "lexicon")
    frames = frame_order(run, lexicon, sources, articles, terms, hits)
    labels = frame_labels(run, lexicon, frames)
    names = source_order(sources, articles, terms, hits)
    return _Data(run, sources, articles, terms, hits, frames, labels, names)


def _palette(frames: list[str]) -> dict[str, tuple[float, float, float]]:
    colors = sns.color_palette("colorblind", max(len(frames), 1))
    return {f: colors[i % len(colors)] for i, f in enumerate(frames)}


def _matrix(d: _Data, column: str) -> pd.DataFrame:
    """Source × frame table of one sources.csv column (NaN where absent)."""
    if d.sources.empty:
        return pd.DataFrame(index=d.names, columns=d.frames, dtype=float)
    m = d.sources.pivot_table(index="source", columns="frame", values=column, aggfunc="first")
    return m.reindex(index=d.names, columns=d.frames).astype(float)


def _empty_note(ax: Axes, text: str = "no matches") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555")


def _legend_below(fig: Figure, ax: Axes, title: str = "frame") -> None:
    """Put the axes' legend under the plot, across the figure, and lay out around it."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if not handles:
        fig.tight_layout()
        return
    ncol = min(len(labels), 3)
    rows = math.ceil(len(labels) / ncol)
    fig.legend(handles, labels, title=title, loc="lower center", ncol=ncol, frameon=False)
    fig.tight_layout(rect=(0, min(0.45, (0.45 + 0.28 * rows) / fig.get_figheight()), 1, 1))


def _heatmap(d: _Data) -> tuple[Figure, ChartNote]:
    m = _matrix(d, "per_1k")
    n_s, n_f = max(len(d.names), 1), max(len(d.frames), 1)
    fig = Figure(figsize=(max(5.5, 3.2 + 1.5 * n_f), max(3.2, 1.6 + 0.55 * n_s)))
    ax = fig.subplots()
    if m.size:
        # Labels go in already made safe: seaborn measures them while it lays the axes out.
        sns.heatmap(
            m, ax=ax, annot=True, fmt=".2f", cmap="Blues", linewidths=0.5, linecolor="white",
            cbar_kws={"label": UNIT}, mask=m.isna(), vmin=0,
            xticklabels=[display_label(d.labels[f], 14, 3) for f in d.frames],
            yticklabels=[display_label(s, 24) for s in d.names],
        )  # fmt: skip
        ax.tick_params(axis="x", labelrotation=0)
        ax.tick_params(axis="y", labelrotation=0)
    else:
        _empty_note(ax, "no sources")
    ax.set_title("Framing intensity by source and frame")
    ax.set_xlabel("frame")
    ax.set_ylabel("source")
    fig.tight_layout()
    stack = m.stack().dropna() if m.size else pd.Series(dtype=float)
    if len(stack) and stack.max() > 0:
        (s, f), v = stack.idxmax(), stack.max()
        top = f"The highest rate is {d.labels[f]} in {s}: {v:.2f} {UNIT}."
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
            label=display_label(d.labels[f], 28, 1), error_kw={"elinewidth": 1, "capsize": 2},
        )  # fmt: skip
    for i, s in enumerate(d.names):
        if not (m.loc[s].fillna(0) > 0).any():
            ax.text(0, i, "  no matches", va="center", ha="left", fontsize=9, color="#555555")
    ax.set_yticks(y, [display_label(s, 24) for s in d.names])
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
                f"{s}: {d.labels[f]} {row[f]:.2f} ({_fmt(lo.loc[s, f])}–{_fmt(hi.loc[s, f])})"
            )
        else:
            parts.append(f"{s}: no matches")
    alt = f"Horizontal bars of {UNIT} per source and frame with 95% intervals. Highest per " + (
        "source: " + "; ".join(parts) + "."
    )
    guide = (
        "Longer bars mean more framing vocabulary; where two bars' whiskers overlap, the data "
        "cannot tell those rates apart."
    )
    return fig, ChartNote("Rate per frame with 95% bootstrap intervals", alt, guide)


def _shares(d: _Data) -> tuple[Figure, ChartNote]:
    share = _matrix(d, "share")
    if share.size and np.nanmax(share.to_numpy(dtype=float), initial=0) > 1.5:
        share = share / 100  # tolerate percentages
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.0, 1.8 + 0.45 * n_s)))
    ax = fig.subplots()
    colors = _palette(d.frames)
    left = np.zeros(len(d.names))
    y = np.arange(len(d.names))
    for f in d.frames:
        v = share[f].fillna(0).to_numpy() * 100
        bars = ax.barh(y, v, left=left, color=colors[f], height=0.7,
                       label=display_label(d.labels[f], 28, 1))  # fmt: skip
        labels = [f"{x:.0f}%" if x >= 8 else "" for x in v]
        ax.bar_label(bars, labels=labels, label_type="center", fontsize=9, color="white")
        left += v
    for i, total in enumerate(left):
        if total == 0:
            ax.text(1, i, "no matches", va="center", ha="left", fontsize=9, color="#555555")
    ax.set_yticks(y, [display_label(s, 24) for s in d.names])
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
        if len(row) and row.sum() > 0:
            parts.append(
                f"{s}: " + ", ".join(f"{d.labels[f]} {row[f] * 100:.0f}%" for f in row.index)
            )
        else:
            parts.append(f"{s}: no matches")
    alt = "Stacked bars of frame shares (percent) per source. " + "; ".join(parts) + "."
    guide = (
        "Each bar adds up to 100% of a source's framing vocabulary: compare the mix, not the "
        "amount (the rate chart shows the amount)."
    )
    return fig, ChartNote("Frame shares of each source's framing vocabulary", alt, guide)


def _articles(d: _Data) -> tuple[Figure, ChartNote]:
    a = d.articles.dropna(subset=["per_1k"])
    n_s = max(len(d.names), 1)
    fig = Figure(figsize=(9, max(3.2, 1.6 + 0.55 * n_s)))
    ax = fig.subplots()
    if len(a):
        a = a.assign(
            src=pd.Categorical(a["source"], categories=d.names),
            frm=pd.Categorical(
                a["frame"].map(d.labels), categories=[d.labels[f] for f in d.frames]
            ),
        )
        sns.stripplot(
            data=a, x="per_1k", y="src", hue="frm", dodge=len(d.frames) > 1, ax=ax, size=6,
            jitter=0.15, palette=[_palette(d.frames)[f] for f in d.frames], order=d.names,
            hue_order=[d.labels[f] for f in d.frames],
        )  # fmt: skip
        ax.set_yticks(range(len(d.names)), [display_label(s, 24) for s in d.names])
        for text in ax.get_legend().get_texts() if ax.get_legend() else []:
            text.set_text(display_label(text.get_text(), 28, 1))
    else:
        _empty_note(ax, "no articles")
    ax.set_xlim(left=0)
    ax.set_title("Rate per article")
    ax.set_xlabel(f"{UNIT} in one article")
    ax.set_ylabel("source")
    _legend_below(fig, ax)
    n = d.articles["article_id"].nunique() if len(d.articles) else 0
    alt = f"Dot plot of {UNIT} for each of {n} articles, one row per source, coloured by frame."
    guide = (
        "Each dot is one article: a source whose dots sit far apart has a rate driven by a "
        "few articles, not a steady habit."
    )
    return fig, ChartNote("Rate per article", alt, guide)


VOICES = ("author (counted)", "quoted", "negated")


def _voices(d: _Data) -> tuple[Figure, ChartNote]:
    h = d.hits
    kind = np.where(h["negated"], VOICES[2], np.where(h["voice"] == "quoted", VOICES[1], VOICES[0]))
    counts = (
        h.assign(kind=kind).groupby(["frame", "source", "kind"]).size()
        if len(h)
        else pd.Series(dtype=float)
    )
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
        ax.set_title(display_label(d.labels[f], 26), fontsize=11)
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
    total = len(h)
    n_auth = int((kind == VOICES[0]).sum()) if total else 0
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
    label = d.labels[frame]
    title = f"Top matched terms: {label}"
    fig.suptitle(display_label(title, 80, 1))
    fig.tight_layout()
    alt = (
        f"Bar charts, one per source, of the most-matched {label} terms in the author's voice. "
        + (("Top terms: " + "; ".join(tops) + ".") if tops else "No source used these terms.")
    )
    guide = "Which words carry the frame in each source: one dominant term means a narrow signal."
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


def make_charts(run_dir: Path) -> list[Path]:
    """Draw every chart of a run into ``run_dir/charts/`` and write ``charts.json``.

    Returns the PNG paths, in the order the dashboard shows them.
    """
    run_dir = Path(run_dir)
    out = run_dir / "charts"
    out.mkdir(parents=True, exist_ok=True)
    d = _load(run_dir)
    jobs: list[tuple[str, Callable[[], tuple[Figure, ChartNote]]]] = [
        ("heatmap_per1k.png", lambda: _heatmap(d)),
        ("per1k_intervals.png", lambda: _bars_ci(d)),
        ("frame_shares.png", lambda: _shares(d)),
        ("articles_per1k.png", lambda: _articles(d)),
        ("voices.png", lambda: _voices(d)),
    ]
    used = {name for name, _ in jobs}
    for i, f in enumerate(d.frames):
        name = f"top_terms_{i + 1:02d}_{safe_name(f)}.png"
        used.add(name)
        jobs.append((name, lambda f=f: _top_terms(d, f)))
    notes: dict[str, ChartNote] = {}
    paths = []
    with mpl.rc_context(_rc()):
        for name, draw in jobs:
            fig, note = draw()
            _save(fig, out / name)
            notes[name] = note
            paths.append(out / name)
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
