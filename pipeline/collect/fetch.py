"""Fetch feeds and pages politely: one HTTP client (httpx) with a clear User-Agent, one
deadline per attempt (connection and every read), retries with exponential backoff, a delay
between requests to the same host, a size cap, and robots.txt honoured for every URL
requested, redirects included. Every refusal is a FetchError with a reason for the log.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

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
REDIRECTS = {301, 302, 303, 307, 308}
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


def _cause(exc: Exception) -> str:
    """A transport error's own words (``[Errno 111] Connection refused``), or its type."""
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__


class _Deadline:
    """One fetch's deadline over its connection and every read: when it passes, the socket
    is shut down, which ends a read that a trickling server keeps alive."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.passed = False
        self._streams: list[Any] = []
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        return self.at - time.monotonic()

    def watch(self, stream: Any) -> None:
        """Shut ``stream`` (an httpcore network stream) down at the deadline."""
        if stream is not None:
            self._streams.append(stream)
            if self.passed:
                self._cut()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's trace hook: the connection, as soon as it is made."""
        if event == "connection.connect_tcp.complete":
            self.watch(info.get("return_value"))

    def _cut(self) -> None:
        self.passed = True
        for stream in self._streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class Fetcher:
    """The collector's HTTP client; close it (or use ``with``) when done.

    Redirects are followed here, one hop at a time, so that robots.txt is consulted for
    every URL requested; each attempt (connection, redirects and every read) ends at one
    deadline, ``timeout`` seconds after it starts.
    """

    def __init__(
        self,
        options: FetchOptions,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.options = options
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self._client = httpx.Client(
            headers={"User-Agent": options.user_agent, "Accept-Language": "ja,en;q=0.5"},
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
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
        if isinstance(robots, urllib.robotparser.RobotFileParser):
            crawl_delay = robots.crawl_delay(self.options.user_agent)
            if crawl_delay:
                delay = max(delay, float(crawl_delay))
        last = self._last.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last[host] = time.monotonic()

    def _hop(self, url: str, deadline: _Deadline) -> Response:
        """One request, no redirect followed, within ``deadline``."""
        self._wait_turn(url)
        left = deadline.left()
        if left <= 0:
            raise httpx.ReadTimeout("deadline passed")
        limit = self.options.max_bytes
        extensions = {"trace": deadline.trace}
        try:
            with self._client.stream(
                "GET", url, timeout=httpx.Timeout(left), extensions=extensions
            ) as resp:
                deadline.watch(resp.extensions.get("network_stream"))
                length = resp.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise FetchError(f"response of {int(length):,} bytes is over the {limit:,} cap")
                body = bytearray()
                if resp.status_code < 300:
                    for chunk in resp.iter_bytes():
                        body.extend(chunk)
                        if len(body) > limit:
                            raise FetchError(f"response is over the {limit:,}-byte cap")
                        if deadline.left() <= 0:
                            raise httpx.ReadTimeout("deadline passed")
        except httpx.TransportError:
            if deadline.passed:
                raise httpx.ReadTimeout("deadline passed") from None
            raise
        if deadline.passed:  # a body without a length, cut short at the deadline
            raise httpx.ReadTimeout("deadline passed")
        return Response(
            url=str(resp.url),
            status=resp.status_code,
            content_type=resp.headers.get("content-type", ""),
            body=bytes(body),
            headers=dict(resp.headers),
        )

    def _once(self, url: str, robots: bool) -> Response:
        """One attempt: the request and its redirects (each hop checked against robots.txt
        when ``robots``), all within one deadline."""
        deadline = _Deadline(self.options.timeout)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                refused = self.refusal(url) if robots else None
                if refused:
                    raise FetchError(refused)
                resp = self._hop(url, deadline)
                location = resp.headers.get("location", "")
                if resp.status not in REDIRECTS or not location:
                    return resp
                url = urljoin(url, location)
                if robots and self.refusal(url):
                    raise FetchError(f"redirected to {url}: {self.refusal(url)}")
            raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")
        finally:
            deadline.cancel()

    def get(self, url: str, robots: bool = False) -> Response:
        """GET ``url``, retrying timeouts, connection errors, 429 and 5xx with backoff;
        with ``robots``, every URL requested (redirects too) is checked first.

        Raise FetchError for anything but a 2xx answer in the end.
        """
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            backoff = min(MAX_BACKOFF, 0.5 * 2**attempt)
            try:
                resp = self._once(url, robots)
            except httpx.TimeoutException:
                if last:
                    raise FetchError(
                        f"timed out after {self.options.timeout:g} s ({attempts} attempts)"
                    ) from None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
            except httpx.TransportError as exc:
                if last:
                    raise FetchError(
                        f"connection failed: {_cause(exc)} ({attempts} attempts)"
                    ) from None
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
        timeout) allows nothing, for now. A host that cannot be reached at all is named as
        such, with the connection's own reason.
        """
        host = _host(url)
        if host not in self._robots:
            self._robots[host] = self._read_robots(host)
        robots = self._robots[host]
        if isinstance(robots, str):
            return robots
        if not robots.can_fetch(self.options.user_agent, url):
            return "disallowed by robots.txt"
        return None

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser | str:
        parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
        try:
            resp = self.get(f"{host}/robots.txt")
        except FetchError as exc:
            reason = str(exc)
            if reason.startswith("HTTP 4"):
                parser.parse([])
                return parser
            if reason.startswith(("connection failed", "invalid URL")):
                return reason
            return f"robots.txt unreachable ({reason}): nothing fetched from this host"
        parser.parse(resp.body.decode("utf-8", "replace").splitlines())
        return parser

    def fetch(self, url: str, accept: tuple[str, ...]) -> Response:
        """Fetch ``url`` if robots.txt allows it, and every redirect's target, and its
        content type is one of ``accept``."""
        resp = self.get(url, robots=True)
        mime = resp.content_type.split(";")[0].strip().lower()
        if mime not in accept:
            raise FetchError(f"content type {mime or 'missing'} is not {' or '.join(accept[:2])}")
        return resp
