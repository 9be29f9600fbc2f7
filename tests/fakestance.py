"""The stance part of the fake run folder (``fakerun.make_fake_run(..., stance=True)``).

Each article ends with a few sentences that name a target and evaluate it; the evidence rows
(``stance_hits``) point into the article's text, and ``stance``, ``stance_timeline``,
``stance_differences`` and ``stance_expectations`` are derived from them, so counts and offsets
agree the way a real run's do. One source evaluates a target strongly but only twice (a
low-evidence cell with a saturated value), one names targets without evaluating them.
With history, a previous run folder holds a ``stance.csv`` in which one cell sat elsewhere.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import read_table, write_table

TARGETS_YAML = Path(__file__).resolve().parents[1] / "lexicons" / "stance" / "targets.yaml"
TARGET_ORDER = ("russia", "dprk", "russia_dprk_ties", "west")
MIN_EVALUATED = 3
# (sentence, target id, alias in it, evaluative term in it or "", polarity)
Spec = tuple[str, str, str, str, int]
FAVOURABLE: list[Spec] = [
    ("ロシアの指導力を称賛した。", "russia", "ロシア", "称賛", 1),
    ("露朝関係の発展を歓迎した。", "russia_dprk_ties", "露朝関係", "歓迎", 1),
    ("ロシアの姿勢を評価した。", "russia", "ロシア", "評価", 1),
    ("北朝鮮の立場を支持した。", "dprk", "北朝鮮", "支持", 1),
    ("西側の対応を非難した。", "west", "西側", "非難", -1),
]
CRITICAL: list[Spec] = [
    ("ロシアの攻撃を非難した。", "russia", "ロシア", "非難", -1),
    ("北朝鮮の挑発を批判した。", "dprk", "北朝鮮", "批判", -1),
    ("ロシアの説明を評価した。", "russia", "ロシア", "評価", 1),
    ("ロシアの主張を批判した。", "russia", "ロシア", "批判", -1),
    ("露朝関係の深化を懸念した。", "russia_dprk_ties", "露朝関係", "懸念", -1),
]
THIN: list[Spec] = [("北朝鮮を強く非難した。", "dprk", "北朝鮮", "非難", -1)]
MENTION_ONLY: list[Spec] = [("ロシアの動向を伝えた。", "russia", "ロシア", "", 0)]


def specs(s_idx: int, source: str, quiet: tuple[str, ...], thin: tuple[str, ...]) -> list[Spec]:
    """The stance sentences every article of a source ends with."""
    if source in thin:
        return THIN
    if source in quiet or s_idx >= 3:
        return MENTION_ONLY
    return FAVOURABLE if s_idx % 2 == 0 else CRITICAL


def evidence(
    article_id: str, source: str, text: str, sentences: list[tuple[int, int]], chosen: list[Spec]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Evidence rows (``stance_hits``) and mention rows of the stance sentences at the end of
    ``text`` (the last ``len(chosen)`` sentences)."""
    hits, mentions = [], []
    first = len(sentences) - len(chosen)
    for k, (sentence, target, alias, term, polarity) in enumerate(chosen):
        sid = first + k
        start = sentences[sid][0]
        assert text[start : start + len(sentence)] == sentence
        a = start + sentence.index(alias)
        mentions.append({"article_id": article_id, "source": source, "target": target})
        if not term:
            continue
        t = start + sentence.index(term)
        hits.append(
            {"article_id": article_id, "source": source, "target": target,
             "target_matched": alias, "term": term, "polarity": polarity, "weight": 1.0,
             "category": "judgement", "voice": "author", "negated": False, "sentence_id": sid,
             "target_start": a, "target_end": a + len(alias), "char_start": t,
             "char_end": t + len(term), "left": text[max(0, t - 10) : t],
             "right": text[t + len(term) : t + len(term) + 10], "about": target,
             "role": "agent", "counted": True}
        )  # fmt: skip
    return hits, mentions


def _cell(pos: float, neg: float) -> float:
    return (pos - neg) / (pos + neg + 2)


def _interval(value: float, n: int) -> tuple[float, float]:
    """A stand-in for the nested bootstrap: wide for few evaluations, inside [-1, 1]."""
    if n == 0:
        return float("nan"), float("nan")
    half = 0.9 / np.sqrt(n + 1)
    return max(-1.0, value - half), min(1.0, value + half)


