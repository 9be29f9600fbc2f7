"""Start Prefect's embedded server before a run's imports, so that it boots while they load.

A run with no ``PREFECT_API_URL`` records its flow in an embedded server: a process of its
own that takes seconds to start. Left to Prefect, it is started when the flow begins, after
pandas, the pipeline, scikit-learn and matplotlib have been imported (about 2 s on the five
seeds). This module imports none of them.
"""

from __future__ import annotations

import threading


def uses_embedded_server() -> bool:
    """Whether this process's runs go to an embedded server (no ``PREFECT_API_URL`` set)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    return not PREFECT_API_URL.value() and bool(PREFECT_SERVER_EPHEMERAL_ENABLED.value())


class EmbeddedServer:
    """Prefect's embedded server, starting in a thread from the moment it is created.

    The server is the instance Prefect's own client would start (one per process), so the
    flow finds it running. It stops when the process exits, as Prefect arranges.
    """

    def __init__(self) -> None:
        from prefect.server.api.server import SubprocessASGIServer

        self._server = SubprocessASGIServer()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="prefect-server", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self._server.start()
        except BaseException as exc:  # raised again by wait(), in the caller's thread
            self._error = exc

    def wait(self) -> str:
        """Block until the server answers; return its API URL."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._server.api_url

    def stop(self) -> None:
        """Stop the server once it has started: for a run that ends before its flow."""
        self._thread.join()
        self._server.stop()


def start_embedded_server() -> EmbeddedServer | None:
    """Start the embedded server now if runs will need one; None when a server is set."""
    return EmbeddedServer() if uses_embedded_server() else None
