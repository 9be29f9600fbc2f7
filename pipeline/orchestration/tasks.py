"""The flow's tasks: analyze a batch, aggregate the batches, draw the charts, render the
dashboard. Tasks get file paths and hashes, never DataFrames, lexicons or taggers: each
process loads the lexicon set once (``lexicon_set``) and keeps one tagger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from prefect import task

from pipeline.analyze.lexicon_set import lexicon_set
from pipeline.cache.store import AggregateCache, BatchCache
from pipeline.ingest.batches import read_batch
from pipeline.settings import Settings


@task(name="analyze-batch", retries=0)
def analyze_batch_task(
    batch_file: str,
    lexicon_dir: str,
    lexicons_sha: str,
    texts_dir: str,
    cache_path: str | None,
    max_bytes: int,
) -> str:
    """Clean, tokenize and match one batch; return the folder of its Parquet tables.

    With a cache, an unchanged batch's tables are read back whole (``BatchCache``), and a
    changed one is analyzed from the per-article cache (``AnalysisCache``).
    """
    from pipeline.analyze.article import Caching, analyze_batch, write_batch
    from pipeline.analyze.cache import AnalysisCache

    batch = Path(batch_file)
    items = read_batch(batch)
    lexset = lexicon_set(lexicon_dir, lexicons_sha)
    if not cache_path:
        tables = analyze_batch(
            items, lexset.frames, Path(texts_dir), max_bytes, stance=lexset.stance
        )
        return str(write_batch(tables, batch.with_suffix("")))
    batches = BatchCache(batch_cache_dir(cache_path))
    key = batches.key(items, lexset.analysis_sha256, max_bytes)
    if entry := batches.get(key):
        batches.restore_texts(entry, Path(texts_dir))
        return str(entry)
    cache, texts = AnalysisCache(Path(cache_path)), cast(dict[str, str], {})
    try:
        caching = Caching(cache, lexset.analysis_sha256, texts)
        tables = analyze_batch(
            items, lexset.frames, Path(texts_dir), max_bytes, caching, lexset.stance
        )
    finally:
        cache.close()
    return str(batches.put(key, tables, texts))


def batch_cache_dir(cache_path: str) -> Path:
    """Where whole batches are cached: beside the per-article cache."""
    return Path(cache_path).parent / "batches"


@task(name="aggregate")
def aggregate_task(
    run_dir: str,
    batch_dirs: list[str],
    lexicon_dir: str,
    lexicons_sha: str,
    settings: Settings,
    source_counts: dict[str, int],
) -> dict[str, Any]:
    """Write data/*.csv; return what run.json and the artifacts need.

    With the cache, batches are cache entries named by their keys, and a run whose batches,
    settings and lexicons are those of the previous one gets its tables back from
    ``AggregateCache`` instead.
    """
    from pipeline.aggregate.params import fold_params
    from pipeline.aggregate.tables import write_tables

    lexset = lexicon_set(lexicon_dir, lexicons_sha)
    lexicons, actors, stance = lexset.frames, lexset.actors, lexset.stance
    data_dir = Path(run_dir) / "data"
    aggregates = AggregateCache(Path(settings.out) / "cache" / "aggregate")
    key = aggregates.key(
        [Path(d).name for d in batch_dirs],
        [f"{lx.path}:{lx.sha256}" for lx in lexicons]
        + [f"{actors.path}:{actors.sha256}"]
        + ([f"stance/{n}:{sha}" for n, sha in sorted(stance.files.items())] if stance else []),
        settings.numbers(),
        source_counts,
    )
    if settings.cache and (cached := aggregates.get(key)) is not None:
        aggregates.restore(key, data_dir)
        return cached
    params = fold_params(settings, data_dir, lexicons, actors, stance, source_counts)
    summary = write_tables(params, [Path(d) for d in batch_dirs])
    result = {
        "scored": summary["scored"],
        "quarantined": summary["quarantined"],
        "sources": summary["sources"].round(2).to_dict("records"),
        "warnings": summary["warnings"],
        "validation": summary["validation"],
    }
    if settings.cache:
        aggregates.put(key, data_dir, result)
        aggregates.prune(key)
    return result


@task(name="charts")
def charts_task(run_dir: str, run: dict[str, Any]) -> list[str]:
    """Draw the charts of the run folder; ``run``: its record so far (run.json is written
    when the run is complete)."""
    from pipeline.report.charts.make import make_charts

    return [str(p) for p in make_charts(Path(run_dir), run)]


@task(name="dashboard")
def dashboard_task(run_dir: str, run: dict[str, Any]) -> str:
    """Render the run folder's dashboard; ``run``: its record so far."""
    from pipeline.report.dashboard import render_dashboard

    return str(render_dashboard(Path(run_dir), run))
