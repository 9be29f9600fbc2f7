"""Read ``feeds.yaml``: which outlets to monitor, from which feeds and pages, and how to fetch.

Schema (documented in README.md, example in ``feeds.example.yaml``)::

    fetch:                      # optional; these are the defaults
      user_agent: "framing-pipeline/0.1 (+https://example.org/contact)"
      timeout: 20               # seconds per request
      retries: 2                # after a timeout, a connection error, 429 or 5xx
      delay: 2.0                # seconds between two requests to the same host
      max_bytes: 5000000        # larger responses are refused
    sources:
      - source: 東京新聞         # the outlet, as the manifest's ``source`` (compared after
                                # NFKC: ＮＨＫ and NHK are one outlet)
        feeds: [https://...rss]  # RSS or Atom
        urls: [https://...]      # and/or article pages
        perspective: western_analytic   # optional frame id (known-groups check)
        language: ja             # default ja
        keywords: [北朝鮮, ロシア]  # optional: keep an article whose title or text has one
        max_articles: 50         # optional: at most this many added per run
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline import __version__
from pipeline.ingest.sources import source_key

DEFAULT_USER_AGENT = (
    f"framing-pipeline/{__version__} (research crawler; feeds and robots.txt honoured)"
)
_SOURCE_KEYS = {"source", "feeds", "urls", "perspective", "language", "keywords", "max_articles"}
_FETCH_KEYS = {"user_agent", "timeout", "retries", "delay", "max_bytes"}
_FRAME_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class FeedsError(ValueError):
    """The feeds file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How the collector talks to outlets' servers."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 20.0
    retries: int = 2
    delay: float = 2.0
    max_bytes: int = 5_000_000


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One outlet: its name in the manifest, where its articles are found, what to keep."""

    source: str
    feeds: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    perspective: str = ""
    language: str = "ja"
    keywords: tuple[str, ...] = ()
    max_articles: int = 0  # 0: no limit


@dataclass(frozen=True, slots=True)
class FeedsConfig:
    sources: tuple[SourceConfig, ...]
    fetch: FetchOptions = field(default_factory=FetchOptions)


def _url_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise FeedsError(f"{where}: expected a list of URLs")
    for url in value:
        if not re.match(r"^https?://[^/\s]+", url):
            raise FeedsError(f"{where}: {url!r} is not an http(s) URL")
    return tuple(value)


def _number(value: Any, where: str, kind: type, minimum: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FeedsError(f"{where}: expected a number, got {value!r}")
    if kind is int and not isinstance(value, int):
        raise FeedsError(f"{where}: expected a whole number, got {value!r}")
    if value < minimum:
        raise FeedsError(f"{where}: must be at least {minimum}")
    return kind(value)


def _source(item: Any, where: str) -> SourceConfig:
    if not isinstance(item, dict):
        raise FeedsError(f"{where}: each source is a mapping with source: and feeds:/urls:")
    unknown = sorted(set(item) - _SOURCE_KEYS)
    if unknown:
        raise FeedsError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    name = item.get("source")
    if not isinstance(name, str) or not name.strip():
        raise FeedsError(f"{where}: source: (the outlet's name) is required")
    where = f"{where} ({name})"
    feeds = _url_list(item.get("feeds"), f"{where}: feeds")
    urls = _url_list(item.get("urls"), f"{where}: urls")
    if not feeds and not urls:
        raise FeedsError(f"{where}: give feeds: or urls: (or both)")
    perspective = item.get("perspective") or ""
    if not isinstance(perspective, str) or (perspective and not _FRAME_ID.match(perspective)):
        raise FeedsError(f"{where}: perspective must be a frame id, got {perspective!r}")
    language = item.get("language") or "ja"
    if not isinstance(language, str):
        raise FeedsError(f"{where}: language must be a code such as ja")
    keywords = item.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise FeedsError(f"{where}: keywords must be a list of words")
    limit = item.get("max_articles", 0)
    return SourceConfig(
        source=name.strip(),
        feeds=feeds,
        urls=urls,
        perspective=perspective,
        language=language,
        keywords=tuple(keywords),
        max_articles=_number(limit, f"{where}: max_articles", int, 0),
    )


def _fetch(value: Any, where: str) -> FetchOptions:
    if value is None:
        return FetchOptions()
    if not isinstance(value, dict):
        raise FeedsError(f"{where}: fetch: must be a mapping")
    unknown = sorted(set(value) - _FETCH_KEYS)
    if unknown:
        raise FeedsError(f"{where}: fetch: unknown key(s) {', '.join(map(str, unknown))}")
    agent = value.get("user_agent", DEFAULT_USER_AGENT)
    if not isinstance(agent, str) or not agent.strip():
        raise FeedsError(f"{where}: fetch.user_agent must be a non-empty string")
    return FetchOptions(
        user_agent=agent.strip(),
        timeout=_number(value.get("timeout", 20.0), f"{where}: fetch.timeout", float, 0.1),
        retries=_number(value.get("retries", 2), f"{where}: fetch.retries", int, 0),
        delay=_number(value.get("delay", 2.0), f"{where}: fetch.delay", float, 0),
        max_bytes=_number(value.get("max_bytes", 5_000_000), f"{where}: fetch.max_bytes", int, 1),
    )


def load_feeds(path: Path) -> FeedsConfig:
    """Parse and check a feeds file; raise FeedsError with the file and the reason."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedsError(f"feeds file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedsError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise FeedsError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise FeedsError(f"{path}: expected a mapping with a list under sources:")
    unknown = sorted(set(data) - {"sources", "fetch"})
    if unknown:
        raise FeedsError(f"{path}: unknown top-level key(s) {', '.join(map(str, unknown))}")
    if not data["sources"]:
        raise FeedsError(f"{path}: sources: is empty")
    sources = [_source(item, f"{path}: sources[{i}]") for i, item in enumerate(data["sources"])]
    keys = [source_key(s.source) for s in sources]
    twice = sorted({s.source for s, k in zip(sources, keys, strict=True) if keys.count(k) > 1})
    if twice:
        raise FeedsError(
            f"{path}: source(s) listed twice (names compared after Unicode normalisation): "
            + ", ".join(twice)
        )
    return FeedsConfig(tuple(sources), _fetch(data.get("fetch"), str(path)))
