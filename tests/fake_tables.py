"""The tables of a fake run derived from its article rows (differences, keyness, similarity,
frame map, timeline, coverage, validation, sourcing, history), as the real aggregation would
give them, at a small scale: ``tests/fakerun.py`` builds the rows and writes the tables."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.aggregate.compare import holm
from pipeline.runfolder.schema import TABLES, columns
from pipeline.runfolder.tables import write_table

CONTRACT: dict[str, list[str]] = {name: columns(name) for name in TABLES}
HISTORY = columns("history")
BOOT = 200  # resamples for the fake intervals
SETTINGS = {
    "bootstrap": 1000,
    "seed": 20240618,
    "min_tokens": 50,
    "min_hits": 2,
    "permutations": 200,
}
SPEAKER_GROUPS = ("russian_government", "us_government", "experts", "other")


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(pd.DataFrame(list(rows), columns=list(columns)), path)


def boot_rates(weights: np.ndarray, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(BOOT, frames) resampled pooled rates of one source, resampling its articles."""
    n = len(tokens)
    picks = rng.multinomial(n, np.full(n, 1.0 / n), size=BOOT).astype(float)
    return (picks @ weights) * 1000 / np.maximum(picks @ tokens, 1.0)[:, None]


def permutation_p(
    wa: np.ndarray, ta: np.ndarray, wb: np.ndarray, tb: np.ndarray, n_perm: int, rng
) -> np.ndarray:
    """Two-sided permutation p-value per frame, permuting articles between two sources."""
    w, t = np.vstack([wa, wb]), np.concatenate([ta, tb])
    n_a = len(ta)

    def diff(idx: np.ndarray) -> np.ndarray:
        ia, ib = idx[:n_a], idx[n_a:]
        return w[ia].sum(0) * 1000 / max(t[ia].sum(), 1) - w[ib].sum(0) * 1000 / max(t[ib].sum(), 1)

    observed = np.abs(diff(np.arange(len(t))))
    extreme = np.zeros(w.shape[1])
    for _ in range(n_perm):
        extreme += np.abs(diff(rng.permutation(len(t)))) >= observed - 1e-12
    return (extreme + 1) / (n_perm + 1)


def differences(
    names: list[str],
    frames: list[str],
    src: pd.DataFrame,
    boots: dict[str, np.ndarray],
    units: dict[str, tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
) -> pd.DataFrame:
    rate = src.set_index(["source", "frame"])["per_1k"]
    rows = []
    for a, b in combinations(names, 2):
        (wa, ta), (wb, tb) = units[a], units[b]
        boot = boots[a] - boots[b]
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        diff = np.array([rate[(a, f)] - rate[(b, f)] for f in frames])
        if min(len(ta), len(tb)) >= 5 and len(ta) + len(tb) <= 2000:
            p = permutation_p(wa, ta, wb, tb, SETTINGS["permutations"], rng)
            unit = "articles"
        else:
            se = boot.std(axis=0, ddof=1)
            p = np.array([math.erfc(abs(d) / s / math.sqrt(2)) if s > 0 else float(d == 0)
                          for d, s in zip(diff, se, strict=True)])  # fmt: skip
            unit = "tokens" if min(len(ta), len(tb)) < 2 else "bootstrap-z"
        for k, f in enumerate(frames):
            rows.append(
                {"source_a": a, "source_b": b, "frame": f, "diff": diff[k], "ci_low": low[k],
                 "ci_high": high[k], "p_value": float(p[k]), "unit": unit}
            )  # fmt: skip
    out = pd.DataFrame(
        rows, columns=[c for c in CONTRACT["differences"] if c not in ("p_adjusted", "significant")]
    )
    out["p_adjusted"] = holm(out["p_value"].to_numpy(dtype=float)) if len(out) else []
    out["significant"] = out["p_adjusted"] < 0.05
    return out[CONTRACT["differences"]]


def keyness(terms: pd.DataFrame, src: pd.DataFrame) -> pd.DataFrame:
    """Monroe et al. (2008) log-odds with the whole corpus as informative Dirichlet prior."""
    cols = CONTRACT["keyness"]
    if terms.empty:
        return pd.DataFrame(columns=cols)
    tokens = src.drop_duplicates("source").set_index("source")["tokens"].astype(float)
    total = float(tokens.sum())
    counts = terms.pivot_table(
        index=["frame", "term"], columns="source", values="author_hits", aggfunc="sum",
        fill_value=0,
    ).reindex(columns=tokens.index, fill_value=0)  # fmt: skip
    prior = counts.sum(axis=1).to_numpy(dtype=float)
    rows = []
    for source in tokens.index:
        y = counts[source].to_numpy(dtype=float)
        rest, n_a = prior - y, tokens[source]
        with np.errstate(divide="ignore", invalid="ignore"):
            la = np.log(y + prior) - np.log(n_a + total - y - prior)
            lb = np.log(rest + prior) - np.log(total - n_a + total - rest - prior)
            delta = la - lb
            z = delta / np.sqrt(1 / (y + prior) + 1 / (rest + prior))
        for (frame, term), c, r, d, zz in zip(counts.index, y, rest, delta, z, strict=True):
            if c + r > 0:
                rows.append((source, frame, term, int(c), int(r), d, zz))
    return pd.DataFrame(rows, columns=cols)


def similarity(names: list[str], bags: dict[str, Counter[str]]) -> pd.DataFrame:
    vocab = sorted({w for b in bags.values() for w in b})
    index = {w: i for i, w in enumerate(vocab)}
    m = np.zeros((len(names), len(vocab)))
    for i, s in enumerate(names):
        for w, n in bags.get(s, {}).items():
            m[i, index[w]] = 1 + math.log(n)
    df = (m > 0).sum(axis=0)
    m *= np.log((1 + len(names)) / (1 + df)) + 1
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    m = np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)
    sim = m @ m.T
    return pd.DataFrame(
        [(a, b, float(sim[i, j])) for i, a in enumerate(names) for j, b in enumerate(names)],
        columns=CONTRACT["similarity"],
    )


