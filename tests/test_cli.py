"""The command line: exit codes and one-line reasons, without starting a flow."""

from __future__ import annotations

import subprocess
import sys

from pipeline.cli import main


def test_missing_corpus_exits_2(tmp_path, capsys, lexicon_dir):
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


def test_broken_lexicon_exits_2(tmp_path, capsys, corpus_dir):
    (tmp_path / "bad.yaml").write_text("entries:\n  - {term: 侵攻, category: x}\n")
    code = main(["run", "--corpus", str(corpus_dir), "--lexicons", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2" in err and "missing note" in err


def test_bad_argument_values_exit_2(capsys):
    assert main(["run", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_module_entry_point_prints_help():
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "run" in proc.stdout and "lexicon" in proc.stdout
