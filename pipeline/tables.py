"""Write a run's ``data/*.csv`` from its batches' Parquet files.

Rows are sorted and numbers rounded the same way every time, so two runs on the same inputs
give byte-identical CSVs whatever the batch order or worker count.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analyze import TABLES
from pipeline.lexicons import Lexicon
from pipeline.scores import article_scores, counted, source_scores, term_counts

DECIMALS = 4
CORPUS_COLUMNS = [
    "article_id",
    "source",
    "title",
    "author",
    "published",
    "url",
    "language",
    "perspective",
    "encoding",
    "chars",
    "sentences",
    "tokens",
    "removed_lines",
    "text_file",
]


def read_batches(batch_dirs: list[Path]) -> dict[str, pd.DataFrame]:
    """Concatenate each table over all batches."""
    out = {}
    for name in TABLES:
        parts = [pd.read_parquet(Path(d) / f"{name}.parquet") for d in batch_dirs]
        parts = [p for p in parts if not p.empty] or parts[:1]
        out[name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out


def lexicon_table(lexicons: list[Lexicon], hits: pd.DataFrame) -> pd.DataFrame:
    """Every entry used, with its author-voice hit count (0 = never matched in the corpus)."""
    own = hits[counted(hits)].groupby(["frame", "term"]).size() if len(hits) else pd.Series()
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
            "author_hits": int(own.get((lex.frame, e.term), 0)),
        }
        for lex in lexicons
        for e in lex.entries
    ]
    return pd.DataFrame(rows)


def _write(df: pd.DataFrame, path: Path) -> Path:
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == bool:
            df[col] = df[col].map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].round(DECIMALS)
    df.to_csv(path, index=False, lineterminator="\n")
    return path


def write_tables(
    data_dir: Path, batch_dirs: list[Path], lexicons: list[Lexicon], n_boot: int, seed: int
) -> dict[str, pd.DataFrame]:
    """Aggregate batches into ``data_dir``'s CSVs; return the tables by name."""
    t = read_batches(batch_dirs)
    frames = [lex.frame for lex in lexicons]
    articles = t["articles"].sort_values("article_id", kind="stable").reset_index(drop=True)
    hits = (
        t["hits"]
        .sort_values(["article_id", "frame", "char_start", "term"], kind="stable")
        .reset_index(drop=True)
    )
    hits["negated"] = hits["negated"].astype(bool)
    sentences = t["sentences"]
    tables = {
        "articles": article_scores(articles, hits, frames),
        "sources": source_scores(articles, sentences, hits, frames, n_boot=n_boot, seed=seed),
        "hits": hits,
        "terms": term_counts(hits),
        "corpus": articles[CORPUS_COLUMNS],
        "removed": t["removed"].sort_values(["article_id", "line"], kind="stable"),
        "lexicon": lexicon_table(lexicons, hits),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        _write(df, data_dir / f"{name}.csv")
    tables["quarantined"] = t["quarantined"]
    return tables
