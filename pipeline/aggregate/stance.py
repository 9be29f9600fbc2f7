"""Stance per article and per source and target, with nested bootstrap intervals, pairwise
differences and the expected-sign check.

Stance is a smoothed balance of the counted evaluations (author's own, not negated, not a
victim): ``(positive - negative) / (positive + negative + PRIOR)``, where positive and negative
are sums of entry strengths. It lies in (-1, 1); the prior pulls thin evidence towards 0
instead of letting one word give ±1. Intervals resample articles within a source and
sentences within each article, as the frame rates do (scores.bootstrap_rates).
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import TypeVar

import numpy as np
import pandas as pd

from pipeline.aggregate.compare import ALPHA, PERMUTATION_MAX_UNITS, holm
from pipeline.aggregate.scores import (
    DEFAULT_PERMUTATIONS,
    SENTENCE_RESAMPLING_MAX_ARTICLES,
    _rng,
    bootstrap_rates,
)

PRIOR = 2.0
MIN_EVALUATIONS = 3
# fmt: off
HIT_COLUMNS = [
    "article_id", "source", "target", "target_matched", "term", "polarity", "weight",
    "category", "voice", "negated", "sentence_id", "target_start", "target_end", "char_start",
    "char_end", "left", "right", "about", "role", "counted",
]
MENTION_COLUMNS = ["article_id", "source", "target", "sentence_id", "mentions"]
ARTICLE_COLUMNS = [
    "article_id", "source", "published", "target", "mentions", "evaluated", "positive",
    "negative", "stance",
]
SOURCE_COLUMNS = [
    "source", "target", "articles", "mentions", "evaluated", "positive", "negative", "stance",
    "ci_low", "ci_high", "low_evidence",
]
DIFF_COLUMNS = [
    "source_a", "source_b", "target", "diff", "ci_low", "ci_high", "p_value", "p_adjusted",
    "unit", "significant",
]
MONTH_COLUMNS = ["source", "target", "month", "articles", "evaluated", "positive", "negative",
                 "stance"]
EXPECT_COLUMNS = [
    "source", "perspective", "target", "expected", "stance", "ci_low", "ci_high", "evaluated",
    "verdict",
]
# fmt: on

# a scalar, an array or a column: smoothed keeps the kind it is given
Strengths = TypeVar("Strengths", float, np.ndarray, pd.Series)


def smoothed(positive: Strengths, negative: Strengths) -> Strengths:
    """The stance of summed positive and negative strengths (see the module docstring)."""
    return (positive - negative) / (positive + negative + PRIOR)


def counted_hits(hits: pd.DataFrame) -> pd.DataFrame:
    """The rows that count towards stance (the ``counted`` column, written by the analysis)."""
    return hits[hits["counted"].astype(bool)]


def article_stance(
    articles: pd.DataFrame, hits: pd.DataFrame, mentions: pd.DataFrame
) -> pd.DataFrame:
    """Per article and target that the article names or evaluates (``ARTICLE_COLUMNS``)."""
    keys = ["article_id", "target"]
    own = counted_hits(hits).assign(
        positive=lambda d: d["weight"].where(d["polarity"] > 0, 0.0),
        negative=lambda d: d["weight"].where(d["polarity"] < 0, 0.0),
    )
    evals = own.groupby(keys).agg(
        evaluated=("weight", "size"), positive=("positive", "sum"), negative=("negative", "sum")
    )
    named = mentions.groupby(keys)["mentions"].sum()
    out = pd.concat([named, evals], axis=1).reset_index()
    if out.empty:
        return pd.DataFrame(columns=ARTICLE_COLUMNS)
    out = out.merge(articles[["article_id", "source", "published"]], on="article_id")
    out["mentions"] = out["mentions"].fillna(0).astype(int)
    out["evaluated"] = out["evaluated"].fillna(0).astype(int)
    out[["positive", "negative"]] = out[["positive", "negative"]].fillna(0.0).astype(float)
    out["stance"] = smoothed(out["positive"], out["negative"]).where(out["evaluated"] > 0)
    order = {a: i for i, a in enumerate(articles["article_id"])}
    out = out.sort_values(
        ["article_id", "target"],
        key=lambda s: s.map(order) if s.name == "article_id" else s,
        kind="stable",
    )
    return out[ARTICLE_COLUMNS].reset_index(drop=True)


def _positions(keys: pd.Series) -> dict[object, np.ndarray]:
    """Per key, the positions of its rows in ``keys``, in row order."""
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return {key: order[bounds[k] : bounds[k + 1]] for k, key in enumerate(uniques)}


class StanceAccumulator:
    """Collects, batch by batch, what source intervals and differences need: per article of
    a source its per-sentence positive and negative strengths by target (article totals for
    sources over ``SENTENCE_RESAMPLING_MAX_ARTICLES``)."""

    def __init__(self, targets: list[str], source_counts: dict[str, int] | None = None) -> None:
        self.targets = targets
        self.pos = {t: k for k, t in enumerate(targets)}
        self.counts = source_counts or {}
        # per source: article id -> (sentence rows, 2 × targets) array (positive | negative)
        self.units: dict[str, dict[str, np.ndarray]] = {}
        # per (source, target): [counted evaluations, mentions, articles naming the target]
        self.tallies: dict[tuple[str, str], list[int]] = {}
        self.boots: dict[str, np.ndarray] = {}

    def sentence_level(self, source: str) -> bool:
        return self.counts.get(source, 0) <= SENTENCE_RESAMPLING_MAX_ARTICLES

    def add(self, articles: pd.DataFrame, hits: pd.DataFrame, mentions: pd.DataFrame) -> None:
        """Add one batch: its articles (with ``sentences``), stance hits and mentions."""
        width = len(self.targets)
        own = counted_hits(hits)
        own = own[own["target"].isin(self.pos)]
        # Columns once for the whole group, then each article's rows by position: a pandas
        # call per article cost more than the bootstrap.
        sids = own["sentence_id"].to_numpy(dtype=np.int64)
        cols = own["target"].map(self.pos).to_numpy(dtype=np.int64)
        cols = cols + np.where(own["polarity"].to_numpy() > 0, 0, width)
        weights = own["weight"].to_numpy(dtype=float)
        by_article = _positions(own["article_id"])
        for a, source, n_sent in articles[["article_id", "source", "sentences"]].itertuples(
            index=False
        ):
            per = self.units.setdefault(source, {})
            rows = max(int(n_sent), 1) if self.sentence_level(source) else 1
            w = np.zeros((rows, 2 * width))
            idx = by_article.get(a)
            if idx is not None:
                sid = sids[idx] if rows > 1 else np.zeros(len(idx), dtype=np.int64)
                np.add.at(w, (sid, cols[idx]), weights[idx])
            per[a] = w
        for (source, target), g in own.groupby(["source", "target"]):
            self.tallies.setdefault((str(source), str(target)), [0, 0, 0])[0] += len(g)
        for (source, target), g in mentions.groupby(["source", "target"]):
            tally = self.tallies.setdefault((str(source), str(target)), [0, 0, 0])
            tally[1] += int(g["mentions"].sum())
            tally[2] += g["article_id"].nunique()  # an article never spans two batches

    def article_totals(self, source: str) -> np.ndarray:
        """(articles, 2 × targets) sums, articles in id order."""
        per = self.units[source]
        return np.vstack([per[a].sum(axis=0) for a in sorted(per)])

    def sentence_units(self, source: str) -> np.ndarray:
        """(sentences with any evaluation, 2 × targets), for sources of one or two texts."""
        per = self.units[source]
        rows = np.vstack([per[a] for a in sorted(per)])
        return rows[rows.sum(axis=1) > 0]

    def intervals(self, bootstrap: int, seed: int) -> pd.DataFrame:
        """One row per source × target (``SOURCE_COLUMNS``) with 95% percentile intervals."""
        width = len(self.targets)
        rows = []
        for source in sorted(self.units):
            per = self.units[source]
            ids = sorted(per)
            weights = [per[a] for a in ids]
            zeros = [np.zeros(len(w)) for w in weights]
            # bootstrap_rates divides by max(tokens, 1): with no tokens it returns sums × 1000
            sums = bootstrap_rates(zeros, weights, bootstrap, _rng(seed, str(source))) / 1000
            boot = smoothed(sums[:, :width], sums[:, width:])
            self.boots[source] = boot
            low, high = np.percentile(boot, [2.5, 97.5], axis=0)
            total = np.sum([w.sum(axis=0) for w in weights], axis=0)
            for target, k in self.pos.items():
                evaluated, named, arts = self.tallies.get((source, target), [0, 0, 0])
                p, n = float(total[k]), float(total[width + k])
                rows.append(
                    (
                        source,
                        target,
                        arts,
                        named,
                        evaluated,
                        p,
                        n,
                        smoothed(p, n),
                        low[k],
                        high[k],
                        evaluated < MIN_EVALUATIONS,
                    )
                )
        out = pd.DataFrame(rows, columns=SOURCE_COLUMNS)
        none = out["evaluated"] == 0  # no evidence: no stance, rather than a neutral 0
        out.loc[none, ["stance", "ci_low", "ci_high"]] = np.nan
        return out


def _perm_p(
    units_a: np.ndarray, units_b: np.ndarray, n_perm: int, rng: np.random.Generator
) -> np.ndarray:
    """Two-sided permutation p-values (per target) of the stance difference: units (articles
    or evaluated sentences) re-assigned to the two sources at random, group sizes kept."""
    width = units_a.shape[1] // 2
    both = np.vstack([units_a, units_b])
    n, n_a = len(both), len(units_a)

    def diff(sa: np.ndarray, sb: np.ndarray) -> np.ndarray:
        return smoothed(sa[..., :width], sa[..., width:]) - smoothed(
            sb[..., :width], sb[..., width:]
        )

    observed = diff(units_a.sum(0), units_b.sum(0))
    picks = np.argsort(rng.random((n_perm, n)), axis=1)[:, :n_a]
    s_a = both[picks].sum(axis=1)
    s_b = both.sum(axis=0) - s_a
    extreme = (np.abs(diff(s_a, s_b)) >= np.abs(observed) - 1e-12).sum(axis=0)
    return (1 + extreme) / (n_perm + 1)


def differences(
    acc: StanceAccumulator,
    sources: pd.DataFrame,
    n_perm: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> pd.DataFrame:
    """Every pair of sources × target: difference of stance, its 95% bootstrap interval and a
    permutation p-value, Holm-adjusted over all rows (as compare.differences does for frame
    rates: articles permuted when both sources have two or more, six together; otherwise
    evaluated sentences; very large pairs by the bootstrap's normal approximation)."""
    value = sources.set_index(["source", "target"])["stance"]
    rows = []
    for a, b in combinations(sorted(acc.boots), 2):
        n_a, n_b = len(acc.units[a]), len(acc.units[b])
        boot = acc.boots[a] - acc.boots[b]
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        diff = np.array([value[(a, t)] - value[(b, t)] for t in acc.targets])
        rng = _rng(seed, f"stance\0{a}\0{b}")
        small = acc.sentence_level(a) and acc.sentence_level(b)
        if min(n_a, n_b) >= 2 and n_a + n_b >= 6:
            ua, ub, unit = acc.article_totals(a), acc.article_totals(b), "articles"
        else:
            ua, ub, unit = acc.sentence_units(a), acc.sentence_units(b), "sentences"
        if small and len(ua) + len(ub) <= PERMUTATION_MAX_UNITS and len(ua) and len(ub):
            p = _perm_p(ua, ub, n_perm, rng)
        elif len(ua) and len(ub):
            se = boot.std(axis=0, ddof=1)
            p = np.array(
                [
                    math.erfc(abs(d) / s / math.sqrt(2)) if s > 0 else 1.0
                    for d, s in zip(diff, se, strict=True)
                ]
            )
            unit = "bootstrap-z"
        else:
            p, unit = np.ones(len(acc.targets)), "none"
        for k, target in enumerate(acc.targets):
            if np.isnan(diff[k]):  # one side has no evaluated article: nothing to test
                rows.append((a, b, target, np.nan, np.nan, np.nan, np.nan, unit))
            else:
                rows.append((a, b, target, diff[k], low[k], high[k], float(p[k]), unit))
    out = pd.DataFrame(
        rows, columns=[c for c in DIFF_COLUMNS if c not in ("p_adjusted", "significant")]
    )
    out["p_adjusted"] = _holm_defined(out["p_value"].to_numpy(dtype=float))
    out["significant"] = out["p_adjusted"] < ALPHA
    return out[DIFF_COLUMNS]


def _holm_defined(p: np.ndarray) -> np.ndarray:
    """Holm over the defined p-values only; undefined ones stay undefined and do not count
    in the family size."""
    out = np.full(len(p), np.nan)
    defined = ~np.isnan(p)
    out[defined] = holm(p[defined])
    return out


def by_month(article_rows: pd.DataFrame) -> pd.DataFrame:
    """Stance per source, target and publication month (pooled over the month's articles)."""
    d = article_rows[article_rows["evaluated"] > 0]
    month = pd.to_datetime(d["published"], errors="coerce").dt.strftime("%Y-%m")
    d = d.assign(month=month).dropna(subset=["month"])
    if d.empty:
        return pd.DataFrame(columns=MONTH_COLUMNS)
    out = d.groupby(["source", "target", "month"], as_index=False).agg(
        articles=("article_id", "nunique"),
        evaluated=("evaluated", "sum"),
        positive=("positive", "sum"),
        negative=("negative", "sum"),
    )
    out["stance"] = smoothed(out["positive"], out["negative"])
    return out[MONTH_COLUMNS]


def _sign_word(sign: int) -> str:
    return "positive" if sign > 0 else "negative"


def expectations_check(
    sources: pd.DataFrame,
    expectations: dict[str, dict[str, int]],
    source_perspective: dict[str, str],
) -> tuple[pd.DataFrame, list[str]]:
    """Each source of a known perspective against the signs expected of it, and warnings:
    a stance of the wrong sign, or a source ranked below one of a perspective expected to
    have the opposite sign on the same target."""
    table = sources.set_index(["source", "target"])
    # source, perspective, target, expected, stance, ci_low, ci_high, evaluated, verdict
    rows: list[tuple[str, str, str, str, float, float, float, int, str]] = []
    warnings: list[str] = []
    for source, persp in sorted(source_perspective.items()):
        for target, sign in sorted(expectations.get(persp, {}).items()):
            if (source, target) not in table.index:
                continue
            r = table.loc[(source, target)]
            assert isinstance(r, pd.Series)  # (source, target) is unique in the source table
            if r["evaluated"] == 0:
                verdict = "no_evidence"
            elif r["low_evidence"]:
                verdict = "low_evidence"
            else:
                verdict = "ok" if np.sign(r["stance"]) == sign else "reversed"
            rows.append(
                (
                    source,
                    persp,
                    target,
                    _sign_word(sign),
                    r["stance"],
                    r["ci_low"],
                    r["ci_high"],
                    int(r["evaluated"]),
                    verdict,
                )
            )
            if verdict == "reversed":
                warnings.append(
                    f"stance reversal: {source} (known {persp}) portrays {target} at "
                    f"{r['stance']:+.2f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}], n="
                    f"{int(r['evaluated'])}; expected {_sign_word(sign)}"
                )
    out = pd.DataFrame(rows, columns=EXPECT_COLUMNS)
    decided = out[out["verdict"].isin(["ok", "reversed"])]
    for name, g in decided.groupby("target"):
        high = g[g["expected"] == "positive"]
        low = g[g["expected"] == "negative"]
        for _, h in high.iterrows():
            for _, lo in low.iterrows():
                if h["stance"] < lo["stance"]:
                    warnings.append(
                        f"stance reversal: {lo['source']} (known {lo['perspective']}) portrays "
                        f"{name} more favourably than {h['source']} (known "
                        f"{h['perspective']}): {lo['stance']:+.2f} vs {h['stance']:+.2f}"
                    )
    return out, warnings
