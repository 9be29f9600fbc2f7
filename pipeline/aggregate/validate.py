"""Check the lexicons against what is known: where the manifest gives an article's
``perspective``, does its dominant frame match? And do two lexicons point the same way?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.runfolder.schema import columns

VALIDATION_COLUMNS = columns("validation")


def dominant_frames(scores: pd.DataFrame, perspective: dict[str, str]) -> pd.DataFrame:
    """Per article with a known perspective: its dominant frame (highest per_1k) and whether
    it matches (``true``/``false``, written as text so every batch writes the same bytes);
    ``match`` is empty when the article has too little evidence to say."""
    want = scores["article_id"].map(perspective).astype(object).fillna("").astype(str)
    known = scores[want != ""]
    if known.empty:
        return pd.DataFrame(columns=VALIDATION_COLUMNS)
    ranked = known.assign(_article=pd.factorize(known["article_id"])[0]).sort_values(
        ["_article", "per_1k", "frame"], ascending=[True, False, True], kind="stable"
    )
    top = ranked.drop_duplicates("_article")
    low = (top["low_evidence"].astype(bool) | (top["per_1k"] == 0.0)).to_numpy()
    dominant = np.where(low, "", top["frame"].astype(str).to_numpy())
    wanted = want[top.index].to_numpy()
    return pd.DataFrame(
        {
            "article_id": top["article_id"].to_numpy(),
            "source": top["source"].to_numpy(),
            "perspective": wanted,
            "dominant": dominant,
            "match": np.where(low, "", np.where(dominant == wanted, "true", "false")),
            "evidence": np.where(low, "low", "ok"),
        },
        columns=VALIDATION_COLUMNS,
    )


COUNT_KEYS = ["perspective", "dominant", "evidence"]


def validation_counts(validation: pd.DataFrame) -> pd.DataFrame:
    """Articles per (perspective, dominant, evidence): all that confusion and metrics need,
    so a streaming run keeps this instead of a row per article."""
    if validation.empty:
        return pd.DataFrame(columns=[*COUNT_KEYS, "count"])
    return validation.groupby(COUNT_KEYS, as_index=False).size().rename(columns={"size": "count"})


def _decided(validation: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Rows with enough evidence, and how many articles each stands for."""
    ok = validation[validation["evidence"] == "ok"]
    weight = ok["count"] if "count" in ok else pd.Series(1, index=ok.index)
    return ok, weight.astype(float)


def confusion(validation: pd.DataFrame) -> pd.DataFrame:
    """Counts of (known perspective, dominant frame) over articles with enough evidence;
    ``validation`` is per article or already counted (``validation_counts``)."""
    ok, weight = _decided(validation)
    if ok.empty:
        return pd.DataFrame(columns=columns("confusion"))
    table = weight.astype(int).groupby([ok["perspective"], ok["dominant"]]).sum()
    return table.reset_index(name="count").rename(columns={"dominant": "predicted"})


def metrics(validation: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Accuracy, and per frame precision, recall and support, over decided articles."""
    ok, weight = _decided(validation)
    rows: list[tuple[str, str, float]] = []
    total = float(weight.sum())
    if total:
        rows.append(
            ("accuracy", "", float(weight[ok["dominant"] == ok["perspective"]].sum()) / total)
        )
    for f in frames:
        predicted = float(weight[ok["dominant"] == f].sum())
        actual = float(weight[ok["perspective"] == f].sum())
        tp = float(weight[(ok["dominant"] == f) & (ok["perspective"] == f)].sum())
        if actual or predicted:
            rows.append(("precision", f, tp / predicted if predicted else float("nan")))
            rows.append(("recall", f, tp / actual if actual else float("nan")))
            rows.append(("support", f, actual))
    return pd.DataFrame(rows, columns=columns("validation_metrics"))


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
