"""Choose where a run's batches run: one thread (one tagger), N processes, or a Dask cluster."""

from __future__ import annotations

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from pipeline.settings import Settings


def task_runner(settings: Settings) -> TaskRunner:
    """The task runner these settings ask for."""
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


def task_runner_name() -> str:
    """The class of the task runner this flow run uses (threads, processes or Dask)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return type(context.task_runner).__name__ if context else ""
