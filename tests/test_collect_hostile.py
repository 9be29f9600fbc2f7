"""Hostile but ordinary web content on the fixture site (127.0.0.1): a feed whose title holds
a lone-surrogate character reference, a listed URL that no parser reads, titles and authors that
spreadsheets run as formulas, a dead host; every outlet after them is still collected and
the exit status says which sources failed."""

from __future__ import annotations

import csv
import socket
from html import escape
from pathlib import Path

import pytest
import yaml
from collect_site import Route, Site, SiteServer, page, paragraphs

from pipeline.cli import main
from pipeline.collect.collect import collect
from pipeline.collect.feeds import load_feeds
from pipeline.ingest.corpus import read_manifest

FORMULA_TITLE = '=HYPERLINK("http://evil.example","露朝協力")'


def _rss(site: Site, items: list[tuple[str, str, str]]) -> Route:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><author>{a}</author></item>"
        for link, t, a in items
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title>'
        f"{body}</channel></rss>"
    )
    return Route(xml.encode(), "application/rss+xml")


@pytest.fixture
def site():
    site = Site()
    with SiteServer(site):
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow:\n", "text/plain")
        for outlet, n in (("h", 1), ("h", 2), ("g", 1)):
            title = FORMULA_TITLE if (outlet, n) == ("h", 2) else f"露朝の記事 {outlet}{n}"
            html = page(title, paragraphs(4 if outlet == "h" else 5, n), "", "utf-8")
            site.routes[f"/{outlet}/a/{n}"] = Route(html.encode())
        site.routes["/h/rss.xml"] = _rss(
            site,
            [
                (site.url("/h/a/1"), "見出し &#xD800; 壊れた参照", "記者"),
                (site.url("/h/a/2"), escape(FORMULA_TITLE), "@SUM(1+1)"),
            ],
        )
        site.routes["/g/rss.xml"] = _rss(site, [(site.url("/g/a/1"), "次の社", "記者")])
        yield site


def _feeds(tmp_path: Path, sources: list[dict]) -> Path:
    path = tmp_path / "feeds.yaml"
    feeds = {"fetch": {"timeout": 2.0, "retries": 0, "delay": 0}, "sources": sources}
    path.write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
    return path


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/rss.xml"


def test_a_hostile_feed_is_isolated_and_the_next_outlet_collected(site, tmp_path):
    feeds = _feeds(
        tmp_path,
        [
            {"source": "壊れ日報", "feeds": [site.url("/h/rss.xml")], "urls": ["http://[broken/x"]},
            {"source": "次の新聞", "feeds": [site.url("/g/rss.xml")]},
        ],
    )
    result = collect(load_feeds(feeds), tmp_path / "corpus")
    assert result.counts["added"] == 3 and result.failed_sources == []
    log = list(csv.DictReader((tmp_path / "corpus" / "collected.csv").open(encoding="utf-8")))
    broken = next(r for r in log if r["url"] == "http://[broken/x")
    assert broken["status"] == "failed" and "ValueError" in broken["reason"]
    refs = read_manifest(tmp_path / "corpus").articles
    assert {r.source for r in refs} == {"壊れ日報", "次の新聞"}
    formula = next(r for r in refs if r.url.endswith("/h/a/2"))
    assert (formula.title, formula.author) == (FORMULA_TITLE, "@SUM(1+1)")  # read back raw


def test_titles_and_authors_reach_manifest_csv_escaped(site, tmp_path):
    feeds = _feeds(tmp_path, [{"source": "壊れ日報", "feeds": [site.url("/h/rss.xml")]}])
    collect(load_feeds(feeds), tmp_path / "corpus")
    with (tmp_path / "corpus" / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    formula = next(r for r in rows if r["url"].endswith("/h/a/2"))
    assert formula["title"] == "'" + FORMULA_TITLE
    assert formula["author"] == "'@SUM(1+1)"
    assert not any(c.startswith(("=", "+", "-", "@")) for r in rows for c in r.values())


def test_exit_status_says_when_some_or_all_sources_failed(site, tmp_path, capsys):
    dead = {"source": "死んだ社", "feeds": [_dead_url()]}
    good = {"source": "次の新聞", "feeds": [site.url("/g/rss.xml")]}
    corpus = str(tmp_path / "corpus")
    assert main(["collect", "--feeds", str(_feeds(tmp_path, [good])), "--corpus", corpus]) == 0
    some = main(["collect", "--feeds", str(_feeds(tmp_path, [dead, good])), "--corpus", corpus])
    err = capsys.readouterr().err
    assert some == 3
    assert "source 死んだ社 failed: feed: connection failed:" in err and "robots" not in err
    assert "efused" in err and "Traceback" not in err
    every = main(["collect", "--feeds", str(_feeds(tmp_path, [dead])), "--corpus", corpus])
    assert every == 4
