"""Check the lexicons against what is known: where the manifest gives an article's
``perspective``, does its dominant frame match? And do two lexicons point the same way?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALIDATION_COLUMNS = ["article_id", "source", "perspective", "dominant", "match", "evidence"]


def dominant_frames(scores: pd.DataFrame, perspective: dict[str, str]) -> pd.DataFrame:
    """Per article with a known perspective: its dominant frame (highest per_1k) and whether
    it matches (``true``/``false``, written as text so every batch writes the same bytes);
    ``match`` is empty when the article has too little evidence to say."""
    known = scores[scores["article_id"].map(lambda a: bool(perspective.get(a, "")))]
    if known.empty:
        return pd.DataFrame(columns=VALIDATION_COLUMNS)
    rows = []
    for aid, g in known.groupby("article_id", sort=False):
        g = g.sort_values(["per_1k", "frame"], ascending=[False, True], kind="stable")
        low = bool(g["low_evidence"].iloc[0]) or float(g["per_1k"].iloc[0]) == 0.0
        dominant = "" if low else str(g["frame"].iloc[0])
        want = perspective[aid]
        rows.append(
            {
                "article_id": aid,
                "source": g["source"].iloc[0],
                "perspective": want,
                "dominant": dominant,
                "match": "" if low else str(dominant == want).lower(),
                "evidence": "low" if low else "ok",
            }
        )
    return pd.DataFrame(rows, columns=VALIDATION_COLUMNS)


def confusion(validation: pd.DataFrame) -> pd.DataFrame:
    """Counts of (known perspective, dominant frame) over articles with enough evidence."""
    ok = validation[validation["evidence"] == "ok"]
    if ok.empty:
        return pd.DataFrame(columns=["perspective", "predicted", "count"])
    table = ok.groupby(["perspective", "dominant"]).size().reset_index(name="count")
    return table.rename(columns={"dominant": "predicted"})


def metrics(validation: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Accuracy, and per frame precision, recall and support, over decided articles."""
    ok = validation[validation["evidence"] == "ok"]
    rows: list[tuple[str, str, float]] = []
    if len(ok):
        rows.append(("accuracy", "", float((ok["dominant"] == ok["perspective"]).mean())))
    for f in frames:
        predicted = ok["dominant"] == f
        actual = ok["perspective"] == f
        tp = float((predicted & actual).sum())
        if actual.any() or predicted.any():
            rows.append(("precision", f, tp / predicted.sum() if predicted.any() else float("nan")))
            rows.append(("recall", f, tp / actual.sum() if actual.any() else float("nan")))
            rows.append(("support", f, float(actual.sum())))
    return pd.DataFrame(rows, columns=["metric", "frame", "value"])


def reversals(sources: pd.DataFrame, source_perspective: dict[str, str]) -> list[str]:
    """Warnings for sources ranked against their known perspective on its own frame: a source
    of perspective F with a lower rate on frame F than a source known to be of another."""
    rate = sources.set_index(["source", "frame"])
    frames = set(sources["frame"])
    out = []
    for a, pa in sorted(source_perspective.items()):
        if pa not in frames or (a, pa) not in rate.index:
            continue
        for b, pb in sorted(source_perspective.items()):
            if pb == pa or (b, pa) not in rate.index:
                continue
            ra, rb = rate.loc[(a, pa)], rate.loc[(b, pa)]
            if rb["per_1k"] > ra["per_1k"]:
                out.append(
                    f"reversal: {b} (known {pb}) scores higher on {pa} than {a} (known {pa}): "
                    f"{rb['per_1k']:.2f} [{rb['ci_low']:.2f}, {rb['ci_high']:.2f}] vs "
                    f"{ra['per_1k']:.2f} [{ra['ci_low']:.2f}, {ra['ci_high']:.2f}] per 1,000 tokens"
                )
    return out


def source_perspectives(corpus: pd.DataFrame) -> dict[str, str]:
    """A source's known perspective: the one its articles carry, when they agree."""
    known = corpus[corpus["perspective"].fillna("").astype(str) != ""]
    out = {}
    for source, g in known.groupby("source"):
        values = g["perspective"].astype(str).unique()
        if len(values) == 1:
            out[str(source)] = str(values[0])
    return out


def agreement(article_rates: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Per source and pair of frames: Spearman correlation of article rates (empty below
    three articles): do two lexicons rise and fall together across a source's articles?"""
    wide = article_rates.pivot_table(
        index=["source", "article_id"], columns="frame", values="per_1k", sort=True
    ).reindex(columns=frames)
    return agreement_of(
        {str(src): g.to_numpy(dtype="float32") for src, g in wide.groupby(level="source")}, frames
    )


def agreement_of(rates: dict[str, np.ndarray], frames: list[str]) -> pd.DataFrame:
    """``agreement`` from per-source arrays (articles × frames): what a streaming run keeps."""
    cols = ["source", "frame_a", "frame_b", "articles", "spearman"]
    rows = []
    for source in sorted(rates):
        g = pd.DataFrame(rates[source], columns=frames)
        for i, fa in enumerate(frames):
            for fb in frames[i + 1 :]:
                rho = None
                if len(g) >= 3 and g[fa].nunique() > 1 and g[fb].nunique() > 1:
                    value = g[fa].rank().corr(g[fb].rank())
                    rho = None if pd.isna(value) else float(value)
                rows.append((source, fa, fb, len(g), rho))
    return pd.DataFrame(rows, columns=cols)
