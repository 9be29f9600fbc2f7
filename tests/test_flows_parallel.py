"""Integration: serial, process and Dask runs of the real flow give the same bytes."""

from __future__ import annotations

from pathlib import Path

from flow_runs import csv_bytes, seed_settings

from pipeline.orchestration.flows import framing_flow
from pipeline.orchestration.runners import task_runner


def test_serial_process_and_dask_runs_give_identical_csvs(
    seed_run, tmp_path, corpus_dir, lexicon_dir
):
    reference = csv_bytes(Path(seed_run[1]["run_dir"]))
    for name, kw in {
        "serial": {"batch_size": 5},
        "processes": {"workers": 2, "batch_size": 1},
        "dask": {"dask": True, "workers": 2, "batch_size": 2},
    }.items():
        settings = seed_settings(tmp_path / name, corpus_dir, lexicon_dir, **kw)
        result = framing_flow.with_options(task_runner=task_runner(settings))(settings)
        assert csv_bytes(Path(result["run_dir"])) == reference, name
