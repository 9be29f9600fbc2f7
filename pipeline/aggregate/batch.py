"""One group of batches as the fold sees it: the analysis tables, the hits in corpus order,
and what is derived per article once for every accumulator (scores, the known-groups check)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.aggregate.scores import article_scores
from pipeline.aggregate.validate import dominant_frames


@dataclass
class Batch:
    """One group of batches, ready to fold: the analysis tables and what is derived per
    article (scores, the known-groups check)."""

    articles: pd.DataFrame
    sentences: pd.DataFrame
    hits: pd.DataFrame  # in corpus order, then frame, offset, term
    removed: pd.DataFrame
    docs: pd.DataFrame
    quarantined: pd.DataFrame
    sourcing: pd.DataFrame  # attributions found, speakers not yet classified
    stance_hits: pd.DataFrame
    stance_mentions: pd.DataFrame
    scores: pd.DataFrame
    validation: pd.DataFrame
    perspective: dict[str, str]  # article id -> the manifest's perspective ("" when none)


def prepare(t: dict[str, pd.DataFrame], frames: list[str], min_tokens: int, min_hits: int) -> Batch:
    """A group's tables as a ``Batch``."""
    articles, hits = t["articles"], t["hits"]
    hits["negated"] = hits["negated"].astype(bool)
    order = {aid: k for k, aid in enumerate(articles["article_id"])}
    hits = hits.sort_values(
        ["article_id", "frame", "char_start", "term"],
        key=lambda c: c.map(order) if c.name == "article_id" else c,
        kind="stable",
    )
    scores = article_scores(articles, hits, frames, min_tokens, min_hits)
    given = articles["perspective"].fillna("").astype(str)
    perspective = dict(zip(articles["article_id"], given, strict=True))
    return Batch(articles, t["sentences"], hits, t["removed"], t["docs"], t["quarantined"],
                 t["sourcing"], t["stance_hits"], t["stance_mentions"], scores,
                 dominant_frames(scores, perspective),
                 perspective)  # fmt: skip
