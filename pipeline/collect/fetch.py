"""Fetch feeds and pages politely: one HTTP client (httpx) with a clear User-Agent,
timeouts, retries with exponential backoff, a delay between requests to the same host, a
size cap, and robots.txt honoured. Every refusal is a FetchError with a reason for the log.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from pipeline.collect.feeds import FetchOptions

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
)
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5
MAX_BACKOFF = 60.0


class FetchError(Exception):
    """A URL could not be fetched or was refused; ``str()`` is the reason."""


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Fetcher:
    """The collector's HTTP client; close it (or use ``with``) when done."""

    def __init__(
        self,
        options: FetchOptions,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.options = options
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._client = httpx.Client(
            headers={"User-Agent": options.user_agent, "Accept-Language": "ja,en;q=0.5"},
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _wait_turn(self, url: str) -> None:
        host = _host(url)
        delay = self.options.delay
        robots = self._robots.get(host)
        if robots is not None:
            crawl_delay = robots.crawl_delay(self.options.user_agent)
            if crawl_delay:
                delay = max(delay, float(crawl_delay))
        last = self._last.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last[host] = time.monotonic()

    def _once(self, url: str) -> Response:
        self._wait_turn(url)
        limit = self.options.max_bytes
        with self._client.stream("GET", url) as resp:
            length = resp.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise FetchError(f"response of {int(length):,} bytes is over the {limit:,} cap")
            body = bytearray()
            if resp.status_code < 400:
                for chunk in resp.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limit:
                        raise FetchError(f"response is over the {limit:,}-byte cap")
            return Response(
                url=str(resp.url),
                status=resp.status_code,
                content_type=resp.headers.get("content-type", ""),
                body=bytes(body),
                headers=dict(resp.headers),
            )

    def get(self, url: str) -> Response:
        """GET ``url``, retrying timeouts, connection errors, 429 and 5xx with backoff.

        Raise FetchError for anything but a 2xx answer in the end.
        """
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            backoff = min(MAX_BACKOFF, 0.5 * 2**attempt)
            try:
                resp = self._once(url)
            except httpx.TimeoutException:
                if last:
                    raise FetchError(
                        f"timed out after {self.options.timeout:g} s ({attempts} attempts)"
                    ) from None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
            except httpx.TransportError as exc:
                if last:
                    reason = type(exc).__name__
                    raise FetchError(f"connection failed: {reason} ({attempts} attempts)") from None
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL: {exc}") from None
            else:
                if 200 <= resp.status < 300:
                    return resp
                if resp.status not in RETRY_STATUSES or last:
                    raise FetchError(f"HTTP {resp.status}")
                asked = _retry_after(resp.headers.get("retry-after"))
                backoff = min(MAX_BACKOFF, backoff if asked is None else asked)
            self._sleep(backoff)
        raise AssertionError("unreachable")

    def refusal(self, url: str) -> str | None:
        """Why robots.txt keeps this User-Agent from ``url`` (read once per host), or None.

        As RFC 9309 says: no robots.txt (4xx) allows everything; an unreachable one (5xx,
        timeout) allows nothing, for now.
        """
        host = _host(url)
        if host not in self._robots:
            self._robots[host] = self._read_robots(host)
        robots = self._robots[host]
        if robots is None:
            return "robots.txt unreachable: nothing fetched from this host"
        if not robots.can_fetch(self.options.user_agent, url):
            return "disallowed by robots.txt"
        return None

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser | None:
        parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
        try:
            resp = self.get(f"{host}/robots.txt")
        except FetchError as exc:
            if str(exc).startswith("HTTP 4"):
                parser.parse([])
                return parser
            return None
        parser.parse(resp.body.decode("utf-8", "replace").splitlines())
        return parser

    def fetch(self, url: str, accept: tuple[str, ...]) -> Response:
        """Fetch ``url`` if robots.txt allows it and its content type is one of ``accept``."""
        refused = self.refusal(url)
        if refused:
            raise FetchError(refused)
        resp = self.get(url)
        refused = self.refusal(resp.url) if resp.url != url else None
        if refused:
            raise FetchError(f"redirected to {resp.url}: {refused}")
        mime = resp.content_type.split(";")[0].strip().lower()
        if mime not in accept:
            raise FetchError(f"content type {mime or 'missing'} is not {' or '.join(accept[:2])}")
        return resp
