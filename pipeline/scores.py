"""Score articles and sources: rates per 1,000 content tokens, shares, bootstrap intervals.

Only the author's own, non-negated matches count towards a score; quoted and negated ones
are counted beside it. Source intervals resample articles within a source and sentences
within each article (Benoit, Laver & Mikhaylov 2009), with a fixed seed.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

ARTICLE_COLUMNS = [
    "article_id",
    "source",
    "published",
    "frame",
    "hits",
    "weighted",
    "tokens",
    "per_1k",
    "share",
    "quoted_hits",
    "negated_hits",
]
SOURCE_COLUMNS = [
    "source",
    "frame",
    "articles",
    "tokens",
    "hits",
    "per_1k",
    "ci_low",
    "ci_high",
    "share",
]
TERM_COLUMNS = ["source", "frame", "category", "term", "author_hits", "quoted_hits", "negated_hits"]
DEFAULT_SEED = 20240618
DEFAULT_BOOTSTRAP = 1000
# Above this many articles in a source, only articles are resampled: between-article variation
# dominates and resampling every sentence of every article would cost O(B × sentences).
SENTENCE_RESAMPLING_MAX_ARTICLES = 500


def counted(hits: pd.DataFrame) -> pd.Series:
    """Which hits count towards a score: the author's own and not negated."""
    return (hits["voice"] == "author") & ~hits["negated"].astype(bool)


def _share(per_1k: pd.Series, groups: pd.Series) -> pd.Series:
    total = per_1k.groupby(groups).transform("sum")
    return (per_1k / total).where(total > 0)


def article_scores(articles: pd.DataFrame, hits: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """One row per article × frame (``ARTICLE_COLUMNS``)."""
    grid = articles[["article_id", "source", "published", "tokens"]].merge(
        pd.DataFrame({"frame": frames}), how="cross"
    )
    keys = ["article_id", "frame"]
    own = hits[counted(hits)]
    agg = own.groupby(keys).agg(hits=("weight", "size"), weighted=("weight", "sum"))
    quoted = hits[hits["voice"] == "quoted"].groupby(keys).size().rename("quoted_hits")
    negated = hits[hits["negated"].astype(bool)].groupby(keys).size().rename("negated_hits")
    out = grid.join(agg, on=keys).join(quoted, on=keys).join(negated, on=keys)
    for col in ("hits", "quoted_hits", "negated_hits"):
        out[col] = out[col].fillna(0).astype(int)
    out["weighted"] = out["weighted"].fillna(0.0).astype(float)
    out["per_1k"] = np.where(out["tokens"] > 0, out["weighted"] * 1000 / out["tokens"].clip(1), 0.0)
    out["share"] = _share(out["per_1k"], out["article_id"])
    return (
        out[ARTICLE_COLUMNS]
        .sort_values(["article_id", "frame"], kind="stable")
        .reset_index(drop=True)
    )


def _rng(seed: int, source: str) -> np.random.Generator:
    """A generator per source, so a source's interval does not depend on the others."""
    digest = int.from_bytes(hashlib.sha256(source.encode()).digest()[:8], "little")
    return np.random.default_rng([seed, digest])


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
    draws = rng.integers(0, n_art, size=(n_boot, n_art))
    tok = np.zeros(n_boot)
    wt = np.zeros((n_boot, n_frames))
    for i in range(n_art):
        rows = np.nonzero(draws == i)[0]
        if rows.size == 0:
            continue
        t_i, w_i = sentence_tokens[i], sentence_weights[i]
        if resample_sentences and len(t_i) > 1:
            idx = rng.integers(0, len(t_i), size=(rows.size, len(t_i)))
            np.add.at(tok, rows, t_i[idx].sum(axis=1))
            np.add.at(wt, rows, w_i[idx].sum(axis=1))
        else:
            np.add.at(tok, rows, t_i.sum())
            np.add.at(wt, rows, w_i.sum(axis=0))
    return wt * 1000 / np.maximum(tok, 1)[:, None]


def source_scores(
    articles: pd.DataFrame,
    sentences: pd.DataFrame,
    hits: pd.DataFrame,
    frames: list[str],
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """One row per source × frame (``SOURCE_COLUMNS``) with 95% percentile intervals."""
    own = hits[counted(hits)]
    frame_pos = {f: k for k, f in enumerate(frames)}
    sent_w = (
        own.groupby(["article_id", "sentence_id", "frame"])["weight"].sum().reset_index()
        if len(own)
        else pd.DataFrame(columns=["article_id", "sentence_id", "frame", "weight"])
    )
    weights_by_article = {aid: g for aid, g in sent_w.groupby("article_id")}
    sents_by_article = {aid: g for aid, g in sentences.groupby("article_id")}
    rows = []
    for source, group in articles.groupby("source", sort=True):
        ids = sorted(group["article_id"])
        toks, wts = [], []
        for aid in ids:
            s = sents_by_article[aid].sort_values("sentence_id")
            toks.append(s["tokens"].to_numpy(dtype=float))
            w = np.zeros((len(s), len(frames)))
            g = weights_by_article.get(aid)
            if g is not None:
                pos = {sid: k for k, sid in enumerate(s["sentence_id"])}
                for sid, frame, weight in g[["sentence_id", "frame", "weight"]].itertuples(False):
                    w[pos[sid], frame_pos[frame]] += weight
            wts.append(w)
        total_tokens = float(sum(t.sum() for t in toks))
        weighted = np.sum([w.sum(axis=0) for w in wts], axis=0)
        per_1k = weighted * 1000 / max(total_tokens, 1)
        boot = bootstrap_rates(
            toks, wts, n_boot, _rng(seed, str(source)), len(ids) <= SENTENCE_RESAMPLING_MAX_ARTICLES
        )
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        counts = own[own["source"] == source].groupby("frame").size()
        for frame, k in frame_pos.items():
            rows.append(
                {
                    "source": source,
                    "frame": frame,
                    "articles": len(ids),
                    "tokens": int(total_tokens),
                    "hits": int(counts.get(frame, 0)),
                    "per_1k": per_1k[k],
                    "ci_low": low[k],
                    "ci_high": high[k],
                }
            )
    out = pd.DataFrame(rows, columns=SOURCE_COLUMNS[:-1])
    out["share"] = _share(out["per_1k"], out["source"])
    return out[SOURCE_COLUMNS]


def term_counts(hits: pd.DataFrame) -> pd.DataFrame:
    """Per source, frame and entry: author, quoted and negated hits (``TERM_COLUMNS``)."""
    if hits.empty:
        return pd.DataFrame(columns=TERM_COLUMNS)
    h = hits.assign(
        author_hits=counted(hits).astype(int),
        quoted_hits=(hits["voice"] == "quoted").astype(int),
        negated_hits=hits["negated"].astype(bool).astype(int),
    )
    out = h.groupby(["source", "frame", "category", "term"], as_index=False)[
        ["author_hits", "quoted_hits", "negated_hits"]
    ].sum()
    return out.sort_values(
        ["source", "frame", "author_hits", "term"], ascending=[True, True, False, True]
    )[TERM_COLUMNS].reset_index(drop=True)
