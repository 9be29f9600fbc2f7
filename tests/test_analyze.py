"""Analyzing batches: the documented tables, quarantine, cleaned texts, spans, lemma docs."""

from __future__ import annotations

import dataclasses
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyze.article import (
    TABLE_COLUMNS,
    TABLES,
    analyze_batch,
    content_counts,
    doc_lemmas,
    write_batch,
)
from pipeline.analyze.tokens import Token, TokenColumns, tokenize_columns
from pipeline.ingest.clean import clean_article
from pipeline.ingest.corpus import read_article

MAX_BYTES = 5_000_000
# The columns as README.md documents them (hits.csv, removed.csv) or as the tables need them.
DOCUMENTED = {
    "hits": "article_id source frame category term matched sentence_id char_start char_end "
    "voice negated weight left right",
    "removed": "article_id line kind text",
    "quarantined": "article_id file reason line",
    "sentences": "article_id sentence_id char_start char_end tokens",
    "docs": "article_id source lemmas",
}
FUNCTION_WORDS = {"は", "が", "を", "に", "の", "と", "で", "た", "だ", "です", "ます", "。", "、"}
LIGHT = {"為る", "居る", "有る", "成る", "言う", "事", "物", "為", "所", "様", "有り", "出来る"}


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory, refs, lexicons):
    texts = tmp_path_factory.mktemp("texts")
    return analyze_batch([(r, None) for r in refs], lexicons, texts, MAX_BYTES), texts


def test_tables_and_columns_are_the_documented_ones(seed) -> None:
    tables, _ = seed
    names = {"articles", "sentences", "hits", "removed", "quarantined", "docs", "sourcing"}
    names |= {"stance_hits", "stance_mentions"}  # empty without stance lexicons
    assert set(tables) == set(TABLES) == names
    for name, df in tables.items():
        assert list(df.columns) == TABLE_COLUMNS[name], name
    for name, cols in DOCUMENTED.items():
        assert TABLE_COLUMNS[name] == cols.split(), name
    assert {"article_id", "source", "perspective", "tokens", "text_file", "meta"} <= set(
        TABLE_COLUMNS["articles"]
    )


def test_article_rows_follow_the_batch_and_the_manifest(seed, refs) -> None:
    tables, texts = seed
    arts = tables["articles"]
    assert list(arts["article_id"]) == [r.id for r in refs]
    assert list(arts["source"]) == [r.source for r in refs]
    assert list(arts["published"]) == [r.published for r in refs]
    assert list(arts["perspective"]) == [r.meta.get("perspective", "") for r in refs]
    assert list(arts["text_file"]) == [f"texts/{r.id}.txt" for r in refs]
    assert tables["quarantined"].empty
    sentences = tables["sentences"]
    for row in arts.itertuples():
        text = (texts / f"{row.article_id}.txt").read_bytes().decode("utf-8")
        assert row.chars == len(text)
        own = sentences[sentences["article_id"] == row.article_id]
        assert row.sentences == len(own)
        assert row.tokens == own["tokens"].sum() > 100
        assert list(own["sentence_id"]) == list(range(len(own)))
        spans = list(zip(own["char_start"], own["char_end"], strict=True))
        assert all(0 <= a < b <= len(text) for a, b in spans)
        assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(spans))
        removed = tables["removed"]
        assert row.removed_lines == (removed["article_id"] == row.article_id).sum()


def test_texts_are_the_cleaned_texts(seed, refs) -> None:
    _, texts = seed
    assert sorted(p.name for p in texts.iterdir()) == sorted(f"{r.id}.txt" for r in refs)
    for ref in refs:
        raw, _ = read_article(ref)
        expected = clean_article(raw).text
        assert (texts / f"{ref.id}.txt").read_bytes().decode("utf-8") == expected


def test_every_hit_span_is_its_text(seed) -> None:
    tables, texts = seed
    hits, sentences = tables["hits"], tables["sentences"]
    assert len(hits) > 50
    spans = {
        (r.article_id, r.sentence_id): (r.char_start, r.char_end) for r in sentences.itertuples()
    }
    cache: dict[str, str] = {}
    for h in hits.itertuples():
        text = cache.setdefault(h.article_id, (texts / f"{h.article_id}.txt").read_text("utf-8"))
        assert text[h.char_start : h.char_end] == h.matched
        a, b = spans[(h.article_id, h.sentence_id)]
        assert a <= h.char_start < h.char_end <= b, "a hit lies inside its sentence"
        assert h.left == text[max(0, h.char_start - 40) : h.char_start].replace("\n", " ")
        assert h.right == text[h.char_end : h.char_end + 40].replace("\n", " ")
    assert set(hits["voice"]) == {"author", "quoted", "cited"}
    arts = tables["articles"].set_index("article_id")["source"]
    assert (hits["source"] == hits["article_id"].map(arts)).all()


