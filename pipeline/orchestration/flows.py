"""The Prefect layer: wire the plain functions into one flow. Nothing here computes a score.

Tasks work on batches of articles and pass file paths and hashes, never DataFrames or
taggers. Each process compiles the lexicons once and keeps one tagger.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.deployments.runner import RunnerDeployment
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from pipeline import __version__
from pipeline.aggregate.stance_check import write_stance_validation
from pipeline.analyze.lexicons import Lexicon, bundle_hash, load_lexicons
from pipeline.analyze.stance_lexicon import STANCE_DIR, StanceLexicon, load_stance
from pipeline.analyze.tokens import release_dictionary, tagger
from pipeline.analyze.tokens import versions as tokenizer_versions
from pipeline.cache.store import AggregateCache, BatchCache
from pipeline.ingest.batches import (
    Plan,
    auto_batch_size,
    count_articles,
    plan_batches,
    read_batch,
)
from pipeline.ingest.stance_gold import corpus_stance_gold
from pipeline.orchestration.phases import PhaseClock
from pipeline.orchestration.progress import Progress, articles_in
from pipeline.orchestration.server import (
    EmbeddedServer,
    start_embedded_server,
    uses_embedded_server,
)
from pipeline.report.charts.registry import FAMILIES
from pipeline.runfolder import runs
from pipeline.runfolder.excel import add_bom
from pipeline.runfolder.tables import read_table
from pipeline.settings import Settings

# Imported by the tasks that need them (and ahead of time by ``warm_up``): scikit-learn,
# SciPy and matplotlib take seconds to import, which a run can spend while Prefect starts.
HEAVY_MODULES = (
    "pipeline.analyze.article",
    "pipeline.aggregate.tables",
    "pipeline.report.charts.make",
    *(f"pipeline.report.charts.{family}" for family in FAMILIES),
    "pipeline.report.dashboard",
)


@lru_cache(maxsize=4)
def _lexicons(directory: str, sha: str) -> list[Lexicon]:
    """Lexicons compiled once per process; ``sha`` keys the cache on their content."""
    return load_lexicons(Path(directory))


@lru_cache(maxsize=4)
def _stance(directory: str, sha: str) -> StanceLexicon | None:
    """The stance lexicons (``directory/stance``) compiled once per process, or None."""
    return load_stance(Path(directory) / STANCE_DIR)


def lexicons_hash(lexicons: list[Lexicon], stance: StanceLexicon | None) -> str:
    """One hash of the frame lexicons and the stance lexicons: what cached analyses and
    aggregates are keyed on."""
    frames = bundle_hash(lexicons)
    if stance is None:
        return frames
    return hashlib.sha256(f"{frames}\0stance\0{stance.sha256}".encode()).hexdigest()


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
    from pipeline.analyze.article import analyze_batch, write_batch
    from pipeline.analyze.cache import AnalysisCache

    batch = Path(batch_file)
    items = read_batch(batch)
    if not cache_path:
        tables = analyze_batch(
            items,
            _lexicons(lexicon_dir, lexicons_sha),
            Path(texts_dir),
            max_bytes,
            stance=_stance(lexicon_dir, lexicons_sha),
        )
        return str(write_batch(tables, batch.with_suffix("")))
    batches = BatchCache(batch_cache_dir(cache_path))
    key = batches.key(items, lexicons_sha, max_bytes)
    if entry := batches.get(key):
        batches.restore_texts(entry, Path(texts_dir))
        return str(entry)
    cache, texts = AnalysisCache(Path(cache_path)), cast(dict[str, str], {})
    try:
        tables = analyze_batch(
            items,
            _lexicons(lexicon_dir, lexicons_sha),
            Path(texts_dir),
            max_bytes,
            cache,
            lexicons_sha,
            texts,
            _stance(lexicon_dir, lexicons_sha),
        )
    finally:
        cache.close()
    return str(batches.put(key, tables, texts))


def batch_cache_dir(cache_path: str) -> Path:
    """Where whole batches are cached: beside the per-article cache."""
    return Path(cache_path).parent / "batches"


# What the aggregation's numbers depend on besides its batches and lexicons.


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
    from pipeline.analyze.actors import actors_path, load_actors

    lexicons = _lexicons(lexicon_dir, lexicons_sha)
    actors = load_actors(actors_path(Path(lexicon_dir)))
    stance = _stance(lexicon_dir, lexicons_sha)
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
def charts_task(run_dir: str) -> list[str]:
    from pipeline.report.charts.make import make_charts

    return [str(p) for p in make_charts(Path(run_dir))]


@task(name="dashboard")
def dashboard_task(run_dir: str) -> str:
    from pipeline.report.dashboard import render_dashboard

    return str(render_dashboard(Path(run_dir)))


def tool_versions() -> dict[str, str]:
    tv = tokenizer_versions()
    return {
        "python": platform.python_version(),
        "pipeline": __version__,
        "prefect": version("prefect"),
        "fugashi": tv["fugashi"],
        "unidic_lite": tv["unidic_lite"],
        "pandas": version("pandas"),
        "scikit_learn": version("scikit-learn"),
    }


def _run_info(
    run_id: str,
    started: datetime,
    settings: Settings,
    lexicons: list[Lexicon],
    plan: Any,
    summary: dict[str, Any],
) -> dict[str, Any]:
    """run.json: what the run read (corpus, lexicons), with which tools and settings, and
    what came of it (quarantined articles, warnings, the validation summary)."""
    quarantined = [asdict(q) for q in plan.quarantined] + summary["quarantined"]
    return {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": None,
        "duration_s": None,
        "corpus": {
            "path": str(Path(settings.corpus).resolve()),
            "sha256": plan.sha256,
            "articles": plan.articles + len(plan.quarantined),
            "scored": summary["scored"],
            "quarantined": len(quarantined),
        },
        "lexicons": _lexicon_records(lexicons),
        "lexicons_sha256": bundle_hash(lexicons),
        "tools": tool_versions(),
        "settings": settings.record(),
        "batches": {},
        "quarantined": quarantined,
        "warnings": plan.warnings + summary["warnings"],
        "validation": summary["validation"],
    }


def resolve_paths(settings: Settings) -> Settings:
    """The settings with absolute corpus, lexicon and output paths: Dask workers and served
    runs do not run in the caller's working directory."""
    return replace(
        settings,
        corpus=str(Path(settings.corpus).resolve()),
        lexicons=str(Path(settings.lexicons).resolve()),
        out=str(Path(settings.out).resolve()),
    )


