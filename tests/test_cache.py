"""The analysis cache: keys, an exact round trip, and what a second run skips."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyze import article as analyze_mod
from pipeline.analyze.article import (
    Caching,
    analyze_article,
    analyze_text,
    content_counts,
    doc_lemmas,
)
from pipeline.analyze.cache import AnalysisCache
from pipeline.analyze.hits import find_hits
from pipeline.analyze.lexicons import bundle_hash
from pipeline.cache import keys as cache_mod
from pipeline.cache.keys import hits_key, token_key
from pipeline.cache.store import AggregateCache, BatchCache
from pipeline.ingest.corpus import ArticleRef

MAX_BYTES = 5_000_000


def test_token_key_changes_with_the_text() -> None:
    base = token_key("北朝鮮とロシアの首脳会談。")
    assert base == token_key("北朝鮮とロシアの首脳会談。")
    assert len(base) == 64 and int(base, 16) >= 0
    for other in (
        "北朝鮮とロシアの首脳会談!",
        "北朝鮮とロシアの首脳会談。 ",
        "北朝鮮とロシアの首脳会議。",
    ):
        assert token_key(other) != base


def test_hits_key_changes_with_the_lexicon_hash() -> None:
    t1, t2 = token_key("一つ目の記事。"), token_key("二つ目の記事。")
    assert hits_key(t1, "lexA") == hits_key(t1, "lexA")
    assert hits_key(t1, "lexA") != hits_key(t1, "lexB")
    assert hits_key(t1, "lexA") != hits_key(t2, "lexA")
    assert hits_key(t1, "lexA") not in (t1, t2)


def test_put_commit_get_round_trips_exactly(tmp_path: Path, lexicons, refs) -> None:
    raw = refs[0].path.read_text(encoding="utf-8")
    clean, sentence_tokens, hits = analyze_text(raw, lexicons)
    assert hits and clean.removed and clean.quotes, "the example must exercise every part"
    db = tmp_path / "cache" / "analysis.sqlite"
    cache = AnalysisCache(db)
    tkey = token_key(raw)
    hkey = hits_key(tkey, bundle_hash(lexicons))
    counts, doc = content_counts(sentence_tokens), doc_lemmas(sentence_tokens)
    cache.put_tokens(tkey, clean, counts, doc, sentence_tokens)
    cache.put_hits(hkey, hits)
    assert cache.get_summary(tkey) is None, "nothing is visible before commit"
    assert cache.get_hits(hkey) is None
    cache.close()  # commits

    again = AnalysisCache(db)
    got = again.get_summary(tkey)
    assert got is not None
    got_clean, got_counts, got_doc = got
    assert (got_counts, got_doc) == (counts, doc)
    got_tokens = again.get_tokens(tkey, got_clean)
    assert got_clean == clean
    assert got_clean.sentences == [tuple(s) for s in clean.sentences]
    assert all(isinstance(s, tuple) for s in got_clean.sentences + got_clean.quotes)
    assert got_tokens == sentence_tokens
    for sentence in got_tokens:
        for t in sentence:
            assert t.surface == got_clean.text[t.start : t.end]
    got_hits = again.get_hits(hkey)
    assert got_hits == hits
    assert all(isinstance(h.negated, bool) and isinstance(h.weight, float) for h in got_hits)
    assert (again.tokens_found, again.hits_found) == (1, 1)
    assert again.get_summary(token_key(raw + "x")) is None
    assert (again.tokens_found, again.hits_found) == (1, 1), "a miss is not counted"
    again.close()


def _same(a, b) -> None:
    assert a.ref == b.ref
    assert a.encoding == b.encoding
    assert a.clean == b.clean
    assert (a.sentence_counts, a.doc) == (b.sentence_counts, b.doc)
    assert a.hits == b.hits
    assert a.attributions == b.attributions
    assert a.content_tokens == b.content_tokens


def test_cached_analysis_equals_uncached_and_is_served_from_the_cache(
    tmp_path: Path, lexicons, refs, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = bundle_hash(lexicons)
    plain = [analyze_article(r, lexicons, MAX_BYTES) for r in refs]
    db = tmp_path / "analysis.sqlite"
    first = AnalysisCache(db)
    cached = [analyze_article(r, lexicons, MAX_BYTES, caching=Caching(first, sha)) for r in refs]
    assert (first.tokens_found, first.hits_found) == (0, 0)
    first.close()
    for a, b in zip(plain, cached, strict=True):
        _same(a, b)

    def must_not_run(*args, **kwargs):
        raise AssertionError("work done again although it is cached")

    monkeypatch.setattr(analyze_mod, "clean_and_tokenize", must_not_run)
    monkeypatch.setattr(analyze_mod, "find_hits", must_not_run)
    monkeypatch.setattr(analyze_mod, "find_attributions", must_not_run)
    second = AnalysisCache(db)
    served = [analyze_article(r, lexicons, MAX_BYTES, caching=Caching(second, sha)) for r in refs]
    assert (second.tokens_found, second.hits_found) == (len(refs), len(refs))
    for a, b in zip(plain, served, strict=True):
        _same(a, b)
    second.close()


def test_new_lexicon_hash_rematches_without_retokenizing(
    tmp_path: Path, lexicons, refs, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "analysis.sqlite"
    first = AnalysisCache(db)
    for r in refs:
        analyze_article(r, lexicons, MAX_BYTES, caching=Caching(first, "all-frames"))
    first.close()

    fewer = lexicons[:1]
    expected = [analyze_article(r, fewer, MAX_BYTES) for r in refs]

    def must_not_tokenize(*args, **kwargs):
        raise AssertionError("re-tokenized although the tokens are cached")

    calls: list[int] = []
    real_find_hits = analyze_mod.find_hits

    def counting_find_hits(*args, **kwargs):
        calls.append(1)
        return real_find_hits(*args, **kwargs)

    monkeypatch.setattr(analyze_mod, "clean_and_tokenize", must_not_tokenize)
    monkeypatch.setattr(analyze_mod, "find_hits", counting_find_hits)
    second = AnalysisCache(db)
    got = [analyze_article(r, fewer, MAX_BYTES, caching=Caching(second, "one-frame")) for r in refs]
    assert (second.tokens_found, second.hits_found) == (len(refs), 0)
    assert len(calls) == len(refs)
    for a, b in zip(expected, got, strict=True):
        _same(a, b)
    assert {h.frame for a in got for h in a.hits} == {fewer[0].frame}
    second.close()

    third = AnalysisCache(db)
    again = analyze_article(refs[0], fewer, MAX_BYTES, caching=Caching(third, "one-frame"))
    assert (third.tokens_found, third.hits_found) == (1, 1)
    assert len(calls) == len(refs), "the re-matched hits were cached too"
    assert again.hits == expected[0].hits
    third.close()


def test_inline_text_uses_the_same_cache_entry_as_the_file(tmp_path: Path, lexicons, refs) -> None:
    ref = refs[2]
    text = ref.path.read_text(encoding="utf-8")
    cache = AnalysisCache(tmp_path / "a.sqlite")
    from_file = analyze_article(ref, lexicons, MAX_BYTES, caching=Caching(cache, "x"))
    cache.commit()
    inline = analyze_article(ref, lexicons, MAX_BYTES, text=text, caching=Caching(cache, "x"))
    assert (cache.tokens_found, cache.hits_found) == (1, 1)
    assert inline.hits == from_file.hits
    cache.close()


def test_tokens_with_white_space_round_trip(tmp_path: Path, lexicons) -> None:
    """White space inside sentences: the spans are rebuilt from the text and the ends."""
    raw = (
        "ロシア の プーチン大統領は\t北朝鮮を訪問し、\u3000特別軍事作戦への 支持 を得た。\n"
        "  Kim  Jong Un 総書記は「制裁\u3000に 反対する」と述べた。 \n"
        "最後の文。"
    )
    clean, sentences, hits = analyze_text(raw, lexicons)
    gaps = [b < a for s in sentences for a, b in zip(s.starts[1:], s.ends, strict=False)]
    assert any(gaps) and hits
    cache = AnalysisCache(tmp_path / "a.sqlite")
    key = token_key(raw)
    cache.put_tokens(key, clean, content_counts(sentences), doc_lemmas(sentences), sentences)
    cache.commit()
    got = cache.get_tokens(key, clean)
    assert got == sentences
    assert find_hits(clean, got, lexicons) == hits
    cache.close()


def test_an_article_without_content_lemmas_round_trips(tmp_path: Path, lexicons) -> None:
    raw = "そして、それは。"
    clean, sentences, _ = analyze_text(raw, lexicons)
    doc = doc_lemmas(sentences)
    assert doc == []
    cache = AnalysisCache(tmp_path / "a.sqlite")
    key = token_key(raw)
    cache.put_tokens(key, clean, content_counts(sentences), doc, sentences)
    cache.commit()
    assert cache.get_summary(key) == (clean, content_counts(sentences), [])
    assert cache.get_tokens(key, clean) == sentences
    cache.close()


def _ref(aid: str, path: Path | None = None) -> ArticleRef:
    return ArticleRef(aid, "src", f"{aid}.txt", path, 2)


def test_batch_key_changes_with_anything_that_changes_the_tables(tmp_path: Path) -> None:
    bc = BatchCache(tmp_path)
    f = tmp_path / "a.txt"
    f.write_text("ロシアと北朝鮮", encoding="utf-8")
    base = [(_ref("a", f), None), (_ref("b"), "北朝鮮の声明")]
    key = bc.key(base, "lex1", 1000)
    assert bc.key(list(base), "lex1", 1000) == key
    assert bc.key(base, "lex2", 1000) != key
    assert bc.key(base, "lex1", 999) != key
    assert bc.key([base[0], (_ref("b"), "北朝鮮の声明。")], "lex1", 1000) != key
    assert bc.key([base[1], base[0]], "lex1", 1000) != key, "order is part of a batch"
    renamed = ArticleRef("b", "other source", "b.txt", None, 2)
    assert bc.key([base[0], (renamed, "北朝鮮の声明")], "lex1", 1000) != key
    f.write_text("ロシアと北朝鮮!", encoding="utf-8")
    assert bc.key(base, "lex1", 1000) != key, "a folder corpus's file bytes are in the key"


def test_batch_entries_round_trip_and_are_pruned(tmp_path: Path) -> None:
    bc = BatchCache(tmp_path / "batches")
    tables = {"articles": pd.DataFrame({"article_id": ["a", "b"], "tokens": [3, 0]})}
    assert bc.get("k1") is None
    entry = bc.put("k1", tables, {"a.txt": "本文", "b.txt": ""})
    assert bc.get("k1") == entry
    pd.testing.assert_frame_equal(pd.read_parquet(entry / "articles.parquet"), tables["articles"])
    bc.restore_texts(entry, tmp_path / "texts")
    assert (tmp_path / "texts" / "a.txt").read_text(encoding="utf-8") == "本文"
    assert (tmp_path / "texts" / "b.txt").read_text(encoding="utf-8") == ""
    assert bc.put("k1", tables, {}) == entry, "a second store of the same key keeps the first"
    bc.put("k2", tables, {})
    (tmp_path / "batches" / "k3.tmp-1").mkdir()  # left by a killed worker
    assert bc.prune(["k2"]) == 2
    assert bc.get("k1") is None and bc.get("k2") is not None
    assert sorted(p.name for p in (tmp_path / "batches").iterdir()) == ["k2"]


def test_aggregate_key_changes_with_each_input():
    agg = AggregateCache(Path("unused"))
    base = (["b1", "b2"], ["lex/a.yaml:aa"], {"bootstrap": 100, "seed": 1}, {"S": 2})
    key = agg.key(*base)
    assert agg.key(*base) == key
    variants = [
        (["b2", "b1"], *base[1:]),
        (["b1"], *base[1:]),
        (base[0], ["lex/a.yaml:ab"], *base[2:]),
        (base[0], ["other/a.yaml:aa"], *base[2:]),
        (*base[:2], {"bootstrap": 100, "seed": 2}, base[3]),
        (*base[:3], {"S": 3}),
    ]
    assert len({agg.key(*v) for v in variants} | {key}) == len(variants) + 1


def test_aggregate_entries_round_trip_as_copies_and_prune(tmp_path):
    data = tmp_path / "run" / "data"
    (data / "texts").mkdir(parents=True)
    (data / "sources.csv").write_text("source,frame\nA,x\n")
    (data / "lemmas.parquet").write_bytes(b"PAR1")
    (data / "texts" / "a.txt").write_text("本文")
    agg = AggregateCache(tmp_path / "cache")
    summary = {"scored": 1, "sources": [{"per_1k": float("nan"), "share": None}]}
    assert agg.get("k") is None
    agg.put("k", data, summary)
    again = agg.get("k")
    assert again["scored"] == 1 and again["sources"][0]["share"] is None
    assert again["sources"][0]["per_1k"] != again["sources"][0]["per_1k"], "NaN kept"
    restored = tmp_path / "next" / "data"
    agg.restore("k", restored)
    assert sorted(p.name for p in restored.iterdir()) == ["lemmas.parquet", "sources.csv"]
    (restored / "sources.csv").write_text("edited in place")
    agg.restore("k", tmp_path / "third")
    assert (tmp_path / "third" / "sources.csv").read_text() == "source,frame\nA,x\n"
    agg.put("k2", data, summary)
    agg.prune("k2")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["k2"]


def _imports(*entries: str) -> set[str]:
    """The pipeline modules a fresh interpreter loads to import ``entries``."""
    code = "import sys\n" + "".join(f"import {e}\n" for e in entries)
    code += "print('\\n'.join(k for k in sys.modules if k.startswith('pipeline')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def _covered(names: tuple[str, ...], modules: set[str]) -> set[str]:
    """The modules among ``modules`` that ``names`` (modules or packages) hash."""
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        (("pipeline.ingest.clean", "pipeline.analyze.tokens"), cache_mod.TOKENS_CODE),
        (("pipeline.analyze.hits", "pipeline.analyze.stance"), cache_mod.HITS_CODE),
        (("pipeline.analyze.article", "pipeline.ingest.batches"), cache_mod.BATCH_CODE),
        (("pipeline.aggregate.tables",), cache_mod.AGGREGATE_CODE),
    ],
)
def test_each_cache_key_hashes_every_package_its_computation_imports(entries, code):
    """Every pipeline module a cached computation imports lies in a package hashed into its
    key, and the report's code is never one of them (rewording a chart keeps the caches)."""
    loaded = _imports(*entries) - {"pipeline"}
    assert loaded - _covered(code, loaded) == set()
    assert not any(m.startswith("pipeline.report") for m in loaded)


def test_a_module_added_to_a_hashed_package_changes_the_key(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline")
    before = _aggregate_code_hash(tmp_path)
    (tmp_path / "pipeline" / "aggregate" / "newfamily.py").write_text("X = 1\n", "utf-8")
    assert _aggregate_code_hash(tmp_path) != before


def _aggregate_code_hash(root: Path) -> str:
    code = "from pipeline.cache import keys as c; print(c.code_hash(*c.AGGREGATE_CODE))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.strip()


def test_rewording_a_chart_keeps_the_aggregate_key(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline")
    before = _aggregate_code_hash(tmp_path)
    chart = tmp_path / "pipeline" / "report" / "charts" / "rates.py"
    chart.write_text(chart.read_text("utf-8").replace("Framing intensity", "Intensity"), "utf-8")
    assert _aggregate_code_hash(tmp_path) == before
    scores = tmp_path / "pipeline" / "aggregate" / "scores.py"
    scores.write_text(scores.read_text("utf-8") + "\n# changed\n", "utf-8")
    assert _aggregate_code_hash(tmp_path) != before
