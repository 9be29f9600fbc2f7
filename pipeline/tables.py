"""Write a run's ``data/*.csv`` from its batches' Parquet files, one batch at a time.

Memory stays bounded by a batch: per-article rows and hits are appended to the CSVs as each
batch is read; only per-source accumulators, term counts and a capped sample of passages
for the dashboard are held. Rows keep the corpus order and numbers are rounded the same way
every time, so two runs on the same inputs give byte-identical CSVs whatever the worker count.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyze import TABLE_COLUMNS, TABLES
from pipeline.lexicons import Lexicon
from pipeline.scores import ARTICLE_COLUMNS, SourceAccumulator, article_scores, term_counts

DECIMALS = 4
PASSAGES_PER_CELL = 200  # matched passages kept per source × frame for the dashboard
CORPUS_COLUMNS = [
    "article_id", "source", "title", "author", "published", "url", "language", "perspective",
    "encoding", "chars", "sentences", "tokens", "removed_lines", "text_file",
]  # fmt: skip


def _format(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == bool:
            df[col] = df[col].map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].round(DECIMALS)
    return df


class CsvAppender:
    """Append DataFrames to one CSV, writing the header once (even for an empty table)."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path, self.columns = path, columns
        pd.DataFrame(columns=columns).to_csv(path, index=False, lineterminator="\n")

    def add(self, df: pd.DataFrame) -> None:
        if len(df):
            _format(df[self.columns]).to_csv(
                self.path, mode="a", header=False, index=False, lineterminator="\n"
            )


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    _format(df).to_csv(path, index=False, lineterminator="\n")
    return path


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
) -> dict[str, Any]:
    """Aggregate batches (in plan order) into ``data_dir``'s CSVs; return a summary."""
    frames = [lex.frame for lex in lexicons]
    data_dir.mkdir(parents=True, exist_ok=True)
    out = {
        "articles": CsvAppender(data_dir / "articles.csv", ARTICLE_COLUMNS),
        "hits": CsvAppender(data_dir / "hits.csv", TABLE_COLUMNS["hits"]),
        "corpus": CsvAppender(data_dir / "corpus.csv", CORPUS_COLUMNS),
        "removed": CsvAppender(data_dir / "removed.csv", TABLE_COLUMNS["removed"]),
    }
    acc = SourceAccumulator(frames, source_counts)
    terms: list[pd.DataFrame] = []
    passages: list[pd.DataFrame] = []
    kept: Counter[tuple[str, str]] = Counter()
    quarantined: list[dict[str, Any]] = []
    scored = 0
    for d in batch_dirs:
        t = {name: pd.read_parquet(Path(d) / f"{name}.parquet") for name in TABLES}
        articles, hits = t["articles"], t["hits"]
        hits["negated"] = hits["negated"].astype(bool)
        order = {aid: k for k, aid in enumerate(articles["article_id"])}
        hits = hits.sort_values(
            ["article_id", "frame", "char_start", "term"],
            key=lambda c: c.map(order) if c.name == "article_id" else c,
            kind="stable",
        )
        out["articles"].add(article_scores(articles, hits, frames))
        out["hits"].add(hits)
        out["corpus"].add(articles)
        out["removed"].add(t["removed"])
        acc.add(articles, t["sentences"], hits)
        terms.append(term_counts(hits))
        passages.append(_sample(hits, kept))
        quarantined.extend(t["quarantined"].to_dict("records"))
        scored += len(articles)
    term_table = _sum_terms(terms)
    sources = acc.result(n_boot, seed)
    write_csv(sources, data_dir / "sources.csv")
    write_csv(term_table, data_dir / "terms.csv")
    write_csv(pd.concat(passages, ignore_index=True) if passages else pd.DataFrame(
        columns=TABLE_COLUMNS["hits"]), data_dir / "passages.csv")  # fmt: skip
    by_entry = term_table.groupby(["frame", "term"])["author_hits"].sum()
    author = Counter({key: int(n) for key, n in by_entry.items()})
    write_csv(lexicon_table(lexicons, author), data_dir / "lexicon.csv")
    return {"scored": scored, "quarantined": quarantined, "sources": sources}


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
        ["author_hits", "quoted_hits", "negated_hits"]
    ].sum()
    return total.sort_values(
        ["source", "frame", "author_hits", "term"],
        ascending=[True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)
