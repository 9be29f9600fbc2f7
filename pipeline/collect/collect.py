"""Collect new articles from the outlets in a feeds file into a corpus folder.

For each source: read its feeds, then each entry (and each listed URL) is skipped when its
canonical URL is already in the corpus, otherwise fetched, decoded, extracted, filtered by
keywords, checked against the texts already collected, and appended. Every URL tried gets
one row in ``collected.csv``; one failing URL or feed never stops the others.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.collect.append import CorpusAppender, NewArticle
from pipeline.collect.decode import decode_page
from pipeline.collect.extract import Article, ExtractError, FeedEntry, extract_article, parse_feed
from pipeline.collect.feeds import FeedsConfig, SourceConfig
from pipeline.collect.fetch import FEED_TYPES, HTML_TYPES, Fetcher, FetchError
from pipeline.collect.ids import article_id, canonical_url, text_hash
from pipeline.collect.log import REPUBLICATION, CollectLog
from pipeline.ingest.corpus import ArticleError


@dataclass(slots=True)
class CollectResult:
    counts: dict[str, int]
    added: list[str] = field(default_factory=list)  # article ids
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    summary: str = ""


class _Skip(Exception):
    """An entry that is not added: ``status`` and ``reason`` go to the log."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def entries(source: SourceConfig, fetcher: Fetcher, log: CollectLog) -> list[FeedEntry]:
    """The source's candidate articles: its feeds' entries, then its listed URLs."""
    found: list[FeedEntry] = []
    for feed in source.feeds:
        try:
            resp = fetcher.fetch(feed, FEED_TYPES)
            found.extend(parse_feed(resp.body, resp.url, resp.headers))
        except (FetchError, ExtractError) as exc:
            log.record(feed, source.source, "failed", f"feed: {exc}")
    found.extend(FeedEntry(url=url) for url in source.urls)
    return found


def _matches(keywords: tuple[str, ...], article: Article) -> bool:
    if not keywords:
        return True
    haystack = unicodedata.normalize("NFKC", f"{article.title}\n{article.text}").casefold()
    return any(unicodedata.normalize("NFKC", k).casefold() in haystack for k in keywords)


def collect_entry(
    entry: FeedEntry, source: SourceConfig, fetcher: Fetcher, corpus: CorpusAppender
) -> str:
    """Fetch, extract, filter, deduplicate and append one entry; return its id or raise
    _Skip with the log's status and reason."""
    known = corpus.by_url.get(canonical_url(entry.url))
    if known:
        raise _Skip("duplicate", f"already in the corpus as {known}")
    try:
        resp = fetcher.fetch(entry.url, HTML_TYPES)
        html, _ = decode_page(resp.body, resp.content_type)
        article = extract_article(html, resp.url, entry)
    except (FetchError, ArticleError, ExtractError) as exc:
        raise _Skip("failed", str(exc)) from None
    canon = canonical_url(resp.url, article.canonical)
    known = corpus.by_url.get(canon)
    if known:
        raise _Skip("duplicate", f"{canon} already in the corpus as {known}")
    if not _matches(source.keywords, article):
        raise _Skip("filtered", "no keyword in the title or text")
    sha = text_hash(article.text, article.title)
    if sha in corpus.by_hash:
        raise _Skip("duplicate", f"{REPUBLICATION} {corpus.by_hash[sha]}")
    aid = article_id(canon)
    if aid in corpus.ids:
        raise _Skip("duplicate", f"id {aid} already in the corpus")
    corpus.add(
        NewArticle(
            id=aid,
            source=source.source,
            title=article.title,
            author=article.author,
            published=article.published,
            url=canon,
            language=source.language,
            perspective=source.perspective,
            text=article.text,
            sha=sha,
        )
    )
    return aid


def collect_source(
    source: SourceConfig, fetcher: Fetcher, corpus: CorpusAppender, log: CollectLog
) -> list[str]:
    """Collect one outlet; return the ids added (at most ``max_articles`` when set)."""
    added: list[str] = []
    tried: set[str] = set()
    known = log.known()
    for entry in entries(source, fetcher, log):
        if source.max_articles and len(added) >= source.max_articles:
            break
        key = canonical_url(entry.url)
        if key in tried:
            continue
        tried.add(key)
        earlier = known.get(entry.url, "")
        if earlier.startswith(REPUBLICATION):
            log.record(entry.url, source.source, "duplicate", earlier)
            continue
        if earlier in corpus.ids:
            log.record(entry.url, source.source, "duplicate", f"already in the corpus as {earlier}")
            continue
        try:
            aid = collect_entry(entry, source, fetcher, corpus)
        except _Skip as skip:
            log.record(entry.url, source.source, skip.status, skip.reason)
            continue
        except Exception as exc:  # one broken page never stops the collect
            log.record(entry.url, source.source, "failed", f"{type(exc).__name__}: {exc}")
            continue
        added.append(aid)
        log.record(entry.url, source.source, "added", aid)
    return added


def collect(
    config: FeedsConfig, corpus: Path, only: tuple[str, ...] = (), fetcher: Fetcher | None = None
) -> CollectResult:
    """Collect every source of ``config`` (or those named in ``only``) into ``corpus``.

    Raise AppendError when the corpus folder cannot be written.
    """
    appender = CorpusAppender(Path(corpus))
    log = CollectLog(Path(corpus))
    own = fetcher is None
    fetcher = fetcher or Fetcher(config.fetch)
    added: list[str] = []
    try:
        for source in config.sources:
            if not only or source.source in only:
                added.extend(collect_source(source, fetcher, appender, log))
    finally:
        appender.close()
        if own:
            fetcher.close()
    return CollectResult(dict(log.counts), added, log.failures, log.summary())
