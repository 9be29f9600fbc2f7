"""pipeline/collect/collect.py and the ``collect`` command, on the fixture site of three
outlets served from 127.0.0.1 (tests/collect_site.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from collect_site import AD, RELATED, Site, SiteServer, build

from pipeline.cli import main
from pipeline.collect.collect import collect
from pipeline.collect.feeds import load_feeds
from pipeline.ingest.corpus import read_article, read_manifest

CHROME = [
    "ホーム",
    "ログイン",
    "スポーツ",
    AD,
    *RELATED,
    "コメント",
    "ニックネーム",
    "送信",
    "Copyright",
]


@pytest.fixture(scope="module")
def site():
    site = Site()
    with SiteServer(site) as server:
        server.feeds = build(site)
        yield site, server.feeds


def _feeds_file(folder: Path, feeds: dict) -> Path:
    path = folder / "feeds.yaml"
    path.write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
    return path


def _log(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "collected.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def collected(site, tmp_path_factory):
    """One collect from the three outlets into a new corpus folder."""
    site_, feeds = site
    folder = tmp_path_factory.mktemp("collect")
    feeds_path = _feeds_file(folder, feeds)
    corpus = folder / "corpus"
    result = collect(load_feeds(feeds_path), corpus)
    return site_, feeds_path, corpus, result


def test_adds_exactly_the_three_outlets_articles_with_their_metadata(collected):
    site, _, corpus, result = collected
    manifest = read_manifest(corpus)
    assert manifest.quarantined == [] and manifest.warnings == []
    assert result.counts["added"] == len(site.expected) == 60
    by_url = {ref.url: ref for ref in manifest.articles}
    for exp in site.expected:
        ref = by_url.pop(site.url(exp.path))
        assert (ref.source, ref.title, ref.author, ref.published) == (
            exp.source,
            exp.title,
            exp.author,
            exp.published,
        )
        assert ref.meta.get("perspective", "") == exp.perspective
        assert ref.language == "ja"
        assert ref.file == f"articles/{ref.id}.txt"
    assert by_url == {}


def test_texts_are_the_articles_without_page_chrome(collected):
    site, _, corpus, _ = collected
    refs = {ref.url: ref for ref in read_manifest(corpus).articles}
    for exp in site.expected:
        text, encoding = read_article(refs[site.url(exp.path)])
        assert encoding == "utf-8"
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines == [exp.title, *exp.paragraphs]  # Shift_JIS and EUC-JP decoded right
        for chrome in CHROME:
            assert chrome not in text


def test_every_url_tried_is_logged_with_its_reason(collected):
    site, _, corpus, _ = collected
    rows = {row["url"]: row for row in _log(corpus)}
    assert rows[site.url("/tokyo/missing")]["reason"] == "HTTP 404"
    assert "application/pdf" in rows[site.url("/tokyo/report.pdf")]["reason"]
    assert rows[site.url("/kansai/slow")]["reason"].startswith("timed out after 1 s")
    assert rows[site.url("/hokkaido/private/1.html")]["reason"] == "disallowed by robots.txt"
    assert rows[site.url("/hokkaido/weather.html")]["status"] == "filtered"
    wire = rows[site.url("/kansai/wire/1")]
    first = next(r for r in read_manifest(corpus).articles if r.url == site.url("/tokyo/a/1"))
    assert (wire["status"], wire["reason"]) == (
        "duplicate",
        f"republication: same text as {first.id}",
    )
    assert {r["status"] for r in rows.values()} == {"added", "duplicate", "filtered", "failed"}
    assert all(r["fetched_at"].endswith("+00:00") for r in rows.values())


def test_redirected_and_tracked_links_are_stored_under_their_canonical_url(collected):
    site, _, corpus, _ = collected
    urls = {ref.url for ref in read_manifest(corpus).articles}
    assert site.url("/tokyo/a/20") in urls  # the feed listed /tokyo/old/20, which redirects
    assert site.url("/tokyo/a/3") in urls  # the feed added ?utm_source=rss&utm_medium=feed
    assert not any("utm_" in u or "/old/" in u for u in urls)


def test_a_second_collect_adds_nothing_and_fetches_no_known_article(collected):
    site, feeds_path, corpus, _ = collected
    manifest_before = (corpus / "manifest.csv").read_bytes()
    files_before = sorted((corpus / "articles").iterdir())
    site.hits.clear()
    again = collect(load_feeds(feeds_path), corpus)
    assert again.counts.get("added", 0) == 0
    assert again.counts["duplicate"] == 61  # 60 articles and the wire copy
    assert (corpus / "manifest.csv").read_bytes() == manifest_before
    assert sorted((corpus / "articles").iterdir()) == files_before
    fetched = {h.split("?")[0] for h in site.hits}
    assert not any(h.startswith(("/tokyo/a/", "/kansai/news/", "/kansai/wire/")) for h in fetched)


def test_max_articles_caps_what_a_run_adds(site, tmp_path):
    _, feeds = site
    capped = {**feeds, "sources": [{**feeds["sources"][0], "max_articles": 4}]}
    result = collect(load_feeds(_feeds_file(tmp_path, capped)), tmp_path / "corpus")
    assert result.counts == {"added": 4}
    assert len(read_manifest(tmp_path / "corpus").articles) == 4


def test_appends_to_a_hand_made_corpus_and_keeps_its_rows(site, tmp_path, corpus_dir):
    _, feeds = site
    corpus = tmp_path / "corpus"
    (corpus / "articles").mkdir(parents=True)
    for ref in read_manifest(corpus_dir).articles:
        (corpus / ref.file).write_bytes(ref.path.read_bytes())
    (corpus / "manifest.csv").write_bytes((corpus_dir / "manifest.csv").read_bytes())
    one = {**feeds, "sources": [{**feeds["sources"][0], "max_articles": 2}]}
    collect(load_feeds(_feeds_file(tmp_path, one)), corpus)
    manifest = read_manifest(corpus)
    assert manifest.quarantined == []
    seeds = read_manifest(corpus_dir).articles
    assert [r.id for r in manifest.articles[: len(seeds)]] == [r.id for r in seeds]
    assert manifest.articles[0].meta["outlet_note"] == seeds[0].meta["outlet_note"]
    assert len(manifest.articles) == len(seeds) + 2


def test_cli_prints_failures_and_a_summary_and_exits_0(site, tmp_path, capsys):
    _, feeds = site
    only = {**feeds, "sources": [feeds["sources"][0]]}
    code = main(
        ["collect", "--feeds", str(_feeds_file(tmp_path, only)), "--corpus", str(tmp_path / "c")]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "failed http://127.0.0.1" in out and "HTTP 404" in out
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith("collect: 20 added, 0 duplicate, 0 filtered, 2 failed")
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "feeds file not found"),
        ("sources: [", "not valid YAML"),
        ("sources: []", "sources: is empty"),
        ("sources:\n  - source: A\n", "give feeds: or urls:"),
        ("sources:\n  - source: A\n    feeds: [ftp://x/feed]\n", "is not an http(s) URL"),
    ],
)
def test_cli_bad_feeds_file_exits_2_with_one_line(tmp_path, capsys, content, reason):
    path = tmp_path / "feeds.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code = main(["collect", "--feeds", str(path), "--corpus", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert reason in err and "\n" not in err
    assert not (tmp_path / "c").exists()


def test_cli_unwritable_corpus_exits_1(site, tmp_path, capsys):
    _, feeds = site
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "manifest.csv").write_bytes(b"id,file,source\n\xff\xfe\x00broken")
    code = main(["collect", "--feeds", str(_feeds_file(tmp_path, feeds)), "--corpus", str(corpus)])
    assert code == 1
    assert "cannot append" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("feeds", "cron", "reason"),
    [("missing.yaml", "0 6 * * *", "feeds file not found"), (None, "61 * * * *", "--cron")],
)
def test_serve_with_feeds_checks_its_inputs_first(
    tmp_path, capsys, lexicon_dir, feeds, cron, reason
):
    path = tmp_path / "feeds.yaml"
    path.write_text("sources:\n  - {source: A, urls: ['https://a.example/1']}\n", encoding="utf-8")
    args = ["serve", "--feeds", str(tmp_path / feeds) if feeds else str(path), "--cron", cron]
    assert main([*args, "--lexicons", str(lexicon_dir)]) == 2
    assert reason in capsys.readouterr().err


def test_cli_corpus_that_is_a_file_exits_2(site, tmp_path, capsys):
    _, feeds = site
    (tmp_path / "c").write_text("x")
    code = main(
        ["collect", "--feeds", str(_feeds_file(tmp_path, feeds)), "--corpus", str(tmp_path / "c")]
    )
    assert code == 2 and "is not a folder" in capsys.readouterr().err
