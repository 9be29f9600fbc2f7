"""Render a run folder as one self-contained HTML page (``dashboard.html``).

The page works offline from disk: charts are embedded as data URIs, CSS and JS are inline, and
a Content-Security-Policy forbids every network request. Jinja2 autoescapes all data; the
template only ever puts data into text, attribute values or ``|tojson``. Element ids and
``data-*`` hooks use row/column indices, never names from the data.
"""

from __future__ import annotations

import base64
import math
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from pipeline.charts import (
    UNIT,
    frame_labels,
    frame_order,
    read_notes,
    read_run,
    read_table,
    source_order,
)

TEMPLATES = Path(__file__).parent / "templates"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Passages listed per source × frame; beyond this the page says how many were left out (the
# full list is in data/hits.csv), so a large corpus cannot make the page unusably heavy.
MAX_PASSAGES_PER_CELL = 400
SECTIONS = (
    ("summary", "Summary"),
    ("comparison", "Comparison"),
    ("charts", "Charts"),
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
    hits: pd.DataFrame,
    names: list[str],
    frames: list[str],
    labels: dict[str, str],
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Per source: the plain-words summary, and the comparison row of cells."""
    by_cell = {(r["source"], r["frame"]): r for r in _records(sources)}
    n_passages = hits.groupby(["source", "frame"]).size().to_dict() if len(hits) else {}
    top = max((_num(r["per_1k"]) or 0.0 for r in by_cell.values()), default=0.0) or 1.0
    summary, rows = [], []
    for i, s in enumerate(names):
        cells = []
        stats = []
        for j, f in enumerate(frames):
            r = by_cell.get((s, f), {})
            rate = _num(r.get("per_1k"))
            n = int(n_passages.get((s, f), 0))
            cells.append(
                {
                    "frame": labels[f],
                    "rate": fmt_rate(rate),
                    "rate_key": _key(rate),
                    "ci": fmt_ci(r.get("ci_low"), r.get("ci_high")),
                    "share": fmt_pct(r.get("share")),
                    "hits": count_of(r.get("hits"), "hit"),
                    "passages": n,
                    "target": f"cell-{i}-{j}" if n else None,
                    "shade": f"{(rate or 0.0) / top:.3f}",
                    "lead": False,
                }
            )
            stats.append((rate or 0.0, j, r))
        first = next((r for r in by_cell.values() if r["source"] == s), {})
        ranked = sorted(stats, key=lambda x: -x[0])
        item: dict[str, Any] = {
            "name": s,
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
                    "share": fmt_pct(r.get("share")),
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


def _passage_groups(
    hits: pd.DataFrame,
    names: list[str],
    frames: list[str],
    labels: dict[str, str],
    article_anchor: dict[str, str],
) -> list[dict[str, Any]]:
    """Matched passages grouped per source × frame, in source then frame order."""
    if hits.empty:
        return []
    src_idx = {s: i for i, s in enumerate(names)}
    frm_idx = {f: j for j, f in enumerate(frames)}
    h = hits.sort_values(["article_id", "char_start", "frame"], kind="stable")
    groups: dict[tuple[int, int], dict[str, Any]] = {}
    for r in _records(h):
        i, j = src_idx.get(r["source"]), frm_idx.get(r["frame"])
        if i is None or j is None:
            continue
        g = groups.setdefault(
            (i, j),
            {"id": f"cell-{i}-{j}", "si": i, "fj": j, "source": names[i],
             "frame": labels[frames[j]], "rows": [], "counted": 0, "total": 0},
        )  # fmt: skip
        negated = bool(r["negated"])
        voice = "quoted" if r["voice"] == "quoted" else "author"
        counted = voice == "author" and not negated
        g["counted"] += counted
        g["total"] += 1
        if len(g["rows"]) >= MAX_PASSAGES_PER_CELL:
            continue
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
                "counted": counted,
                "weight": fmt_rate(r["weight"]).rstrip("0").rstrip("."),
                "sentence": fmt_int(r["sentence_id"]),
            }
        )
    return [groups[k] for k in sorted(groups)]


def _articles(
    corpus: pd.DataFrame, articles: pd.DataFrame, frames: list[str], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per article: corpus metadata plus its rate and hits per frame."""
    by_art: dict[str, dict[str, dict[str, Any]]] = {}
    for r in _records(articles):
        by_art.setdefault(r["article_id"], {})[r["frame"]] = r
    meta = {r["article_id"]: r for r in _records(corpus)}
    ids = list(dict.fromkeys([*meta, *by_art]))
    rows = []
    for k, aid in enumerate(ids):
        m = meta.get(aid, {})
        per = by_art.get(aid, {})
        first = next(iter(per.values()), {})
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
    return rows


def _lexicons(
    run: dict, lexicon: pd.DataFrame, frames: list[str], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Per frame: its file and hash, its entries, and the entries never matched."""
    meta = {str(x.get("frame")): x for x in run.get("lexicons") or [] if isinstance(x, dict)}
    out = []
    for j, f in enumerate(frames):
        rows = _records(lexicon[lexicon["frame"] == f]) if len(lexicon) else []
        entries = [
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
                "never": (_num(r["author_hits"]) or 0) == 0,
            }
            for r in rows
        ]
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
            }
        )
    return out


def _cleaning(removed: pd.DataFrame, article_ids: Iterable[str]) -> dict[str, Any]:
    """Removed lines: a count per article and kind, and every line."""
    kinds = sorted(set(removed["kind"])) if len(removed) else []
    counts = removed.groupby(["article_id", "kind"]).size().to_dict() if len(removed) else {}
    order = list(dict.fromkeys([*article_ids, *(removed["article_id"] if len(removed) else [])]))
    per_article = [
        {
            "id": aid,
            "counts": [int(counts.get((aid, k), 0)) for k in kinds],
            "total": sum(int(counts.get((aid, k), 0)) for k in kinds),
        }
        for aid in order
    ]
    lines = [
        {"article": r["article_id"], "line": fmt_int(r["line"]), "line_key": _key(r["line"]),
         "kind": r["kind"], "text": r["text"]}
        for r in _records(removed)
    ]  # fmt: skip
    return {"kinds": kinds, "articles": per_article, "lines": lines}


def _charts(run_dir: Path) -> list[dict[str, str]]:
    """Chart notes with each PNG embedded as a data URI (files that are not PNGs are skipped)."""
    out = []
    folder = run_dir / "charts"
    for name, note in read_notes(run_dir).items():
        path = folder / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if not data.startswith(PNG_MAGIC):
            continue
        out.append(
            {
                "file": name,
                "title": note.title,
                "alt": note.alt,
                "guide": note.guide,
                "src": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
            }
        )
    return out


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
    articles = read_table(run_dir, "articles")
    hits = read_table(run_dir, "hits")
    terms = read_table(run_dir, "terms")
    corpus = read_table(run_dir, "corpus")
    removed = read_table(run_dir, "removed")
    lexicon = read_table(run_dir, "lexicon")
    frames = frame_order(run, lexicon, sources, articles, terms, hits)
    labels = frame_labels(run, lexicon, frames)
    names = source_order(sources, corpus, articles, terms, hits)
    summary, cells = _summary_and_cells(sources, hits, names, frames, labels)
    article_rows = _articles(corpus, articles, frames, labels)
    anchors = {a["id"]: a["anchor"] for a in article_rows}
    missing = [
        f"data/{n}.csv"
        for n in ("sources", "articles", "hits", "terms", "corpus", "removed", "lexicon")
        if not (run_dir / "data" / f"{n}.csv").is_file()
    ]
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
        "charts": _charts(run_dir),
        "articles": article_rows,
        "groups": _passage_groups(hits, names, frames, labels, anchors),
        "n_hits": len(hits),
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
        "lexicons": _lexicons(run, lexicon, frames, labels),
        "cleaning": _cleaning(removed, [a["id"] for a in article_rows]),
        "quarantined": [q for q in run.get("quarantined") or [] if isinstance(q, dict)],
        "warnings": [str(w) for w in run.get("warnings") or []],
        "missing": missing,
        "corpus": {k: _scalar(v) for k, v in corpus_meta.items()},
        "tools": {k: _scalar(v) for k, v in (run.get("tools") or {}).items()},
        "settings": {k: _scalar(v) for k, v in (run.get("settings") or {}).items()},
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


def render_html(run_dir: Path) -> str:
    """The dashboard page of a run folder, as a string."""
    env = _environment()
    template = env.get_template("dashboard.html.j2")
    return template.render(
        **build_context(run_dir),
        css=_asset("dashboard.css"),
        js=_asset("dashboard.js"),
        nonce=secrets.token_urlsafe(16),
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
