"""``serve`` against a real ``prefect server start``: a one-minute schedule fires, the run
is published, the Prefect CLI lists it, and SIGTERM stops serving cleanly (schedule paused).

One server and one served deployment for the module: the schedule's first run takes up to
a minute to come due, which is the bulk of the module's time.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect_server import BIN, flow_runs_in_state, prefect_server, stop_group

pytestmark = pytest.mark.slow
DEPLOYMENT = "every-minute"


@pytest.fixture(scope="module")
def served(tmp_path_factory, corpus_dir, lexicon_dir):
    """The server, and ``serve`` of the seed corpus with relative paths, until its first
    scheduled run is published; then SIGTERM to ``serve`` (its exit is checked below)."""
    base = tmp_path_factory.mktemp("served")
    shutil.copytree(corpus_dir, base / "corpus")
    shutil.copytree(lexicon_dir, base / "lexicons")
    with prefect_server(base / "prefect-home") as (api_url, env):
        args = [sys.executable, "-m", "pipeline", "serve", "--cron", "* * * * *"]
        args += ["--name", DEPLOYMENT, "--timezone", "Asia/Tokyo", "--workers", "2"]
        args += ["--corpus", "corpus", "--lexicons", "lexicons", "--out", "out"]
        args += ["--bootstrap", "50", "--permutations", "50", "--excel-csv"]
        env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        log = open(base / "serve.log", "w+b")  # noqa: SIM115 (closed below)
        proc = subprocess.Popen(
            args, cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 170
            while not _published(base, api_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(_tail(base / "serve.log"))
                time.sleep(0.5)
            # Listed while serving: on SIGTERM the runner cancels the runs whose processes
            # are still exiting, a completed one included.
            completed = _prefect_cli(env, "flow-run", "ls", "--state", "COMPLETED")
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(60)
            except subprocess.TimeoutExpired:
                code = None
            yield {
                "base": base,
                "api_url": api_url,
                "env": env,
                "code": code,
                "completed": completed,
            }
        finally:
            stop_group(proc)
            log.close()


def _published(base: Path, api_url: str) -> bool:
    """A scheduled run is published and its final state is on the server."""
    if not (base / "out" / "latest" / "run.json").exists():
        return False
    return bool(flow_runs_in_state(api_url, "COMPLETED"))


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:]


def _prefect(served, *args: str) -> str:
    return _prefect_cli(served["env"], *args)


def _prefect_cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [str(BIN / "prefect"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_a_scheduled_run_is_published_with_the_served_settings(served):
    base = served["base"]
    info = json.loads((base / "out" / "latest" / "run.json").read_text())
    assert (base / "out" / "latest" / "dashboard.html").is_file()
    assert info["corpus"]["scored"] == 5
    assert info["settings"]["workers"] == 2 and info["settings"]["bootstrap"] == 50
    assert info["settings"]["out"] == str((base / "out").resolve()), "paths made absolute"
    assert info["batches"]["task_runner"] == "ProcessPoolTaskRunner", "--workers 2 honoured"


def test_served_csvs_are_for_excel_with_logicals_r_and_excel_read(served):
    data = served["base"] / "out" / "latest" / "data"
    raw = (data / "articles.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()), "--excel-csv: UTF-8 with a byte-order mark"
    low = {line.split(b",")[-1] for line in raw.splitlines()[1:]}
    assert low and low <= {b"TRUE", b"FALSE"}, low


def test_the_prefect_cli_lists_flows_runs_deployments_and_artifacts(served):
    assert "framing-comparison" in _prefect(served, "flow", "ls")
    assert f"framing-comparison/{DEPLOYMENT}" in _prefect(served, "deployment", "ls")
    runs = served["completed"]
    assert "framing-comparison" in runs and "COMPLETED" in runs
    assert "framing-sources" in _prefect(served, "artifact", "ls")


def test_the_schedule_is_in_the_given_zone_and_paused_when_serve_stops(served):
    assert served["code"] == 0, _tail(served["base"] / "serve.log")
    log = _tail(served["base"] / "serve.log")
    assert "never awaited" not in log and "Traceback" not in log, log
    dep = json.loads(
        _prefect(served, "deployment", "inspect", f"framing-comparison/{DEPLOYMENT}", "-o", "json")
    )
    assert [s["schedule"]["timezone"] for s in dep["schedules"]] == ["Asia/Tokyo"]
    assert dep["paused"] or not any(s["active"] for s in dep["schedules"]), dep
