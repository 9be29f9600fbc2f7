"""Score articles and sources: rates per 1,000 content tokens, shares, bootstrap intervals.

Only the author's own, non-negated matches count towards a score; quoted and negated ones
are counted beside it. Source intervals resample articles within a source and sentences
within each article (Benoit, Laver & Mikhaylov 2009), with a fixed seed.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

# fmt: off
ARTICLE_COLUMNS = [
    "article_id", "source", "published", "frame", "hits", "weighted", "tokens",
    "per_1k", "share", "quoted_hits", "negated_hits", "low_evidence",
]
SOURCE_COLUMNS = [
    "source", "frame", "articles", "tokens", "hits", "per_1k", "ci_low", "ci_high", "share",
    "low_evidence",
]
# fmt: on
TERM_COLUMNS = [
    "source",
    "frame",
    "category",
    "term",
    "author_hits",
    "quoted_hits",
    "negated_hits",
    "all_hits",
]
# Minimum evidence: an article or source with fewer content tokens, or fewer counted hits
# over all frames, is flagged and given no share rather than an extreme one.
MIN_TOKENS = 100
MIN_HITS = 3
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
    out["per_1k"] = np.where(out["tokens"] > 0, out["weighted"] * 1000 / out["tokens"].clip(1), 0.0)
    total_hits = out.groupby("article_id", sort=False)["hits"].transform("sum")
    out["low_evidence"] = (out["tokens"] < min_tokens) | (total_hits < min_hits)
    out["share"] = _share(out["per_1k"], out["article_id"]).where(~out["low_evidence"])
    return out[ARTICLE_COLUMNS].reset_index(drop=True)


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
            np.add.at(wt, rows, w_i[idx].sum(axis=1))
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
    keep per-sentence arrays; larger ones keep one total per article.
    """

    def __init__(self, frames: list[str], source_counts: dict[str, int] | None = None) -> None:
        self.frames = frames
        self.frame_pos = {f: k for k, f in enumerate(frames)}
        self.counts = source_counts or {}
        self.by_sentence: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
        self.by_article: dict[str, tuple[list[float], list[np.ndarray], list[str]]] = {}
        self.hits: dict[tuple[str, str], int] = {}
        self.boots: dict[str, np.ndarray] = {}

    def _sentence_level(self, source: str) -> bool:
        return self.counts.get(source, 0) <= SENTENCE_RESAMPLING_MAX_ARTICLES

    def add(self, articles: pd.DataFrame, sentences: pd.DataFrame, hits: pd.DataFrame) -> None:
        """Add one batch: its articles, their sentences and all their hits."""
        own = hits[counted(hits)]
        for (source, frame), n in own.groupby(["source", "frame"]).size().items():
            self.hits[(source, frame)] = self.hits.get((source, frame), 0) + int(n)
        sent_w = own.groupby(["article_id", "sentence_id", "frame"])["weight"].sum()
        weights_by_article: dict[str, list[tuple[int, str, float]]] = {}
        for (aid, sid, frame), w in sent_w.items():
            weights_by_article.setdefault(aid, []).append((sid, frame, w))
        sents_by_article = {aid: g for aid, g in sentences.groupby("article_id", sort=False)}
        for aid, source in articles[["article_id", "source"]].itertuples(index=False):
            s = sents_by_article[aid].sort_values("sentence_id")
            w = np.zeros((len(s), len(self.frames)))
            pos = {sid: k for k, sid in enumerate(s["sentence_id"])}
            for sid, frame, weight in weights_by_article.get(aid, ()):
                w[pos[sid], self.frame_pos[frame]] += weight
            toks = s["tokens"].to_numpy(dtype=float)
            if self._sentence_level(source):
                self.by_sentence.setdefault(source, {})[aid] = (toks, w)
            else:
                t, ws, ids = self.by_article.setdefault(source, ([], [], []))
                t.append(float(toks.sum()))
                ws.append(w.sum(axis=0))
                ids.append(aid)

    def result(
        self,
        n_boot: int = DEFAULT_BOOTSTRAP,
        seed: int = DEFAULT_SEED,
        min_tokens: int = MIN_TOKENS,
        min_hits: int = MIN_HITS,
    ) -> pd.DataFrame:
        """One row per source × frame (``SOURCE_COLUMNS``) with 95% percentile intervals."""
        rows = []
        for source in sorted(set(self.by_sentence) | set(self.by_article)):
            rng = _rng(seed, str(source))
            if source in self.by_sentence:
                per = self.by_sentence[source]
                ids = sorted(per)
                toks = [per[a][0] for a in ids]
                wts = [per[a][1] for a in ids]
                total_tokens = float(sum(t.sum() for t in toks))
                weighted = np.sum([w.sum(axis=0) for w in wts], axis=0)
                boot = bootstrap_rates(toks, wts, n_boot, rng)
            else:
                t, ws, ids = self.by_article[source]
                order = np.argsort(ids, kind="stable")
                tok_arr, w_arr = np.asarray(t)[order], np.vstack(ws)[order]
                total_tokens = float(tok_arr.sum())
                weighted = w_arr.sum(axis=0)
                boot = bootstrap_article_rates(tok_arr, w_arr, n_boot, rng)
            per_1k = weighted * 1000 / max(total_tokens, 1)
            self.boots[source] = boot
            low, high = np.percentile(boot, [2.5, 97.5], axis=0)
            for frame, k in self.frame_pos.items():
                rows.append(
                    {
                        "source": source,
                        "frame": frame,
                        "articles": len(ids),
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


def source_scores(
    articles: pd.DataFrame,
    sentences: pd.DataFrame,
    hits: pd.DataFrame,
    frames: list[str],
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
    min_tokens: int = MIN_TOKENS,
    min_hits: int = MIN_HITS,
) -> pd.DataFrame:
    """Source scores of tables held in memory (see ``SourceAccumulator`` for streaming)."""
    acc = SourceAccumulator(frames, articles.groupby("source").size().to_dict())
    acc.add(articles, sentences, hits)
    return acc.result(n_boot, seed, min_tokens, min_hits)


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