def wait_for_batches(futures: list[Any], sizes: list[int], progress: Progress) -> list[str]:
    """The batches' result folders in submission order, counting each as it completes."""
    from prefect.futures import as_completed

    position = {f.task_run_id: i for i, f in enumerate(futures)}
    results: list[str] = [""] * len(futures)
    for future in as_completed(futures):
        i = position[future.task_run_id]
        results[i] = future.result()
        progress.advance(sizes[i])
    return results


def _analyze(
    settings: Settings, stage: Path, lex_sha: str, cache_path: str | None, logger: Any
) -> tuple[Plan, list[str], int]:
    """Plan the corpus into batches, analyzing each as soon as it is written; return the
    plan, the batches' result folders (in plan order) and the batch size."""
    corpus = Path(settings.corpus)
    expected = count_articles(corpus)
    batch_size = settings.batch_size or auto_batch_size(expected, settings.workers)
    texts = str(stage / "data" / "texts")
    futures: list[Any] = []
    sizes: list[int] = []

    def submit(batch_file: str) -> None:
        sizes.append(articles_in(batch_file))
        futures.append(
            analyze_batch_task.submit(
                batch_file, settings.lexicons, lex_sha, texts, cache_path, settings.max_bytes
            )
        )

    progress = Progress(expected, logger)
    try:
        plan = plan_batches(corpus, stage / "_work", batch_size, on_batch=submit)
        progress.set_total(plan.articles)
        return plan, wait_for_batches(futures, sizes, progress), batch_size
    finally:
        progress.close()


