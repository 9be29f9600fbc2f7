"""The dashboard's Stance section: one sentence per source and target, the expected signs, the
differences that hold, and the evidence with its target and term marked."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report.fmt import fmt_p, fmt_pct, records, sort_key
from pipeline.report.labels import Name, name_of, relation, target_names
from pipeline.report.stance_words import (
    crosses_zero,
    direction,
    interval,
    question,
    signed,
    source_sentence,
)
from pipeline.runfolder.tables import has_table, iter_table, read_table

EVIDENCE_PER_CELL = 40  # evidence rows listed per source × target (stance_hits.csv has all)
EVIDENCE_COLUMNS = (
    "article_id", "source", "target", "target_matched", "term", "polarity", "weight", "voice",
    "negated", "sentence_id", "target_start", "target_end", "char_start", "char_end", "left",
    "right", "role", "counted",
)  # fmt: skip


CONTEXT = 30  # characters shown before and after the target and term


def _segments(text: str, r: dict[str, Any]) -> list[dict[str, str]]:
    """The passage round the target and the term, split so the template can mark both."""
    spans = sorted(
        {(int(r["char_start"]), int(r["char_end"]), "term"),
         (int(r["target_start"]), int(r["target_end"]), "target")}
    )  # fmt: skip
    if spans[0][1] > spans[1][0]:  # the term inside the target's name (in_name)
        spans = [(min(spans[0][0], spans[1][0]), max(spans[0][1], spans[1][1]), "term")]
    lo, hi = max(0, spans[0][0] - CONTEXT), min(len(text), spans[-1][1] + CONTEXT)
    out, pos = [], lo
    for a, b, kind in spans:
        out.append({"text": text[pos:a], "kind": ""})
        out.append({"text": text[a:b], "kind": kind})
        pos = b
    out.append({"text": text[pos:hi], "kind": ""})
    return [{"text": x["text"].replace("\n", " "), "kind": x["kind"]} for x in out if x["text"]]


def article_texts(run_dir: Path) -> dict[str, Path]:
    """Each article's cleaned text file (the one stance offsets index)."""
    files: dict[str, Path] = {}
    for chunk in iter_table(run_dir, "corpus", ["article_id", "text_file"]):
        for a, f in zip(chunk["article_id"], chunk["text_file"], strict=True):
            files[str(a)] = run_dir / "data" / str(f)
    return files


def _evidence(
    run_dir: Path,
) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[tuple[str, str], int]]:
    """The first evidence rows per source × target, and per cell how many distinct mentions
    carry a counted evaluation."""
    kept: dict[tuple[str, str], list[dict[str, Any]]] = {}
    carried: dict[tuple[str, str], set[tuple[str, int]]] = {}
    files = article_texts(run_dir)
    cache: dict[str, str] = {}
    for chunk in iter_table(run_dir, "stance_hits", EVIDENCE_COLUMNS):
        for r in records(chunk):
            key = (str(r["source"]), str(r["target"]))
            if bool(r["counted"]):
                carried.setdefault(key, set()).add((str(r["article_id"]), int(r["target_start"])))
            cell = kept.setdefault(key, [])
            if len(cell) >= EVIDENCE_PER_CELL:
                continue
            article = str(r["article_id"])
            if article not in cache:
                path = files.get(article)
                cache = {article: path.read_text("utf-8") if path and path.is_file() else ""}
            cell.append(passage(r, cache[article]))
    return kept, {k: len(v) for k, v in carried.items()}


def passage(r: dict[str, Any], text: str) -> dict[str, Any]:
    """One evidence row as the template shows it."""
    fallback = [
        {"text": str(r["left"]), "kind": ""},
        {"text": str(r["term"]), "kind": "term"},
        {"text": str(r["right"]), "kind": ""},
    ]
    return {
        "segments": _segments(text, r) if text else fallback,
        "target_matched": str(r["target_matched"]),
        "term": str(r["term"]),
        "polarity": "+" if int(r["polarity"]) > 0 else "−",
        "weight": f"{float(r['weight']):g}",
        "voice": str(r["voice"]),
        "negated": bool(r["negated"]),
        "role": str(r["role"]),
        "counted": bool(r["counted"]),
        "article": str(r["article_id"]),
        "sentence": int(r["sentence_id"]),
    }


def _cell(r: dict[str, Any], carried: int, anchor: str, evidence: int) -> dict[str, Any]:
    """One source × target cell of the matrix."""
    kind = direction(r)
    n, mentions = int(r["evaluated"]), int(r["mentions"])
    value = float(r["stance"]) if kind not in ("none",) else math.nan
    shown = kind not in ("none", "thin")
    ci = interval(float(r["ci_low"]), float(r["ci_high"]))
    return {
        "kind": kind.replace(" ", "-"),
        "stance": signed(value) if not math.isnan(value) else "–",
        "ci": ci if n and ci != "none" else "",
        "crosses": bool(n) and crosses_zero(r),
        "n": n,
        "mentions": mentions,
        "share": fmt_pct(min(carried, mentions) / mentions) if mentions else "–",
        "shade": f"{abs(value):.2f}" if shown else "0",
        "sign": "pos" if shown and value > 0 else "neg" if shown and value < 0 else "",
        "anchor": anchor if evidence else "",
        "key": sort_key(value),
    }


