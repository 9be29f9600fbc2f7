"""The dashboard's Stance section: one sentence per source and target, the expected signs, the
differences that hold, and the evidence with its target and term marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report.fmt import fmt_p, records
from pipeline.runfolder.tables import has_table, iter_table, read_table

EVIDENCE_PER_CELL = 40  # evidence rows listed per source × target (stance_hits.csv has all)
EVIDENCE_COLUMNS = (
    "article_id", "source", "target", "target_matched", "term", "polarity", "weight", "voice",
    "negated", "sentence_id", "target_start", "target_end", "char_start", "char_end", "left",
    "right", "role", "counted",
)  # fmt: skip


def _signed(v: float) -> str:
    return f"{v:+.2f}"


def describe(r: dict[str, Any]) -> str:
    """How a source portrays a target, in words (after the source's name), from its row of
    stance.csv."""
    target, n = r["target"], int(r["evaluated"])
    if n == 0:
        return f"names {target} but never evaluates it in its own voice"
    s, lo, hi = float(r["stance"]), float(r["ci_low"]), float(r["ci_high"])
    numbers = f"{_signed(s)} [{_signed(lo)}, {_signed(hi)}], {n} evaluation{'' if n == 1 else 's'}"
    if r["low_evidence"]:
        return f"evaluates {target} too rarely to say: {numbers}"
    if lo > 0:
        word = "favourably"
    elif hi < 0:
        word = "unfavourably"
    elif s > 0:
        word = "leaning favourably (the interval includes zero)"
    elif s < 0:
        word = "leaning unfavourably (the interval includes zero)"
    else:
        word = "evenly"
    return f"portrays {target} {word}: {numbers}"


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


def _texts(run_dir: Path) -> dict[str, Path]:
    """Each article's cleaned text file (the one stance offsets index)."""
    files: dict[str, Path] = {}
    for chunk in iter_table(run_dir, "corpus", ["article_id", "text_file"]):
        for a, f in zip(chunk["article_id"], chunk["text_file"], strict=True):
            files[str(a)] = run_dir / "data" / str(f)
    return files


def _evidence(run_dir: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    kept: dict[tuple[str, str], list[dict[str, Any]]] = {}
    files = _texts(run_dir)
    cache: dict[str, str] = {}
    for chunk in iter_table(run_dir, "stance_hits", EVIDENCE_COLUMNS):
        for r in records(chunk):
            cell = kept.setdefault((str(r["source"]), str(r["target"])), [])
            if len(cell) >= EVIDENCE_PER_CELL:
                continue
            article = str(r["article_id"])
            if article not in cache:
                path = files.get(article)
                cache = {article: path.read_text("utf-8") if path and path.is_file() else ""}
            text = cache[article]
            cell.append(
                {
                    "segments": _segments(text, r)
                    if text
                    else [
                        {"text": str(r["left"]), "kind": ""},
                        {"text": str(r["term"]), "kind": "term"},
                        {"text": str(r["right"]), "kind": ""},
                    ],
                    "target_matched": str(r["target_matched"]),
                    "term": str(r["term"]),
                    "polarity": "+" if int(r["polarity"]) > 0 else "−",
                    "weight": f"{float(r['weight']):g}",
                    "voice": str(r["voice"]),
                    "negated": bool(r["negated"]),
                    "role": str(r["role"]),
                    "counted": bool(r["counted"]),
                    "article": article,
                    "sentence": int(r["sentence_id"]),
                }
            )
    return kept


def stance_view(run_dir: Path, names: list[str], warnings: list[str]) -> dict[str, Any]:
    """What the Stance section shows; ``available`` is false when the run measured no stance."""
    run_dir = Path(run_dir)
    if not has_table(run_dir, "stance"):
        return {"available": False}
    st = read_table(run_dir, "stance")
    if st.empty:
        return {"available": False}
    order = {s: k for k, s in enumerate(names)}
    st = st.sort_values("source", key=lambda c: c.map(order).fillna(len(order)), kind="stable")
    evidence = _evidence(run_dir)
    sources = []
    for source, g in st.groupby("source", sort=False):
        rows = [
            {
                "target": r["target"],
                "sentence": describe(r),
                "evidence": evidence.get((str(source), str(r["target"])), []),
                "evaluated": int(r["evaluated"]),
                "mentions": int(r["mentions"]),
            }
            for r in records(g)
            if int(r["mentions"]) > 0 or int(r["evaluated"]) > 0
        ]
        sources.append({"source": str(source), "rows": rows})
    diffs = (
        read_table(run_dir, "stance_differences")
        if has_table(run_dir, "stance_differences")
        else pd.DataFrame()
    )
    hold = [
        {
            "a": r["source_a"], "b": r["source_b"], "target": r["target"],
            "diff": _signed(float(r["diff"])),
            "ci": f"[{_signed(float(r['ci_low']))}, {_signed(float(r['ci_high']))}]",
            "p": fmt_p(r["p_adjusted"]),
        }
        for r in records(diffs)
        if bool(r["significant"])
    ]  # fmt: skip
    expected = (
        records(read_table(run_dir, "stance_expectations"))
        if has_table(run_dir, "stance_expectations")
        else []
    )
    return {
        "available": True,
        "sources": sources,
        "differences": hold,
        "n_differences": len(diffs),
        "expectations": expected,
        "warnings": [w for w in warnings if w.startswith("stance reversal:")],
        "per_cell": EVIDENCE_PER_CELL,
    }
