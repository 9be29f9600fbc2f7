"""Serve the flow as a Prefect deployment on a cron schedule, until stopped.

The schedule lives as long as ``serve`` does: on SIGINT or SIGTERM Prefect pauses the
deployment (no runs pile up on a persistent server while nothing serves them) and the
command exits 0.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pipeline.orchestration.deployment import DESCRIPTION, schedule_of, served_flow
from pipeline.orchestration.flows import resolve_paths
from pipeline.settings import Settings


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (``Asia/Tokyo``, ``UTC``)."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones() or name == "UTC"


def local_timezone() -> str:
    """The machine's IANA time zone: ``TZ``, else the target of ``/etc/localtime``, else
    ``/etc/timezone``; ``UTC`` when none of them names one."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    return next((c for c in candidates if valid_timezone(c)), "UTC")


def serve(settings: Settings, cron: str, name: str = "daily", timezone: str = "UTC") -> None:
    """Serve the scheduled deployment until SIGINT or SIGTERM (Prefect's ``Flow.serve``).

    ``Flow.serve`` keeps the flow object itself, so scheduled runs get its task runner
    (``--workers``, ``--dask``); a deployment served by ``prefect.serve`` would be loaded
    again from its entry point, with the default one. One run at a time (``limit=1``): a run
    that comes due while the previous one still writes the run folder waits for it instead
    of failing on the folder's lock.
    """
    settings = resolve_paths(settings)
    served_flow(settings).serve(
        name=name,
        schedule=schedule_of(cron, timezone),
        parameters={"settings": settings.record()},
        description=DESCRIPTION,
        pause_on_shutdown=True,
        limit=1,
    )
