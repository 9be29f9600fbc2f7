"""pipeline/collect/fetch.py against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import time

import pytest
from collect_site import Route, Site, SiteServer

from pipeline.collect.feeds import FetchOptions
from pipeline.collect.fetch import FEED_TYPES, HTML_TYPES, Fetcher, FetchError

HTML = "text/html; charset=utf-8"


@pytest.fixture
def site():
    site = Site()
    site.routes.update(
        {
            "/robots.txt": Route(
                b"User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n", "text/plain"
            ),
            "/page": Route("<p>記事</p>".encode(), HTML),
            "/private/page": Route(b"<p>x</p>", HTML),
            "/doc.pdf": Route(b"%PDF-1.4", "application/pdf"),
            "/big": Route(b"<p>" + b"x" * 5000 + b"</p>", HTML),
            "/moved": Route(b"", status=302, location="/page"),
            "/to-private": Route(b"", status=302, location="/private/page"),
            "/loop": Route(b"", status=302, location="/loop"),
            "/flaky": Route(b"<p>ok</p>", HTML, fail_first=2),
            "/slow": Route(b"<p>late</p>", HTML, delay=2.0),
            "/feed": Route(b"<rss/>", "application/rss+xml"),
            "/trickle": Route(b"<p>" + b"x" * 400 + b"</p>", HTML, trickle=0.1),
            "/via-private": Route(b"", status=302, location="/private/hop"),
            "/private/hop": Route(b"", status=302, location="/page"),
        }
    )
    with SiteServer(site):
        yield site


def _fetcher(**options) -> tuple[Fetcher, list[float]]:
    slept: list[float] = []
    defaults = {"timeout": 0.5, "retries": 2, "delay": 0.0, "max_bytes": 1000}
    fetcher = Fetcher(FetchOptions(**{**defaults, **options}), sleep=slept.append)
    return fetcher, slept


def test_sends_a_clear_user_agent_and_reads_robots_first(site):
    fetcher, _ = _fetcher(user_agent="framing-test/1.0 (+mailto:lab@example.org)")
    with fetcher:
        resp = fetcher.fetch(site.url("/page"), HTML_TYPES)
    assert resp.body.decode() == "<p>記事</p>"
    assert site.hits[:2] == ["/robots.txt", "/page"]
    assert set(site.agents) == {"framing-test/1.0 (+mailto:lab@example.org)"}


def test_robots_disallow_refuses_without_fetching(site):
    with _fetcher()[0] as fetcher:
        with pytest.raises(FetchError, match=r"^disallowed by robots.txt$"):
            fetcher.fetch(site.url("/private/page"), HTML_TYPES)
        with pytest.raises(FetchError, match=r"redirected to .*disallowed by robots.txt"):
            fetcher.fetch(site.url("/to-private"), HTML_TYPES)
    assert "/private/page" not in site.hits  # the redirect's target is checked first
    assert site.hits.count("/robots.txt") == 1


def test_unreachable_robots_refuses_the_host(site):
    site.routes["/robots.txt"].fail_first = 10
    with _fetcher(retries=0)[0] as fetcher, pytest.raises(FetchError, match="unreachable"):
        fetcher.fetch(site.url("/page"), HTML_TYPES)
    assert "/page" not in site.hits


def test_missing_robots_allows_everything(site):
    del site.routes["/robots.txt"]
    with _fetcher()[0] as fetcher:
        assert fetcher.fetch(site.url("/private/page"), HTML_TYPES).status == 200


def test_non_html_is_refused_with_its_content_type(site):
    with _fetcher()[0] as fetcher:
        with pytest.raises(FetchError, match="content type application/pdf is not text/html"):
            fetcher.fetch(site.url("/doc.pdf"), HTML_TYPES)
        with pytest.raises(FetchError, match="content type text/html is not"):
            fetcher.fetch(site.url("/page"), FEED_TYPES)
        assert fetcher.fetch(site.url("/feed"), FEED_TYPES).body == b"<rss/>"


def test_size_cap(site):
    with _fetcher(max_bytes=1000)[0] as fetcher, pytest.raises(FetchError, match="1,000"):
        fetcher.fetch(site.url("/big"), HTML_TYPES)


def test_redirects_are_followed_and_loops_stopped(site):
    with _fetcher()[0] as fetcher:
        assert fetcher.fetch(site.url("/moved"), HTML_TYPES).url == site.url("/page")
        with pytest.raises(FetchError, match="redirects"):
            fetcher.fetch(site.url("/loop"), HTML_TYPES)


def test_404_fails_at_once(site):
    with _fetcher()[0] as fetcher, pytest.raises(FetchError, match=r"^HTTP 404$"):
        fetcher.fetch(site.url("/nowhere"), HTML_TYPES)
    assert site.hits.count("/nowhere") == 1


def test_503_is_retried_with_retry_after(site):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow:\n", "text/plain")
    fetcher, slept = _fetcher(retries=2)
    with fetcher:
        assert fetcher.fetch(site.url("/flaky"), HTML_TYPES).body == b"<p>ok</p>"
    assert site.hits.count("/flaky") == 3
    assert slept.count(0.0) == 2  # Retry-After: 0 rather than the backoff


def test_timeout_is_retried_with_exponential_backoff_then_fails(site):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow:\n", "text/plain")
    fetcher, slept = _fetcher(timeout=0.3, retries=2)
    t0 = time.monotonic()
    with fetcher, pytest.raises(FetchError, match=r"timed out after 0.3 s \(3 attempts\)"):
        fetcher.fetch(site.url("/slow"), HTML_TYPES)
    assert time.monotonic() - t0 < 1.8  # three timeouts, no 2 s wait for the page
    assert slept == [0.5, 1.0]


def test_delay_between_requests_to_one_host_honours_crawl_delay(site):
    fetcher, slept = _fetcher(delay=0.1)
    with fetcher:
        fetcher.fetch(site.url("/page"), HTML_TYPES)
        fetcher.fetch(site.url("/page"), HTML_TYPES)
    waits = [s for s in slept if s > 0]
    assert len(waits) == 2 and all(0.8 < s <= 1.0 for s in waits)  # robots.txt's Crawl-delay


def test_connection_refused_is_a_reason_not_a_traceback():
    with _fetcher(retries=1)[0] as fetcher, pytest.raises(FetchError, match="connection failed"):
        fetcher.get("http://127.0.0.1:9/page")


def test_a_trickling_server_is_cut_at_the_deadline(site):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow:\n", "text/plain")
    fetcher, _ = _fetcher(timeout=1.0, retries=0)
    t0 = time.monotonic()
    with fetcher, pytest.raises(FetchError, match=r"timed out after 1 s"):
        fetcher.fetch(site.url("/trickle"), HTML_TYPES)  # 5 s to send it all
    assert time.monotonic() - t0 < 2.5


def test_every_hop_of_a_redirect_chain_is_checked_against_robots(site):
    with _fetcher()[0] as fetcher, pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
        fetcher.fetch(site.url("/via-private"), HTML_TYPES)
    assert "/private/hop" not in site.hits and "/page" not in site.hits


def test_a_dead_host_is_named_by_its_connection_not_robots(unused_port):
    refused = pytest.raises(FetchError, match=r"connection failed: .*[Rr]efused")
    with _fetcher(retries=1)[0] as fetcher, refused as err:
        fetcher.fetch(f"http://127.0.0.1:{unused_port}/feed", FEED_TYPES)
    assert "robots" not in str(err.value)


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
