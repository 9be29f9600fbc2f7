"""Score articles and sources: rates per 1,000 content tokens, shares, bootstrap intervals.

Only the author's own, non-negated matches count towards a score; quoted and negated ones
are counted beside it. Source intervals resample articles within a source and sentences
within each article (Benoit, Laver & Mikhaylov 2009), with a fixed seed.
"""

from __future__ import annotations

import hashlib
from typing import cast

import numpy as np
import pandas as pd

from pipeline.runfolder.schema import columns
from pipeline.settings import DEFAULTS

ARTICLE_COLUMNS = columns("articles")
SOURCE_COLUMNS = columns("sources")
TERM_COLUMNS = columns("terms")
# Minimum evidence: an article or source with fewer content tokens, or fewer counted hits
# over all frames, is flagged and given no share rather than an extreme one.
# The defaults are the run settings' (pipeline/settings.py), named here for the functions.
MIN_TOKENS = DEFAULTS.min_tokens
MIN_HITS = DEFAULTS.min_hits
DEFAULT_SEED = DEFAULTS.seed
DEFAULT_BOOTSTRAP = DEFAULTS.bootstrap
DEFAULT_PERMUTATIONS = DEFAULTS.permutations
# Above this many articles in a source, only articles are resampled: between-article variation
# dominates and resampling every sentence of every article would cost O(B × sentences).
SENTENCE_RESAMPLING_MAX_ARTICLES = 500


def counted(hits: pd.DataFrame) -> pd.Series:
    """Which hits count towards a score: the author's own and not negated."""
    return (hits["voice"] == "author") & ~hits["negated"].astype(bool)


def _share(per_1k: pd.Series, groups: pd.Series) -> pd.Series:
    total = per_1k.groupby(groups).transform("sum")
    return (per_1k / total).where(total > 0)


def article_scores(
    articles: pd.DataFrame,
    hits: pd.DataFrame,
    frames: list[str],
    min_tokens: int = MIN_TOKENS,
    min_hits: int = MIN_HITS,
) -> pd.DataFrame:
    """One row per article × frame (``ARTICLE_COLUMNS``), in the articles' order."""
    grid = articles[["article_id", "source", "published", "tokens"]].merge(
        pd.DataFrame({"frame": frames}), how="cross"
    )
    keys = ["article_id", "frame"]
    own = hits[counted(hits)]
    agg = own.groupby(keys).agg(hits=("weight", "size"), weighted=("weight", "sum"))
    quoted = hits[hits["voice"] == "quoted"].groupby(keys).size().rename("quoted_hits")
    negated = hits[hits["negated"].astype(bool)].groupby(keys).size().rename("negated_hits")
    out = grid
    for part in (agg, quoted, negated):
        out = out.merge(part.reset_index(), on=keys, how="left", sort=False)
    for col in ("hits", "quoted_hits", "negated_hits"):
        out[col] = out[col].fillna(0).astype(int)
    out["weighted"] = out["weighted"].fillna(0.0).astype(float)
    out["tokens"] = out["tokens"].astype("int64")  # typed whatever the batch's tables were
    out["per_1k"] = np.where(out["tokens"] > 0, out["weighted"] * 1000 / out["tokens"].clip(1), 0.0)
    total_hits = out.groupby("article_id", sort=False)["hits"].transform("sum")
    out["low_evidence"] = (out["tokens"] < min_tokens) | (total_hits < min_hits)
    out["share"] = _share(out["per_1k"], out["article_id"]).where(~out["low_evidence"])
    return out[ARTICLE_COLUMNS].reset_index(drop=True)


def _rng(seed: int, source: str) -> np.random.Generator:
    """A generator per source, so a source's interval does not depend on the others."""
    digest = int.from_bytes(hashlib.sha256(source.encode()).digest()[:8], "little")
    return np.random.default_rng([seed, digest])


