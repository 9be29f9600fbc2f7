"""Batch planning: folder, JSON Lines and Parquet corpora, quarantine, streaming, hashes."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.ingest.batches import (
    MAX_BATCH,
    MIN_BATCH,
    auto_batch_size,
    count_articles,
    iter_bulk,
    plan_batches,
    read_batch,
)
from pipeline.ingest.corpus import CorpusError, read_article, read_manifest

SEED_IDS = [
    "valdai-2024-03-26",
    "aggregator-2023-09-13",
    "toda-2024-06-19",
    "yahoo-pyon-2022-04-24",
    "nikkei-2024-06-17",
]


@pytest.fixture(scope="module")
def seed_records(corpus_dir: Path) -> list[dict[str, str]]:
    """The five seed articles as bulk records: manifest fields, metadata and the text."""
    records = []
    for ref in read_manifest(corpus_dir).articles:
        text, _ = read_article(ref)
        records.append(
            {
                "id": ref.id,
                "source": ref.source,
                "title": ref.title,
                "author": ref.author,
                "published": ref.published,
                "url": ref.url,
                "language": ref.language,
                "perspective": ref.meta.get("perspective", ""),
                "outlet_note": ref.meta.get("outlet_note", ""),
                "text": text,
            }
        )
    return records


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path, records: list[dict], row_group_size: int = 2) -> Path:
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=row_group_size)
    return path


def bulk_corpus(tmp_path: Path, kind: str, records: list[dict]) -> Path:
    if kind == "jsonl":
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        return write_jsonl(tmp_path / "corpus.jsonl", lines)
    return write_parquet(tmp_path / "corpus.parquet", records)


def planned(plan) -> list[list[tuple]]:
    return [read_batch(Path(f)) for f in plan.batch_files]


# --- batch sizes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"), [(1, [1, 1, 1, 1, 1]), (2, [2, 2, 1]), (5, [5]), (7, [5])]
)
def test_folder_corpus_plans_batches_of_the_requested_size(
    tmp_path: Path, corpus_dir: Path, size: int, expected: list[int]
) -> None:
    plan = plan_batches(corpus_dir, tmp_path / "work", size)
    batches = planned(plan)
    assert [len(b) for b in batches] == expected
    assert [ref.id for b in batches for ref, _ in b] == SEED_IDS
    assert plan.articles == 5
    assert all(Path(f).parent == tmp_path / "work" for f in plan.batch_files)
    assert len(set(plan.batch_files)) == len(expected)


@pytest.mark.parametrize("kind", ["folder", "jsonl"])
def test_each_batch_is_handed_on_as_soon_as_it_is_written(
    tmp_path: Path, corpus_dir: Path, seed_records: list[dict], kind: str
) -> None:
    corpus = corpus_dir if kind == "folder" else bulk_corpus(tmp_path, kind, seed_records)
    seen: list[tuple[str, int]] = []

    def on_batch(path: str) -> None:
        # written and complete when handed on; later batches not yet
        seen.append((path, len(read_batch(Path(path)))))
        assert not (Path(path).parent / f"batch-{len(seen):05d}.parquet").exists()

    plan = plan_batches(corpus, tmp_path / "work", 2, on_batch=on_batch)
    assert seen == [(f, n) for f, n in zip(plan.batch_files, [2, 2, 1], strict=True)]


@pytest.mark.parametrize("kind", ["folder", "jsonl", "parquet"])
def test_articles_are_counted_cheaply_for_sizing(
    tmp_path: Path, corpus_dir: Path, seed_records: list[dict], kind: str
) -> None:
    corpus = corpus_dir if kind == "folder" else bulk_corpus(tmp_path, kind, seed_records)
    assert count_articles(corpus) == 5
    assert count_articles(tmp_path / "missing.jsonl") == 0


@pytest.mark.parametrize(
    ("articles", "workers", "expected"),
    [
        (5, 1, MIN_BATCH),
        (10_000, 1, MAX_BATCH),
        (10_000, 2, 1250),
        (3_000, 16, MIN_BATCH),
        (1_000_000, 16, MAX_BATCH),
    ],
)
def test_automatic_batch_size_gives_each_worker_several_tasks_within_bounds(
    articles: int, workers: int, expected: int
) -> None:
    size = auto_batch_size(articles, workers)
    assert size == expected
    assert MIN_BATCH <= size <= MAX_BATCH


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_bulk_corpus_plans_the_same_articles_as_the_folder(
    tmp_path: Path, corpus_dir: Path, seed_records: list[dict], kind: str
) -> None:
    corpus = bulk_corpus(tmp_path, kind, seed_records)
    plan = plan_batches(corpus, tmp_path / "work", 2)
    batches = planned(plan)
    assert [len(b) for b in batches] == [2, 2, 1]
    folder = plan_batches(corpus_dir, tmp_path / "folder-work", 2)
    folder_refs = [ref for b in planned(folder) for ref, _ in b]
    bulk_refs = [ref for b in batches for ref, _ in b]
    assert [r.id for r in bulk_refs] == SEED_IDS
    for bulk, ref in zip(bulk_refs, folder_refs, strict=True):
        assert (bulk.id, bulk.source, bulk.published, bulk.title, bulk.author) == (
            ref.id,
            ref.source,
            ref.published,
            ref.title,
            ref.author,
        )
        assert bulk.meta == ref.meta
    assert plan.articles == 5 and plan.quarantined == []


# --- read_batch round trips ----------------------------------------------------------------


def test_read_batch_round_trips_folder_refs(tmp_path: Path, corpus_dir: Path) -> None:
    plan = plan_batches(corpus_dir, tmp_path / "work", 3)
    items = [item for b in planned(plan) for item in b]
    assert [ref for ref, _ in items] == read_manifest(corpus_dir).articles
    assert all(text is None for _, text in items)
    for ref, _ in items:
        assert isinstance(ref.path, Path) and ref.path.is_file()
        assert ref.path == (corpus_dir / ref.file).resolve()
        assert isinstance(ref.line, int)


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_read_batch_round_trips_inline_texts(
    tmp_path: Path, seed_records: list[dict], kind: str
) -> None:
    odd = {
        "id": "odd",
        "source": "S",
        "published": "2024-06-17T09:30:00+09:00",
        "text": "  一行目です。\r\n\n二行目「引用」です。\t\n",
    }
    records = [*seed_records, odd]
    corpus = bulk_corpus(tmp_path, kind, records)
    items = [item for b in planned(plan_batches(corpus, tmp_path / "work", 4)) for item in b]
    assert [text for _, text in items] == [r["text"] for r in records]
    for (ref, _), (line, record) in zip(items, enumerate(records, start=1), strict=True):
        assert ref.line == line
        assert ref.path is None and ref.file == ""
        assert ref.language == "ja"
        assert ref.published == record["published"][:10]
    assert items[-1][0].published == "2024-06-17"


# --- JSON Lines quarantine -----------------------------------------------------------------


def test_jsonl_bad_lines_are_quarantined_with_their_line_numbers(tmp_path: Path) -> None:
    def rec(**kw: object) -> str:
        return json.dumps({"source": "S", "text": "本文です。", **kw}, ensure_ascii=False)

    lines = [
        rec(id="a"),  # 1
        '{"id": "broken", ',  # 2 invalid JSON
        "",  # 3 blank: skipped, still counted
        "[1, 2, 3]",  # 4 not an object
        rec(id=""),  # 5 empty id
        rec(id="a"),  # 6 duplicate of line 1
        rec(id="c", source=" "),  # 7 empty source
        rec(id="d", text="  \n "),  # 8 empty text
        json.dumps({"id": "e", "source": "S"}),  # 9 no text at all
        rec(id="b"),  # 10
        '"just a string"',  # 11 not an object
    ]
    corpus = write_jsonl(tmp_path / "c.jsonl", lines)
    plan = plan_batches(corpus, tmp_path / "work", 10)
    got = {q.line: q for q in plan.quarantined}
    assert sorted(got) == [2, 4, 5, 6, 7, 8, 9, 11]
    expected = {
        2: ("line-2", "not valid JSON"),
        4: ("line-4", "not an object"),
        5: ("line-5", "empty id"),
        6: ("a", "duplicate id (first on line 1)"),
        7: ("c", "empty source"),
        8: ("d", "empty text"),
        9: ("e", "empty text"),
        11: ("line-11", "not an object"),
    }
    for line, (aid, words) in expected.items():
        q = got[line]
        assert q.article_id == aid
        assert q.reason.startswith(f"line {line}: ")
        assert words in q.reason
        assert q.file == "c.jsonl"
    refs = [ref for b in planned(plan) for ref, _ in b]
    assert [(r.id, r.line) for r in refs] == [("a", 1), ("b", 10)]
    assert plan.articles == 2
    assert plan.source_counts == {"S": 2}


def test_duplicate_of_a_quarantined_id_is_not_a_duplicate(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "x", "source": "S", "text": ""}),
        json.dumps({"id": "x", "source": "S", "text": "本文"}),
    ]
    plan = plan_batches(write_jsonl(tmp_path / "c.jsonl", lines), tmp_path / "w", 5)
    assert [(q.article_id, q.line) for q in plan.quarantined] == [("x", 1)]
    assert [ref.line for b in planned(plan) for ref, _ in b] == [2]


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_extra_keys_are_kept_as_metadata(tmp_path: Path, kind: str) -> None:
    records = [
        {
            "id": "m1",
            "source": "S",
            "title": "題",
            "text": "本文です。",
            "perspective": "pro_moscow",
            "desk": "ソウル支局",
            "wordcount": 120,
        }
    ]
    corpus = bulk_corpus(tmp_path, kind, records)
    ((ref, text),) = planned(plan_batches(corpus, tmp_path / "w", 5))[0]
    assert ref.meta == {"perspective": "pro_moscow", "desk": "ソウル支局", "wordcount": "120"}
    assert ref.title == "題" and text == "本文です。"


def test_jsonl_with_a_byte_order_mark_reads_its_first_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    line = json.dumps({"id": "a", "source": "S", "text": "本文"}, ensure_ascii=False)
    corpus.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    plan = plan_batches(corpus, tmp_path / "w", 5)
    assert plan.quarantined == []
    assert plan.articles == 1


@pytest.mark.parametrize("published", ["2024/6/17", "2024年6月17日"])
def test_bulk_dates_are_normalised_like_manifest_dates(tmp_path: Path, published: str) -> None:
    line = json.dumps({"id": "a", "source": "S", "published": published, "text": "本文"})
    ((ref, _),) = planned(plan_batches(write_jsonl(tmp_path / "c.jsonl", [line]), tmp_path, 5))[0]
    assert ref.published == "2024-06-17"


# --- Parquet -------------------------------------------------------------------------------


def test_parquet_corpus_is_streamed_by_row_group(
    tmp_path: Path, seed_records: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [dict(r, id=f"{r['id']}-{k}") for k in range(3) for r in seed_records]
    corpus = write_parquet(tmp_path / "big.parquet", records, row_group_size=2)
    assert pq.ParquetFile(corpus).metadata.num_row_groups == 8

    pulled: list[int] = []
    original = pq.ParquetFile.iter_batches

    def counting(self, *args, **kwargs):
        for batch in original(self, *args, **kwargs):
            pulled.append(batch.num_rows)
            yield batch

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole Parquet file was read at once")

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", counting)
    monkeypatch.setattr(pq.ParquetFile, "read", whole_file)
    monkeypatch.setattr(pq, "read_table", whole_file)

    stream = iter_bulk(corpus, chunk_rows=2)
    number, first = next(stream)
    assert (number, first["id"]) == (1, records[0]["id"])
    assert pulled == [2], "only the first chunk is read before the first record comes out"
    rest = list(stream)
    assert [n for n, _ in rest] == list(range(2, 16))
    assert [r["id"] for _, r in rest] == [r["id"] for r in records[1:]]
    assert max(pulled) <= 2

    pulled.clear()
    plan = plan_batches(corpus, tmp_path / "work", 4)
    assert plan.articles == 15 and pulled
    monkeypatch.undo()
    sizes = [len(read_batch(Path(f))) for f in plan.batch_files]
    assert sizes == [4, 4, 4, 3]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_unreadable_parquet_is_a_corpus_error(
    tmp_path: Path, seed_records: list[dict], damage: str
) -> None:
    good = write_parquet(tmp_path / "good.parquet", seed_records).read_bytes()
    raw = {"garbage": b"this is not parquet" * 10, "truncated": good[: len(good) // 2]}
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(raw.get(damage, b""))
    with pytest.raises(CorpusError, match=r"bad\.parquet"):
        plan_batches(bad, tmp_path / "work", 2)


def test_parquet_with_a_damaged_page_is_a_corpus_error(
    tmp_path: Path, seed_records: list[dict]
) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.Table.from_pylist(seed_records), good, compression="NONE")
    raw = bytearray(good.read_bytes())
    for k in range(4, 44):  # the first page header, just after the PAR1 magic
        raw[k] ^= 0xFF
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(raw))
    pq.ParquetFile(bad)  # the footer is intact ...
    with pytest.raises(OSError):  # ... but the data cannot be read
        pq.read_table(bad)
    with pytest.raises(CorpusError):
        plan_batches(bad, tmp_path / "work", 2)


def test_other_files_are_not_a_corpus(tmp_path: Path) -> None:
    f = tmp_path / "corpus.csv"
    f.write_text("id,text\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        plan_batches(f, tmp_path / "work", 2)


# --- counts and hashes ---------------------------------------------------------------------


def test_source_counts(tmp_path: Path, corpus_dir: Path) -> None:
    folder = plan_batches(corpus_dir, tmp_path / "f", 2)
    with open(corpus_dir / "manifest.csv", encoding="utf-8", newline="") as fh:
        sources = [row["source"] for row in csv.DictReader(fh)]
    assert len(set(sources)) == 5
    assert folder.source_counts == {s: 1 for s in sources}
    lines = [
        json.dumps({"id": f"{s}{k}", "source": s, "text": "本文"})
        for s, n in (("X", 3), ("Y", 1), ("Z", 2))
        for k in range(n)
    ]
    lines.append(json.dumps({"id": "z-empty", "source": "Z", "text": ""}))
    lines.append(json.dumps({"id": "X0", "source": "X", "text": "重複"}))
    plan = plan_batches(write_jsonl(tmp_path / "c.jsonl", lines), tmp_path / "w", 2)
    assert plan.source_counts == {"X": 3, "Y": 1, "Z": 2}
    assert plan.articles == 6 and len(plan.quarantined) == 2


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_bulk_sha256_is_the_file_hash_and_follows_one_byte(
    tmp_path: Path, seed_records: list[dict], kind: str
) -> None:
    records = [dict(r) for r in seed_records]
    corpus = bulk_corpus(tmp_path, kind, records)
    plan = plan_batches(corpus, tmp_path / "w1", 5)
    assert plan.sha256 == hashlib.sha256(corpus.read_bytes()).hexdigest()
    records[2]["text"] = records[2]["text"].replace("。", "、", 1)
    changed = bulk_corpus(tmp_path, kind, records)
    assert plan_batches(changed, tmp_path / "w2", 5).sha256 != plan.sha256


def test_jsonl_sha256_follows_one_byte_anywhere(tmp_path: Path) -> None:
    line = json.dumps({"id": "a", "source": "S", "text": "本文A"}, ensure_ascii=False)
    one = plan_batches(write_jsonl(tmp_path / "c.jsonl", [line]), tmp_path / "w1", 5).sha256
    two = plan_batches(
        write_jsonl(tmp_path / "c.jsonl", [line.replace("A", "B")]), tmp_path / "w2", 5
    ).sha256
    assert one != two


def test_folder_sha256_follows_one_byte_of_the_manifest(tmp_path: Path, corpus_dir: Path) -> None:
    copy = shutil.copytree(corpus_dir, tmp_path / "corpus")
    before = plan_batches(copy, tmp_path / "w1", 5).sha256
    manifest = copy / "manifest.csv"
    manifest.write_bytes(manifest.read_bytes().replace(b"Valdai Club", b"Valdai Clu8", 1))
    assert plan_batches(copy, tmp_path / "w2", 5).sha256 != before


def test_folder_sha256_follows_one_byte_of_an_article(tmp_path: Path, corpus_dir: Path) -> None:
    copy = shutil.copytree(corpus_dir, tmp_path / "corpus")
    before = plan_batches(copy, tmp_path / "w1", 5).sha256
    article = copy / read_manifest(copy).articles[0].file
    raw = article.read_bytes()
    article.write_bytes(raw.replace("。".encode(), "、".encode(), 1))
    assert article.read_bytes() != raw
    assert plan_batches(copy, tmp_path / "w2", 5).sha256 != before
