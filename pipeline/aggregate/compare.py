"""Compare sources: pairwise differences with intervals and corrected p-values, keyness of
lexicon entries, a frame map (PCA of frame profiles) and lemma-based similarity.

Every function takes plain arrays or DataFrames and a seed; nothing here reads files.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity

from pipeline.aggregate.scores import DEFAULT_PERMUTATIONS, SourceAccumulator, _rng
from pipeline.runfolder.schema import ALPHA, columns

DIFF_COLUMNS = columns("differences")
# Above this many units in a pair, p-values come from the bootstrap's standard error
# (normal approximation) instead of a permutation test.
PERMUTATION_MAX_UNITS = 5000


def holm(p: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (family-wise error over all comparisons)."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def _permutation_p(
    ta: np.ndarray,
    wa: np.ndarray,
    tb: np.ndarray,
    wb: np.ndarray,
    n_perm: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Two-sided permutation p-values (per frame) for the difference of pooled rates."""
    t = np.concatenate([ta, tb])
    w = np.vstack([wa, wb])
    n, n_a = len(t), len(ta)
    observed = wa.sum(0) * 1000 / max(ta.sum(), 1) - wb.sum(0) * 1000 / max(tb.sum(), 1)
    picks = np.argsort(rng.random((n_perm, n)), axis=1)[:, :n_a]
    t_a = t[picks].sum(axis=1)
    w_a = w[picks].sum(axis=1)
    t_b, w_b = t.sum() - t_a, w.sum(axis=0) - w_a
    diffs = w_a * 1000 / np.maximum(t_a, 1)[:, None] - w_b * 1000 / np.maximum(t_b, 1)[:, None]
    extreme = (np.abs(diffs) >= np.abs(observed) - 1e-12).sum(axis=0)
    return (1 + extreme) / (n_perm + 1)


