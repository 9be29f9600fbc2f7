"""Analyze articles: read → clean → tokenize → match, one article at a time, in batches.

A batch writes its tables to Parquet files and returns their folder, so flows pass paths
between tasks, never DataFrames or taggers, and memory stays bounded by the batch size.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from itertools import chain, compress, filterfalse
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyze.cache import AnalysisCache
from pipeline.analyze.hits import Hit, find_hits, match_sentence, matcher
from pipeline.analyze.lexicons import Lexicon
from pipeline.analyze.sourcing import (
    ATTRIBUTION_COLUMNS,
    Attribution,
    cited_spans,
    find_attributions,
)
from pipeline.analyze.stance import StanceHit, find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.analyze.tokens import NON_CONTENT_POS, TokenColumns, tokenize_spans
from pipeline.cache.keys import hits_key, token_key
from pipeline.ingest.article_text import ArticleError, extract_text
from pipeline.ingest.clean import CleanText, clean_article
from pipeline.ingest.corpus import ArticleRef, Quarantined, read_article

TABLES = (
    "articles",
    "sentences",
    "hits",
    "removed",
    "quarantined",
    "docs",
    "sourcing",
    "stance_hits",
    "stance_mentions",
)
TABLE_COLUMNS: dict[str, list[str]] = {
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
    "hits": ["article_id", "source", *Hit._fields],
    "removed": ["article_id", "line", "kind", "text"],
    "quarantined": ["article_id", "file", "reason", "line"],
    "docs": ["article_id", "source", "lemmas"],
    "sourcing": ATTRIBUTION_COLUMNS,
    "stance_hits": ["article_id", "source", *StanceHit._fields],
    "stance_mentions": ["article_id", "source", "target", "mentions"],
}
# What an article's lemma document keeps (for similarity and lexicon suggestions): content
# words, without the light verbs and formal nouns that every text is full of.
DOC_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞"})
DOC_STOP = frozenset(
    {"為る", "居る", "有る", "成る", "言う", "事", "物", "為", "所", "様", "有り", "出来る"}
)


def doc_lemmas(sentences: list[TokenColumns]) -> list[str]:
    """The content lemmas of an article, in order."""
    kept = chain.from_iterable(
        compress(s.lemmas, map(DOC_POS.__contains__, s.pos)) for s in sentences
    )
    return list(filterfalse(DOC_STOP.__contains__, kept))


@dataclass(frozen=True, slots=True)
class Caching:
    """The per-article analysis cache; the sha256 that keys its matches (it must cover the
    stance lexicons too); for a batch, where to collect its cleaned texts by file name."""

    cache: AnalysisCache
    lexicons_sha: str
    texts: dict[str, str] | None = None


@dataclass(slots=True)
class Analysis:
    """One article after cleaning, tokenizing and matching: what the tables need of it."""

    ref: ArticleRef
    encoding: str
    clean: CleanText
    sentence_counts: list[int]
    doc: list[str]
    hits: list[Hit]
    attributions: list[Attribution]
    stance_hits: list[StanceHit]
    mentions: dict[str, int]

    @property
    def content_tokens(self) -> int:
        return sum(self.sentence_counts)


def content_counts(sentences: list[TokenColumns]) -> list[int]:
    """Content tokens per sentence (all but ``NON_CONTENT_POS``)."""
    is_not_content = NON_CONTENT_POS.__contains__
    return [len(s.pos) - sum(map(is_not_content, s.pos)) for s in sentences]


def clean_and_tokenize(raw: str) -> tuple[CleanText, list[TokenColumns]]:
    """Clean one text and tokenize it sentence by sentence (offsets into the cleaned text)."""
    clean = clean_article(raw)
    return clean, tokenize_spans(clean.text, clean.sentences)


def analyze_text(
    raw: str, lexicons: list[Lexicon]
) -> tuple[CleanText, list[TokenColumns], list[Hit]]:
    """Clean, tokenize (sentence by sentence) and match one text."""
    clean, sentences = clean_and_tokenize(raw)
    return clean, sentences, find_hits(clean, sentences, lexicons)


def match_article(
    clean: CleanText,
    sentences: list[TokenColumns],
    lexicons: list[Lexicon],
    stance: StanceLexicon | None,
    cited: list[tuple[int, int]] | None = None,
) -> tuple[list[Hit], list[StanceHit], dict[str, int]]:
    """Frame hits, stance evidence and target mentions of one article, from one pass of one
    matcher (frames, then the stance lexicons) over each sentence. ``cited``: the speaker
    spans of its attributions (``find_hits``)."""
    if stance is None:
        return find_hits(clean, sentences, lexicons, cited), [], {}
    bare = [s.without("空白") if "空白" in s.pos else s for s in sentences]
    m = matcher([*lexicons, *stance.lexicons()])
    found = [match_sentence(s.lemmas, m, s.surfaces) for s in bare]
    evidence, mentions = find_stance(clean, bare, stance, found, offset=len(lexicons))
    return find_hits(clean, bare, lexicons, cited, found), evidence, mentions


def analyze_article(
    ref: ArticleRef,
    lexicons: list[Lexicon],
    max_bytes: int,
    text: str | None = None,
    caching: Caching | None = None,
    stance: StanceLexicon | None = None,
) -> Analysis:
    """Read (unless ``text`` is given) and analyze one article, reusing cached work.

    Raise ArticleError when it cannot be scored.
    """
    cache = caching.cache if caching else None
    lexicons_sha = caching.lexicons_sha if caching else ""
    if text is None:
        raw, encoding = read_article(ref, max_bytes=max_bytes)
    else:
        # A character takes at most 4 bytes: most texts need no encoding to be within bounds.
        if len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise ArticleError(f"text is over the {max_bytes:,}-byte limit")
        raw, encoding = extract_text(text)
    tkey = token_key(raw) if cache else ""
    summary = cache.get_summary(tkey) if cache else None
    sentences = None
    if summary:
        clean, counts, doc = summary
    else:
        clean, sentences = clean_and_tokenize(raw)
        counts, doc = content_counts(sentences), doc_lemmas(sentences)
        if cache:
            cache.put_tokens(tkey, clean, counts, doc, sentences)
    if not any(counts):
        raise ArticleError("no article text left after cleaning")
    hkey = hits_key(tkey, lexicons_sha) if cache else ""
    hits = cache.get_hits(hkey) if cache else None
    found = cache.get_attributions(hkey) if cache and hits is not None else None
    evidence = cache.get_stance(hkey) if cache and stance is not None and hits is not None else None
    if hits is None or found is None or (stance is not None and evidence is None):
        if sentences is None:
            sentences = cache.get_tokens(tkey, clean) if cache else None
        if sentences is None:
            clean, sentences = clean_and_tokenize(raw)
        found = find_attributions(clean, sentences)
        hits, stance_hits, mentions = match_article(
            clean, sentences, lexicons, stance, cited_spans(found)
        )
        evidence = (stance_hits, mentions)
        if cache:
            cache.put_hits(hkey, hits)
            cache.put_attributions(hkey, found)
            if stance is not None:
                cache.put_stance(hkey, stance_hits, mentions)
    stance_hits, mentions = evidence if evidence is not None else ([], {})
    return Analysis(ref, encoding, clean, counts, doc, hits, found, stance_hits, mentions)


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


def _sourcing_rows(a: Analysis) -> list[tuple[object, ...]]:
    """The article's attributions as ``sourcing`` rows, each with its sentence's text."""
    text, spans = a.clean.text, a.clean.sentences
    return [
        (a.ref.id, a.ref.source, *x, text[slice(*spans[x.sentence_id])]) for x in a.attributions
    ]


def analyze_batch(
    items: list[tuple[ArticleRef, str | None]],
    lexicons: list[Lexicon],
    texts_dir: Path,
    max_bytes: int,
    caching: Caching | None = None,
    stance: StanceLexicon | None = None,
) -> dict[str, pd.DataFrame]:
    """Analyze a batch of (reference, inline text or None); write each cleaned text to
    ``texts_dir`` (and into ``caching.texts``, by file name, when given); return the batch's
    tables (the stance tables stay empty without ``stance``)."""
    cache = caching.cache if caching else None
    texts = caching.texts if caching else None
    rows: dict[str, list[Any]] = {name: [] for name in TABLES}
    texts_dir.mkdir(parents=True, exist_ok=True)
    for ref, text in items:
        try:
            a = analyze_article(ref, lexicons, max_bytes, text, caching, stance)
        except (ArticleError, OSError) as exc:
            rows["quarantined"].append(asdict(Quarantined(ref.id, ref.file, str(exc), ref.line)))
            continue
        name = f"{ref.text_name}.txt"
        (texts_dir / name).write_text(a.clean.text, encoding="utf-8")
        if texts is not None:
            texts[name] = a.clean.text
        rows["articles"].append(_article_row(a))
        rows["sentences"].extend(
            (ref.id, sid, start, end, n)
            for sid, ((start, end), n) in enumerate(
                zip(a.clean.sentences, a.sentence_counts, strict=True)
            )
        )
        rows["hits"].extend((ref.id, ref.source, *h) for h in a.hits)
        rows["removed"].extend((ref.id, r.line, r.kind, r.text) for r in a.clean.removed)
        rows["docs"].append((ref.id, ref.source, " ".join(a.doc)))
        rows["sourcing"].extend(_sourcing_rows(a))
        rows["stance_hits"].extend((ref.id, ref.source, *h) for h in a.stance_hits)
        rows["stance_mentions"].extend((ref.id, ref.source, t, n) for t, n in a.mentions.items())
    if cache:
        cache.commit()
    return {
        name: pd.DataFrame.from_records(rows[name], columns=TABLE_COLUMNS[name]) for name in TABLES
    }


def write_batch(tables: dict[str, pd.DataFrame], out_dir: Path) -> Path:
    """Write a batch's tables as Parquet files in ``out_dir``; return the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(out_dir / f"{name}.parquet", index=False)
    return out_dir