def test_missing_and_empty_files_are_quarantined_and_the_rest_analyzed(
    tmp_path: Path, refs, lexicons
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    byline_only = tmp_path / "byline.txt"
    byline_only.write_text("写真:ロイター\n", encoding="utf-8")
    missing = dataclasses.replace(
        refs[0], id="gone", file="gone.txt", path=tmp_path / "gone.txt", line=7
    )
    blank = dataclasses.replace(refs[0], id="blank", file="empty.txt", path=empty, line=8)
    nothing = dataclasses.replace(
        refs[0], id="nothing", file="byline.txt", path=byline_only, line=9
    )
    items = [(refs[0], None), (missing, None), (refs[1], None), (blank, None), (nothing, None)]
    texts = tmp_path / "texts"
    tables = analyze_batch(items, lexicons, texts, MAX_BYTES)
    q = tables["quarantined"].set_index("article_id")
    assert list(q.index) == ["gone", "blank", "nothing"]
    assert list(q["file"]) == ["gone.txt", "empty.txt", "byline.txt"]
    assert list(q["line"]) == [7, 8, 9]
    assert q.loc["gone", "reason"].startswith("cannot read file")
    assert q.loc["blank", "reason"] == "empty file (0 bytes)"
    assert q.loc["nothing", "reason"] == "no article text left after cleaning"
    assert list(tables["articles"]["article_id"]) == [refs[0].id, refs[1].id]
    assert set(tables["hits"]["article_id"]) == {refs[0].id, refs[1].id}
    assert sorted(p.name for p in texts.iterdir()) == sorted(
        [f"{refs[0].id}.txt", f"{refs[1].id}.txt"]
    )


def test_inline_texts_are_analyzed_and_checked_for_size(tmp_path: Path, refs, lexicons) -> None:
    raw, _ = read_article(refs[2])
    inline = dataclasses.replace(refs[2], path=None)
    big = dataclasses.replace(refs[2], id="big", path=None)
    tables = analyze_batch(
        [(inline, raw), (big, raw * 3)], lexicons, tmp_path, max_bytes=len(raw.encode()) + 10
    )
    assert list(tables["articles"]["article_id"]) == [refs[2].id]
    assert (tmp_path / f"{refs[2].id}.txt").read_text("utf-8") == clean_article(raw).text
    (reason,) = tables["quarantined"]["reason"]
    assert "limit" in reason


def test_docs_keep_content_lemmas_only(seed) -> None:
    tables, _ = seed
    docs = tables["docs"]
    assert list(docs["article_id"]) == list(tables["articles"]["article_id"])
    for lemmas in docs["lemmas"]:
        words = lemmas.split()
        assert len(words) > 50
        assert not set(words) & (FUNCTION_WORDS | LIGHT)
    valdai = docs.iloc[0]["lemmas"].split()
    assert "ロシア" in valdai


def test_doc_lemmas_drops_function_words_and_light_verbs() -> None:
    def tok(lemma: str, pos: str) -> Token:
        return Token(lemma, lemma, pos, 0, len(lemma))

    sentences = [
        [
            tok("北朝鮮", "名詞"),
            tok("は", "助詞"),
            tok("為る", "動詞"),
            tok("支援", "名詞"),
            tok("た", "助動詞"),
            tok("。", "補助記号"),
        ],
        [
            tok("彼", "代名詞"),
            tok("事", "名詞"),
            tok("強い", "形容詞"),
            tok("有る", "動詞"),
            tok("急速", "形状詞"),
            tok("再び", "副詞"),
            tok("送る", "動詞"),
            tok("しかし", "接続詞"),
            tok("大きな", "連体詞"),
        ],
    ]
    columns = [TokenColumns.from_tokens(s) for s in sentences]
    assert doc_lemmas(columns) == ["北朝鮮", "支援", "強い", "急速", "再び", "送る"]
    assert doc_lemmas([]) == [] == doc_lemmas([TokenColumns.from_tokens([])])


def test_doc_lemmas_on_real_tokens() -> None:
    tokens = [tokenize_columns("北朝鮮はロシアに弾薬を供与することがある。")]
    assert doc_lemmas(tokens) == ["北朝鮮", "ロシア", "弾薬", "供与"]
    tokens = [
        tokenize_columns("彼は大きな問題になっていると言った。"),
        tokenize_columns("それは様々な物である。"),
    ]
    assert doc_lemmas(tokens) == ["問題", "様々"]


def test_content_counts_leave_out_punctuation_symbols_and_white_space() -> None:
    sentences = [
        tokenize_columns("ロシアは、「特別軍事作戦」を続けた!\u3000(注)…※"),
        tokenize_columns("。、"),
        tokenize_columns("北朝鮮\u3000ロシア"),
    ]
    assert (
        content_counts(sentences)
        == [sum(t.is_content for t in s.tokens()) for s in sentences]
        == [9, 0, 2]
    )


def test_write_batch_writes_one_parquet_file_per_table(tmp_path: Path, seed) -> None:
    tables, _ = seed
    out = write_batch(tables, tmp_path / "batch")
    assert out == tmp_path / "batch"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in TABLES)
    for name in TABLES:
        back = pd.read_parquet(out / f"{name}.parquet")
        assert list(back.columns) == TABLE_COLUMNS[name]
        assert len(back) == len(tables[name])
    hits = pd.read_parquet(out / "hits.parquet")
    pd.testing.assert_frame_equal(hits, tables["hits"], check_dtype=False)


def test_sourcing_rows_point_at_their_speakers(seed) -> None:
    """Every attribution row's offsets index the cleaned text; its sentence contains it."""
    tables, texts = seed
    rows = tables["sourcing"]
    assert len(rows) > 0
    for row in rows.itertuples():
        text = (texts / f"{row.article_id}.txt").read_bytes().decode("utf-8")
        assert text[row.speaker_start : row.speaker_end] == row.speaker
        assert row.speaker in row.sentence
