"""pipeline/collect/feeds.py: the feeds file schema, and the shipped example."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.collect.feeds import FeedsError, load_feeds

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_example_loads():
    config = load_feeds(ROOT / "feeds.example.yaml")
    assert config.sources and all(s.feeds or s.urls for s in config.sources)
    assert config.fetch.user_agent and config.fetch.delay >= 1


def test_defaults_and_options(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "fetch: {timeout: 5, delay: 0}\n"
        "sources:\n"
        "  - source: 東京日報\n"
        "    feeds: https://example.jp/rss\n"
        "    keywords: 北朝鮮\n"
        "    perspective: western_analytic\n"
        "    max_articles: 10\n",
        encoding="utf-8",
    )
    config = load_feeds(path)
    (src,) = config.sources
    assert (src.feeds, src.keywords, src.language, src.max_articles) == (
        ("https://example.jp/rss",),
        ("北朝鮮",),
        "ja",
        10,
    )
    assert (config.fetch.timeout, config.fetch.delay, config.fetch.retries) == (5.0, 0.0, 2)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("- a\n", "a mapping with a list under sources:"),
        ("sources:\n  - feeds: [https://a/rss]\n", "source: (the outlet's name) is required"),
        ("sources:\n  - {source: A, feed: [https://a/rss]}\n", "unknown key(s) feed"),
        ("sources:\n  - {source: A, urls: [https://a/1], max_articles: -1}\n", "at least 0"),
        ("sources:\n  - {source: A, urls: [https://a/1], perspective: 'a b'}\n", "frame id"),
        (
            "sources:\n  - {source: A, urls: [https://a/1]}\n  - {source: A, urls: [https://b/1]}\n",
            "listed twice (names compared after Unicode normalisation): A",
        ),
        (
            "sources:\n  - {source: ＮＨＫ, urls: [https://a/1]}\n"
            "  - {source: 'NHK ', urls: [https://b/1]}\n",
            "listed twice (names compared after Unicode normalisation): NHK, ＮＨＫ",
        ),
        (
            "fetch: {timeout: fast}\nsources:\n  - {source: A, urls: [https://a/1]}\n",
            "fetch.timeout: expected a number",
        ),
        ("sources:\n  - {source: A, urls: [https://a/1]}\n  bad: [\n", "not valid YAML"),
    ],
)
def test_bad_files_name_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "feeds.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FeedsError) as err:
        load_feeds(path)
    assert reason in str(err.value) and str(path) in str(err.value)