def stance_table(hits: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """``stance.csv`` of the evidence: one row per source × target, in target order."""
    rows = []
    for source in pd.unique(mentions["source"]):
        for target in TARGET_ORDER:
            m = mentions[(mentions["source"] == source) & (mentions["target"] == target)]
            h = hits[(hits["source"] == source) & (hits["target"] == target) & hits["counted"]]
            pol = h["polarity"].to_numpy(dtype=int)
            pos, neg = float((pol > 0).sum()), float((pol < 0).sum())
            value = _cell(pos, neg) if len(h) else float("nan")
            lo, hi = _interval(value, len(h))
            rows.append(
                {"source": source, "target": target, "articles": m["article_id"].nunique(),
                 "mentions": len(m), "evaluated": len(h), "positive": pos, "negative": neg,
                 "stance": value, "ci_low": lo,
                 "ci_high": hi, "low_evidence": len(h) < MIN_EVALUATED}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _timeline(hits: pd.DataFrame, published: dict[str, str]) -> pd.DataFrame:
    h = hits.assign(month=hits["article_id"].map(published).str[:7])
    h = h[h["month"].str.fullmatch(r"\d{4}-\d{2}", na=False)]
    rows = []
    for (source, target, month), g in h.groupby(["source", "target", "month"], sort=False):
        pos, neg = float((g["polarity"] > 0).sum()), float((g["polarity"] < 0).sum())
        rows.append(
            {"source": source, "target": target, "month": month,
             "articles": g["article_id"].nunique(), "evaluated": len(g), "positive": pos,
             "negative": neg, "stance": _cell(pos, neg)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _expectations(st: pd.DataFrame) -> pd.DataFrame:
    r = st.iloc[0]
    verdict = "as expected" if r["ci_low"] > 0 else "undecided"
    return pd.DataFrame(
        [{"source": r["source"], "perspective": "pro_moscow", "target": r["target"],
          "expected": "+", "stance": r["stance"], "ci_low": r["ci_low"],
          "ci_high": r["ci_high"], "evaluated": r["evaluated"], "verdict": verdict}]
    )  # fmt: skip


def _differences(st: pd.DataFrame) -> pd.DataFrame:
    a, b = st[st["target"] == "russia"].iloc[:2].to_dict("records")
    diff = float(a["stance"] - b["stance"])
    return pd.DataFrame(
        [{"source_a": a["source"], "source_b": b["source"], "target": "russia", "diff": diff,
          "ci_low": diff - 0.3, "ci_high": diff + 0.3, "p_value": 0.004, "p_adjusted": 0.01,
          "unit": "stance", "significant": True}]
    )  # fmt: skip


def write_stance(
    run: Path, hits: list[dict[str, object]], mentions: list[dict[str, object]],
    published: dict[str, str],
) -> list[dict[str, str]]:  # fmt: skip
    """Write the stance tables into ``run/data``; return run.json's ``stance_lexicons``."""
    data = run / "data"
    h, m = pd.DataFrame(hits), pd.DataFrame(mentions)
    # The schema's text columns the fake evidence does not fake (how an evaluation attached,
    # who spoke) are written empty, so the table has every declared column.
    h = h.assign(**{c: "" for c in columns("stance_hits") if c not in h.columns})
    st = stance_table(h, m)
    write_table(h, data / "stance_hits.csv", "stance_hits")
    write_table(st, data / "stance.csv", "stance")
    write_table(_timeline(h, published), data / "stance_timeline.csv", "stance_timeline")
    write_table(_expectations(st), data / "stance_expectations.csv", "stance_expectations")
    write_table(_differences(st), data / "stance_differences.csv", "stance_differences")
    sha = hashlib.sha256(TARGETS_YAML.read_bytes()).hexdigest()
    return [{"file": str(TARGETS_YAML), "sha256": sha}]


def write_previous(run: Path, previous_id: str, first_article: str) -> Path:
    """A previous run folder beside ``run`` whose first source's stance on Russia was the
    opposite, and whose evidence had only ``first_article``."""
    prev = run.parent / previous_id
    (prev / "data").mkdir(parents=True, exist_ok=True)
    st = read_table(run, "stance")
    hits = read_table(run, "stance_hits")
    first = st.index[(st["source"] == st["source"].iloc[0]) & (st["target"] == "russia")][0]
    st.loc[first, ["stance", "ci_low", "ci_high"]] = [-0.6, -0.9, -0.3]
    write_table(st, prev / "data" / "stance.csv", "stance")
    old = hits[hits["article_id"] == first_article]
    write_table(old, prev / "data" / "stance_hits.csv", "stance_hits")
    return prev
