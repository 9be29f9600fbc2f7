"""The dashboard's sections as plain data for the templates (one function per section or
part of one); what they read comes from ``scan`` (the big tables) or ``read_table``."""

from __future__ import annotations

import base64
from collections import Counter
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from pipeline.aggregate.scores import counted
from pipeline.report.charts.notes import read_notes
from pipeline.report.charts.registry import GROUPS
from pipeline.report.fmt import (
    count_of,
    fmt_ci,
    fmt_int,
    fmt_pct,
    fmt_rate,
    label_of,
    num,
    overlap,
    records,
    sort_key,
)
from pipeline.report.scan import (
    MAX_ARTICLE_ROWS,
    ArticleIndex,
    Passages,
    distinct,
    id_hashes,
    member,
    scan_validation,
)
from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import has_table, iter_table, read_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_REMOVED_ROWS = 2_000


def summary_and_cells(
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
    by_cell = {(r["source"], r["frame"]): r for r in records(sources)}
    top = max((num(r["per_1k"]) or 0.0 for r in by_cell.values()), default=0.0) or 1.0
    summary, rows = [], []
    for s in names:
        is_low = s in low
        cells = []
        stats = []
        for j, f in enumerate(frames):
            r = by_cell.get((s, f), {})
            rate = num(r.get("per_1k"))
            g = groups.get((s, f))
            n = g["total"] if g else 0
            cells.append(
                {
                    "frame": labels[f],
                    "rate": fmt_rate(rate),
                    "rate_key": sort_key(rate),
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
            "articles": num(first.get("articles")),
            "tokens": fmt_int(first.get("tokens")),
            "leads": [],
            "runner": None,
            "overlap": None,
        }
        if ranked and ranked[0][0] > 0:
            _leaders(item, ranked, cells, [labels[f] for f in frames])
        summary.append(item)
        rows.append(cells)
    return summary, rows


def _leaders(
    item: dict[str, Any],
    ranked: list[tuple[float, int, dict[str, Any]]],
    cells: list[dict[str, Any]],
    frame_labels: list[str],
) -> None:
    """Mark a source's leading frames (ties all lead) in its cells and summary, and name the
    runner-up with whether the two intervals overlap."""
    best = ranked[0][0]
    leaders = [x for x in ranked if x[0] == best]
    for _, j, _r in leaders:
        cells[j]["lead"] = True
    item["leads"] = [
        {
            "label": frame_labels[j],
            "rate": fmt_rate(r.get("per_1k")),
            "ci": fmt_ci(r.get("ci_low"), r.get("ci_high")),
            "share": "–" if item["low"] else fmt_pct(r.get("share")),
            "target": cells[j]["target"],
        }
        for _, j, r in leaders
    ]
    rest = [x for x in ranked if x[0] < best]
    if rest and rest[0][0] > 0:
        _, j2, r2 = rest[0]
        _, _, r1 = leaders[0]
        item["runner"] = {
            "label": frame_labels[j2],
            "rate": fmt_rate(r2.get("per_1k")),
            "ci": fmt_ci(r2.get("ci_low"), r2.get("ci_high")),
        }
        item["overlap"] = overlap(
            (r1.get("ci_low"), r1.get("ci_high")), (r2.get("ci_low"), r2.get("ci_high"))
        )


def passage_groups(
    passages: Passages,
    terms: pd.DataFrame,
    names: list[str],
    frames: list[str],
    labels: dict[str, str],
    article_anchor: dict[str, str],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Matched passages grouped per source × frame, in source then frame order.

    ``total`` and ``counted`` are every match of the cell (terms.csv's ``all_hits`` and
    ``author_hits``), so ``more`` = matches not shown here, which data/hits.csv has.
    """
    src_idx = {s: i for i, s in enumerate(names)}
    frm_idx = {f: j for j, f in enumerate(frames)}
    sums = terms.groupby(["source", "frame"])[["all_hits", "author_hits"]].sum()
    totals = {k: (int(v["all_hits"]), int(v["author_hits"])) for k, v in sums.iterrows()}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for (source, frame), total in passages.counts.items():
        i, j = src_idx.get(source), frm_idx.get(frame)
        if i is None or j is None:
            continue
        groups[(source, frame)] = {
            "id": f"cell-{i}-{j}", "si": i, "fj": j, "source": names[i],
            "frame": labels[frames[j]], "rows": [], "counted": 0, "total": total,
        }  # fmt: skip
    rows = passages.rows.assign(_counted=counted(passages.rows))
    for r in records(rows):
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
                "counted": bool(r["_counted"]),
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


def articles_view(
    index: ArticleIndex, frames: list[str], labels: dict[str, str]
) -> tuple[list[dict[str, Any]], int]:
    """One row per shown article: metadata plus rate and hits per frame; and the number of
    articles in all."""
    by_art: dict[str, dict[str, dict[str, Any]]] = {}
    for r in records(index.rows):
        by_art.setdefault(r["article_id"], {})[r["frame"]] = r
    meta = {r["article_id"]: r for r in records(index.meta)}
    rows = []
    for k, aid in enumerate(index.ids):
        m = meta.get(aid, {})
        per = by_art.get(aid, {})
        first = next(iter(per.values()), {})
        low = any(bool(r.get("low_evidence")) for r in per.values())
        rates = [(num(per.get(f, {}).get("per_1k")) or 0.0, f) for f in frames]
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
                "tokens_key": sort_key(m.get("tokens", first.get("tokens"))),
                "removed": fmt_int(m.get("removed_lines")),
                "removed_key": sort_key(m.get("removed_lines")),
                "low": low,
                "frames": [
                    {
                        "rate": fmt_rate(per.get(f, {}).get("per_1k")),
                        "key": sort_key(per.get(f, {}).get("per_1k")),
                        "hits": fmt_int(per.get(f, {}).get("hits")),
                    }
                    for f in frames
                ],
                "dominant": labels[best[1]] if best[0] > 0 else "",
            }
        )
    return rows, index.total


def lexicons_view(
    run: dict[str, Any],
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
        both = sums["quoted_hits"].fillna(0) + sums["negated_hits"].fillna(0)
        other = {cast(tuple[str, str], k): float(v) for k, v in both.items()}
    out = []
    for j, f in enumerate(frames):
        rows = records(lexicon[lexicon["frame"] == f]) if len(lexicon) else []
        entries = []
        for r in rows:
            author = num(r["author_hits"]) or 0
            elsewhere = other.get((f, r["term"]), 0) or 0
            entries.append(
                {
                    "term": r["term"],
                    "category": r["category"],
                    "weight": fmt_rate(r["weight"]).rstrip("0").rstrip("."),
                    "weight_key": sort_key(r["weight"]),
                    "note": r["note"],
                    "lemmas": r["lemmas"],
                    "shared": r["shared"],
                    "hits": fmt_int(r["author_hits"]),
                    "hits_key": sort_key(r["author_hits"]),
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


def cleaning_view(
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
    for chunk in iter_table(run_dir, "removed", columns("removed"), chunksize):
        n_lines += len(chunk)
        totals.update({str(k): int(v) for k, v in chunk["kind"].value_counts().items()})
        if kept < MAX_REMOVED_ROWS:
            lines.append(chunk.head(MAX_REMOVED_ROWS - kept))
            kept += len(lines[-1])
        ids = pd.Series(pd.unique(chunk["article_id"]))
        new = ids[~member(ids, shown)]
        others.append(id_hashes(new))
        if len(more) < room:
            for aid in new:
                if len(more) >= room:
                    break
                more.setdefault(aid, None)
        mine = chunk[member(chunk["article_id"], [*shown, *more])]
        for key, size in mine.groupby(["article_id", "kind"]).size().items():
            counts[cast(tuple[str, str], key)] += int(size)
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
                "line_key": sort_key(r["line"]),
                "kind": r["kind"],
                "text": r["text"],
            }
            for r in records(removed)
        ],
        "n_lines": n_lines,
    }


def charts_view(run_dir: Path) -> list[dict[str, Any]]:
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
        group = note.group if note.group in GROUPS else "other"
        found.setdefault(group, []).append(
            {
                "file": name,
                "title": note.title,
                "alt": note.alt,
                "guide": note.guide,
                "src": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
            }
        )
    titles = GROUPS | {"other": "Other charts"}
    return [
        {"id": key, "title": titles[key], "charts": found[key]} for key in titles if key in found
    ]


def validation_view(
    run_dir: Path,
    run: dict[str, Any],
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
    n, n_decided, matched, first = scan_validation(run_dir, chunksize)
    all_metrics = read_table(run_dir, "validation_metrics")
    family = all_metrics["family"].astype(str)
    metrics = all_metrics[family.isin(["all", ""])]
    out["families"] = family_rows(all_metrics[~family.isin(["all", ""])], frames, labels)
    acc_rows = metrics[metrics["metric"] == "accuracy"]["value"].dropna()
    accuracy = float(acc_rows.iloc[0]) if len(acc_rows) else None
    out.update(
        {
            "n": n,
            "decided": n_decided,
            "matched": matched,
            "accuracy": None if accuracy is None else f"{accuracy * 100:.0f}%",
            "confusion": _confusion_view(run_dir, frames, labels),
            "agreement": _agreement_view(run_dir, labels),
        }
    )
    per_frame = []
    m = metrics[metrics["metric"] != "accuracy"]
    for f in [x for x in frames if x in set(m["frame"])] + [
        x for x in pd.unique(m["frame"]) if x not in frames
    ]:
        g = m[m["frame"] == f].set_index("metric")["value"]
        per_frame.append(
            {
                "label": label_of(labels, f),
                "precision": fmt_pct(g.get("precision")),
                "recall": fmt_pct(g.get("recall")),
                "support": fmt_int(g.get("support")),
            }
        )
    out["metrics"] = per_frame
    rows = []
    for r in records(first):
        match = r["match"].strip().lower()
        rows.append(
            {
                "article": r["article_id"],
                "source": r["source"],
                "perspective": label_of(labels, r["perspective"]),
                "dominant": label_of(labels, r["dominant"]) if r["dominant"] else "–",
                "match": "yes" if match == "true" else "no" if match == "false" else "",
                "evidence": r["evidence"],
            }
        )
    out["rows"] = rows
    return out


def _confusion_view(run_dir: Path, frames: list[str], labels: dict[str, str]) -> dict[str, Any]:
    """Confusion matrix: known perspective (rows) × dominant frame (columns)."""
    conf = read_table(run_dir, "confusion")
    keys = [f for f in frames if f in set(conf["perspective"]) | set(conf["predicted"])]
    keys += [
        f for f in pd.unique(pd.concat([conf["perspective"], conf["predicted"]])) if f not in keys
    ]
    counts = {(r["perspective"], r["predicted"]): num(r["count"]) for r in records(conf)}
    return {
        "available": has_table(run_dir, "confusion"),
        "cols": [label_of(labels, f) for f in keys],
        "rows": [
            {
                "label": label_of(labels, p),
                "cells": [
                    {"n": fmt_int(counts.get((p, q), 0)), "diag": p == q, "zero": not counts.get(
                        (p, q))} for q in keys
                ],
            }
            for p in keys
            if p in set(conf["perspective"])
        ],
    }  # fmt: skip


def _agreement_view(run_dir: Path, labels: dict[str, str]) -> dict[str, Any]:
    """Per source, the rank correlation of two frames' article rates."""
    agreement = read_table(run_dir, "agreement")
    return {
        "available": has_table(run_dir, "agreement"),
        "rows": [
            {
                "source": r["source"],
                "a": label_of(labels, r["frame_a"]),
                "b": label_of(labels, r["frame_b"]),
                "articles": fmt_int(r["articles"]),
                "articles_key": sort_key(r["articles"]),
                "rho": "–" if num(r["spearman"]) is None else f"{num(r['spearman']):+.2f}",
                "rho_key": sort_key(r["spearman"]),
            }
            for r in records(agreement)
        ],
    }


FAMILY_LABELS = {
    "naming": "Naming (names for the war, the states, the enemy)",
    "argument": "Argument (blame, world order, sanctions, threat, partnership, human cost)",
    "other": "Other (sources, register, word order …)",
}


def family_rows(metrics: pd.DataFrame, frames: list[str], labels: dict[str, str]) -> dict[str, Any]:
    """The known-groups check per family of categories: what the figures rest on."""
    cols = [f for f in frames if f in set(metrics["frame"])]
    rows = []
    for fam, title in FAMILY_LABELS.items():
        g = metrics[metrics["family"] == fam]
        if g.empty:
            continue
        value = {(r["metric"], r["frame"]): num(r["value"]) for r in records(g)}
        rows.append(
            {
                "family": title,
                "decided": fmt_pct(value.get(("decided", ""))),
                "accuracy": fmt_pct(value.get(("accuracy", ""))),
                "recall": [fmt_pct(value.get(("recall", f))) for f in cols],
            }
        )
    return {"cols": [label_of(labels, f) for f in cols], "rows": rows}


def coverage_view(run_dir: Path, labels: dict[str, str]) -> dict[str, Any]:
    """Per frame: how many articles have at least ``min_hits`` author matches of it."""
    if not has_table(run_dir, "coverage"):
        return {"available": False, "rows": []}
    c = read_table(run_dir, "coverage")
    return {
        "available": True,
        "rows": [
            {
                "frame": label_of(labels, r["frame"]),
                "articles": fmt_int(r["articles"]),
                "covered": fmt_int(r["covered"]),
                "share": fmt_pct(r["share"]),
                "share_key": sort_key(r["share"]),
            }
            for r in records(c)
        ],
    }


def terms_view(terms: pd.DataFrame, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The Terms section's rows: counts as text, with sort keys beside them."""
    counts = ("author_hits", "quoted_hits", "negated_hits")
    return [
        {
            "source": r["source"],
            "frame": labels.get(r["frame"], r["frame"]),
            "category": r["category"],
            "term": r["term"],
            **{k: fmt_int(r[k]) for k in counts},
            **{f"{k}_key": sort_key(r[k]) for k in counts},
        }
        for r in records(terms)
    ]
