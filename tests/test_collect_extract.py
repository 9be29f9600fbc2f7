"""pipeline/collect/extract.py: feeds (feedparser) and article pages (trafilatura)."""

from __future__ import annotations

import pytest
from collect_site import AD, RELATED, page, paragraphs

from pipeline.collect.extract import ExtractError, FeedEntry, extract_article, parse_feed

URL = "https://news.example.jp/a/1"


def test_main_text_without_navigation_adverts_related_links_or_comments():
    paras = paragraphs(1, 1)
    article = extract_article(page("露朝が条約に署名", paras), URL)
    assert article.text.splitlines() == ["露朝が条約に署名", *paras]
    assert AD not in article.text and RELATED[0] not in article.text
    assert "コメント" not in article.text and "ホーム" not in article.text
    assert article.title == "露朝が条約に署名"


@pytest.mark.parametrize(
    ("head", "author"),
    [
        ('<meta name="author" content="山田太郎">', "山田太郎"),  # trafilatura drops this one
        ('<meta property="article:author" content="佐藤 花子">', "佐藤 花子"),
        (
            '<script type="application/ld+json">'
            '{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "鈴木一郎"}]}'
            "</script>",
            "鈴木一郎",
        ),
    ],
)
def test_author_from_the_page_metadata(head, author):
    assert extract_article(page("見出し", paragraphs(1, 2), head), URL).author == author


def test_feed_metadata_fills_what_the_page_lacks():
    entry = FeedEntry(URL, title="フィードの見出し", author="共同", published="2024-06-19")
    article = extract_article(page("見出し", paragraphs(1, 3)), URL, entry)
    assert (article.author, article.published) == ("共同", "2024-06-19")
    assert article.title == "見出し"  # the page's own


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2024-06-19T09:00:00+09:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2024-06-19T09:00:00+09:00"}</script>',
    ],
)
def test_date_from_markup_wins_over_the_feed(head):
    entry = FeedEntry(URL, published="2024-07-01")
    assert extract_article(page("見出し", paragraphs(1, 4), head), URL, entry).published == (
        "2024-06-19"
    )


def test_date_written_in_the_text_when_nothing_else_has_one():
    paras = ("2024年6月19日 10時00分", *paragraphs(1, 5))
    assert extract_article(page("見出し", paras), URL).published == "2024-06-19"


def test_canonical_link_is_reported():
    head = '<link rel="canonical" href="https://news.example.jp/a/1">'
    assert extract_article(page("見出し", paragraphs(1, 6), head), URL + "?amp").canonical == URL


def test_page_without_article_text_is_an_error():
    with pytest.raises(ExtractError, match="no article text"):
        extract_article("<html><body><nav><a href='/'>ホーム</a></nav></body></html>", URL)


def test_rss_dates_stay_in_the_outlets_time_zone():
    rss = (
        '<?xml version="1.0" encoding="EUC-JP"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>朝刊</title><link>https://x.jp/1</link><author>鈴木</author>"
        "<pubDate>Mon, 01 Apr 2024 08:00:00 +0900</pubDate></item></channel></rss>"
    ).encode("euc_jp")
    (entry,) = parse_feed(rss, "https://x.jp/rss", {"content-type": "text/xml"})
    assert entry == FeedEntry("https://x.jp/1", "朝刊", "鈴木", "2024-04-01")  # not 03-31 UTC


def test_atom_links_are_resolved_against_the_feed():
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><id>x</id><updated>2024-05-01T12:00:00+09:00</updated>"
        "<entry><title>記事</title><link href='/news/1'/><id>1</id>"
        "<updated>2024-05-01T00:30:00+09:00</updated></entry></feed>"
    ).encode()
    (entry,) = parse_feed(atom, "https://kansai.example.jp/atom.xml")
    assert (entry.url, entry.published) == ("https://kansai.example.jp/news/1", "2024-05-01")


def test_not_a_feed_is_an_error():
    with pytest.raises(ExtractError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>hello</body></html>", "https://x.jp/rss")
