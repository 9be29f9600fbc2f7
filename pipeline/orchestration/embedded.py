"""Use the embedded Prefect server of a ``run``: warm up while it starts, and point the
run's local worker processes at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from pipeline.orchestration.server import (
    start_embedded_server,
    start_prefect_server,
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


class Server(Protocol):
    """A starting embedded server: ``wait`` returns its API URL once it answers."""

    def wait(self) -> str: ...


def start_server(settings: Settings) -> Server | None:
    """The embedded server for this run, starting now; None when a server is set.

    A run on a remote Dask cluster leaves it to Prefect (``start_prefect_server``).
    """
    if settings.dask and settings.dask_address:
        return start_prefect_server()
    return start_embedded_server()


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
def embedded_server(settings: Settings, server: Server | None = None) -> Iterator[None]:
    """Warm up while the embedded server starts (``server``, started by the caller, or one
    started here); point the run at it: its client when the run launched the server itself
    (``points_every_client``), its local workers when they share Prefect's.

    The server starts in a process of its own and takes seconds, which the warm-up's
    imports use.
    """
    if server is None:
        server = start_server(settings)
    warm_up()
    if server is None:
        yield
        return
    api_url = server.wait()
    own = getattr(server, "points_every_client", False)
    if not (own or shares_embedded_server(settings)):
        yield
        return
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    updates: dict = {PREFECT_API_URL: api_url}
    if own:  # its UI is off and it stops with the run: no "View at" link to it
        updates[PREFECT_UI_URL] = ""
    with temporary_settings(updates=updates), _api_url_in_environment(api_url if own else None):
        yield


@contextmanager
def _api_url_in_environment(api_url: str | None) -> Iterator[None]:
    """``PREFECT_API_URL`` in the environment and Prefect's process-wide settings as well
    while inside: a thread started without the settings context (Prefect's process-pool
    message forwarding, its events loop) reads the process-wide ones, and would otherwise
    start an embedded server of Prefect's own."""
    if api_url is None:
        yield
        return
    from prefect.context import refresh_global_settings_context

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    refresh_global_settings_context()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        refresh_global_settings_context()
