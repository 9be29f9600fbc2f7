"""Hostile corpora: per-row file-system errors, hostile sizes, odd bytes. Each is quarantined
with its reason (or read correctly); none stops the run or reads a file whole."""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import pytest

from pipeline.ingest.article_text import ArticleError, article_text
from pipeline.ingest.batches import iter_bulk, plan_batches, read_batch
from pipeline.ingest.clean import clean_article, normalize
from pipeline.ingest.corpus import read_article, read_manifest

TEXT = "ロシアと北朝鮮の首脳会談が開かれた。両国は軍事協力を深める方針だ。\n" * 3


def _corpus(root: Path, rows: list[str]) -> Path:
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "articles" / "good.txt").write_text(TEXT, encoding="utf-8")
    (root / "manifest.csv").write_text(
        "id,file,source\n" + "\n".join(rows) + "\ngood,articles/good.txt,S\n", encoding="utf-8"
    )
    return root


def test_file_system_errors_on_a_row_quarantine_that_row(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "articles" / "adir").mkdir(parents=True)
    (root / "articles" / "dangling").symlink_to(root / "articles" / "nowhere.txt")
    (root / "articles" / "loop1").symlink_to(root / "articles" / "loop2")
    (root / "articles" / "loop2").symlink_to(root / "articles" / "loop1")
    os.mkfifo(root / "articles" / "fifo")
    long_name = "articles/" + "x" * 5000 + ".txt"
    _corpus(
        root,
        [
            "dir,articles/adir,S",
            "dangling,articles/dangling,S",
            "loop,articles/loop1,S",
            "fifo,articles/fifo,S",
            f"long,{long_name},S",
            'nul,"articles/a\x00b.txt",S',
        ],
    )
    manifest = read_manifest(root)
    assert [a.id for a in manifest.articles] == ["good"]
    reasons = {q.article_id: q.reason for q in manifest.quarantined}
    assert set(reasons) == {"dir", "dangling", "loop", "fifo", "long", "nul"}
    assert "not a regular file" in reasons["dir"] and "not a regular file" in reasons["fifo"]
    assert "not found" in reasons["dangling"]
    assert "too long" in reasons["long"].lower()
    assert all(r.startswith("manifest line") for r in reasons.values())
    plan = plan_batches(root, tmp_path / "work", 10)
    assert plan.articles == 1 and len(plan.quarantined) == 6