def _picked_sums(weights: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """``weights[picks].sum(axis=1)`` without gathering the sentences that weigh nothing.

    Per resample (a row of ``picks``) the weighted sentences it picked are added in the
    order picked, from 0.0, exactly as the full sum adds them (adding a zero row changes
    no bit), so the numbers are the same; the cost follows the weighted picks, not every
    sentence × column of every resample.
    """
    if weights.shape[1] == 1:  # numpy sums a single column pairwise, not in order
        return weights[picks].sum(axis=1)
    out = np.zeros((picks.shape[0], weights.shape[1]))
    weighted = np.asarray(weights.any(axis=1))
    if not weighted.any():
        return out
    row, col = np.nonzero(weighted[picks])
    chosen = weights[picks[row, col]]
    for k in range(weights.shape[1]):
        out[:, k] = np.bincount(row, weights=chosen[:, k], minlength=picks.shape[0])
    return out


def bootstrap_rates(
    sentence_tokens: list[np.ndarray],
    sentence_weights: list[np.ndarray],
    n_boot: int,
    rng: np.random.Generator,
    resample_sentences: bool = True,
) -> np.ndarray:
    """Resampled per-1k rates, shape (n_boot, frames), for one source.

    ``sentence_tokens[i]`` holds article i's content tokens per sentence, and
    ``sentence_weights[i]`` its counted weight per sentence and frame.
    """
    n_art = len(sentence_tokens)
    n_frames = sentence_weights[0].shape[1]
    draws = rng.integers(0, n_art, size=(n_boot, n_art)).ravel()
    order = np.argsort(draws, kind="stable")
    bounds = np.searchsorted(draws[order], np.arange(n_art + 1))
    tok = np.zeros(n_boot)
    wt = np.zeros((n_boot, n_frames))
    for i in range(n_art):
        rows = order[bounds[i] : bounds[i + 1]] // n_art
        if rows.size == 0:
            continue
        t_i, w_i = sentence_tokens[i], sentence_weights[i]
        if resample_sentences and len(t_i) > 1:
            idx = rng.integers(0, len(t_i), size=(rows.size, len(t_i)))
            np.add.at(tok, rows, t_i[idx].sum(axis=1))
            np.add.at(wt, rows, _picked_sums(w_i, idx))
        else:
            np.add.at(tok, rows, t_i.sum())
            np.add.at(wt, rows, w_i.sum(axis=0))
    return wt * 1000 / np.maximum(tok, 1)[:, None]


def bootstrap_article_rates(
    tokens: np.ndarray, weights: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Resampled per-1k rates over articles only, in O(articles) memory per resample.

    Each resample draws how often every article is picked (a multinomial over the articles).
    """
    n = len(tokens)
    out = np.empty((n_boot, weights.shape[1]))
    uniform = np.full(n, 1.0 / n)
    for b in range(n_boot):
        picks = rng.multinomial(n, uniform)
        out[b] = (picks @ weights) * 1000 / max(float(picks @ tokens), 1.0)
    return out


class SourceAccumulator:
    """Collects what source intervals need, batch by batch, in bounded memory.

    Sources with at most ``SENTENCE_RESAMPLING_MAX_ARTICLES`` articles (known from the plan)
    keep per-sentence arrays per article; larger ones keep one total per article, in arrays
    per batch (a million small arrays would cost more than the numbers in them).
    """

    def __init__(self, frames: list[str], source_counts: dict[str, int] | None = None) -> None:
        self.frames = frames
        self.frame_pos = {f: k for k, f in enumerate(frames)}
        self.counts = source_counts or {}
        self.by_sentence: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
        # per source: lists of per-batch (id hashes, tokens, weights) arrays
        self.by_article: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]]
        self.by_article = {}
        self.hits: dict[tuple[str, str], int] = {}
        self.boots: dict[str, np.ndarray] = {}

    def sentence_level(self, source: str) -> bool:
        """Whether ``source`` keeps sentences (resampled within articles) or article totals."""
        return self.counts.get(source, 0) <= SENTENCE_RESAMPLING_MAX_ARTICLES

    def add(self, articles: pd.DataFrame, sentences: pd.DataFrame, hits: pd.DataFrame) -> None:
        """Add one batch: its articles, their sentences and all their hits."""
        own = hits[counted(hits)]
        for key, n in own.groupby(["source", "frame"]).size().items():
            source, frame = cast(tuple[str, str], key)
            self.hits[(source, frame)] = self.hits.get((source, frame), 0) + int(n)
        ids = articles["article_id"].to_numpy()
        index = pd.Index(ids)
        art = index.get_indexer(sentences["article_id"])
        sid = sentences["sentence_id"].to_numpy(dtype=np.int64)
        keep = art >= 0
        art, sid = art[keep], sid[keep]
        toks = sentences["tokens"].to_numpy(dtype=float)[keep]
        order = np.lexsort((sid, art))
        art, sid, toks = art[order], sid[order], toks[order]
        # Sentence rows sorted by (article, sentence): a hit finds its row by binary search.
        keys = (art.astype(np.int64) << 32) | sid
        weights = np.zeros((len(toks), len(self.frames)))
        if len(own):
            h_art = index.get_indexer(own["article_id"]).astype(np.int64)
            h_keys = (h_art << 32) | own["sentence_id"].to_numpy(dtype=np.int64)
            rows = np.searchsorted(keys, h_keys)
            cols = own["frame"].map(self.frame_pos).to_numpy(dtype=np.int64)
            np.add.at(weights, (rows, cols), own["weight"].to_numpy(dtype=float))
        bounds = np.searchsorted(art, np.arange(len(ids) + 1))
        n = len(ids)
        tok_sum = np.bincount(art, weights=toks, minlength=n)
        w_sum = np.column_stack(
            [np.bincount(art, weights=weights[:, k], minlength=n) for k in range(weights.shape[1])]
        ).reshape(n, weights.shape[1])
        sources = articles["source"].to_numpy()
        for source in pd.unique(sources):
            members = np.flatnonzero(sources == source)
            if self.sentence_level(source):
                per = self.by_sentence.setdefault(source, {})
                for i in members:
                    a, b = bounds[i], bounds[i + 1]
                    per[ids[i]] = (toks[a:b].copy(), weights[a:b].copy())
            else:
                hashes, t, w = self.by_article.setdefault(source, ([], [], []))
                hashes.append(pd.util.hash_array(ids[members].astype(object)))
                t.append(tok_sum[members])
                w.append(w_sum[members])

    def n_articles(self, source: str) -> int:
        if source in self.by_sentence:
            return len(self.by_sentence[source])
        return sum(len(h) for h in self.by_article.get(source, ([], [], []))[0])

    def units(self, source: str, level: str = "articles") -> tuple[np.ndarray, np.ndarray]:
        """Per-unit content tokens and frame weights of a source, by article or by sentence
        (sentences only where kept), in an order that does not depend on the input's."""
        if source in self.by_article:
            hashes, t, w = self.by_article[source]
            order = np.argsort(np.concatenate(hashes), kind="stable")
            return np.concatenate(t)[order], np.vstack(w)[order]
        per = self.by_sentence[source]
        ids = sorted(per)
        if level == "sentences":
            return np.concatenate([per[a][0] for a in ids]), np.vstack([per[a][1] for a in ids])
        return (
            np.array([per[a][0].sum() for a in ids]),
            np.vstack([per[a][1].sum(axis=0) for a in ids]),
        )

    def intervals(self, bootstrap: int, seed: int, min_tokens: int, min_hits: int) -> pd.DataFrame:
        """One row per source × frame (``SOURCE_COLUMNS``) with 95% percentile intervals."""
        rows = []
        for source in sorted(set(self.by_sentence) | set(self.by_article)):
            rng = _rng(seed, str(source))
            if source in self.by_sentence:
                per = self.by_sentence[source]
                ids = sorted(per)
                toks = [per[a][0] for a in ids]
                wts = [per[a][1] for a in ids]
                n_articles = len(ids)
                total_tokens = float(sum(t.sum() for t in toks))
                weighted = np.sum([w.sum(axis=0) for w in wts], axis=0)
                boot = bootstrap_rates(toks, wts, bootstrap, rng)
            else:
                tok_arr, w_arr = self.units(source)
                n_articles = len(tok_arr)
                total_tokens = float(tok_arr.sum())
                weighted = w_arr.sum(axis=0)
                boot = bootstrap_article_rates(tok_arr, w_arr, bootstrap, rng)
            per_1k = weighted * 1000 / max(total_tokens, 1)
            self.boots[source] = boot
            low, high = np.percentile(boot, [2.5, 97.5], axis=0)
            for frame, k in self.frame_pos.items():
                rows.append(
                    {
                        "source": source,
                        "frame": frame,
                        "articles": n_articles,
                        "tokens": int(total_tokens),
                        "hits": self.hits.get((source, frame), 0),
                        "per_1k": per_1k[k],
                        "ci_low": low[k],
                        "ci_high": high[k],
                    }
                )
        out = pd.DataFrame(rows, columns=SOURCE_COLUMNS[:-2])
        total_hits = out.groupby("source", sort=False)["hits"].transform("sum")
        out["low_evidence"] = (out["tokens"] < min_tokens) | (total_hits < min_hits)
        out["share"] = _share(out["per_1k"], out["source"]).where(~out["low_evidence"])
        return out[SOURCE_COLUMNS]


def term_counts(hits: pd.DataFrame) -> pd.DataFrame:
    """Per source, frame and entry: author, quoted and negated hits (``TERM_COLUMNS``)."""
    if hits.empty:
        return pd.DataFrame(columns=TERM_COLUMNS)
    h = hits.assign(
        author_hits=counted(hits).astype(int),
        quoted_hits=(hits["voice"] == "quoted").astype(int),
        negated_hits=hits["negated"].astype(bool).astype(int),
        all_hits=1,
    )
    out = h.groupby(["source", "frame", "category", "term"], as_index=False)[
        ["author_hits", "quoted_hits", "negated_hits", "all_hits"]
    ].sum()
    return out.sort_values(
        ["source", "frame", "author_hits", "term"], ascending=[True, True, False, True]
    )[TERM_COLUMNS].reset_index(drop=True)
