"""The embedded server started ahead of a run: its start in a thread, errors, stop."""

from __future__ import annotations

import threading

import pytest
from prefect.server.api import server as api_server
from prefect.settings import PREFECT_API_URL, temporary_settings

from pipeline.orchestration.server import (
    EmbeddedServer,
    start_embedded_server,
    uses_embedded_server,
)


class FakeASGIServer:
    """Stands in for Prefect's SubprocessASGIServer: records calls, can fail or block."""

    api_url = "http://127.0.0.1:9/api"

    def __init__(self, fail: Exception | None = None, gate: threading.Event | None = None):
        self.fail, self.gate = fail, gate
        self.calls: list[str] = []

    def start(self) -> None:
        if self.gate is not None:
            self.gate.wait(10)
        self.calls.append("start")
        if self.fail is not None:
            raise self.fail

    def stop(self) -> None:
        self.calls.append("stop")


def _patch(monkeypatch, fake: FakeASGIServer) -> None:
    monkeypatch.setattr(api_server, "SubprocessASGIServer", lambda: fake)


def test_the_server_starts_in_the_background_and_wait_returns_its_url(monkeypatch):
    gate = threading.Event()
    fake = FakeASGIServer(gate=gate)
    _patch(monkeypatch, fake)
    server = EmbeddedServer()
    assert fake.calls == [], "the caller goes on while the server starts"
    gate.set()
    assert server.wait() == FakeASGIServer.api_url
    assert fake.calls == ["start"]


def test_a_failed_start_is_raised_by_wait(monkeypatch):
    _patch(monkeypatch, FakeASGIServer(fail=RuntimeError("port in use")))
    with pytest.raises(RuntimeError, match="port in use"):
        EmbeddedServer().wait()


def test_stop_waits_for_the_start_then_stops(monkeypatch):
    gate = threading.Event()
    fake = FakeASGIServer(gate=gate)
    _patch(monkeypatch, fake)
    server = EmbeddedServer()
    threading.Timer(0.05, gate.set).start()
    server.stop()
    assert fake.calls == ["start", "stop"]


def test_no_server_is_started_when_one_is_configured(monkeypatch):
    fake = FakeASGIServer()
    _patch(monkeypatch, fake)
    with temporary_settings(updates={PREFECT_API_URL: "http://team:4200/api"}):
        assert not uses_embedded_server()
        assert start_embedded_server() is None
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert uses_embedded_server()
        started = start_embedded_server()
        assert started is not None and started.wait() == FakeASGIServer.api_url
    assert fake.calls == ["start"]
