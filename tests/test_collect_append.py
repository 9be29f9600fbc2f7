"""pipeline/collect/append.py: the manifest and files stay valid whatever happens."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from collect_site import Site, SiteServer, build

from pipeline.collect.append import JOURNAL, AppendError, CorpusAppender, NewArticle
from pipeline.collect.collect import collect
from pipeline.collect.feeds import load_feeds
from pipeline.ingest.corpus import read_manifest

ROOT = Path(__file__).resolve().parent.parent


def _article(n: int, **kw) -> NewArticle:
    fields = {
        "id": f"example.jp-{n:016x}",
        "source": "東京日報",
        "title": f"見出し{n}",
        "author": "山田",
        "published": "2024-06-19",
        "url": f"https://example.jp/a/{n}",
        "language": "ja",
        "perspective": "",
        "text": f"本文{n}、北朝鮮とロシアについて。",
        "sha": f"{n:064x}",
    }
    return NewArticle(**{**fields, **kw})


def _assert_valid(corpus: Path) -> None:
    manifest = read_manifest(corpus)
    assert manifest.quarantined == []
    assert [w for w in manifest.warnings if "not in the manifest" in w] == []


def test_new_corpus_gets_a_manifest_and_files(tmp_path):
    corpus = tmp_path / "c"
    appender = CorpusAppender(corpus)
    appender.add(_article(1, title='a "quoted", title\nover two lines'))
    appender.add(_article(2))
    refs = read_manifest(corpus).articles
    assert [r.title for r in refs] == ['a "quoted", title\nover two lines', "見出し2"]
    assert refs[1].path.read_text(encoding="utf-8") == "本文2、北朝鮮とロシアについて。\n"
    assert set(appender.by_url) == {"https://example.jp/a/1", "https://example.jp/a/2"}


def test_missing_columns_are_added_and_rows_kept(tmp_path):
    corpus = tmp_path / "c"
    (corpus / "articles").mkdir(parents=True)
    (corpus / "articles" / "x.txt").write_text("手書きの記事。", encoding="utf-8")
    (corpus / "manifest.csv").write_text(
        "id,file,source,note\nx,articles/x.txt,手書き,keep me", encoding="utf-8"
    )  # no trailing newline
    appender = CorpusAppender(corpus)
    appender.add(_article(1))
    with (corpus / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["x", "example.jp-0000000000000001"]
    assert rows[0]["note"] == "keep me" and "text_sha256" in rows[0]
    assert appender.by_hash  # the hand-made article's text is hashed for deduplication
    _assert_valid(corpus)


def test_interrupted_append_leaves_no_orphan(tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    appender = CorpusAppender(corpus)
    appender.add(_article(1))
    before = (corpus / "manifest.csv").read_bytes()

    def killed(self, line):
        raise KeyboardInterrupt

    monkeypatch.setattr(CorpusAppender, "_append_line", killed)
    with pytest.raises(KeyboardInterrupt):
        appender.add(_article(2))
    assert (corpus / JOURNAL).exists()  # the state a kill -9 leaves
    monkeypatch.undo()
    appender.close()  # as collect does on its way out; a kill -9 leaves it to the next one
    assert not (corpus / JOURNAL).exists()
    assert (corpus / "manifest.csv").read_bytes() == before
    assert sorted(p.name for p in (corpus / "articles").iterdir()) == [f"{_article(1).id}.txt"]
    _assert_valid(corpus)


def test_journal_never_removes_a_listed_file(tmp_path):
    corpus = tmp_path / "c"
    with CorpusAppender(corpus) as appender:
        appender.add(_article(1))
    (corpus / JOURNAL).write_text(f"articles/{_article(1).id}.txt", encoding="utf-8")
    CorpusAppender(corpus).close()
    _assert_valid(corpus)
    assert len(read_manifest(corpus).articles) == 1


def test_a_second_appender_on_one_corpus_is_refused(tmp_path):
    with CorpusAppender(tmp_path / "c"), pytest.raises(AppendError, match="another collect"):
        CorpusAppender(tmp_path / "c")
    CorpusAppender(tmp_path / "c").close()  # free again


def _rows(corpus: Path) -> int:
    try:
        return (corpus / "manifest.csv").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


KILLED_COLLECT = """
import sys
from pathlib import Path
from pipeline.collect.collect import collect
from pipeline.collect.feeds import load_feeds
collect(load_feeds(Path(sys.argv[1])), Path(sys.argv[2]))
"""


@pytest.mark.slow
def test_kill_9_mid_collect_leaves_a_valid_corpus_and_the_next_collect_finishes(tmp_path):
    site = Site()
    with SiteServer(site):
        feeds = build(site)
        feeds["sources"][1]["feeds"] = []  # no slow page: the kills land on appends
        feeds["sources"][1]["urls"] = [site.url(f"/kansai/news/{n}") for n in range(1, 21)]
        feeds["fetch"]["delay"] = 0.1  # a full collect takes more than 6 s
        path = tmp_path / "feeds.yaml"
        path.write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
        corpus = tmp_path / "corpus"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        counts = []
        for wait in (0.0, 0.05, 0.12):
            before = _rows(corpus)
            proc = subprocess.Popen(
                [sys.executable, "-c", KILLED_COLLECT, str(path), str(corpus)], cwd=ROOT, env=env
            )
            deadline = time.monotonic() + 60
            while _rows(corpus) <= before and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(wait)  # then kill it in the middle of later appends
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            manifest = read_manifest(corpus)  # valid right after the kill
            assert manifest.quarantined == []
            counts.append(len(manifest.articles))
            orphans = [w for w in manifest.warnings if "not in the manifest" in w]
            assert len(orphans) <= int((corpus / JOURNAL).exists())
        result = collect(load_feeds(path), corpus)
    _assert_valid(corpus)
    assert 0 < counts[-1] < 60  # the kills landed mid-collect
    assert len(read_manifest(corpus).articles) == 60 == counts[-1] + result.counts["added"]
