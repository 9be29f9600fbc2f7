"""Identify articles: the canonical form of a URL, a stable id from it, and a hash of the
text that recognises the same article republished under another URL."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url


def canonical_url(url: str, declared: str = "") -> str:
    """The URL an article is known by: the page's ``rel=canonical`` when it points to the
    same host, else ``url``; normalised (lower-case host, no default port, no fragment,
    no tracking parameters such as utm_*) by courlan."""
    if declared:
        absolute = urljoin(url, declared.strip())
        if urlsplit(absolute).hostname == urlsplit(url).hostname:
            url = absolute
    try:
        url = normalize_url(url.strip(), strict=True)
    except (ValueError, AttributeError):
        url = url.strip()
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def article_id(canonical: str) -> str:
    """A stable, file-name-safe id: the host (without www.) and 16 hex of the URL's hash."""
    host = (urlsplit(canonical).netloc or "site").lower().removeprefix("www.")
    slug = re.sub(r"[^a-z0-9.-]+", "_", host).strip("._-")[:40] or "site"
    return f"{slug}-{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:16]}"


def text_hash(text: str, title: str = "") -> str:
    """SHA-256 of the text without its headline line, after NFKC and with all white space
    removed: a republication under another headline, re-wrapped or with full-width forms
    changed, hashes the same."""
    lines = text.strip().split("\n")
    if title and lines and lines[0].strip() == title.strip():
        lines = lines[1:]
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", "\n".join(lines)))
    return hashlib.sha256(flat.encode("utf-8")).hexdigest()