def frame_map(src: pd.DataFrame, boots: dict[str, np.ndarray], frames: list[str]) -> pd.DataFrame:
    cols = CONTRACT["frame_map"]
    profile = src.pivot(index="source", columns="frame", values="per_1k").reindex(columns=frames)
    profile = profile.reindex(list(dict.fromkeys(src["source"])))
    if len(profile) < 2 or len(frames) < 2:
        return pd.DataFrame(columns=cols)
    x = profile.to_numpy(dtype=float)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    k = min(2, len(s))
    comp = vt[:k]
    var = list((s**2 / max((s**2).sum(), 1e-12))[:k]) + [0.0] * (2 - k)
    rows = []
    for i, source in enumerate(profile.index):
        point = list((x[i] - mean) @ comp.T) + [0.0] * (2 - k)
        proj = (boots[source] - mean) @ comp.T
        lo, hi = np.percentile(proj, [2.5, 97.5], axis=0)
        lo, hi = list(lo) + [0.0] * (2 - k), list(hi) + [0.0] * (2 - k)
        rows.append((source, point[0], point[1], lo[0], hi[0], lo[1], hi[1], var[0], var[1]))
    return pd.DataFrame(rows, columns=cols)


def timeline(art: pd.DataFrame) -> pd.DataFrame:
    dated = art[art["published"].astype(str).str.len() >= 7].copy()
    dated["month"] = dated["published"].str.slice(0, 7)
    out = (
        dated.groupby(["source", "month", "frame"], sort=False)
        .agg(articles=("article_id", "nunique"), tokens=("tokens", "sum"),
             weighted=("weighted", "sum"))
        .reset_index()
    )  # fmt: skip
    out["per_1k"] = out["weighted"] * 1000 / out["tokens"].clip(lower=1)
    return out.sort_values(["source", "month", "frame"], kind="stable")


def coverage(art: pd.DataFrame, frames: list[str], min_hits: int) -> pd.DataFrame:
    n = art["article_id"].nunique()
    rows = []
    for f in frames:
        covered = int((art.loc[art["frame"] == f, "hits"] >= min_hits).sum())
        rows.append({"frame": f, "articles": n, "covered": covered, "share": covered / max(n, 1)})
    return pd.DataFrame(rows)


def validation(art: pd.DataFrame, corpus: pd.DataFrame) -> pd.DataFrame:
    known = corpus[corpus["perspective"] != ""].set_index("article_id")["perspective"]
    rows = []
    for aid, want in known.items():
        g = art[art["article_id"] == aid].sort_values(
            ["per_1k", "frame"], ascending=[False, True], kind="stable"
        )
        low = bool(g["low_evidence"].iloc[0]) or float(g["per_1k"].iloc[0]) == 0.0
        dominant = "" if low else str(g["frame"].iloc[0])
        rows.append(
            {"article_id": aid, "source": g["source"].iloc[0], "perspective": want,
             "dominant": dominant, "match": "" if low else str(dominant == want).lower(),
             "evidence": "low" if low else "ok"}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=CONTRACT["validation"])


