"""Wall seconds per phase of a run, recorded in ``run.json`` (``phases_s``) so that a user
sees where a run's time goes without a profiler."""

from __future__ import annotations

import time

import psutil


class PhaseClock:
    """Laps of one run: each ``lap(name)`` records the seconds since the previous lap.

    The first lap, ``start``, runs from the process's creation (the interpreter's start,
    imports, Prefect's server and flow start-up) to the flow's first line.
    """

    def __init__(self) -> None:
        self._last = time.perf_counter()
        since_process = time.time() - psutil.Process().create_time()
        self.phases: dict[str, float] = {"start": round(max(since_process, 0.0), 3)}

    def lap(self, name: str) -> float:
        now = time.perf_counter()
        self.phases[name] = round(now - self._last, 3)
        self._last = now
        return self.phases[name]
