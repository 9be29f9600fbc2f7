"""``serve --feeds`` on a real ``prefect server start`` (127.0.0.1): the schedule's run,
then one started with ``prefect deployment run`` (rather than waiting a minute for the
next), each collect from the fixture site and then score; the runs land in history.csv and
the dashboard's run timeline. Bounded: everything is stopped within a few minutes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from collect_site import Route, Site, SiteServer, build
from prefect_server import BIN, prefect_server, stop_group

ROOT = Path(__file__).resolve().parent.parent
# A deadline, not a sleep: generous so that a machine busy many times over still passes.
LIMIT_S = 900


def _wait(check, deadline: float, what: str, serve: subprocess.Popen, log: Path) -> None:
    while not check():
        if serve.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"serve exited {serve.returncode} waiting for {what}:\n{tail}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {LIMIT_S} s")
        time.sleep(1)


def _runs(out: Path) -> int:
    path = out / "history.csv"
    return pd.read_csv(path)["run_id"].nunique() if path.is_file() else 0


@pytest.mark.slow
def test_scheduled_serve_collects_then_scores(tmp_path, lexicon_dir):
    deadline = time.monotonic() + LIMIT_S
    site = Site()
    with SiteServer(site), prefect_server(tmp_path / "prefect") as (_, env):
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(yaml.safe_dump(build(site), allow_unicode=True), encoding="utf-8")
        # One outlet publishes only after the first scheduled run: the second run has news to
        # score (an identical rerun would add no history rows).
        later = site.routes["/hokkaido/feed.rdf"]
        site.routes["/hokkaido/feed.rdf"] = Route(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
            "text/xml",
        )
        corpus, out, log = tmp_path / "corpus", tmp_path / "out", tmp_path / "serve.log"
        cmd = [sys.executable, "-m", "pipeline", "serve", "--cron", "* * * * *"]
        cmd += ["--feeds", str(feeds), "--corpus", str(corpus), "--out", str(out)]
        cmd += ["--lexicons", str(lexicon_dir), "--bootstrap", "50", "--permutations", "50"]
        with open(log, "wb") as sink:
            serve = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            try:
                _wait(lambda: _runs(out) >= 1, deadline, "first scheduled run", serve, log)
                site.routes["/hokkaido/feed.rdf"] = later
                started = subprocess.run(
                    [str(BIN / "prefect"), "deployment", "run", "collect-and-score/daily"],
                    env=env, capture_output=True, text=True, timeout=90,
                )  # fmt: skip
                assert started.returncode == 0, started.stdout + started.stderr
                _wait(lambda: _runs(out) >= 2, deadline, "second run", serve, log)
            finally:
                stop_group(serve)
    manifest = pd.read_csv(corpus / "manifest.csv")
    assert len(manifest) == 60 and manifest["url"].is_unique
    collected = pd.read_csv(corpus / "collected.csv")
    assert (collected["status"] == "added").sum() == 60  # 40 in the first run, 20 in the second
    history = pd.read_csv(out / "history.csv")
    assert set(history["source"]) == {"東京日報", "関西新聞", "北海道ポスト"}
    latest = out / "latest"
    assert (latest / "charts" / "timeline_runs.png").is_file()  # the dashboard's run timeline
    assert "Framing across runs" in (latest / "dashboard.html").read_text(encoding="utf-8")
