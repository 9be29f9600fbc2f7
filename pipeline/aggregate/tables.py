"""Write a run's ``data/*.csv`` from its batches' Parquet files, one batch at a time.

Memory stays bounded by a batch: per-article rows and hits are appended to the CSVs as each
batch is read; only per-source accumulators, term counts and a capped sample of passages
for the dashboard are held. Rows keep the corpus order and numbers are rounded the same way
every time, so two runs on the same inputs give byte-identical CSVs whatever the worker count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.aggregate.compare import (
    SimilarityAccumulator,
    differences,
    frame_map,
    keyness,
)
from pipeline.aggregate.scores import (
    DEFAULT_PERMUTATIONS,
    MIN_HITS,
    MIN_TOKENS,
    SourceAccumulator,
    article_scores,
    counted,
    term_counts,
)
from pipeline.aggregate.stance_tables import StanceTables
from pipeline.aggregate.validate import (
    COUNT_KEYS,
    VALIDATION_COLUMNS,
    agreement_of,
    confusion,
    dominant_frames,
    metrics,
    reversals,
    source_perspectives,
    validation_counts,
)
from pipeline.analyze.article import TABLE_COLUMNS, TABLES
from pipeline.analyze.lexicons import Lexicon
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.runfolder.schema import PASSAGES_PER_CELL
from pipeline.runfolder.tables import TableAppender, write_table

POSITION_KEYS, POSITION_VALUES = ["source", "frame", "decile"], ["hits", "weighted"]
MONTH_KEYS, MONTH_VALUES = ["source", "month", "frame"], ["articles", "tokens", "weighted"]
# Batches are aggregated in groups of at least this many articles: pandas costs per call, not
# per row, so a 100-article batch at a time spent more on overhead than on the articles.
AGGREGATE_ARTICLES = 2000

_DOCS_SCHEMA = pa.schema(
    [("article_id", pa.string()), ("source", pa.string()), ("lemmas", pa.string())]
)


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
    stance: StanceLexicon | None = None,
) -> dict[str, Any]:
    """Aggregate batches (in plan order, ``aggregate_articles`` or more at a time) into
    ``data_dir``'s CSVs (the stance tables too, with ``stance``); return a summary."""
    frames = [lex.frame for lex in lexicons]
    data_dir.mkdir(parents=True, exist_ok=True)
    out = {
        name: TableAppender(data_dir / f"{name}.csv")
        for name in ("articles", "hits", "corpus", "removed", "validation")
    }
    acc = SourceAccumulator(frames, source_counts)
    stance_tables = StanceTables(data_dir, stance, source_counts) if stance else None
    similarity = SimilarityAccumulator()
    # Per-batch results are folded into running totals at once: a list of a thousand small
    # DataFrames costs more memory than the rows in them.
    term_table = _sum_terms([])
    passages: list[pd.DataFrame] = []
    kept: Counter[tuple[str, str]] = Counter()
    positions = _sum([], POSITION_KEYS, POSITION_VALUES)
    months = _sum([], MONTH_KEYS, MONTH_VALUES)
    rates: dict[str, list[np.ndarray]] = {}
    validation = validation_counts(pd.DataFrame(columns=VALIDATION_COLUMNS))
    coverage: Counter[str] = Counter()
    perspectives: set[tuple[str, str]] = set()
    quarantined: list[dict[str, Any]] = []
    scored = 0
    lemma_writer = None
    for t in _groups(batch_dirs, aggregate_articles):
        articles, hits = t["articles"], t["hits"]
        hits["negated"] = hits["negated"].astype(bool)
        order = {aid: k for k, aid in enumerate(articles["article_id"])}
        hits = hits.sort_values(
            ["article_id", "frame", "char_start", "term"],
            key=lambda c: c.map(order) if c.name == "article_id" else c,
            kind="stable",
        )
        scores = article_scores(articles, hits, frames, min_tokens, min_hits)
        out["articles"].add(scores)
        out["hits"].add(hits)
        out["corpus"].add(articles)
        out["removed"].add(t["removed"])
        acc.add(articles, t["sentences"], hits)
        term_table = _sum_terms([term_table, term_counts(hits)])
        passages.append(_sample(hits, kept))
        positions = _sum([positions, _positions(hits, articles)], POSITION_KEYS, POSITION_VALUES)
        months = _sum([months, _months(scores)], MONTH_KEYS, MONTH_VALUES)
        wide = scores.pivot(index="article_id", columns="frame", values="per_1k")
        wide = wide.reindex(index=articles["article_id"], columns=frames)
        for source, ids in articles.groupby("source", sort=False)["article_id"]:
            rates.setdefault(str(source), []).append(wide.loc[ids].to_numpy(dtype="float32"))
        given = articles["perspective"].fillna("").astype(str)
        perspective = dict(zip(articles["article_id"], given, strict=True))
        perspectives.update(zip(articles["source"].astype(str), given, strict=True))
        batch_validation = dominant_frames(scores, perspective)
        out["validation"].add(batch_validation)
        validation = _sum([validation, validation_counts(batch_validation)], COUNT_KEYS, ["count"])
        for frame, n in scores[scores["hits"] >= min_hits].groupby("frame").size().items():
            coverage[frame] += int(n)
        docs = t["docs"]
        for source, g in docs.groupby("source", sort=True):
            similarity.add(str(source), [str(x).split() for x in g["lemmas"]])
        table = pa.Table.from_pandas(docs.astype(str), schema=_DOCS_SCHEMA, preserve_index=False)
        if lemma_writer is None:
            lemma_writer = pq.ParquetWriter(data_dir / "lemmas.parquet", _DOCS_SCHEMA)
        lemma_writer.write_table(table)
        quarantined.extend(t["quarantined"].to_dict("records"))
        if stance_tables is not None:
            stance_tables.add(t)
        scored += len(articles)
    if lemma_writer is not None:
        lemma_writer.close()
    for appender in out.values():
        appender.close()
    sources = acc.result(n_boot, seed, min_tokens, min_hits)
    # Distinct (source, perspective) pairs: reading them back from corpus.csv held two
    # strings per article (~150 MB at a million articles).
    known = source_perspectives(
        pd.DataFrame(sorted(perspectives), columns=["source", "perspective"])
    )
    metric_table = metrics(validation, frames)
    tables = {
        "sources": sources,
        "terms": term_table,
        "passages": pd.concat(passages, ignore_index=True)
        if passages
        else pd.DataFrame(columns=TABLE_COLUMNS["hits"]),
        "differences": differences(acc, sources, n_perm, seed),
        "keyness": keyness(term_table, sources),
        "frame_map": frame_map(sources, acc.boots, frames),
        "similarity": similarity.result(),
        "positions": positions,
        "timeline": _timeline(months),
        "coverage": pd.DataFrame(
            [(f, scored, coverage[f], coverage[f] / scored if scored else None) for f in frames],
            columns=["frame", "articles", "covered", "share"],
        ),
        "confusion": confusion(validation),
        "validation_metrics": metric_table,
        "agreement": agreement_of({s: np.vstack(v) for s, v in rates.items()}, frames),
    }
    by_entry = term_table.groupby(["frame", "term"])["author_hits"].sum()
    author = Counter({key: int(n) for key, n in by_entry.items()})
    tables["lexicon"] = lexicon_table(lexicons, author)
    for name, df in tables.items():
        if df is not None:
            write_table(df, data_dir / f"{name}.csv")
    warnings = reversals(sources, known)
    if stance_tables is not None:
        warnings += stance_tables.finish(n_boot, seed, n_perm, known)
    accuracy = metric_table.loc[metric_table["metric"] == "accuracy", "value"]
    return {
        "scored": scored,
        "quarantined": quarantined,
        "sources": sources,
        "warnings": warnings,
        "validation": {
            "articles": int(validation.loc[validation["evidence"] == "ok", "count"].sum()),
            "accuracy": float(accuracy.iloc[0]) if len(accuracy) else None,
        },
    }


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
    if len(parts) == 1:
        return parts[0]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in TABLES}


