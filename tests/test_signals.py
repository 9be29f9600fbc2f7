"""SIGTERM and SIGINT end a real run and all its children (Prefect's embedded server, the
worker processes), with one line and exit 1; ``latest``, ``history.csv`` and the lock are
as they were. ``serve`` stops on SIGINT with exit 0 and takes its server with it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from pipeline.runfolder import runs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(seed_run, tmp_path_factory) -> Path:
    """An output folder with a published run and its history (a copy of the seed run's)."""
    copy = tmp_path_factory.mktemp("published") / "out"
    shutil.copytree(seed_run[0], copy, symlinks=True)
    return copy


def _children_when(proc: subprocess.Popen, ready, timeout: float = 150) -> list[psutil.Process]:
    """Wait until ``ready()``; return the process's descendants then."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.05)
    return psutil.Process(proc.pid).children(recursive=True)


def _end(proc: subprocess.Popen, sig: signal.Signals, children: list[psutil.Process]) -> str:
    """Send ``sig`` to the command alone; return its standard error once it has exited."""
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=240)
        _, alive = psutil.wait_procs(children, timeout=60)
        assert not alive, f"left behind: {[p.cmdline() for p in alive]}"
        return err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for child in children:
            if child.is_running():
                child.kill()


def test_sigterm_ends_the_run_and_its_children_cleanly(
    published, tmp_path, corpus_dir, lexicon_dir
):
    """SIGTERM is the harder case: while a flow runs, Prefect's engine has a handler of its
    own in front of ours; SIGINT reaches ours directly (signals.interruptible)."""
    sig = signal.SIGTERM
    out = tmp_path / "out"
    shutil.copytree(published, out, symlinks=True)
    latest = (out / "latest").resolve()
    history = (out / "history.csv").read_bytes()
    args = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus_dir)]
    args += ["--lexicons", str(lexicon_dir), "--out", str(out), "--no-cache"]
    args += ["--batch-size", "1", "--workers", "2"]
    proc = subprocess.Popen(
        args,
        env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )

    def analyzing() -> bool:
        batches = list((out / "runs").glob(".partial-*/_work/*.parquet"))
        return bool(batches) and len(psutil.Process(proc.pid).children(recursive=True)) >= 3

    children = _children_when(proc, analyzing)
    err = _end(proc, sig, children)
    assert proc.returncode == 1, err
    # One line says why; above it Prefect may have logged the crashed flow run, below it
    # only that it stopped its server.
    lines = err.strip().splitlines()
    ours = [i for i, line in enumerate(lines) if line.startswith("interrupted (")]
    assert len(ours) == 1 and lines[ours[0]].startswith(f"interrupted ({sig.name})"), err
    assert all("Stopping temporary server" in line for line in lines[ours[0] + 1 :]), err
    assert (out / "latest").resolve() == latest
    assert (out / "history.csv").read_bytes() == history
    runs.ensure_free(out)  # the lock was released


def _polling(log: Path) -> bool:
    """Whether ``serve`` is up: its runner has polled the server for its deployment's runs
    (the server then marks the deployment READY). A Ctrl-C while Prefect is still starting
    the runner is Prefect's own race (a thread left behind keeps the process alive)."""
    found = re.search(r"temporary server on (http://127\.0\.0\.1:\d+)", log.read_text())
    if not found or "being served" not in log.read_text():
        return False
    url = f"{found[1]}/api/deployments/name/framing-comparison/daily"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.loads(resp.read()).get("status") == "READY"
    except (OSError, ValueError):
        return False


def test_serve_stops_on_sigint_with_its_embedded_server(tmp_path, corpus_dir, lexicon_dir):
    args = [sys.executable, "-m", "pipeline", "serve", "--cron", "0 6 * * *"]
    args += ["--corpus", str(corpus_dir), "--lexicons", str(lexicon_dir)]
    args += ["--out", str(tmp_path / "out")]
    log = tmp_path / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            args,
            env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        children = _children_when(proc, lambda: _polling(log))
        assert children, "serve without a server starts Prefect's embedded one"
        _end(proc, signal.SIGINT, children)
    text = log.read_text()
    assert proc.returncode == 0, text
    assert "never awaited" not in text and "Traceback" not in text, text


def test_an_interrupt_that_is_swallowed_comes_again(tmp_path):
    """What ``serve`` runs inside: a first KeyboardInterrupt caught by the code (as Prefect's
    runner was seen to swallow a Ctrl-C under load) is followed by another one."""
    code = (
        "import signal\n"
        "from pipeline.orchestration.signals import insistent_interrupt\n"
        "with insistent_interrupt(every=2.0):\n"
        "    try:\n"
        "        print('ready', flush=True)\n"
        "        signal.pause()\n"
        "    except KeyboardInterrupt:\n"
        "        print('swallowed', flush=True)\n"
        "    try:\n"
        "        signal.pause()\n"
        "    except KeyboardInterrupt:\n"
        "        print('stopped', flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert out.split() == ["swallowed", "stopped"]
    assert proc.returncode == 0
