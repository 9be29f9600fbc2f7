"""The embedded server started ahead of a run: launched by the run itself (``LaunchedServer``)
or through Prefect's public client (``EmbeddedServer``, the remote Dask case). A real one, in
a process of its own, one a process, gone when that process exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psutil
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from pipeline.orchestration.server import start_embedded_server, uses_embedded_server

SCRIPT = """
import json, os, urllib.request
from pipeline.orchestration.server import {cls} as Server
server = Server()
url = server.wait()
with urllib.request.urlopen(url + "/health", timeout=10) as resp:
    status = resp.status
same = Server().wait() == url
import psutil
children = [p.pid for p in psutil.Process().children(recursive=True)]
print(json.dumps({{"url": url, "status": status, "same": same, "children": children}}))
"""


@pytest.mark.parametrize("cls", ["LaunchedServer", "EmbeddedServer"])
def test_the_server_starts_answers_and_is_gone_when_the_process_exits(cls):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    script = SCRIPT.format(cls=cls)
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["url"].startswith("http://127.0.0.1:") and out["url"].endswith("/api")
    assert out["status"] == 200 and out["same"], "one embedded server a process"
    assert out["children"], "the server runs in a process of its own"
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(p) for p in out["children"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in out["children"] if psutil.pid_exists(p)], "stopped at exit"


def test_no_server_is_started_when_one_is_configured(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://team:4200/api")
    before = psutil.Process().children(recursive=True)
    assert start_embedded_server() is None
    assert psutil.Process().children(recursive=True) == before, "none launched"
    monkeypatch.delenv("PREFECT_API_URL")
    with temporary_settings(updates={PREFECT_API_URL: "http://team:4200/api"}):
        assert not uses_embedded_server()
        assert start_embedded_server() is None
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert uses_embedded_server()