def _positions(hits: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Counted hits by decile of sentence position within their article."""
    own = hits[counted(hits)]
    if own.empty:
        return pd.DataFrame(columns=["source", "frame", "decile", "hits", "weighted"])
    n = own["article_id"].map(dict(zip(articles["article_id"], articles["sentences"], strict=True)))
    decile = (own["sentence_id"] * 10 // n.clip(lower=1)).clip(0, 9).astype(int)
    return (
        own.assign(decile=decile, hits=1)
        .groupby(["source", "frame", "decile"], as_index=False)[["hits", "weight"]]
        .sum()
        .rename(columns={"weight": "weighted"})
    )


def _months(scores: pd.DataFrame) -> pd.DataFrame:
    month = scores["published"].fillna("").astype(str).str.slice(0, 7)
    dated = scores[month.str.match(r"^\d{4}-\d{2}$")].assign(month=month, articles=1)
    return dated.groupby(["source", "month", "frame"], as_index=False)[
        ["articles", "tokens", "weighted"]
    ].sum()


def _sum(parts: list[pd.DataFrame], keys: list[str], values: list[str]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=keys + values)
    return pd.concat(parts).groupby(keys, as_index=False)[values].sum()


def _timeline(months: pd.DataFrame) -> pd.DataFrame:
    t = months.copy()
    t["per_1k"] = t["weighted"] * 1000 / t["tokens"].clip(lower=1) if len(t) else []
    return t[["source", "month", "frame", "articles", "tokens", "weighted", "per_1k"]]


def _sample(hits: pd.DataFrame, kept: Counter[tuple[str, str]]) -> pd.DataFrame:
    """The next passages of each source × frame, up to ``PASSAGES_PER_CELL`` in all."""
    if hits.empty:
        return hits
    rank = hits.groupby(["source", "frame"]).cumcount()
    room = [
        PASSAGES_PER_CELL - kept[(s, f)] for s, f in zip(hits["source"], hits["frame"], strict=True)
    ]
    chosen = hits[rank.to_numpy() < room]
    for key, n in chosen.groupby(["source", "frame"]).size().items():
        kept[key] += int(n)
    return chosen


def _sum_terms(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return term_counts(
            pd.DataFrame(columns=["source", "frame", "category", "term", "voice", "negated"])
        )
    merged = pd.concat(parts, ignore_index=True)
    total = merged.groupby(["source", "frame", "category", "term"], as_index=False)[
        ["author_hits", "quoted_hits", "negated_hits", "all_hits"]
    ].sum()
    return total.sort_values(
        ["source", "frame", "author_hits", "term"],
        ascending=[True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
