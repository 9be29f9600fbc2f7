"""The collect as Prefect flows: ``collect-feeds`` (one task per source, in turn, since
they append to the same manifest) and ``collect-and-score``, which a served schedule runs
to collect and then score the corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.deployments.runner import RunnerDeployment

from pipeline.collect.collect import collect
from pipeline.collect.feeds import load_feeds
from pipeline.orchestration.deployment import schedule_of
from pipeline.orchestration.flows import framing_flow, resolve_paths
from pipeline.settings import Settings


@task(name="collect-source", retries=0)
def collect_source_task(feeds: str, corpus: str, source: str) -> dict[str, Any]:
    """Collect one source of the feeds file; return its counts and failures."""
    result = collect(load_feeds(Path(feeds)), Path(corpus), only=(source,))
    return {
        "counts": result.counts,
        "added": result.added,
        "failures": result.failures,
        "failed_sources": result.failed_sources,
    }


@flow(name="collect-feeds", log_prints=True)
def collect_flow(feeds: str, corpus: str) -> dict[str, Any]:
    """Collect every source of ``feeds`` into the corpus folder ``corpus``."""
    logger = get_run_logger()
    config = load_feeds(Path(feeds))
    totals: dict[str, int] = {}
    added: list[str] = []
    failed: list[tuple[str, str]] = []
    for source in config.sources:
        found = collect_source_task(feeds, corpus, source.source)
        for status, n in found["counts"].items():
            totals[status] = totals.get(status, 0) + n
        added += found["added"]
        for url, reason in found["failures"]:
            logger.warning("failed %s: %s", url, reason)
        for name, reason in found.get("failed_sources", []):
            logger.error("source %s failed: %s", name, reason)
            failed.append((name, reason))
    logger.info("collected into %s: %s", corpus, totals)
    return {"counts": totals, "added": added, "failed_sources": failed}


def _has_articles(corpus: Path) -> bool:
    manifest = corpus / "manifest.csv"
    if not manifest.is_file():
        return False
    with manifest.open(encoding="utf-8-sig") as fh:
        return sum(1 for line in fh if line.strip()) > 1


@flow(name="collect-and-score", log_prints=True)
def collect_and_score_flow(feeds: str, settings: Settings) -> dict[str, Any]:
    """Collect new articles, then score the corpus (when it has any articles)."""
    collected = collect_flow(feeds, settings.corpus)
    if not _has_articles(Path(settings.corpus)):
        get_run_logger().warning("%s has no articles yet: nothing to score", settings.corpus)
        return {"collected": collected, "run": None}
    return {"collected": collected, "run": framing_flow(settings)}


def collect_deployment(
    settings: Settings, feeds: str, cron: str, name: str = "daily", timezone: str = "UTC"
) -> RunnerDeployment:
    """Collect-then-score as a deployment on a cron schedule in ``timezone`` (paths made
    absolute: served runs do not run in the caller's working directory)."""
    made = collect_and_score_flow.to_deployment(
        name=name,
        schedule=schedule_of(cron, timezone),
        parameters={
            "feeds": str(Path(feeds).resolve()),
            "settings": resolve_paths(settings).record(),
        },
        description="Collect from the outlets' feeds, then score the corpus, on a schedule.",
    )
    return cast(RunnerDeployment, made)  # a coroutine only when called from async code


def serve_collect(
    settings: Settings, feeds: str, cron: str, name: str = "daily", timezone: str = "UTC"
) -> None:
    """Serve the collect-then-score deployment until interrupted."""
    from prefect import serve as prefect_serve

    prefect_serve(collect_deployment(settings, feeds, cron, name, timezone))
