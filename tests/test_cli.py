"""The command line: exit codes and one-line reasons, without starting a flow."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.cli import main
from pipeline.orchestration import server as server_module


class FakeServer:
    """Stands in for Prefect's embedded server: records how the CLI treats it."""

    def __init__(self) -> None:
        self.stopped = False

    def wait(self) -> str:
        return "http://127.0.0.1:9/api"

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def started(monkeypatch) -> list[FakeServer]:
    """The servers ``python -m pipeline run`` starts, in place of real ones."""
    servers: list[FakeServer] = []

    def start() -> FakeServer:
        servers.append(FakeServer())
        return servers[-1]

    monkeypatch.setattr(server_module, "start_embedded_server", start)
    return servers


def test_missing_corpus_exits_2(tmp_path, capsys, lexicon_dir, started):
    code = main(
        [
            "run",
            "--corpus",
            str(tmp_path / "nope"),
            "--lexicons",
            str(lexicon_dir),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "corpus not found" in err[0]
    assert not (tmp_path / "out").exists()
    assert len(started) == 1 and started[0].stopped, "the server started first is stopped"


def test_broken_lexicon_exits_2(tmp_path, capsys, corpus_dir, started):
    (tmp_path / "bad.yaml").write_text("entries:\n  - {term: 侵攻, category: x}\n")
    code = main(["run", "--corpus", str(corpus_dir), "--lexicons", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2" in err and "missing note" in err
    assert [s.stopped for s in started] == [True]


def test_run_hands_the_server_it_started_first_to_the_flow(
    tmp_path, corpus_dir, lexicon_dir, started, monkeypatch
):
    from pipeline.orchestration import flows

    seen = []

    def run(settings, server=None):
        seen.append(server)
        return {"run_id": "r", "scored": 0, "quarantined": [], "dashboard": "d"}

    monkeypatch.setattr(flows, "run", run)
    args = ["run", "--corpus", str(corpus_dir), "--lexicons", str(lexicon_dir)]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    assert seen == started and len(started) == 1 and not started[0].stopped


def test_bad_argument_values_exit_2(capsys, started):
    assert main(["run", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert not started, "nothing to run: no server"


def test_module_entry_point_prints_help():
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "run" in proc.stdout and "lexicon" in proc.stdout
