"""Extract what the corpus needs: a feed's entries (feedparser) and a page's article text,
title, author and date (trafilatura; htmldate, the feed and the text for a hidden date).

trafilatura keeps the main text and leaves out navigation, adverts, related-article lists
and comment forms, as the cleaning step does for pasted text.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import feedparser
import trafilatura
from htmldate import find_date
from trafilatura.settings import Document

from pipeline.ingest.corpus import iso_date

# A character reference to a lone surrogate (&#xD800;) names no character: feedparser
# crashes on one; it is read as U+FFFD, as HTML5 does.
_SURROGATE_REF = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*(?:5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}"
    rb"|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]));"
)
# Less is a section front, a login wall or an error page, not an article.
MIN_TEXT_CHARS = 40


class ExtractError(ValueError):
    """No article could be extracted from the page; ``str()`` is the reason."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str = ""
    author: str = ""
    published: str = ""  # ISO date or ""


@dataclass(frozen=True, slots=True)
class Article:
    text: str
    title: str
    author: str
    published: str
    canonical: str  # the page's rel=canonical link, or ""


def _entry_date(entry: feedparser.FeedParserDict) -> str:
    """The entry's date as the outlet wrote it (in its own time zone: feedparser's parsed
    dates are UTC, a day early for a Japanese morning edition)."""
    for key in ("published", "updated"):
        raw = (entry.get(key) or "").strip()
        for parse in (parsedate_to_datetime, datetime.fromisoformat):
            try:
                return parse(raw).date().isoformat()
            except (TypeError, ValueError, IndexError):
                continue
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return time.strftime("%Y-%m-%d", parsed)
    return ""


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None) -> list[FeedEntry]:
    """A feed's entries in feed order; raise ExtractError if it is not a feed."""
    body = _SURROGATE_REF.sub(b"&#xFFFD;", body)
    try:
        parsed = feedparser.parse(
            body, response_headers={**(headers or {}), "content-location": url}
        )
    except Exception as exc:  # feedparser's own bugs: this feed only
        raise ExtractError(f"feed could not be parsed: {type(exc).__name__}: {exc}") from None
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no entries"
        raise ExtractError(f"not an RSS or Atom feed: {reason}")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        entries.append(
            FeedEntry(
                url=link.strip(),
                title=(entry.get("title") or "").strip(),
                author=(entry.get("author") or "").strip(),
                published=_entry_date(entry),
            )
        )
    return entries


class _HeadMeta(HTMLParser):
    """The author metadata trafilatura may drop (it skips one-word CJK names) and the
    canonical link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.ld_json: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("name") or a.get("property") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.canonical = self.canonical or a.get("href", "").strip()
        elif tag == "script" and a.get("type", "").lower() == "application/ld+json":
            self._in_ld = True
            self.ld_json.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.ld_json[-1] += data


def _ld_author(blocks: list[str]) -> str:
    for block in blocks:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            author = item.get("author") if isinstance(item, dict) else None
            if isinstance(author, list) and author:
                author = author[0]
            if isinstance(author, dict):
                author = author.get("name")
            if isinstance(author, str) and author.strip():
                return author.strip()
    return ""


_JA_DATE = re.compile(r"(20\d\d|19\d\d)\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?")


def _text_date(text: str) -> str:
    """The first plausible date near the top of the text (2024年6月19日, 2024/6/19)."""
    for m in _JA_DATE.finditer(text[:600]):
        try:
            found = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        if found <= date.today():
            return found.isoformat()
    return ""


def _page_date(html: str, text: str, found: str | None, feed_date: str) -> str:
    """The article's date: the page's metadata, then markup htmldate finds (time tags,
    JSON-LD, URL), then the feed's date, then a date written near the top of the text."""
    if found and iso_date(found):
        return iso_date(found) or ""
    try:
        hidden = find_date(html, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        hidden = None
    return (hidden and iso_date(hidden)) or feed_date or _text_date(text)


def extract_article(html: str, url: str, entry: FeedEntry | None = None) -> Article:
    """The article on ``html``; metadata the page lacks comes from the feed ``entry``."""
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        deduplicate=False,  # trafilatura's cache is per process: a rerun would lose pages
    )
    text = (doc.text or "").strip() if isinstance(doc, Document) else ""
    if not isinstance(doc, Document) or len(text) < MIN_TEXT_CHARS:
        raise ExtractError(f"no article text found on the page ({len(text)} characters)")
    head = _HeadMeta()
    head.feed(html)
    head.close()
    entry = entry or FeedEntry(url=url)
    author = (
        doc.author
        or head.meta.get("author")
        or head.meta.get("article:author")
        or _ld_author(head.ld_json)
        or entry.author
        or ""
    )
    return Article(
        text=text,
        title=(doc.title or entry.title or "").strip(),
        author=author.strip(),
        published=_page_date(html, text, doc.date, entry.published),
        canonical=head.canonical,
    )
