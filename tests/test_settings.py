"""Settings: one definition gives the options, their defaults, validation and run.json's block."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

import pytest

from pipeline.cli import EXIT_USAGE, build_parser, main
from pipeline.settings import Settings, SettingsError, flag_of, from_args

NUMERIC = [f.name for f in fields(Settings) if f.metadata.get("minimum") is not None]


def test_every_field_is_an_option_with_its_default() -> None:
    args = build_parser().parse_args(["run"])
    assert from_args(args) == Settings()
    args = build_parser().parse_args(["run", "--no-cache", "--dask", "--seed", "7"])
    s = from_args(args)
    assert (s.cache, s.dask, s.seed) == (False, True, 7)


@pytest.mark.parametrize("name", NUMERIC)
def test_each_numeric_option_below_its_minimum_exits_2_with_one_line(name: str, capsys) -> None:
    low = next(f.metadata["minimum"] for f in fields(Settings) if f.name == name)
    assert main(["run", flag_of(name), str(low - 1)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == f"error: {flag_of(name)} must be at least {low}, not {low - 1}\n"


def test_seed_minus_one_is_a_usage_error_not_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", "--seed", "-1"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["error: --seed must be at least 0, not -1"]


def test_check_accepts_the_minimum_and_record_is_every_field() -> None:
    at_minimum = {f.name: f.metadata["minimum"] for f in fields(Settings) if f.name in NUMERIC}
    s = Settings(**at_minimum).check()
    assert list(s.record()) == [f.name for f in fields(Settings)]
    with pytest.raises(SettingsError):
        Settings(workers=0).check()
