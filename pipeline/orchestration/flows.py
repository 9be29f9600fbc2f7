"""The Prefect layer: wire the plain functions into one flow. Nothing here computes a score.

Tasks (``tasks``) work on batches of articles and get file paths and hashes, never
DataFrames, lexicons or taggers. The run's record (``run.json``) is built up in memory and
written once, when the run folder is complete.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from pipeline.analyze.lexicon_set import lexicon_set
from pipeline.cache.store import BatchCache
from pipeline.ingest.batches import Plan, auto_batch_size, count_articles, plan_batches
from pipeline.orchestration.artifacts import publish_artifacts
from pipeline.orchestration.embedded import Server, embedded_server
from pipeline.orchestration.history import record_history
from pipeline.orchestration.phases import PhaseClock
from pipeline.orchestration.progress import Progress, articles_in
from pipeline.orchestration.run_record import RunInputs, build_record
from pipeline.orchestration.runners import task_runner, task_runner_name
from pipeline.orchestration.tasks import (
    aggregate_task,
    analyze_batch_task,
    batch_cache_dir,
    charts_task,
    dashboard_task,
)
from pipeline.runfolder import runs
from pipeline.runfolder.excel import add_bom
from pipeline.runfolder.record import BatchRecord, write_record
from pipeline.settings import Settings

__all__ = ["Settings", "framing_flow", "resolve_paths", "run", "settle"]


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
    from pipeline.aggregate.stance_check import write_stance_validation
    from pipeline.analyze.tokens import release_dictionary
    from pipeline.ingest.stance_gold import corpus_stance_gold

    logger = get_run_logger()
    settings = resolve_paths(settings)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    clock = PhaseClock()
    out = Path(settings.out)
    lexset = lexicon_set(settings.lexicons)
    stance = lexset.stance
    gold = corpus_stance_gold(Path(settings.corpus), stance.target_ids) if stance else None
    clock.lap("lexicons")
    with runs.locked(out):
        for stale in runs.remove_partials(out):
            logger.warning("removed %s left by an interrupted run", stale)
        run_id = runs.new_run_id(started)
        stage = runs.staging_dir(out, run_id)
        cache_path = str(out / "cache" / "analysis.sqlite") if settings.cache else None
        plan, batch_dirs, batch_size = _analyze(settings, stage, lexset.sha256, cache_path, logger)
        clock.lap("analysis")
        for w in plan.warnings:
            logger.warning(w)
        release_dictionary()  # the rest of the run does not tokenize: ~115 MB at 100k
        if cache_path:  # keep the batches this run used: the cache stays one run's size
            BatchCache(batch_cache_dir(cache_path)).prune(Path(d).name for d in batch_dirs)
        summary = aggregate_task(
            str(stage), batch_dirs, settings.lexicons, lexset.sha256, settings, plan.source_counts
        )
        clock.lap("aggregation")
        batches = BatchRecord(batch_size, len(plan.batch_files), task_runner_name())
        inputs = RunInputs(settings, lexset, plan)
        record = build_record(run_id, started, inputs, summary, batches)
        record.stance_validation = write_stance_validation(stage, gold)
        charts_task(str(stage), record.as_dict())
        clock.lap("charts")
        shutil.rmtree(stage / "_work", ignore_errors=True)
        record.finished = datetime.now(UTC).isoformat(timespec="seconds")
        record.duration_s = round(time.perf_counter() - t0, 2)
        dashboard_task(str(stage), record.as_dict())
        clock.lap("dashboard")
        record.phases_s = clock.phases  # after the dashboard, which shows the run's times
        write_record(stage, record)
        if settings.excel_csv:
            add_bom(stage / "data")
        final = runs.publish(out, stage, run_id)
        record_history(out, record, final)
        pruned = runs.prune(out, settings.keep)
    publish_artifacts(summary["sources"], final)
    result = {
        "run_id": run_id,
        "run_dir": str(final),
        "dashboard": str(final / "dashboard.html"),
        "scored": summary["scored"],
        "quarantined": record.quarantined,
        "pruned": [str(p) for p in pruned],
        "tasks": len(plan.batch_files) + 3,
    }
    return _strict(result) if settings.strict and record.quarantined else result


def _strict(result: dict[str, Any]) -> Any:
    """A Failed state carrying the published run's result: ``--strict`` with quarantines."""
    from prefect.states import Failed

    n = len(result["quarantined"])
    return Failed(message=f"--strict: {n} article(s) quarantined", data=result)


def run(settings: Settings, server: Server | None = None) -> dict[str, Any]:
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
