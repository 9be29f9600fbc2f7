"""The flow on a real Dask cluster (``dask scheduler`` + ``dask worker``, started in another
directory), given relative ``--corpus`` / ``--out`` paths: it resolves them before
submitting, and writes what a serial run writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect_server import BIN, free_port, stop_group

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster(harness, tmp_path_factory):
    """A scheduler and one worker process on 127.0.0.1, both in a directory of their own;
    the worker records its task runs on the harness's server."""
    from prefect.settings import PREFECT_API_URL

    elsewhere = tmp_path_factory.mktemp("dask-home")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    common = {"cwd": elsewhere, "env": env, "start_new_session": True}
    common |= {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], **common,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
         "--no-dashboard", "--local-directory", str(elsewhere)], **common,
    )  # fmt: skip
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=90)
        yield address, env
    finally:
        stop_group(worker)
        stop_group(scheduler)


def test_a_run_on_a_remote_cluster_with_relative_paths(
    cluster, seed_run, tmp_path, corpus_dir, lexicon_dir
):
    address, env = cluster
    shutil.copytree(corpus_dir, tmp_path / "corpus")
    shutil.copytree(lexicon_dir, tmp_path / "lexicons")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--corpus", "corpus", "--lexicons", "lexicons",
         "--out", "out", "--dask-address", address, "--bootstrap", "200", "--batch-size", "2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - started < 300
    mine = tmp_path / "out" / "latest" / "data"
    reference = Path(seed_run[1]["run_dir"]) / "data"
    for name in ("articles.csv", "sources.csv", "hits.csv", "differences.csv"):
        assert (mine / name).read_bytes() == (reference / name).read_bytes(), name