def _matrix(
    st: pd.DataFrame, names: dict[str, Name], carried: dict[tuple[str, str], int],
    evidence: dict[tuple[str, str], list[dict[str, Any]]],
) -> tuple[list[str], list[dict[str, Any]]]:  # fmt: skip
    """The targets any source names or evaluates (lexicon order), and one row per source."""
    seen = set(st.loc[(st["mentions"] > 0) | (st["evaluated"] > 0), "target"].astype(str))
    targets = [t for t in names if t in seen] + sorted(seen - set(names))
    rows = []
    for i, (source, g) in enumerate(st.groupby("source", sort=False)):
        by_target = {str(r["target"]): r for r in records(g)}
        cells = []
        for j, t in enumerate(targets):
            r = by_target.get(t)
            key = (str(source), t)
            blank = {"target": t, "evaluated": 0, "mentions": 0, "stance": math.nan,
                     "ci_low": math.nan, "ci_high": math.nan, "low_evidence": True}  # fmt: skip
            cells.append(_cell(r or blank, carried.get(key, 0), f"ev-{i}-{j}",
                               len(evidence.get(key, []))))  # fmt: skip
        ordered = [by_target[t] for t in targets if t in by_target]
        rows.append({"source": str(source), "cells": cells,
                     "sentence": source_sentence(str(source), ordered, names)})  # fmt: skip
    return targets, rows


def stance_view(
    run_dir: Path, names: list[str], warnings: list[str], run: dict[str, Any]
) -> dict[str, Any]:
    """What the Stance section shows; ``available`` is false when the run measured no stance."""
    run_dir = Path(run_dir)
    targets = target_names(run)
    ask = question(targets, relation(run))
    if not has_table(run_dir, "stance"):
        return {"available": False, "question": ask}
    st = read_table(run_dir, "stance")
    if st.empty:
        return {"available": False, "question": ask}
    order = {s: k for k, s in enumerate(names)}
    st = st.sort_values("source", key=lambda c: c.map(order).fillna(len(order)), kind="stable")
    evidence, carried = _evidence(run_dir)
    columns, rows = _matrix(st, targets, carried, evidence)
    sources = []
    for i, row in enumerate(rows):
        groups = [
            {
                "anchor": c["anchor"],
                "target": name_of(targets, t).short,
                "evidence": evidence.get((row["source"], t), []),
                "n": c["n"],
                "mentions": c["mentions"],
            }
            for t, c in zip(columns, row["cells"], strict=True)
            if c["anchor"]
        ]
        sources.append({"source": row["source"], "index": i, "groups": groups})
    return {
        "available": True,
        "question": ask,
        "targets": [{"short": n.short, "ja": n.ja} for n in (name_of(targets, t) for t in columns)],
        "rows": rows,
        "sources": sources,
        "differences": _differences(run_dir, targets),
        "expectations": _expectations(run_dir, targets),
        "warnings": [w for w in warnings if w.startswith("stance reversal:")],
        "per_cell": EVIDENCE_PER_CELL,
    }


def _differences(run_dir: Path, targets: dict[str, Name]) -> dict[str, Any]:
    """The pairwise stance differences that hold after Holm's correction, and how many were
    tested."""
    if not has_table(run_dir, "stance_differences"):
        return {"hold": [], "tested": 0}
    diffs = read_table(run_dir, "stance_differences")
    hold = [
        {
            "a": r["source_a"], "b": r["source_b"], "target": name_of(targets, r["target"]).short,
            "diff": signed(float(r["diff"])),
            "ci": interval(float(r["ci_low"]), float(r["ci_high"])),
            "p": fmt_p(r["p_adjusted"]),
        }
        for r in records(diffs)
        if bool(r["significant"])
    ]  # fmt: skip
    return {"hold": hold, "tested": len(diffs)}


def _expectations(run_dir: Path, targets: dict[str, Name]) -> list[dict[str, Any]]:
    if not has_table(run_dir, "stance_expectations"):
        return []
    out = []
    for e in records(read_table(run_dir, "stance_expectations")):
        s, lo, hi = float(e["stance"]), float(e["ci_low"]), float(e["ci_high"])
        out.append(
            {
                **e,
                "target": name_of(targets, e["target"]).short,
                "stance": signed(s) if s == s else "–",
                "ci": interval(lo, hi) if lo == lo else "–",
                "evaluated": int(e["evaluated"]) if e["evaluated"] == e["evaluated"] else 0,
            }
        )
    return out
