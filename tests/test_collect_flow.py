"""pipeline/orchestration/collect_flow.py and the collected corpus through ``run``: the
fixture site of three outlets (tests/collect_site.py) collected, then scored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from collect_site import Site, SiteServer, build

from pipeline.orchestration.collect_flow import collect_and_score_flow, collect_deployment
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"東京日報", "関西新聞", "北海道ポスト"}


@pytest.fixture(scope="module")
def site_feeds(tmp_path_factory):
    site = Site()
    with SiteServer(site):
        path = tmp_path_factory.mktemp("feeds") / "feeds.yaml"
        path.write_text(yaml.safe_dump(build(site), allow_unicode=True), encoding="utf-8")
        yield path


@pytest.mark.slow
def test_collect_then_score_flow(harness, site_feeds, tmp_path, lexicon_dir):
    settings = Settings(
        corpus=str(tmp_path / "corpus"),
        lexicons=str(lexicon_dir),
        out=str(tmp_path / "out"),
        bootstrap=50,
        permutations=50,
    )
    result = collect_and_score_flow(str(site_feeds), settings)
    assert result["collected"]["counts"]["added"] == 60
    assert result["run"]["scored"] == 60 and result["run"]["quarantined"] == []
    history = pd.read_csv(tmp_path / "out" / "history.csv")
    assert set(history["source"]) == SOURCES
    again = collect_and_score_flow(str(site_feeds), settings)
    assert again["collected"]["counts"].get("added", 0) == 0
    assert again["run"]["run_id"] != result["run"]["run_id"]
    # Nothing new: the second run scores the same corpus with the same settings, and
    # history.csv keeps one set of rows for it.
    assert pd.read_csv(tmp_path / "out" / "history.csv")["run_id"].nunique() == 1


def test_collect_deployment_is_registered_with_its_schedule(harness, tmp_path, lexicon_dir):
    from prefect.client.orchestration import get_client

    settings = Settings(corpus=str(tmp_path / "c"), lexicons=str(lexicon_dir))
    feeds = ROOT / "feeds.example.yaml"
    dep_id = collect_deployment(settings, str(feeds), "0 6 * * *", name="test-collect").apply()
    with get_client(sync_client=True) as client:
        dep = client.read_deployment(dep_id)
    assert [s.schedule.cron for s in dep.schedules] == ["0 6 * * *"]
    assert dep.parameters["feeds"] == str(feeds)
    assert dep.parameters["settings"]["corpus"] == str(tmp_path / "c")


@pytest.mark.slow
def test_cli_collect_then_run_on_the_collected_corpus(site_feeds, tmp_path):
    corpus, out = tmp_path / "corpus", tmp_path / "out"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )

    collected = cli("collect", "--feeds", str(site_feeds), "--corpus", str(corpus))
    assert collected.returncode == 0, collected.stderr
    assert collected.stdout.splitlines()[-1].startswith("collect: 60 added, 1 duplicate")
    ran = cli("run", "--corpus", str(corpus), "--out", str(out), "--bootstrap", "50")
    assert ran.returncode == 0, ran.stderr
    assert "60 articles scored, 0 quarantined" in ran.stdout
    articles = pd.read_csv(out / "latest" / "data" / "articles.csv")
    assert set(articles["source"]) == SOURCES
    corpus_csv = pd.read_csv(out / "latest" / "data" / "corpus.csv")
    assert corpus_csv["published"].astype(str).str.match(r"2024-0[456]-\d\d").all()
