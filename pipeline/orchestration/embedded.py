"""Use the embedded Prefect server of a ``run``: warm up while it starts, and point the
run's local worker processes at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.orchestration.server import (
    EmbeddedServer,
    start_embedded_server,
    uses_embedded_server,
)
from pipeline.report.charts.registry import FAMILIES
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


def warm_up() -> None:
    """Import the heavy modules and create the tagger, so that a run can do it while
    Prefect's embedded server starts (a run on a few articles is otherwise mostly imports).
    A failure here is left for the task that imports the module to report."""
    import importlib

    from pipeline.analyze.tokens import tagger

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
