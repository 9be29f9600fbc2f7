"""Integration: reruns of the real flow reuse what is unchanged and redo what changed."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from flow_runs import csv_bytes, seed_settings

from pipeline.analyze.cache import AnalysisCache
from pipeline.orchestration.flows import framing_flow


@pytest.fixture
def aggregated(monkeypatch) -> list[Path]:
    """The data folders ``write_tables`` fills (it is not called when the aggregate cache
    has a run's tables)."""
    import pipeline.aggregate.tables

    calls: list[Path] = []
    write_tables = pipeline.aggregate.tables.write_tables

    def counted_write_tables(*args, **kwargs):
        calls.append(args[0])
        return write_tables(*args, **kwargs)

    monkeypatch.setattr(pipeline.aggregate.tables, "write_tables", counted_write_tables)
    return calls


def test_unchanged_rerun_reuses_the_cache_and_a_lexicon_edit_rematches(
    seed_run, tmp_path, corpus_dir, lexicon_dir, aggregated
):
    lex = tmp_path / "lex"
    shutil.copytree(lexicon_dir, lex)
    settings = seed_settings(tmp_path / "out", corpus_dir, lex)
    first = framing_flow(settings)
    cache = AnalysisCache(tmp_path / "out" / "cache" / "analysis.sqlite")
    n_tokens = cache.count("summaries")
    n_hits = cache.count("hits")
    assert n_tokens == 5 and n_hits == 5
    batches = tmp_path / "out" / "cache" / "batches"
    entries = sorted(p.name for p in batches.iterdir())
    assert entries
    second = framing_flow(settings)
    assert len(aggregated) == 1, "the unchanged run's tables come from the aggregate cache"
    assert second["scored"] == first["scored"] and second["quarantined"] == first["quarantined"]
    assert csv_bytes(Path(first["run_dir"])) == csv_bytes(Path(second["run_dir"]))
    lemmas = [Path(r["run_dir"]) / "data" / "lemmas.parquet" for r in (first, second)]
    assert lemmas[0].read_bytes() == lemmas[1].read_bytes()
    assert len(list((tmp_path / "out" / "cache" / "aggregate").iterdir())) == 1
    assert cache.count("summaries") == 5
    assert sorted(p.name for p in batches.iterdir()) == entries, "whole batches reused"
    texts = [Path(r["run_dir"]) / "data" / "texts" for r in (first, second)]
    assert {p.name: p.read_bytes() for p in texts[0].iterdir()} == {
        p.name: p.read_bytes() for p in texts[1].iterdir()
    }
    path = lex / "pro_moscow.yaml"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("  - term: 協力\n    category: test\n    note: an edit that matches every seed\n")
    third = framing_flow(settings)
    assert len(aggregated) == 2, "new lexicons: aggregated again"
    assert cache.count("summaries") == 5, "no re-tokenizing"
    assert cache.count("hits") == 10, "re-matched"
    now = sorted(p.name for p in batches.iterdir())
    assert len(now) == len(entries) and not set(now) & set(entries), "old batches pruned"
    assert (
        csv_bytes(Path(third["run_dir"]))["sources.csv"]
        != csv_bytes(Path(first["run_dir"]))["sources.csv"]
    )


def test_a_changed_setting_aggregates_again(harness, tmp_path, corpus_dir, lexicon_dir, aggregated):
    """Each run differs from the one before (whose tables the cache holds) in one setting:
    ``--no-cache``, one of the bootstrap's and one of the thresholds (the others reach the key
    the same way, through ``Settings.numbers``), then all the way back."""
    base = seed_settings(tmp_path / "out", corpus_dir, lexicon_dir)
    seeded = replace(base, seed=7)
    steps = [
        ("base", base, 1),
        ("no cache", replace(base, cache=False), 1),  # the cache is not read...
        ("base again", base, 0),  # ...nor replaced: the base run finds its tables
        ("seed", seeded, 1),
        ("seed and min_tokens", replace(seeded, min_tokens=5000), 1),
        ("back", base, 1),  # the cache holds the last run's tables only
    ]
    sources = {}
    for name, settings, aggregates in steps:
        before = len(aggregated)
        result = framing_flow(settings)
        assert len(aggregated) - before == aggregates, name
        sources[name] = csv_bytes(Path(result["run_dir"]))["sources.csv"]
    for same in ("no cache", "base again", "back"):
        assert sources[same] == sources["base"], same
    assert sources["seed"] != sources["base"]
    assert sources["seed and min_tokens"] != sources["seed"]
