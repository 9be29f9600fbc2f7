"""Collect new articles from the outlets in a feeds file into a corpus folder.

For each source: read its feeds, then each entry (and each listed URL) is skipped when its
canonical URL is already in the corpus, otherwise fetched, decoded, extracted, filtered by
keywords, checked against the texts already collected, and appended. Every URL tried gets
one row in ``collected.csv``; one failing URL, feed or source never stops the others, and a
source none of whose feeds (or pages) could be read is reported as failed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.collect.append import AppendError, CorpusAppender, NewArticle
from pipeline.collect.decode import decode_page
from pipeline.collect.extract import Article, ExtractError, FeedEntry, extract_article, parse_feed
from pipeline.collect.feeds import FeedsConfig, SourceConfig
from pipeline.collect.fetch import FEED_TYPES, HTML_TYPES, Fetcher, FetchError
from pipeline.collect.ids import article_id, canonical_url, text_hash
from pipeline.collect.log import REPUBLICATION, CollectLog
from pipeline.ingest.corpus import ArticleError
from pipeline.ingest.sources import source_key

EXIT_ALL_FINE, EXIT_SOME_FAILED, EXIT_ALL_FAILED = 0, 3, 4


@dataclass(slots=True)
class CollectResult:
    counts: dict[str, int]
    added: list[str] = field(default_factory=list)  # article ids
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    summary: str = ""
    sources: int = 0  # how many were collected
    failed_sources: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)

    @property
    def exit_code(self) -> int:
        """0 when every source could be read, 3 when some failed, 4 when all failed."""
        if not self.failed_sources:
            return EXIT_ALL_FINE
        return EXIT_ALL_FAILED if len(self.failed_sources) >= self.sources else EXIT_SOME_FAILED


class _Skip(Exception):
    """An entry that is not added: ``status`` and ``reason`` go to the log."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _reason(exc: BaseException) -> str:
    """An unexpected error as a log reason: its type and its first 200 characters."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


def entries(
    source: SourceConfig, fetcher: Fetcher, log: CollectLog, failed: list[str] | None = None
) -> list[FeedEntry]:
    """The source's candidate articles: its feeds' entries, then its listed URLs. A feed
    that cannot be read is logged (and its reason added to ``failed``); the next goes on."""
    found: list[FeedEntry] = []
    for feed in source.feeds:
        try:
            resp = fetcher.fetch(feed, FEED_TYPES)
            found.extend(parse_feed(resp.body, resp.url, resp.headers))
        except (FetchError, ExtractError) as exc:
            reason = f"feed: {exc}"
        except Exception as exc:  # one broken feed never stops the others
            reason = f"feed: {_reason(exc)}"
        else:
            continue
        log.record(feed, source.source, "failed", reason)
        if failed is not None:
            failed.append(reason)
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
    source: SourceConfig,
    fetcher: Fetcher,
    corpus: CorpusAppender,
    log: CollectLog,
    failed: list[str] | None = None,
) -> list[str]:
    """Collect one outlet; return the ids added (at most ``max_articles`` when set). Its
    feeds that failed, or the first reason when every page tried failed, go to ``failed``."""
    added: list[str] = []
    tried: set[str] = set()
    known = log.known()
    statuses: list[tuple[str, str]] = []
    for entry in entries(source, fetcher, log, failed):
        if source.max_articles and len(added) >= source.max_articles:
            break
        status, reason = _collect_one(entry, source, fetcher, corpus, known, tried)
        if status:
            log.record(entry.url, source.source, status, reason)
            statuses.append((status, reason))
        if status == "added":
            added.append(reason)
    failures = [reason for status, reason in statuses if status == "failed"]
    if failed is not None and failures and len(failures) == len(statuses):
        failed.append(f"every page failed ({len(failures)}), e.g. {failures[0]}")
    return added


def _collect_one(
    entry: FeedEntry,
    source: SourceConfig,
    fetcher: Fetcher,
    corpus: CorpusAppender,
    known: dict[str, str],
    tried: set[str],
) -> tuple[str, str]:
    """One entry's log status and reason (the id when added); ("", "") when it was
    already tried in this collect."""
    try:
        key = canonical_url(entry.url)
        if key in tried:
            return "", ""
        tried.add(key)
        earlier = known.get(entry.url, "")
        if earlier.startswith(REPUBLICATION):
            return "duplicate", earlier
        if earlier in corpus.ids:
            return "duplicate", f"already in the corpus as {earlier}"
        return "added", collect_entry(entry, source, fetcher, corpus)
    except _Skip as skip:
        return skip.status, skip.reason
    except AppendError:
        raise
    except Exception as exc:  # one broken page never stops the collect
        return "failed", _reason(exc)


def collect(
    config: FeedsConfig, corpus: Path, only: tuple[str, ...] = (), fetcher: Fetcher | None = None
) -> CollectResult:
    """Collect every source of ``config`` (or those named in ``only``) into ``corpus``; one
    source that fails, however, never stops the next.

    Raise AppendError when the corpus folder cannot be written.
    """
    appender = CorpusAppender(Path(corpus))
    log = CollectLog(Path(corpus))
    own = fetcher is None
    fetcher = fetcher or Fetcher(config.fetch)
    added: list[str] = []
    wanted = {source_key(name) for name in only}
    chosen = [s for s in config.sources if not only or source_key(s.source) in wanted]
    failed_sources: list[tuple[str, str]] = []
    try:
        for source in chosen:
            failed: list[str] = []
            try:
                added.extend(collect_source(source, fetcher, appender, log, failed))
            except AppendError:
                raise
            except Exception as exc:
                failed.append(f"stopped: {_reason(exc)}")
                first = (source.feeds or source.urls)[0]
                log.record(first, source.source, "failed", failed[-1])
            if failed:
                failed_sources.append((source.source, failed[0]))
    finally:
        appender.close()
        if own:
            fetcher.close()
    return CollectResult(
        dict(log.counts), added, log.failures, log.summary(), len(chosen), failed_sources
    )
