"""``serve --feeds`` on a real ``prefect server start`` (127.0.0.1): each scheduled run
collects from the fixture site, then scores; the runs land in history.csv and the
dashboard's run timeline. Bounded: everything is stopped within a few minutes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
import yaml
from collect_site import Route, Site, SiteServer, build

ROOT = Path(__file__).resolve().parent.parent
PREFECT = Path(sys.executable).parent / "prefect"
LIMIT_S = 420


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Interrupt a process group this test started; kill it if it does not stop."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _wait(check, deadline: float, what: str, procs: list[subprocess.Popen]) -> None:
    while not check():
        for proc in procs:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace")[-3000:] if proc.stdout else ""
                pytest.fail(f"{proc.args[:4]} exited {proc.returncode} waiting for {what}:\n{out}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {LIMIT_S} s")
        time.sleep(1)


def _runs(out: Path) -> int:
    path = out / "history.csv"
    return pd.read_csv(path)["run_id"].nunique() if path.is_file() else 0


@pytest.mark.slow
def test_scheduled_serve_collects_then_scores(tmp_path, lexicon_dir):
    deadline = time.monotonic() + LIMIT_S
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
    }
    site = Site()
    procs: list[subprocess.Popen] = []
    with SiteServer(site):
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(yaml.safe_dump(build(site), allow_unicode=True), encoding="utf-8")
        # One outlet publishes only after the first scheduled run: the second run has news to
        # score (an identical rerun would add no history rows).
        later = site.routes["/hokkaido/feed.rdf"]
        site.routes["/hokkaido/feed.rdf"] = Route(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
            "text/xml",
        )
        corpus, out = tmp_path / "corpus", tmp_path / "out"
        try:
            server = subprocess.Popen(
                [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            procs.append(server)

            def healthy() -> bool:
                try:
                    return httpx.get(f"{api}/health", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            _wait(healthy, deadline, "healthy Prefect server", procs)
            cmd = [sys.executable, "-m", "pipeline", "serve", "--cron", "* * * * *"]
            cmd += ["--feeds", str(feeds), "--corpus", str(corpus), "--out", str(out)]
            cmd += ["--lexicons", str(lexicon_dir), "--bootstrap", "50", "--permutations", "50"]
            serve = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            procs.append(serve)
            _wait(lambda: _runs(out) >= 1, deadline, "first scheduled run", procs)
            site.routes["/hokkaido/feed.rdf"] = later
            _wait(lambda: _runs(out) >= 2, deadline, "second scheduled run", procs)
        finally:
            for proc in reversed(procs):
                _stop(proc)
    manifest = pd.read_csv(corpus / "manifest.csv")
    assert len(manifest) == 60 and manifest["url"].is_unique
    log = pd.read_csv(corpus / "collected.csv")
    assert (log["status"] == "added").sum() == 60  # 40 in the first run, 20 in the second
    history = pd.read_csv(out / "history.csv")
    assert set(history["source"]) == {"東京日報", "関西新聞", "北海道ポスト"}
    latest = out / "latest"
    assert (latest / "charts" / "timeline_runs.png").is_file()  # the dashboard's run timeline
    assert "Framing across runs" in (latest / "dashboard.html").read_text(encoding="utf-8")
