"""Analyze articles: read → clean → tokenize → match, one article at a time, in batches.

A batch writes its tables to Parquet files and returns their folder, so flows pass paths
between tasks, never DataFrames or taggers, and memory stays bounded by the batch size.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from pipeline.clean import CleanText, clean_article
from pipeline.corpus import ArticleError, ArticleRef, Quarantined, read_article
from pipeline.hits import Hit, find_hits
from pipeline.lexicons import Lexicon
from pipeline.tokens import Token, tokenize

TABLES = ("articles", "sentences", "hits", "removed", "quarantined")


@dataclass(slots=True)
class Analysis:
    """One article after cleaning, tokenizing and matching."""

    ref: ArticleRef
    encoding: str
    clean: CleanText
    sentence_tokens: list[list[Token]]
    hits: list[Hit]

    @property
    def content_tokens(self) -> int:
        return sum(t.is_content for s in self.sentence_tokens for t in s)


def analyze_text(
    raw: str, lexicons: list[Lexicon]
) -> tuple[CleanText, list[list[Token]], list[Hit]]:
    """Clean, tokenize (sentence by sentence) and match one text."""
    clean = clean_article(raw)
    sentence_tokens = [tokenize(clean.text[a:b], offset=a) for a, b in clean.sentences]
    return clean, sentence_tokens, find_hits(clean, sentence_tokens, lexicons)


def analyze_article(ref: ArticleRef, lexicons: list[Lexicon], max_bytes: int) -> Analysis:
    """Read and analyze one article; raise ArticleError when it cannot be scored."""
    raw, encoding = read_article(ref, max_bytes=max_bytes)
    clean, sentence_tokens, hits = analyze_text(raw, lexicons)
    if not any(t.is_content for s in sentence_tokens for t in s):
        raise ArticleError("no article text left after cleaning")
    return Analysis(ref, encoding, clean, sentence_tokens, hits)


def _article_row(a: Analysis) -> dict[str, object]:
    ref = a.ref
    return {
        "article_id": ref.id,
        "source": ref.source,
        "title": ref.title,
        "author": ref.author,
        "published": ref.published,
        "url": ref.url,
        "language": ref.language,
        "perspective": ref.meta.get("perspective", ""),
        "encoding": a.encoding,
        "chars": len(a.clean.text),
        "sentences": len(a.clean.sentences),
        "tokens": a.content_tokens,
        "removed_lines": len(a.clean.removed),
        "text_file": f"texts/{ref.text_name}.txt",
        "meta": json.dumps(ref.meta, ensure_ascii=False, sort_keys=True),
    }


def analyze_batch(
    refs: list[ArticleRef], lexicons: list[Lexicon], texts_dir: Path, max_bytes: int
) -> dict[str, pd.DataFrame]:
    """Analyze ``refs``; write each cleaned text to ``texts_dir``; return the batch's tables."""
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in TABLES}
    texts_dir.mkdir(parents=True, exist_ok=True)
    for ref in refs:
        try:
            a = analyze_article(ref, lexicons, max_bytes)
        except (ArticleError, OSError) as exc:
            rows["quarantined"].append(asdict(Quarantined(ref.id, ref.file, str(exc), ref.line)))
            continue
        (texts_dir / f"{ref.text_name}.txt").write_text(a.clean.text, encoding="utf-8")
        rows["articles"].append(_article_row(a))
        for sid, ((start, end), toks) in enumerate(
            zip(a.clean.sentences, a.sentence_tokens, strict=True)
        ):
            rows["sentences"].append(
                {
                    "article_id": ref.id,
                    "sentence_id": sid,
                    "char_start": start,
                    "char_end": end,
                    "tokens": sum(t.is_content for t in toks),
                }
            )
        for h in a.hits:
            rows["hits"].append({"article_id": ref.id, "source": ref.source, **asdict(h)})
        for r in a.clean.removed:
            rows["removed"].append({"article_id": ref.id, **asdict(r)})
    return {name: pd.DataFrame(rows[name], columns=_columns(name)) for name in TABLES}


def _columns(name: str) -> list[str]:
    return {
        "articles": [
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
            "meta",
        ],
        "sentences": ["article_id", "sentence_id", "char_start", "char_end", "tokens"],
        "hits": [
            "article_id",
            "source",
            "frame",
            "category",
            "term",
            "matched",
            "sentence_id",
            "char_start",
            "char_end",
            "voice",
            "negated",
            "weight",
            "left",
            "right",
        ],
        "removed": ["article_id", "line", "kind", "text"],
        "quarantined": ["article_id", "file", "reason", "line"],
    }[name]


def write_batch(tables: dict[str, pd.DataFrame], out_dir: Path) -> Path:
    """Write a batch's tables as Parquet files in ``out_dir``; return the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(out_dir / f"{name}.parquet", index=False)
    return out_dir
