"""Damaged caches: every read is verified; a bad entry is dropped and rebuilt, never served."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyze.article import analyze_text, content_counts, doc_lemmas
from pipeline.analyze.cache import AnalysisCache
from pipeline.analyze.lexicons import bundle_hash
from pipeline.cache.keys import hits_key, token_key
from pipeline.cache.store import AggregateCache, BatchCache


def _filled(db: Path, raw: str, lexicons) -> tuple[str, str]:
    clean, sentences, hits = analyze_text(raw, lexicons)
    cache = AnalysisCache(db)
    tkey = token_key(raw)
    hkey = hits_key(tkey, bundle_hash(lexicons))
    cache.put_tokens(tkey, clean, content_counts(sentences), doc_lemmas(sentences), sentences)
    cache.put_hits(hkey, hits)
    cache.close()
    return tkey, hkey


@pytest.mark.parametrize("damage", ["truncate_blob", "garbage_blob", "flip_byte"])
def test_a_damaged_sqlite_entry_is_a_miss_and_is_deleted(
    tmp_path: Path, lexicons, refs, damage: str, caplog
) -> None:
    raw = refs[0].path.read_text(encoding="utf-8")
    db = tmp_path / "analysis.sqlite"
    tkey, hkey = _filled(db, raw, lexicons)
    con = sqlite3.connect(db)
    (blob,) = con.execute("SELECT data FROM hits WHERE key = ?", (hkey,)).fetchone()
    bad = {
        "truncate_blob": blob[: len(blob) // 2],
        "garbage_blob": b"garbage",
        "flip_byte": blob[:-1] + bytes([blob[-1] ^ 0xFF]),
    }[damage]
    con.execute("UPDATE hits SET data = ? WHERE key = ?", (bad, hkey))
    con.commit()
    con.close()
    cache = AnalysisCache(db)
    with caplog.at_level(logging.WARNING):
        assert cache.get_hits(hkey) is None
    assert "damaged" in caplog.text
    assert cache.get_summary(tkey) is not None, "the intact entries are still served"
    assert cache.count("hits") == 0, "the damaged entry is gone"
    cache.close()


@pytest.mark.parametrize("damage", ["truncate_blob", "flip_byte", "other_text"])
def test_damaged_or_misfitting_tokens_are_a_miss_and_are_deleted(
    tmp_path: Path, lexicons, refs, damage: str, caplog
) -> None:
    raw = refs[0].path.read_text(encoding="utf-8")
    db = tmp_path / "analysis.sqlite"
    tkey, _ = _filled(db, raw, lexicons)
    other, _ = _filled(db, "短い記事だ。", lexicons)
    con = sqlite3.connect(db)
    (blob,) = con.execute("SELECT data FROM token_lists WHERE key = ?", (tkey,)).fetchone()
    (short,) = con.execute("SELECT data FROM token_lists WHERE key = ?", (other,)).fetchone()
    bad = {
        "truncate_blob": blob[: len(blob) // 2],
        "flip_byte": blob[:-1] + bytes([blob[-1] ^ 0xFF]),
        "other_text": short,  # intact, but another article's sentences
    }[damage]
    con.execute("UPDATE token_lists SET data = ? WHERE key = ?", (bad, tkey))
    con.commit()
    con.close()
    cache = AnalysisCache(db)
    summary = cache.get_summary(tkey)
    assert summary is not None
    with caplog.at_level(logging.WARNING):
        assert cache.get_tokens(tkey, summary[0]) is None
    assert "token_lists" in caplog.text or "damaged" in caplog.text
    assert cache.count("token_lists") == 1, "only the bad entry is gone"
    cache.close()


def _damage_file(db: Path, damage: str) -> None:
    """Overwrite the SQLite file with garbage, or keep its header and lose the pages behind."""
    if damage == "garbage":
        db.write_bytes(b"this is not a database" * 400)
    else:
        with open(db, "r+b") as fh:
            fh.truncate(min(db.stat().st_size, 1024 + 100))


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_sqlite_file_is_replaced_by_an_empty_one(
    tmp_path: Path, lexicons, refs, damage: str
) -> None:
    raw = refs[0].path.read_text(encoding="utf-8")
    db = tmp_path / "analysis.sqlite"
    tkey, _ = _filled(db, raw, lexicons)
    _damage_file(db, damage)
    cache = AnalysisCache(db)
    assert cache.get_summary(tkey) is None
    cache.put_hits("k", [])
    cache.close()
    assert AnalysisCache(db).count("hits") == 1, "the rebuilt cache works"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_batches_that_find_the_file_damaged_at_once_replace_it_once(
    tmp_path: Path, lexicons, refs, damage: str
) -> None:
    """Batches open the cache together; each must keep what the others wrote."""
    raw = refs[0].path.read_text(encoding="utf-8")
    db = tmp_path / "analysis.sqlite"
    _filled(db, raw, lexicons)
    _damage_file(db, damage)
    start = threading.Barrier(8)

    def batch(i: int) -> None:
        start.wait()
        cache = AnalysisCache(db)
        cache.get_summary(f"missing-{i}")
        cache.put_hits(f"k{i}", [])
        cache.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(batch, range(8)))
    assert AnalysisCache(db).count("hits") == 8


def _batch(tmp_path: Path) -> tuple[BatchCache, str, Path]:
    cache = BatchCache(tmp_path / "batches")
    tables = {"articles": pd.DataFrame({"article_id": ["a", "b"], "tokens": [10, 20]})}
    entry = cache.put("k1", tables, {"a.txt": "本文。", "b.txt": "二つ目。"})
    return cache, "k1", entry


@pytest.mark.parametrize(
    "damage",
    ["delete_table", "truncate_table", "garbage_texts", "delete_complete", "garbage_complete"],
)
def test_a_damaged_batch_entry_is_dropped(tmp_path: Path, damage: str, caplog) -> None:
    cache, key, entry = _batch(tmp_path)
    assert cache.get(key) == entry
    target = {
        "delete_table": "articles.parquet",
        "truncate_table": "articles.parquet",
        "garbage_texts": "texts.parquet",
        "delete_complete": "complete",
        "garbage_complete": "complete",
    }[damage]
    path = entry / target
    if damage.startswith("delete"):
        path.unlink()
    elif damage.startswith("truncate"):
        path.write_bytes(path.read_bytes()[:40])
    else:
        path.write_bytes(b"\x00garbage")
    with caplog.at_level(logging.WARNING):
        assert cache.get(key) is None
    assert "damaged" in caplog.text
    assert not entry.exists()
    tables = {"articles": pd.DataFrame({"article_id": ["a"], "tokens": [1]})}
    assert cache.put(key, tables, {"a.txt": "x"}) == entry and cache.get(key) == entry


def _aggregate(tmp_path: Path) -> tuple[AggregateCache, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "hits.csv").write_text("article_id,frame\na,f\n", encoding="utf-8")
    (data / "sources.csv").write_text("source,frame\ns,f\n", encoding="utf-8")
    cache = AggregateCache(tmp_path / "aggregate")
    cache.put("k", data, {"scored": 1})
    return cache, data


@pytest.mark.parametrize(
    "damage", ["delete_hits", "truncate_hits", "garbage_summary", "old_summary", "extra_file"]
)
def test_a_damaged_aggregate_entry_is_dropped(tmp_path: Path, damage: str) -> None:
    cache, _ = _aggregate(tmp_path)
    assert cache.get("k") == {"scored": 1}
    entry = tmp_path / "aggregate" / "k"
    if damage == "delete_hits":
        (entry / "hits.csv").unlink()
    elif damage == "truncate_hits":
        (entry / "hits.csv").write_text("article_id,fr", encoding="utf-8")
    elif damage == "garbage_summary":
        (entry / "summary.json").write_bytes(b"\xff{")
    elif damage == "old_summary":  # the layout before checksums: trusted no more
        (entry / "summary.json").write_text(json.dumps({"scored": 1}), encoding="utf-8")
    else:
        (entry / "hits.csv").rename(entry / "renamed.csv")
    assert cache.get("k") is None
    assert not entry.exists()


def test_an_intact_aggregate_entry_restores_every_file(tmp_path: Path) -> None:
    cache, data = _aggregate(tmp_path)
    out = tmp_path / "run" / "data"
    assert cache.get("k") is not None
    cache.restore("k", out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        p.name: p.read_bytes() for p in data.iterdir()
    }
