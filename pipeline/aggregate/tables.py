"""Write a run's tables from its batches' Parquet files: fold the batches (``fold``), then
derive the comparisons from the accumulated results.

Rows keep the corpus order and numbers are rounded the same way every time, so two runs on the
same inputs give byte-identical CSVs whatever the worker count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pandas as pd

from pipeline.aggregate.batch import prepare
from pipeline.aggregate.compare import (
    differences,
    frame_map,
    keyness,
)
from pipeline.aggregate.families import family_metrics
from pipeline.aggregate.fold import accumulators
from pipeline.aggregate.scores import (
    DEFAULT_PERMUTATIONS,
    MIN_HITS,
    MIN_TOKENS,
    SourceAccumulator,
)
from pipeline.aggregate.sourcing import group_shares
from pipeline.aggregate.validate import (
    agreement_of,
    confusion,
    metrics,
    reversals,
    source_perspectives,
)
from pipeline.analyze.actors import ActorLexicon, load_actors
from pipeline.analyze.article import TABLES
from pipeline.analyze.lexicons import Lexicon
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import write_table

# Batches are aggregated in groups of at least this many articles: pandas costs per call, not
# per row, so a 100-article batch at a time spent more on overhead than on the articles.
AGGREGATE_ARTICLES = 2000


def lexicon_table(lexicons: list[Lexicon], author_hits: Counter[tuple[str, str]]) -> pd.DataFrame:
    """Every entry used, with its author-voice hit count (0 = never matched in the corpus)."""
    rows = [
        {
            "frame": lex.frame,
            "label": lex.label,
            "term": e.term,
            "category": e.category,
            "weight": e.weight,
            "note": e.note,
            "lemmas": " ".join(e.lemmas),
            "shared": " ".join(e.shared),
            "author_hits": author_hits.get((lex.frame, e.term), 0),
        }
        for lex in lexicons
        for e in lex.entries
    ]
    return pd.DataFrame(rows)


def write_tables(
    data_dir: Path,
    batch_dirs: list[Path],
    lexicons: list[Lexicon],
    n_boot: int,
    seed: int,
    source_counts: dict[str, int] | None = None,
    min_tokens: int = MIN_TOKENS,
    min_hits: int = MIN_HITS,
    n_perm: int = DEFAULT_PERMUTATIONS,
    aggregate_articles: int = AGGREGATE_ARTICLES,
    actors: ActorLexicon | None = None,
    stance: StanceLexicon | None = None,
) -> dict[str, Any]:
    """Fold the batches (in plan order, ``aggregate_articles`` or more at a time) into
    ``data_dir``'s tables; return a summary. ``actors`` classifies the speakers of
    attributions (default: the shipped actor lexicon); with ``stance``, the stance tables
    are written too."""
    frames = [lex.frame for lex in lexicons]
    actors = actors or load_actors()
    data_dir.mkdir(parents=True, exist_ok=True)
    accs = accumulators(data_dir, frames, source_counts, min_tokens, min_hits, actors, stance)
    for t in _groups(batch_dirs, aggregate_articles):
        batch = prepare(t, frames, min_tokens, min_hits)
        for acc in accs.values():
            acc.add(batch)
    r = {name: acc.result() for name, acc in accs.items()}
    acc_sources: SourceAccumulator = r["sources"]
    sources = acc_sources.result(n_boot, seed, min_tokens, min_hits)
    validation, (scored, covered) = r["validation_counts"], r["coverage"]
    metric_table = metrics(validation, frames)
    tables = {
        "sources": sources,
        "terms": r["terms"],
        "passages": r["passages"],
        "differences": differences(acc_sources, sources, n_perm, seed),
        "keyness": keyness(r["terms"], sources),
        "frame_map": frame_map(sources, acc_sources.boots, frames),
        "similarity": r["similarity"],
        "positions": r["positions"],
        "timeline": _timeline(r["months"]),
        "coverage": pd.DataFrame(
            [(f, scored, covered[f], covered[f] / scored if scored else None) for f in frames],
            columns=columns("coverage"),
        ),
        "confusion": confusion(validation),
        "validation_metrics": pd.concat(
            [metric_table.assign(family="all"), family_metrics(r["families"], frames)],
            ignore_index=True,
        ),
        "sourcing": group_shares(r["speakers"], list(actors.groups), n_boot, seed),
        "agreement": agreement_of(r["rates"], frames),
        "lexicon": lexicon_table(lexicons, _author_hits(r["terms"])),
    }
    for name, df in tables.items():
        write_table(df, data_dir / f"{name}.csv")
    known = source_perspectives(r["perspectives"])
    warnings = reversals(sources, known)
    if stance_tables := r.get("stance"):
        warnings += stance_tables.finish(n_boot, seed, n_perm, known)
    accuracy = metric_table.loc[metric_table["metric"] == "accuracy", "value"]
    return {
        "scored": scored,
        "quarantined": r["quarantined"],
        "sources": sources,
        "warnings": warnings,
        "validation": {
            "articles": int(validation.loc[validation["evidence"] == "ok", "count"].sum()),
            "accuracy": float(accuracy.iloc[0]) if len(accuracy) else None,
        },
    }


def _author_hits(terms: pd.DataFrame) -> Counter[tuple[str, str]]:
    by_entry = terms.groupby(["frame", "term"])["author_hits"].sum()
    return Counter({cast(tuple[str, str], key): int(n) for key, n in by_entry.items()})


def _groups(batch_dirs: list[Path], at_least: int) -> Iterator[dict[str, pd.DataFrame]]:
    """The batches' tables, concatenated in plan order into groups of at least ``at_least``
    articles (the last group may be smaller)."""
    pending: list[dict[str, pd.DataFrame]] = []
    n = 0
    for d in batch_dirs:
        t = {name: pd.read_parquet(Path(d) / f"{name}.parquet") for name in TABLES}
        pending.append(t)
        n += len(t["articles"])
        if n >= at_least:
            yield _concat(pending)
            pending, n = [], 0
    if pending:
        yield _concat(pending)


def _concat(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The parts' tables, one per name. Empty tables are left out: an empty table's columns
    are untyped (object), and concatenated with typed ones they made the numbers objects,
    which were then written unrounded, so the bytes depended on how articles were batched."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for name in TABLES:
        tables = [p[name] for p in parts if len(p[name])] or [parts[0][name]]
        out[name] = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    return out


def _timeline(months: pd.DataFrame) -> pd.DataFrame:
    t = months.copy()
    t["per_1k"] = t["weighted"] * 1000 / t["tokens"].clip(lower=1) if len(t) else []
    return t[["source", "month", "frame", "articles", "tokens", "weighted", "per_1k"]]
