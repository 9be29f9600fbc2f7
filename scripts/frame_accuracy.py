"""Known-groups check of a lexicon folder on a small corpus, without a run folder.

Usage: python scripts/frame_accuracy.py CORPUS [LEXICONS] [--family naming|argument|rest]

Prints each article's dominant frame against its manifest ``perspective`` and the accuracy,
per-frame recall and macro-F1: a quick check of lexicon edits on a held-out set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's pipeline

from pipeline.aggregate.families import family_metrics, family_validation_counts
from pipeline.aggregate.scores import MIN_HITS, MIN_TOKENS, article_scores
from pipeline.aggregate.validate import dominant_frames, metrics
from pipeline.analyze.article import analyze_text, content_counts
from pipeline.analyze.hits import Hit
from pipeline.analyze.lexicons import load_lexicons
from pipeline.ingest.corpus import read_article, read_manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("lexicons", type=Path, nargs="?", default=Path("lexicons"))
    args = parser.parse_args(argv)
    lexicons = load_lexicons(args.lexicons)
    frames = [lex.frame for lex in lexicons]
    manifest = read_manifest(args.corpus)
    rows, hits, perspective = [], [], {}
    for ref in manifest.articles:
        raw, _ = read_article(ref)
        _clean, sentences, found = analyze_text(raw, lexicons)
        rows.append((ref.id, ref.source, ref.published, sum(content_counts(sentences))))
        hits.extend((ref.id, *h) for h in found)
        perspective[ref.id] = ref.meta.get("perspective", "")
    articles = pd.DataFrame(rows, columns=["article_id", "source", "published", "tokens"])
    cols = ["article_id", *Hit._fields]
    hit_df = pd.DataFrame(hits, columns=cols)
    scores = article_scores(articles, hit_df, frames)
    val = dominant_frames(scores, perspective)
    wide = scores.pivot(index="article_id", columns="frame", values="per_1k").round(1)
    print(val.merge(wide, left_on="article_id", right_index=True).to_string(index=False))
    m = metrics(val, frames)
    print(m.to_string(index=False))
    f1 = []
    for f in frames:
        p = m[(m.metric == "precision") & (m.frame == f)]["value"]
        r = m[(m.metric == "recall") & (m.frame == f)]["value"]
        if len(p) and len(r):
            pv, rv = float(p.iloc[0]), float(r.iloc[0])
            f1.append(0.0 if not pv + rv or pv != pv else 2 * pv * rv / (pv + rv))
    acc = (val["match"] == "TRUE").sum() / max(len(val), 1)
    print(
        f"accuracy over all {len(val)} (undecided = wrong): {acc:.2f}; "
        f"macro-F1: {sum(f1) / max(len(f1), 1):.2f}"
    )
    counts = family_validation_counts(articles, hit_df, frames, perspective, MIN_TOKENS, MIN_HITS)
    fam = family_metrics(counts, frames)
    fam = fam[fam["metric"].isin(["accuracy", "decided", "recall"])]
    print(fam.pivot_table(index=["metric", "frame"], columns="family", values="value").round(2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