@flow(name="framing-comparison", log_prints=True)
def framing_flow(settings: Settings) -> dict[str, Any]:
    """Score a corpus against every lexicon and publish a run folder with its dashboard."""
    # Named in the body, so that a copy of this function pickled by value (``serve`` runs
    # the flow object in a subprocess) carries the class its parameter is validated into.
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be Settings, not {type(settings).__name__}")
    logger = get_run_logger()
    settings = resolve_paths(settings)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    clock = PhaseClock()
    out = Path(settings.out)
    lexicons = load_lexicons(Path(settings.lexicons))
    stance = load_stance(Path(settings.lexicons) / STANCE_DIR)
    lex_sha = lexicons_hash(lexicons, stance)
    gold = corpus_stance_gold(Path(settings.corpus), stance.target_ids) if stance else None
    clock.lap("lexicons")
    with runs.locked(out):
        for stale in runs.remove_partials(out):
            logger.warning("removed %s left by an interrupted run", stale)
        run_id = runs.new_run_id(started)
        stage = runs.staging_dir(out, run_id)
        work = stage / "_work"
        cache_path = str(out / "cache" / "analysis.sqlite") if settings.cache else None
        plan, batch_dirs, batch_size = _analyze(settings, stage, lex_sha, cache_path, logger)
        clock.lap("analysis")
        for w in plan.warnings:
            logger.warning(w)
        release_dictionary()  # the rest of the run does not tokenize: ~115 MB at 100k
        if cache_path:  # keep the batches this run used: the cache stays one run's size
            BatchCache(batch_cache_dir(cache_path)).prune(Path(d).name for d in batch_dirs)
        summary = aggregate_task(
            str(stage), batch_dirs, settings.lexicons, lex_sha, settings, plan.source_counts
        )
        clock.lap("aggregation")
        run_info = _run_info(run_id, started, settings, lexicons, plan, summary)
        run_info["lexicons_sha256"] = lex_sha
        run_info["stance_lexicons"] = _stance_records(settings, stance)
        run_info["stance_validation"] = write_stance_validation(stage, gold)
        run_info["batches"] = {
            "size": batch_size,
            "count": len(plan.batch_files),
            "task_runner": _task_runner_name(),
        }
        (stage / "run.json").write_text(json.dumps(run_info, ensure_ascii=False, indent=2))
        charts_task(str(stage))
        clock.lap("charts")
        shutil.rmtree(work, ignore_errors=True)
        finished = datetime.now(UTC)
        run_info["finished"] = finished.isoformat(timespec="seconds")
        run_info["duration_s"] = round(time.perf_counter() - t0, 2)
        (stage / "run.json").write_text(json.dumps(run_info, ensure_ascii=False, indent=2))
        dashboard_task(str(stage))
        clock.lap("dashboard")
        run_info["phases_s"] = clock.phases  # after the dashboard, which shows the run's times
        (stage / "run.json").write_text(json.dumps(run_info, ensure_ascii=False, indent=2))
        if settings.excel_csv:
            add_bom(stage / "data")
        final = runs.publish(out, stage, run_id)
        _record_history(out, run_info, final)
        pruned = runs.prune(out, settings.keep)
    _artifacts(summary["sources"], final)
    result = {
        "run_id": run_id,
        "run_dir": str(final),
        "dashboard": str(final / "dashboard.html"),
        "scored": summary["scored"],
        "quarantined": run_info["quarantined"],
        "pruned": [str(p) for p in pruned],
        "tasks": len(plan.batch_files) + 3,
    }
    return _strict(result) if settings.strict and run_info["quarantined"] else result


def _strict(result: dict[str, Any]) -> Any:
    """A Failed state carrying the published run's result: ``--strict`` with quarantines."""
    from prefect.states import Failed

    n = len(result["quarantined"])
    return Failed(message=f"--strict: {n} article(s) quarantined", data=result)


def _lexicon_records(lexicons: list[Lexicon]) -> list[dict[str, Any]]:
    return [
        {
            "frame": lx.frame,
            "label": lx.label,
            "file": str(lx.path),
            "entries": len(lx.entries),
            "sha256": lx.sha256,
        }
        for lx in lexicons
    ]


def _record_history(out: Path, run_info: dict[str, Any], final: Path) -> None:
    """Append the published run's per-source scores to ``history.csv``, keyed by what
    produced them."""
    key = runs.HistoryKey(
        run_info["run_id"],
        run_info["finished"],
        run_info["lexicons_sha256"],
        run_info["corpus"]["sha256"],
        run_info["corpus"]["path"],
        runs.settings_hash(run_info["settings"]),
    )
    runs.append_history(out, key, read_table(final, "sources"))


def _stance_records(settings: Settings, stance: StanceLexicon | None) -> list[dict[str, str]]:
    """run.json: the stance files read (none when the lexicon folder has no ``stance/``)."""
    if stance is None:
        return []
    return [
        {"file": str(Path(settings.lexicons) / STANCE_DIR / name), "sha256": sha}
        for name, sha in sorted(stance.files.items())
    ]


