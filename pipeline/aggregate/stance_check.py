"""Check the pipeline's article stance against gold labels (``stance_gold.csv``).

The pipeline's class of an article × target is the sign of its counted positive minus
negative strength (``stance_articles.csv``), and 0 where it counted no evaluation. Per target
and overall (``target`` = ``all``): Cohen's κ over the three classes, coverage (share of gold
±1 pairs where the pipeline counted any evaluation) and precision (share of the pipeline's
±1 classes that equal gold). Only articles the run scored count.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import iter_table, write_table

ALL = "all"
CLASSES = [-1, 0, 1]
_RATIOS = ("agreement", "kappa", "coverage", "precision")
_ARTICLE_COLUMNS = ["article_id", "target", "evaluated", "positive", "negative"]


def pipeline_classes(gold: pd.DataFrame, stance_articles: pd.DataFrame) -> pd.DataFrame:
    """The gold rows with the pipeline's ``predicted`` class and ``evaluated`` count."""
    found = stance_articles[_ARTICLE_COLUMNS].rename(columns={"article_id": "id"})
    out = gold[["id", "target", "stance"]].merge(found, on=["id", "target"], how="left")
    evaluated = out["evaluated"].fillna(0).astype(int)
    balance = (out["positive"].fillna(0.0) - out["negative"].fillna(0.0)).to_numpy(dtype=float)
    out["predicted"] = np.where(evaluated > 0, np.sign(balance), 0).astype(int)
    out["evaluated"] = evaluated
    return out[["id", "target", "stance", "predicted", "evaluated"]]


def kappa(gold: pd.Series, predicted: pd.Series) -> float:
    """Cohen's κ over -1/0/1; NaN when undefined (both codings put everything in one class)."""
    from sklearn.metrics import cohen_kappa_score  # imported when a gold file is checked

    if len(gold) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined κ: NaN, said in the table as —
        value = cohen_kappa_score(gold, predicted, labels=CLASSES)
    return float(value)


def _row(target: str, g: pd.DataFrame) -> dict[str, object]:
    signed = g[g["stance"] != 0]
    said = g[g["predicted"] != 0]
    return {
        "target": target,
        "pairs": len(g),
        "gold_signed": len(signed),
        "predicted_signed": len(said),
        "agreement": float((g["stance"] == g["predicted"]).mean()) if len(g) else np.nan,
        "kappa": kappa(g["stance"], g["predicted"]),
        "coverage": float((signed["evaluated"] > 0).mean()) if len(signed) else np.nan,
        "precision": float((said["stance"] == said["predicted"]).mean()) if len(said) else np.nan,
    }


def stance_validation(gold: pd.DataFrame, stance_articles: pd.DataFrame) -> pd.DataFrame:
    """Per target in gold order, then ``all``: pairs, signed pairs, agreement, κ, coverage,
    precision (``stance_validation`` table)."""
    pairs = pipeline_classes(gold, stance_articles)
    rows = [_row(str(t), g) for t, g in pairs.groupby("target", sort=False)]
    rows.append(_row(ALL, pairs))
    return pd.DataFrame(rows, columns=columns("stance_validation"))


def scored_articles(run_dir: Path, gold: pd.DataFrame) -> pd.DataFrame:
    """The run's ``stance_articles`` rows of the gold's articles (read a chunk at a time)."""
    ids = set(gold["id"])
    parts = [
        chunk[chunk["article_id"].isin(ids)]
        for chunk in iter_table(Path(run_dir), "stance_articles", _ARTICLE_COLUMNS)
    ]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_ARTICLE_COLUMNS)


def scored_ids(run_dir: Path) -> set[str]:
    """The ids of the articles the run scored (``corpus.csv``)."""
    return {
        str(a)
        for chunk in iter_table(Path(run_dir), "corpus", ["article_id"])
        for a in chunk["article_id"]
    }


def check_run(run_dir: Path, gold: pd.DataFrame) -> pd.DataFrame:
    """The validation table of a finished run folder against ``gold`` (unscored articles
    left out)."""
    gold = gold[gold["id"].isin(scored_ids(run_dir))]
    return stance_validation(gold, scored_articles(run_dir, gold))


def write_stance_validation(run_dir: Path, gold: pd.DataFrame | None) -> dict[str, object] | None:
    """Write ``data/stance_validation.csv`` (only its header without gold); return the
    overall row for run.json, or None without gold."""
    path = Path(run_dir) / "data" / "stance_validation.csv"
    if gold is None:
        write_table(pd.DataFrame(columns=columns("stance_validation")), path)
        return None
    table = check_run(run_dir, gold)
    write_table(table, path)
    overall = table[table["target"] == ALL].iloc[0]
    out: dict[str, object] = {}
    for name in columns("stance_validation")[1:]:
        value = float(overall[name])
        if np.isnan(value):
            out[name] = None
        else:
            out[name] = round(value, 4) if name in _RATIOS else int(value)
    return out
