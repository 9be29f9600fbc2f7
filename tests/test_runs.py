"""Run folders: atomic publish, lock, cleanup after a killed run, history, pruning."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.runfolder import runs


def _publish(out: Path, run_id: str, payload: str = "x") -> Path:
    stage = runs.staging_dir(out, run_id)
    (stage / "dashboard.html").write_text(payload)
    return runs.publish(out, stage, run_id)


def test_publish_switches_latest(tmp_path):
    _publish(tmp_path, "r1", "one")
    _publish(tmp_path, "r2", "two")
    assert (tmp_path / "latest").is_symlink()
    assert (tmp_path / "latest" / "dashboard.html").read_text() == "two"
    assert os.readlink(tmp_path / "latest") == str(Path("runs") / "r2")
    assert not list(tmp_path.glob(".latest-*"))


def test_partial_runs_are_removed_and_latest_untouched(tmp_path):
    _publish(tmp_path, "r1", "good")
    stage = runs.staging_dir(tmp_path, "r2")
    (stage / "dashboard.html").write_text("half")
    removed = runs.remove_partials(tmp_path)
    assert removed == [stage]
    assert not stage.exists()
    assert (tmp_path / "latest" / "dashboard.html").read_text() == "good"


def _hold_lock(out: str, ready, release) -> None:
    with runs.locked(Path(out)):
        ready.set()
        release.wait(10)


def test_second_run_on_the_same_out_is_refused(tmp_path):
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        with pytest.raises(runs.RunBusy, match="another run"), runs.locked(tmp_path):
            pass
    finally:
        release.set()
        proc.join(10)
    with runs.locked(tmp_path):
        pass


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    proc.start()
    assert ready.wait(10)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    with runs.locked(tmp_path):
        pass


def _sources(per_1k: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["A", "B"],
            "frame": ["f", "f"],
            "articles": [1, 2],
            "tokens": [10, 20],
            "hits": [1, 0],
            "per_1k": [per_1k, 0.0],
            "ci_low": [0.0, float("nan")],
            "ci_high": [200.0, float("nan")],
            "share": [1.0, float("nan")],
        }
    )


def _key(run_id: str, corpus: str = "c1", settings: str = "s1") -> runs.HistoryKey:
    return runs.HistoryKey(run_id, f"t-{run_id}", "lex", corpus, f"/data/{corpus}", settings)


def test_history_rows_say_which_corpus_and_settings_produced_them(tmp_path):
    assert runs.append_history(tmp_path, _key("r1"), _sources())
    h = pd.read_csv(tmp_path / "history.csv")
    assert list(h.columns) == runs.HISTORY_COLUMNS
    assert set(h["corpus_sha256"]) == {"c1"} and set(h["corpus_path"]) == {"/data/c1"}
    assert set(h["settings_sha256"]) == {"s1"} and list(h["run_id"]) == ["r1", "r1"]


def test_an_identical_rerun_adds_no_rows_but_any_change_does(tmp_path):
    runs.append_history(tmp_path, _key("r1"), _sources())
    assert not runs.append_history(tmp_path, _key("r2"), _sources()), "identical rerun"
    changed = [
        (_key("r3", corpus="c2"), _sources()),
        (_key("r4", settings="s2"), _sources()),
        (_key("r5"), _sources(per_1k=90.0)),  # same inputs, other scores (new code)
        (_key("r6"), _sources()),  # back to r1's scores: the last run of the key differs
    ]
    for key, sources in changed:
        assert runs.append_history(tmp_path, key, sources), key
    h = pd.read_csv(tmp_path / "history.csv")
    assert list(dict.fromkeys(h["run_id"])) == ["r1", "r3", "r4", "r5", "r6"]


def test_settings_hash_ignores_where_and_how_fast_a_run_went():
    base = {"bootstrap": 1000, "seed": 1, "out": "a", "workers": 1, "corpus": "x"}
    same = {**base, "out": "b", "workers": 8, "corpus": "y", "dask": True}
    assert runs.settings_hash(base) == runs.settings_hash(same)
    assert runs.settings_hash(base) != runs.settings_hash({**base, "seed": 2})


def test_prune_keeps_newest_and_latest(tmp_path):
    for i in range(4):
        _publish(tmp_path, f"r{i}")
        time.sleep(0.01)
    removed = runs.prune(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == ["r0", "r1"]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["r2", "r3"]
    assert (tmp_path / "latest").resolve().name == "r3"