def test_a_file_that_turns_unreadable_after_planning_is_quarantined(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", ["gone,articles/gone.txt,S"])
    (root / "articles" / "gone.txt").write_text(TEXT, encoding="utf-8")
    plan = plan_batches(root, tmp_path / "work", 10)
    (root / "articles" / "gone.txt").unlink()
    (ref, _), _ = read_batch(Path(plan.batch_files[0]))
    with pytest.raises(ArticleError, match="cannot read file"):
        read_article(ref)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_file_over_max_bytes_is_quarantined_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # sparse: 4 GB on paper, nothing on disk
        fh.truncate(4 << 30)
    before = _peak_mb()
    t0 = time.perf_counter()
    with pytest.raises(ArticleError, match="over the 5,000,000-byte limit"):
        read_article(_ref(big))
    assert time.perf_counter() - t0 < 1 and _peak_mb() - before < 50


def _ref(path: Path):
    from pipeline.ingest.corpus import ArticleRef

    return ArticleRef(id="big", source="S", file=path.name, path=path, line=2)


def test_the_batch_cache_key_does_not_read_an_oversized_file(tmp_path: Path) -> None:
    from pipeline.cache.store import BatchCache

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(4 << 30)
    t0 = time.perf_counter()
    key = BatchCache(tmp_path / "b").key([(_ref(big), None)], "lex", 5_000_000)
    assert time.perf_counter() - t0 < 1 and len(key) == 64


def test_an_enormous_jsonl_line_is_quarantined_unread_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    good = {"id": "a", "source": "S", "text": TEXT}
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\ufeff" + json.dumps(good, ensure_ascii=False) + "\n")
        fh.write('{"id": "huge", "source": "S", "text": "' + "あ" * 400_000 + '"}\n')
        fh.write("[" * 100_000 + "\n")  # nested too deeply for the JSON parser
        fh.write(json.dumps({**good, "id": "b"}, ensure_ascii=False) + "\r\n")
    records = list(iter_bulk(path, max_line=100_000))
    assert [n for n, r in records] == [1, 2, 3, 4]
    assert records[0][1]["id"] == "a", "the BOM is not part of the first key"
    assert "over 100,000 bytes" in records[1][1]
    assert "not valid JSON" in records[2][1]
    assert records[3][1]["id"] == "b"


@pytest.mark.parametrize(
    "raw",
    [
        TEXT.replace("\n", "\r\n").encode(),
        TEXT.replace("\n", "\r").encode(),
        TEXT.encode().replace("首脳".encode(), "首\u200b脳".encode()),
    ],
)
def test_line_endings_and_zero_width_characters_read_as_the_plain_text(raw: bytes) -> None:
    text, _ = article_text(raw)
    assert clean_article(text).text == clean_article(TEXT).text


def test_nul_bytes_and_lone_surrogates_never_crash(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="NUL"):
        article_text(TEXT.encode() + b"\x00\x00binary")
    text = TEXT + "\ud800 壊れた文字"  # a lone surrogate, as a JSON corpus can hold
    clean = clean_article(text)
    assert "\ud800" not in clean.text
    clean.text.encode("utf-8")


def _parse_s(html: str) -> float:
    t0 = time.process_time()
    text, encoding = article_text(html.encode())
    assert text == "本文。" and encoding == "utf-8+html"
    return time.process_time() - t0


def test_a_page_of_unmatched_tags_is_parsed_in_linear_time() -> None:
    """Against a page of as many tags that all match, parsed in the same test: a machine
    busy many times over slows both alike, and the old scan of the stack per unmatched end
    tag was hundreds of times slower than the matched page, not a few."""
    n = 100_000
    matched = "<html><body>" + "<i></i>" * n + "<p>本文。</p>"
    unmatched = "<html><body>" + "<blockquote>" * n + "</p>" * n + "<p>本文。</p>"
    baseline = _parse_s(matched)
    assert _parse_s(unmatched) < 10 * baseline + 1, "each unmatched end tag scanned the stack"


BODY = (
    "ロシアのプーチン大統領は北朝鮮を訪問し、金正恩総書記と会談した。"
    "両首脳は包括的戦略パートナーシップ条約に署名した。"
    "条約には、一方が攻撃を受けた場合の相互援助が盛り込まれた。"
    "専門家は、この合意が地域の安全保障環境を大きく変えると指摘している。"
    "韓国政府は強い懸念を表明した。"
)


@pytest.mark.parametrize(
    "footer",
    [
        "Copyright © 2024 Example News. All rights reserved.",
        "無断転載を禁じます。",
        "著作権は株式会社サンプルに帰属します。",
        "有料会員登録はこちら。",
    ],
)
def test_a_one_line_article_with_a_footer_loses_only_the_footer(footer: str) -> None:
    clean = clean_article(BODY + footer)
    assert clean.text == BODY
    assert [r.text for r in clean.removed] == [footer]


@pytest.mark.parametrize("opening", ["「。", "『……。", "“ - ."])
def test_a_sentence_that_opens_a_quotation_is_never_removed(opening: str) -> None:
    """Removing it would turn the quoted speech after it into the author's own words."""
    closing = {"「": "」", "『": "』", "“": "”"}[opening[0]]
    raw = BODY + opening + "北朝鮮は脅威だ" + closing + "と述べた。"
    clean = clean_article(raw)
    assert clean.text == normalize(raw) and clean.removed == []
    start = clean.text.index("北朝鮮は脅威")
    assert clean.in_quote(start)


def test_a_tail_found_before_the_article_line_does_not_swallow_it() -> None:
    raw = "見出し\n無断転載を禁じます。\n" + BODY
    clean = clean_article(raw)
    assert clean.text.endswith(BODY)


def test_a_short_boilerplate_line_is_still_removed_whole() -> None:
    clean = clean_article(BODY + "\n" + BODY + "\n無断転載を禁じます。本紙の記事です。")
    assert "無断転載" not in clean.text and clean.text == BODY + "\n" + BODY


def test_lone_surrogates_in_a_jsonl_record_are_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    line = TEXT.replace("\n", "")
    path.write_text(
        '{"id": "s\\ud800", "source": "S\\udc00", "text": "' + line + '\\ud800"}\n'
        '{"id": "ok", "source": "S", "text": "' + line + '"}\n',
        encoding="utf-8",
    )
    plan = plan_batches(path, tmp_path / "work", 10)
    assert plan.articles == 2 and not plan.quarantined
    (first, text), _ = read_batch(Path(plan.batch_files[0]))
    assert first.id == "s\ufffd" and first.source == "S\ufffd" and text.endswith("\ufffd")


@pytest.mark.parametrize(
    "text",
    [
        "=ロイター" * 200_000 + "。",  # one enormous line
        ("=ロイター" * 300 + "。") * 600,  # one line of long sentences
    ],
)
def test_hostile_lines_are_cleaned_in_linear_time(text: str) -> None:
    t0 = time.process_time()  # CPU time: a busy machine does not count against it
    clean = clean_article(text)
    assert clean.text and time.process_time() - t0 < 10, "was 27 s for 100 kB"


def test_a_manifest_row_the_csv_reader_refuses_is_quarantined(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", ["huge," + "x" * 200_000 + ",S"])
    manifest = read_manifest(root)
    assert [a.id for a in manifest.articles] == ["good"]
    (q,) = manifest.quarantined
    assert q.line == 2 and "field larger than field limit" in q.reason


# --- one outlet, two spellings ----------------------------------------------------------------


def test_full_and_half_width_names_are_one_source_shown_as_first_spelt(tmp_path: Path) -> None:
    root = _corpus(
        tmp_path / "c",
        [
            "a,articles/a.txt,ＮＨＫ　ニュース",
            "b,articles/b.txt,NHK ニュース",
            "c,articles/c.txt,ﾆｭｰｽ速報",
            "d,articles/d.txt, ニュース速報 ",
        ],
    )
    for name in "abcd":
        (root / "articles" / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    manifest = read_manifest(root)
    sources = {ref.id: ref.source for ref in manifest.articles}
    assert sources == {
        "a": "ＮＨＫ　ニュース",
        "b": "ＮＨＫ　ニュース",
        "c": "ﾆｭｰｽ速報",
        "d": "ﾆｭｰｽ速報",
        "good": "S",
    }
    merged = [w for w in manifest.warnings if "Unicode normalisation" in w]
    assert len(merged) == 2 and ":3: b:" in merged[0] and ":5: d:" in merged[1]


def test_a_bulk_corpus_counts_two_spellings_as_one_source(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "a", "source": "ＮＨＫ", "text": TEXT},
        {"id": "b", "source": "NHK", "text": TEXT},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    plan = plan_batches(path, tmp_path / "work", 10)
    assert plan.source_counts == {"ＮＨＫ": 2}
    assert [ref.source for f in plan.batch_files for ref, _ in read_batch(Path(f))] == [
        "ＮＨＫ"
    ] * 2


def test_a_collect_appends_under_the_corpus_first_spelling(tmp_path: Path) -> None:
    from pipeline.collect.append import CorpusAppender, NewArticle

    root = _corpus(tmp_path / "c", ["a,articles/good.txt,ＮＨＫ"])
    (root / "manifest.csv").write_text("id,file,source\na,articles/good.txt,ＮＨＫ\n", "utf-8")
    with CorpusAppender(root) as corpus:
        corpus.add(NewArticle("b", "NHK", "t", "", "", "https://x/1", "ja", "", TEXT, "sha"))
    assert {ref.source for ref in read_manifest(root).articles} == {"ＮＨＫ"}
    assert "NHK" not in (root / "manifest.csv").read_text("utf-8")
