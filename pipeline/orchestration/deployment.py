"""Make the flow a Prefect deployment on a cron schedule (``serve``)."""

from __future__ import annotations

from typing import Any, cast

from prefect.deployments.runner import RunnerDeployment

from pipeline.orchestration.flows import framing_flow, resolve_paths
from pipeline.orchestration.runners import task_runner
from pipeline.settings import Settings

DESCRIPTION = "Stance, framing and sourcing comparison of the corpus, on a schedule."


def served_flow(settings: Settings) -> Any:
    """The flow with the task runner these settings ask for (threads, processes, Dask)."""
    runner: Any = task_runner(settings)  # Prefect types runners by their future type
    return framing_flow.with_options(task_runner=runner)


def schedule_of(cron: str, timezone: str = "UTC") -> Any:
    from prefect.schedules import Cron

    return Cron(cron, timezone=timezone)


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
