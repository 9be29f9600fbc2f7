"""Who gets to speak in each outlet: attributions classified by actor group, and each group's
share of a source's attributions with a bootstrap interval.

The batches record attributions as found (``pipeline.analyze.sourcing``); classification by
the actor lexicon happens here, per article in text order (anaphors refer back within an
article), so editing the actor lexicon re-aggregates without re-analysing the corpus.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from pipeline.analyze.actors import ActorLexicon
from pipeline.analyze.sourcing import ATTRIBUTION_COLUMNS as RAW_COLUMNS
from pipeline.analyze.sourcing import Attribution

__all__ = ["HIT_COLUMNS", "RAW_COLUMNS", "SHARE_COLUMNS", "classify", "group_shares"]

HIT_COLUMNS = [
    "article_id",
    "source",
    "sentence_id",
    "speaker",
    "speaker_group",
    "anaphor",
    "kind",
    "verb",
    "speaker_start",
    "speaker_end",
    "cue_start",
    "cue_end",
    "sentence",
]
SHARE_COLUMNS = ["source", "speaker_group", "attributions", "share", "ci_low", "ci_high"]


def classify(raw: pd.DataFrame, actors: ActorLexicon) -> pd.DataFrame:
    """``raw`` attributions (``RAW_COLUMNS``, in text order per article) with their speaker
    group and whether it was resolved as an anaphor (``HIT_COLUMNS``)."""
    if raw.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    # The articles' rows together, articles in order of first appearance, rows in text order:
    # one stable sort instead of a DataFrame per article.
    codes = pd.factorize(raw["article_id"])[0]
    ordered = raw.iloc[np.argsort(codes, kind="stable")]
    cols = [
        ordered[c].tolist() for c in ("speaker", "speaker_start", "speaker_end", "kind", "verb")
    ]
    found = [
        Attribution(0, str(s), int(a), int(b), str(k), str(v), 0, 0)
        for s, a, b, k, v in zip(*cols, strict=True)
    ]
    ends = np.flatnonzero(np.diff(np.sort(codes))).tolist()
    groups: list[str] = []
    anaphor: list[bool] = []
    for start, stop in zip(
        [0, *(e + 1 for e in ends)], [*(e + 1 for e in ends), len(found)], strict=True
    ):
        for group, back in actors.classify_all(found[start:stop]):
            groups.append(group)
            anaphor.append(back)
    return ordered.assign(speaker_group=groups, anaphor=anaphor)[HIT_COLUMNS].reset_index(drop=True)


def _rng(seed: int, source: str) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256(source.encode()).digest()[:8], "little")
    return np.random.default_rng([seed, digest])


def group_shares(hits: pd.DataFrame, groups: list[str], n_boot: int, seed: int) -> pd.DataFrame:
    """Per source and speaker group: attributions, share of the source's attributions and a
    95% percentile bootstrap interval (articles resampled within the source; with a single
    article, its attributions). Groups are those of ``groups`` seen anywhere in ``hits``."""
    if hits.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    seen = [g for g in groups if g in set(hits["speaker_group"])]
    seen += sorted(set(hits["speaker_group"]) - set(seen))
    rows: list[tuple[str, str, int, float, float, float]] = []
    for source, g in hits.groupby("source", sort=True):
        counts = pd.crosstab(g["article_id"], g["speaker_group"]).reindex(
            columns=seen, fill_value=0
        )
        matrix = counts.to_numpy(dtype=float)
        total = matrix.sum(axis=0)
        share = total / total.sum()
        rng = _rng(seed, str(source))
        if len(matrix) > 1:
            draws = rng.integers(0, len(matrix), size=(n_boot, len(matrix)))
            boot = matrix[draws].sum(axis=1)
        else:
            boot = rng.multinomial(int(total.sum()), share, size=n_boot).astype(float)
        boot_share = boot / np.clip(boot.sum(axis=1, keepdims=True), 1, None)
        low, high = np.percentile(boot_share, [2.5, 97.5], axis=0)
        rows.extend(
            (str(source), grp, int(total[i]), share[i], low[i], high[i])
            for i, grp in enumerate(seen)
        )
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)