def _exposure_permutation_p(
    ta: np.ndarray,
    wa: np.ndarray,
    tb: np.ndarray,
    wb: np.ndarray,
    n_perm: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Two-sided p-values (per frame) when each source is one or two texts.

    Sentences of two articles are not exchangeable (their lengths differ systematically), so
    instead the matches, kept together by sentence, are re-assigned to the two sources at
    random in proportion to their content tokens: the null is "the same rate per token".
    """
    total_a, total_b = max(float(ta.sum()), 1.0), max(float(tb.sum()), 1.0)
    w = np.vstack([wa, wb])
    w = w[w.sum(axis=1) > 0]
    observed = wa.sum(0) * 1000 / total_a - wb.sum(0) * 1000 / total_b
    assign = rng.random((n_perm, len(w))) < total_a / (total_a + total_b)
    w_a = assign.astype(float) @ w
    w_b = w.sum(axis=0) - w_a
    diffs = w_a * 1000 / total_a - w_b * 1000 / total_b
    extreme = (np.abs(diffs) >= np.abs(observed) - 1e-9).sum(axis=0)
    return (1 + extreme) / (n_perm + 1)


def differences(
    acc: SourceAccumulator, sources: pd.DataFrame, n_perm: int = DEFAULT_PERMUTATIONS, seed: int = 0
) -> pd.DataFrame:
    """Every pair of sources × frame: difference of per_1k, its 95% bootstrap interval and a
    permutation p-value, Holm-adjusted over all rows.

    Articles are permuted when both sources have at least two articles (six together);
    otherwise matches are re-assigned in proportion to content tokens (``tokens``); very large
    pairs use the bootstrap's normal approximation (``bootstrap-z``).
    """
    rate = sources.set_index(["source", "frame"])["per_1k"]
    names = sorted(acc.boots)
    rows = []
    for a, b in combinations(names, 2):
        n_art = {s: acc.n_articles(s) for s in (a, b)}
        level = "articles" if min(n_art.values()) >= 2 and sum(n_art.values()) >= 6 else "sentences"
        (ta, wa), (tb, wb) = acc.units(a, level), acc.units(b, level)
        boot = acc.boots[a] - acc.boots[b]
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        rng = _rng(seed, f"{a}\0{b}")
        small = acc.sentence_level(a) and acc.sentence_level(b)
        if small and len(ta) + len(tb) <= PERMUTATION_MAX_UNITS and level == "articles":
            p, unit = _permutation_p(ta, wa, tb, wb, n_perm, rng), "articles"
        elif small and len(ta) + len(tb) <= PERMUTATION_MAX_UNITS:
            p, unit = _exposure_permutation_p(ta, wa, tb, wb, n_perm, rng), "tokens"
        else:
            se = boot.std(axis=0, ddof=1)
            diff = np.array([rate[(a, f)] - rate[(b, f)] for f in acc.frames])
            z = np.divide(np.abs(diff), se, out=np.zeros_like(diff), where=se > 0)
            p = np.array(
                [math.erfc(v / math.sqrt(2)) if s > 0 else 1.0 for v, s in zip(z, se, strict=True)]
            )
            unit = "bootstrap-z"
        for k, frame in enumerate(acc.frames):
            rows.append(
                {
                    "source_a": a,
                    "source_b": b,
                    "frame": frame,
                    "diff": rate[(a, frame)] - rate[(b, frame)],
                    "ci_low": low[k],
                    "ci_high": high[k],
                    "p_value": float(p[k]),
                    "unit": unit,
                }
            )
    out = pd.DataFrame(
        rows, columns=[c for c in DIFF_COLUMNS if c not in ("p_adjusted", "significant")]
    )
    out["p_adjusted"] = holm(out["p_value"].to_numpy()) if len(out) else []
    out["significant"] = out["p_adjusted"] < ALPHA
    return out[DIFF_COLUMNS]


def log_odds_dirichlet(
    y_a: np.ndarray, n_a: float, y_b: np.ndarray, n_b: float, prior: np.ndarray, prior_total: float
) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds ratio with an informative Dirichlet prior and its z-score (Monroe, Colaresi &
    Quinn 2008, eq. 16 and 22): positive when a word is more typical of group a."""
    a, a0 = np.asarray(prior, dtype=float), float(prior_total)
    la = np.log(y_a + a) - np.log(n_a + a0 - y_a - a)
    lb = np.log(y_b + a) - np.log(n_b + a0 - y_b - a)
    delta = la - lb
    return delta, delta / np.sqrt(1.0 / (y_a + a) + 1.0 / (y_b + a))


def keyness(terms: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Per source against all other sources, per lexicon entry of each frame: author-voice
    counts, log-odds and z. The prior is the whole corpus (counts of the entry over all
    sources; total = all content tokens), so rare entries are shrunk towards no difference."""
    cols = columns("keyness")
    if terms.empty:
        return pd.DataFrame(columns=cols)
    tokens = sources.drop_duplicates("source").set_index("source")["tokens"].astype(float)
    total = float(tokens.sum())
    counts = terms.pivot_table(
        index=["frame", "term"], columns="source", values="author_hits", aggfunc="sum", fill_value=0
    ).reindex(columns=tokens.index, fill_value=0)
    counts = counts[counts.sum(axis=1) > 0]
    all_counts = counts.sum(axis=1).to_numpy(dtype=float)
    rows = []
    for source in tokens.index:
        y = counts[source].to_numpy(dtype=float)
        delta, z = log_odds_dirichlet(
            y, tokens[source], all_counts - y, total - tokens[source], all_counts, total
        )
        for (frame, term), c, rest, d, zz in zip(
            counts.index, y, all_counts - y, delta, z, strict=True
        ):
            if c + rest > 0:
                rows.append((source, frame, term, int(c), int(rest), d, zz))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(
        ["frame", "source", "z", "term"], ascending=[True, True, False, True], kind="stable"
    ).reset_index(drop=True)


def frame_map(
    sources: pd.DataFrame, boots: dict[str, np.ndarray], frames: list[str]
) -> pd.DataFrame:
    """Sources placed by a PCA of their frame profiles (per_1k), with 95% intervals from
    projecting each bootstrap replicate into the same components."""
    cols = columns("frame_map")
    profile = sources.pivot(index="source", columns="frame", values="per_1k").reindex(
        columns=frames
    )
    if len(profile) < 2 or len(frames) < 2:
        return pd.DataFrame(columns=cols)
    k = min(2, len(profile), len(frames))
    pca = PCA(n_components=k, svd_solver="full").fit(profile.to_numpy())
    point = pca.transform(profile.to_numpy())
    var = list(pca.explained_variance_ratio_) + [0.0] * (2 - k)
    rows = []
    for i, source in enumerate(profile.index):
        proj = pca.transform(boots[source]) if source in boots else point[i : i + 1]
        lo, hi = np.percentile(proj, [2.5, 97.5], axis=0)
        pc = list(point[i]) + [0.0] * (2 - k)
        lo, hi = list(lo) + [0.0] * (2 - k), list(hi) + [0.0] * (2 - k)
        rows.append((source, pc[0], pc[1], lo[0], hi[0], lo[1], hi[1], var[0], var[1]))
    return pd.DataFrame(rows, columns=cols)


def _identity(doc: list[str]) -> list[str]:
    return doc


class SimilarityAccumulator:
    """Per-source lemma counts, hashed so memory is fixed whatever the vocabulary."""

    def __init__(self, n_features: int = 2**18) -> None:
        self.vectorizer = HashingVectorizer(
            analyzer=_identity, n_features=n_features, alternate_sign=False, norm=None
        )
        self.rows: dict[str, sparse.csr_matrix] = {}

    def add(self, source: str, docs: list[list[str]]) -> None:
        if not docs:
            return
        summed = sparse.csr_matrix(self.vectorizer.transform(docs).sum(axis=0))
        self.rows[source] = self.rows[source] + summed if source in self.rows else summed

    def result(self) -> pd.DataFrame:
        """Cosine similarity of the sources' TF-IDF vectors, as a long table."""
        names = sorted(self.rows)
        if not names:
            return pd.DataFrame(columns=columns("similarity"))
        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(
            sparse.vstack([self.rows[n] for n in names])
        )
        sim = cosine_similarity(tfidf)
        return pd.DataFrame(
            [(a, b, float(sim[i, j])) for i, a in enumerate(names) for j, b in enumerate(names)],
            columns=columns("similarity"),
        )
