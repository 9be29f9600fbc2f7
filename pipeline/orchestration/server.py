"""Start a run's embedded Prefect server first thing, so that it boots while the run imports.

A run with no ``PREFECT_API_URL`` records its flow in an embedded server: a process of its
own that takes seconds to start (imports, then database migrations on a first run). Left to
Prefect, it is started when the first client is made, after Prefect and its server package
have been imported into the run's own process (seconds of CPU that compete with the server's
start). ``LaunchedServer`` starts the same command as Prefect (``uvicorn`` on Prefect's app
factory, the UI off) before anything is imported, and the run points its client at it.

``EmbeddedServer`` leaves the start to Prefect (through ``get_client``): a run on a remote
Dask cluster keeps Prefect's mechanism, since the cluster's workers cannot reach this
machine's loopback address and must not be handed it.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

PORT_IN_USE = 3  # uvicorn's exit status when its port is taken (Prefect starts again too)
NO_SERVER = {"", "0", "false", "no", "off"}


def uses_embedded_server() -> bool:
    """Whether this process's runs go to an embedded server (no ``PREFECT_API_URL`` set)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    return not PREFECT_API_URL.value() and bool(PREFECT_SERVER_EPHEMERAL_ENABLED.value())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_dir() -> str:
    """Prefect's package folder's parent, found without importing Prefect."""
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None
    return os.path.dirname(os.path.dirname(spec.origin))


class LaunchedServer:
    """Prefect's server app in a process of its own, started from the moment this is created.

    One a process (a second ``LaunchedServer()`` is the first one); stopped at exit
    (``atexit``), which the CLI also reaches on SIGTERM (``orchestration.signals``).
    """

    points_every_client = True
    _instance: LaunchedServer | None = None
    process: subprocess.Popen[bytes] | None

    def __new__(cls) -> LaunchedServer:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
            cls._instance._start()
            atexit.register(cls._instance.stop)
        return cls._instance

    def _start(self) -> None:
        self.port = _free_port()
        env = {**os.environ, "PREFECT_UI_ENABLED": "0"}
        env.update(PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
        cmd = [sys.executable, "-m", "uvicorn", "--app-dir", _app_dir(), "--factory"]
        cmd += ["prefect.server.api.server:create_app", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        self.process = subprocess.Popen(cmd, env=env)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait(self) -> str:
        """Block until the server answers; return its API URL."""
        limit = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "20"))
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process is None:
                raise RuntimeError("the embedded Prefect server was stopped")
            status = self.process.poll()
            if status == PORT_IN_USE:
                self._start()
            elif status is not None:
                raise RuntimeError(f"the embedded Prefect server exited with status {status}")
            try:
                with urllib.request.urlopen(self.api_url + "/health", timeout=5) as resp:
                    if resp.status == 200:
                        return self.api_url
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the embedded Prefect server did not answer within {limit:g} s")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and reap it."""
        if LaunchedServer._instance is self:
            LaunchedServer._instance = None
        proc, self.process = self.process, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _start() -> str:
    """Start the process's embedded server (through ``get_client``); return its API URL."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


class EmbeddedServer:
    """Prefect's embedded server, starting in a thread from the moment it is created.

    The server is the one Prefect's own client would start (one per process), so the flow
    finds it running. Prefect stops it when the process exits (``atexit``).
    """

    points_every_client = False

    def __init__(self) -> None:
        self._url: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="prefect-server", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._url = _start()
        except BaseException as exc:  # raised again by wait(), in the caller's thread
            self._error = exc

    def wait(self) -> str:
        """Block until the server answers; return its API URL."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._url is not None
        return self._url

    def stop(self) -> None:
        """For a run that ends before its flow: let the start finish, so that the exit
        stops a server rather than racing its start."""
        self._thread.join()


def _configured_elsewhere() -> bool:
    """Whether the environment alone says that runs go to a server of their own."""
    env = os.environ
    if env.get("PREFECT_API_URL"):
        return True
    flags = ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE")
    return any(env.get(f, "").strip().lower() in NO_SERVER for f in flags if f in env)


def start_embedded_server() -> LaunchedServer | None:
    """Start the embedded server now if runs will need one; None when a server is set.

    Launched before Prefect is imported; Prefect's settings (a profile or a ``prefect.toml``
    may name a server) are read while it starts, and it is stopped if they name one.
    """
    if _configured_elsewhere():
        return None
    if "prefect.settings" in sys.modules and not uses_embedded_server():  # read already
        return None
    server = LaunchedServer()
    if uses_embedded_server():
        return server
    server.stop()
    return None


def start_prefect_server() -> EmbeddedServer | None:
    """Prefect's own embedded server (a run on a remote Dask cluster); None when one is set."""
    return EmbeddedServer() if uses_embedded_server() else None
