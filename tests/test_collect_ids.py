"""pipeline/collect/ids.py: canonical URLs, stable ids, text hashes."""

from __future__ import annotations

from pipeline.collect.ids import article_id, canonical_url, text_hash
from pipeline.ingest.corpus import safe_name


def test_canonical_url_drops_tracking_fragment_and_default_port():
    assert (
        canonical_url("HTTP://News.Example.JP:80/a/1?utm_source=rss&id=3&fbclid=x#top")
        == "http://news.example.jp/a/1?id=3"
    )


def test_declared_canonical_is_used_on_the_same_host_only():
    url = "https://news.example.jp/amp/1?ref=top"
    assert canonical_url(url, "/a/1") == "https://news.example.jp/a/1"
    assert canonical_url(url, "https://elsewhere.example/a/1") == canonical_url(url)


def test_ids_are_stable_distinct_and_safe_file_names():
    a = article_id("https://www.example.jp/a/1")
    assert a == article_id("https://www.example.jp/a/1")
    assert a.startswith("example.jp-") and len(a) == len("example.jp-") + 16
    assert a != article_id("https://www.example.jp/a/2")
    assert safe_name(a) == a
    assert safe_name(article_id("http://127.0.0.1:8080/x")) == article_id("http://127.0.0.1:8080/x")


def test_text_hash_ignores_wrapping_width_forms_and_headline():
    body = "ロシアと北朝鮮は１９日、条約に署名した。\n両国は協力を深める。"
    assert text_hash(body) == text_hash(
        "ロシアと北朝鮮は19日、条約に署名した。 両国は\n協力を深める。"
    )
    assert text_hash(f"見出しA\n{body}", "見出しA") == text_hash(f"見出しB\n{body}", "見出しB")
    assert text_hash(body) != text_hash(body.replace("署名", "合意"))
