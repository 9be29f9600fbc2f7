"""Start Prefect's embedded server before a run's imports, so that it boots while they load.

A run with no ``PREFECT_API_URL`` records its flow in an embedded server: a process of its
own that takes seconds to start. Left to Prefect, it is started when the flow begins, after
pandas, the pipeline, scikit-learn and matplotlib have been imported (about 2 s on the five
seeds). This module imports none of them, and uses Prefect's public API only: the first
``get_client()`` of a process starts the embedded server, and Prefect stops it at exit.
"""

from __future__ import annotations

import threading


def uses_embedded_server() -> bool:
    """Whether this process's runs go to an embedded server (no ``PREFECT_API_URL`` set)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    return not PREFECT_API_URL.value() and bool(PREFECT_SERVER_EPHEMERAL_ENABLED.value())


def _start() -> str:
    """Start the process's embedded server (through ``get_client``); return its API URL."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


class EmbeddedServer:
    """Prefect's embedded server, starting in a thread from the moment it is created.

    The server is the one Prefect's own client would start (one per process), so the flow
    finds it running. Prefect stops it when the process exits (``atexit``), which the CLI
    also reaches on SIGTERM (``orchestration.signals``).
    """

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


def start_embedded_server() -> EmbeddedServer | None:
    """Start the embedded server now if runs will need one; None when a server is set."""
    return EmbeddedServer() if uses_embedded_server() else None