def confusion(val: pd.DataFrame) -> pd.DataFrame:
    ok = val[val["evidence"] == "ok"]
    if ok.empty:
        return pd.DataFrame(columns=CONTRACT["confusion"])
    out = ok.groupby(["perspective", "dominant"]).size().reset_index(name="count")
    return out.rename(columns={"dominant": "predicted"})


def metrics(val: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    ok = val[val["evidence"] == "ok"]
    rows: list[tuple[str, str, float]] = []
    if len(ok):
        rows.append(("accuracy", "", float((ok["dominant"] == ok["perspective"]).mean())))
    for f in frames:
        predicted, actual = ok["dominant"] == f, ok["perspective"] == f
        tp = float((predicted & actual).sum())
        if actual.any() or predicted.any():
            rows.append(("precision", f, tp / predicted.sum() if predicted.any() else math.nan))
            rows.append(("recall", f, tp / actual.sum() if actual.any() else math.nan))
            rows.append(("support", f, float(actual.sum())))
    out = pd.DataFrame(rows, columns=["metric", "frame", "value"]).assign(family="all")
    return out[CONTRACT["validation_metrics"]]


SPEAKER_GROUPS = ("russian_government", "us_government", "experts", "other")


def sourcing_hits(art: pd.DataFrame) -> pd.DataFrame:
    """One or two attributions per article, their groups in turn."""
    ids = art[["article_id", "source"]].drop_duplicates()
    rows = []
    for k, (aid, src) in enumerate(zip(ids["article_id"], ids["source"], strict=True)):
        for j in range(1 + k % 2):
            group = SPEAKER_GROUPS[(k + j) % len(SPEAKER_GROUPS)]
            rows.append((aid, src, 0, "報道官", group, False, "reporting_verb", "述べる",
                         0, 3, 4, 7, "報道官は協力は続くと述べた。"))  # fmt: skip
    return pd.DataFrame(rows, columns=CONTRACT["sourcing_hits"])


def agreement(art: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    wide = art.pivot_table(index=["source", "article_id"], columns="frame", values="per_1k")
    rows = []
    for source, g in wide.groupby(level="source", sort=False):
        for i, fa in enumerate(frames):
            for fb in frames[i + 1 :]:
                rho = None
                if len(g) >= 3:
                    value = g[fa].rank().corr(g[fb].rank())
                    rho = None if pd.isna(value) else float(value)
                rows.append((source, fa, fb, len(g), rho))
    return pd.DataFrame(rows, columns=CONTRACT["agreement"])


def reversals(src: pd.DataFrame, corpus: pd.DataFrame) -> list[str]:
    known: dict[str, str] = {}
    for source, g in corpus[corpus["perspective"] != ""].groupby("source", sort=False):
        values = g["perspective"].unique()
        if len(values) == 1:
            known[str(source)] = str(values[0])
    rate = src.set_index(["source", "frame"])
    out = []
    for a, pa in known.items():
        for b, pb in known.items():
            if pb == pa or (b, pa) not in rate.index or (a, pa) not in rate.index:
                continue
            ra, rb = rate.loc[(a, pa)], rate.loc[(b, pa)]
            if rb["per_1k"] > ra["per_1k"]:
                out.append(
                    f"reversal: {b} (known {pb}) scores higher on {pa} than {a} (known {pa}): "
                    f"{rb['per_1k']:.2f} vs {ra['per_1k']:.2f} per 1,000 tokens"
                )
    return out


def history(path: Path, src: pd.DataFrame, runs: int) -> None:
    """Earlier runs' per-source scores, drifting towards this run's."""
    rows = []
    for k in range(runs):
        factor = 0.7 + 0.3 * (k + 1) / (runs + 1)
        for r in src.to_dict("records"):
            rows.append(
                {**{c: r.get(c) for c in HISTORY}, "run_id": f"2024050{k + 1}T090000Z-old{k}",
                 "finished": f"2024-05-0{k + 1}T09:00:{k:02d}+00:00",
                 "lexicons_sha256": "0" * 64, "per_1k": r["per_1k"] * factor,
                 "ci_low": r["ci_low"] * factor, "ci_high": r["ci_high"] * factor}
            )  # fmt: skip
    write_csv(path, HISTORY, rows)
