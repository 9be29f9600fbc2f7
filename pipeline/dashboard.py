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
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from pipeline.charts import (
    UNIT,
    frame_labels,
    frame_order,
    has_table,
    low_evidence_sources,
    read_notes,
    read_run,
    read_table,
    source_order,
)

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


def _passage_table(run_dir: Path) -> tuple[pd.DataFrame, str]:
    """The passages to show and where they come from: ``data/passages.csv`` (a sample per
    source × frame) when the run has it, else every row of ``data/hits.csv``."""
    if has_table(run_dir, "passages"):
        return read_table(run_dir, "passages"), "passages"
    return read_table(run_dir, "hits"), "hits"


def _passage_groups(
    hits: pd.DataFrame,
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
    if len(hits):
        h = hits.sort_values(["article_id", "char_start", "frame"], kind="stable")
        for r in _records(h):
            i, j = src_idx.get(r["source"]), frm_idx.get(r["frame"])
            if i is None or j is None:
                continue
            g = groups.setdefault(
                (r["source"], r["frame"]),
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
    for key, g in groups.items():
        if key in totals:
            g["total"] = max(totals[key][0], g["total"])
            g["counted"] = totals[key][1]
        g["more"] = g["total"] - len(g["rows"])
    return dict(sorted(groups.items(), key=lambda kv: (kv[1]["si"], kv[1]["fj"])))


def _pick_articles(
    corpus: pd.DataFrame, articles: pd.DataFrame, limit: int
) -> tuple[list[str], int]:
    """Which article ids the table shows, and how many there are in all.

    All of them, in corpus order, when they fit; else the ``limit`` with the most evidence
    (not low-evidence first, then most counted hits, then most tokens, then corpus order).
    """
    ids = pd.Index(pd.unique(pd.concat([corpus["article_id"], articles["article_id"]])))
    if len(ids) <= limit:
        return list(ids), len(ids)
    ev = pd.DataFrame(index=ids)
    ev["order"] = np.arange(len(ids))
    if len(articles):
        g = articles.groupby("article_id", sort=False).agg(
            hits=("hits", "sum"), tokens=("tokens", "first"), low=("low_evidence", "any")
        )
        ev = ev.join(g)
    for col, fill in (("hits", 0.0), ("tokens", 0.0), ("low", False)):
        if col not in ev:
            ev[col] = fill
        ev[col] = ev[col].fillna(fill)
    ev["low"] = ev["low"].astype(bool)
    ev = ev.sort_values(
        ["low", "hits", "tokens", "order"], ascending=[True, False, False, True], kind="stable"
    )
    return list(ev.index[:limit]), len(ids)


def _articles(
    corpus: pd.DataFrame,
    articles: pd.DataFrame,
    frames: list[str],
    labels: dict[str, str],
    limit: int = MAX_ARTICLE_ROWS,
) -> tuple[list[dict[str, Any]], int]:
    """One row per shown article (at most ``limit``): metadata plus rate and hits per frame;
    and the number of articles in all."""
    ids, total = _pick_articles(corpus, articles, limit)
    chosen = set(ids)
    by_art: dict[str, dict[str, dict[str, Any]]] = {}
    for r in _records(articles[articles["article_id"].isin(chosen)] if len(articles) else articles):
        by_art.setdefault(r["article_id"], {})[r["frame"]] = r
    meta = {
        r["article_id"]: r
        for r in _records(corpus[corpus["article_id"].isin(chosen)] if len(corpus) else corpus)
    }
    rows = []
    for k, aid in enumerate(ids):
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
    return rows, total


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


def _cleaning(removed: pd.DataFrame, article_ids: list[str]) -> dict[str, Any]:
    """Removed lines: totals per kind, a count per article and kind, and the lines (both
    capped; data/removed.csv has them all)."""
    kinds = sorted(set(removed["kind"])) if len(removed) else []
    totals = removed["kind"].value_counts().to_dict() if len(removed) else {}
    counts = removed.groupby(["article_id", "kind"]).size().to_dict() if len(removed) else {}
    with_removals = list(pd.unique(removed["article_id"])) if len(removed) else []
    order = list(dict.fromkeys([*article_ids, *with_removals]))
    n_articles = len(order)
    order = order[:MAX_ARTICLE_ROWS]
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
        for r in _records(removed.head(MAX_REMOVED_ROWS))
    ]  # fmt: skip
    return {
        "kinds": kinds,
        "totals": [{"kind": k, "count": int(totals.get(k, 0))} for k in kinds],
        "articles": per_article,
        "n_articles": n_articles,
        "lines": lines,
        "n_lines": len(removed),
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


def _validation(
    run_dir: Path, run: dict, frames: list[str], labels: dict[str, str]
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
    v = read_table(run_dir, "validation")
    decided = v[v["evidence"].str.strip().str.lower() == "ok"] if len(v) else v
    matched = int((decided["match"].str.strip().str.lower() == "true").sum()) if len(v) else 0
    metrics = read_table(run_dir, "validation_metrics")
    acc_rows = metrics[metrics["metric"] == "accuracy"]["value"].dropna()
    accuracy = (
        float(acc_rows.iloc[0])
        if len(acc_rows)
        else _num(summary.get("accuracy"))
        if summary
        else (matched / len(decided) if len(decided) else None)
    )
    out.update(
        {
            "n": len(v) if len(v) else int(_num(summary.get("articles")) or 0),
            "decided": len(decided),
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
    rank = {"false": 0, "true": 1}
    rows = []
    if len(v):
        v = v.assign(
            rank=v["match"].str.strip().str.lower().map(rank).fillna(2), order=np.arange(len(v))
        ).sort_values(["rank", "order"], kind="stable")
        for r in _records(v.head(MAX_VALIDATION_ROWS)):
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
    articles = read_table(run_dir, "articles")
    hits, passages_from = _passage_table(run_dir)
    terms = read_table(run_dir, "terms")
    corpus = read_table(run_dir, "corpus")
    removed = read_table(run_dir, "removed")
    lexicon = read_table(run_dir, "lexicon")
    frames = frame_order(run, lexicon, sources, articles, terms, hits)
    labels = frame_labels(run, lexicon, frames)
    names = source_order(sources, corpus, articles, terms, hits)
    low = low_evidence_sources(sources)
    article_rows, n_articles = _articles(corpus, articles, frames, labels)
    anchors = {a["id"]: a["anchor"] for a in article_rows}
    groups = _passage_groups(hits, terms, names, frames, labels, anchors)
    summary, cells = _summary_and_cells(sources, groups, names, frames, labels, low)
    missing = [
        f"data/{n}.csv"
        for n in ("sources", "articles", "hits", "terms", "corpus", "removed", "lexicon")
        if not (run_dir / "data" / f"{n}.csv").is_file()
    ]
    exact = len(terms) and "all_hits" not in terms.attrs.get("absent", ("all_hits",))
    n_hits = int(terms["all_hits"].sum()) if exact else len(hits)
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
        "cleaning": _cleaning(removed, [a["id"] for a in article_rows]),
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
