"""A real ``prefect server start`` from the project's own environment, for tests.

On 127.0.0.1, a free port and a temporary ``PREFECT_HOME`` (its own SQLite database); the
scheduler loops every few seconds so that a one-minute schedule gets its runs in time.
Stopped with its whole process group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client_env(home: Path, api_url: str | None) -> dict[str, str]:
    """The environment of a process that talks to the server (or none, ``api_url=None``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
        PREFECT_RUNNER_POLL_FREQUENCY="5",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="200",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def stop_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group ``proc`` leads, then SIGKILL what is left."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def flow_runs_in_state(api_url: str, state: str) -> set[str]:
    """The ids of the flow runs the server holds in ``state`` (e.g. ``COMPLETED``); none if
    the server does not answer."""
    body = json.dumps({"flow_runs": {"state": {"type": {"any_": [state]}}}, "limit": 50})
    req = urllib.request.Request(
        f"{api_url}/flow_runs/filter",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return {run["id"] for run in json.load(resp)}
    except OSError:
        return set()


@contextmanager
def prefect_server(home: Path, timeout: float = 120) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield the server's API URL and the environment for its clients."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(home.parent / "prefect-server.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=client_env(home, None),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not healthy(api_url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                text = (home.parent / "prefect-server.log").read_text(errors="replace")
                raise RuntimeError(f"prefect server did not start:\n{text[-3000:]}")
            time.sleep(0.5)
        yield api_url, client_env(home, api_url)
    finally:
        stop_group(proc)
        log.close()