def _task_runner_name() -> str:
    """The class of the task runner this flow run uses (threads, processes or Dask)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return type(context.task_runner).__name__ if context else ""


def _artifacts(sources: list[dict[str, Any]], run_dir: Path) -> None:
    create_table_artifact(
        key="framing-sources",
        table=sources,
        description="Per source and frame: matches per 1,000 content tokens with 95% intervals.",
    )
    dashboard = (run_dir / "dashboard.html").resolve()
    create_markdown_artifact(
        key="framing-dashboard",
        markdown=f"# Framing dashboard\n\n[{dashboard}]({dashboard.as_uri()})\n",
        description="The run's self-contained HTML dashboard.",
    )


def task_runner(settings: Settings) -> TaskRunner:
    """Where batches run: one thread (one tagger), N processes, or a Dask cluster."""
    if settings.dask_address or settings.dask:
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": max(1, settings.workers),
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            },
        )
    if settings.workers <= 1:
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=settings.workers)


def served_flow(settings: Settings) -> Any:
    """The flow with the task runner these settings ask for (threads, processes, Dask)."""
    runner: Any = task_runner(settings)  # Prefect types runners by their future type
    return framing_flow.with_options(task_runner=runner)


def schedule_of(cron: str, timezone: str = "UTC") -> Any:
    from prefect.schedules import Cron

    return Cron(cron, timezone=timezone)


DESCRIPTION = "Stance, framing and sourcing comparison of the corpus, on a schedule."


def deployment(
    settings: Settings, cron: str, name: str = "daily", timezone: str = "UTC"
) -> RunnerDeployment:
    """The flow as a deployment on a cron schedule in ``timezone``, with these settings
    (paths made absolute) as its parameters."""
    settings = resolve_paths(settings)
    made = served_flow(settings).to_deployment(
        name=name,
        schedule=schedule_of(cron, timezone),
        parameters={"settings": settings.record()},
        description=DESCRIPTION,
    )
    return cast(RunnerDeployment, made)  # a coroutine only when called from async code


def warm_up() -> None:
    """Import the heavy modules and create the tagger, so that a run can do it while
    Prefect's embedded server starts (a run on a few articles is otherwise mostly imports).
    A failure here is left for the task that imports the module to report."""
    import importlib

    try:
        for name in HEAVY_MODULES:
            importlib.import_module(name)
        tagger()
    except Exception:  # reported by the task that needs the module
        return


def shares_embedded_server(settings: Settings) -> bool:
    """Whether the run's local worker processes should use this process's embedded server.

    A process that finds no ``PREFECT_API_URL`` starts an embedded server of its own (about
    220 MB and seconds of start-up per worker), and the task runs it records die with it. A
    remote Dask cluster cannot reach this machine's loopback address: it needs a persistent
    server (README).
    """
    local_workers = settings.workers > 1 or (settings.dask and not settings.dask_address)
    return bool(local_workers) and uses_embedded_server()


@contextmanager
def embedded_server(settings: Settings, server: EmbeddedServer | None = None) -> Iterator[None]:
    """Warm up while the embedded server starts (``server``, started by the caller, or one
    started here); point the run's local workers at it.

    The server starts in a process of its own and takes seconds; the warm-up's imports
    would otherwise hold the interpreter before the flow asks for it.
    """
    if server is None:
        server = start_embedded_server()
    warm_up()
    if server is None:
        yield
        return
    api_url = server.wait()
    if not shares_embedded_server(settings):
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def run(settings: Settings, server: EmbeddedServer | None = None) -> dict[str, Any]:
    """Run the flow and wait until the server has recorded its task runs, then return.

    ``server``: the embedded server, if the caller started it already (the CLI does, first).
    A ``strict`` run that quarantined articles ends Failed but still returns its result.
    """
    with embedded_server(settings, server):
        runner: Any = task_runner(settings)  # Prefect types runners by their future type
        state = framing_flow.with_options(task_runner=runner)(settings, return_state=True)
        result = state.result(raise_on_failure=False)
        if isinstance(result, BaseException):
            raise result
        settle(state.state_details.flow_run_id, expected=result["tasks"])
    return result


def settle(flow_run_id: Any, expected: int, timeout: float = 15.0) -> None:
    """Wait until the API has recorded ``expected`` task runs of the flow in a final state.

    A process that exits right after its flow otherwise stops the embedded server while it is
    still writing task runs, which prints errors and loses the records.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    deadline = time.monotonic() + timeout
    page = 200
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            done, offset = 0, 0
            while True:
                batch = client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                    sort=TaskRunSort.ID_DESC,
                    limit=page,
                    offset=offset,
                )
                done += sum(1 for t in batch if t.state and t.state.is_final())
                if len(batch) < page:
                    break
                offset += page
            if done >= expected:
                return
            time.sleep(0.1)
