"""Integration: the real Prefect flow on the seed corpus, checked for real properties."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from flow_runs import seed_settings

from pipeline.aggregate.scores import ARTICLE_COLUMNS, SOURCE_COLUMNS
from pipeline.orchestration.deployment import deployment
from pipeline.orchestration.embedded import embedded_server
from pipeline.orchestration.flows import Settings


def test_run_folder_is_published_atomically(seed_run):
    out, result = seed_run
    latest = out / "latest"
    assert latest.is_symlink()
    assert latest.resolve() == Path(result["run_dir"]).resolve()
    assert not list((out / "runs").glob(".partial-*"))
    run_dir = latest.resolve()
    for name in ("articles", "sources", "hits", "terms", "corpus", "removed", "lexicon"):
        assert (run_dir / "data" / f"{name}.csv").is_file(), name
    assert (run_dir / "dashboard.html").stat().st_size > 10_000
    assert list((run_dir / "charts").glob("*.png"))
    assert not (run_dir / "_work").exists()


def test_tables_have_the_documented_columns(seed_run, lexicon_dir):
    run_dir = (seed_run[0] / "latest").resolve()
    articles = pd.read_csv(run_dir / "data" / "articles.csv")
    sources = pd.read_csv(run_dir / "data" / "sources.csv")
    assert list(articles.columns) == ARTICLE_COLUMNS
    assert list(sources.columns) == SOURCE_COLUMNS
    frames = sorted(p.stem for p in lexicon_dir.glob("*.yaml"))
    assert sorted(sources["frame"].unique()) == frames
    assert len(articles) == 5 * len(frames)
    assert (sources["ci_low"] <= sources["ci_high"]).all()
    assert ((sources["hits"] == 0) == (sources["per_1k"] == 0)).all()


def test_every_hit_span_is_its_text(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    hits = pd.read_csv(run_dir / "data" / "hits.csv", keep_default_na=False)
    corpus = pd.read_csv(run_dir / "data" / "corpus.csv", keep_default_na=False)
    texts = {
        r.article_id: (run_dir / "data" / r.text_file).read_text(encoding="utf-8")
        for r in corpus.itertuples()
    }
    assert len(hits) > 20
    for h in hits.itertuples():
        assert texts[h.article_id][h.char_start : h.char_end] == h.matched
    assert set(hits["voice"]) <= {"author", "quoted", "cited"}
    assert set(hits["negated"].astype(str).str.lower()) <= {"true", "false"}


def test_valdai_is_more_pro_moscow_than_toda(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    a = pd.read_csv(run_dir / "data" / "articles.csv").set_index(["article_id", "frame"])
    assert (
        a.loc[("valdai-2024-03-26", "pro_moscow"), "per_1k"]
        > a.loc[("toda-2024-06-19", "pro_moscow"), "per_1k"]
    )
    assert (
        a.loc[("toda-2024-06-19", "western_analytic"), "per_1k"]
        > a.loc[("valdai-2024-03-26", "western_analytic"), "per_1k"]
    )


def test_scores_count_only_the_authors_unnegated_hits(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    hits = pd.read_csv(run_dir / "data" / "hits.csv", keep_default_na=False)
    arts = pd.read_csv(run_dir / "data" / "articles.csv")
    own = hits[(hits["voice"] == "author") & (hits["negated"].astype(str).str.lower() == "false")]
    expected = own.groupby(["article_id", "frame"])["weight"].sum()
    got = arts.set_index(["article_id", "frame"])["weighted"]
    for key, value in expected.items():
        assert abs(got[key] - value) < 1e-6
    assert (hits["voice"] == "quoted").any(), "the seeds quote Kremlin and KCNA wording"


def test_run_json_records_hashes_and_versions(seed_run):
    run_dir = (seed_run[0] / "latest").resolve()
    info = json.loads((run_dir / "run.json").read_text())
    assert info["corpus"]["scored"] == 5
    assert info["corpus"]["quarantined"] == 0
    assert len(info["corpus"]["sha256"]) == 64
    for lex in info["lexicons"]:
        assert len(lex["sha256"]) == 64 and lex["entries"] >= 40
    assert info["tools"]["fugashi"] and info["tools"]["unidic_lite"] and info["tools"]["prefect"]


def test_run_json_lists_every_lexicon_file_under_one_hash(seed_run, lexicon_dir):
    from pipeline.analyze.lexicon_set import fingerprint

    info = json.loads(((seed_run[0] / "latest").resolve() / "run.json").read_text())
    names = {f["name"] for f in info["lexicon_files"]}
    assert {"sourcing/actors.yaml", "stance/targets.yaml", "pro_moscow.yaml"} <= names
    assert all(Path(f["file"]).is_file() and len(f["sha256"]) == 64 for f in info["lexicon_files"])
    assert info["lexicons_sha256"] == fingerprint(lexicon_dir)


def test_run_json_says_where_the_time_went(seed_run):
    info = json.loads(((seed_run[0] / "latest").resolve() / "run.json").read_text())
    phases = info["phases_s"]
    names = ["start", "lexicons", "analysis", "aggregation", "charts", "dashboard"]
    assert list(phases) == names
    assert all(phases[n] >= 0 for n in names) and phases["analysis"] > 0
    # every phase after the flow's first line falls within the flow's own duration
    assert sum(phases[n] for n in names[1:-1]) <= info["duration_s"] + 0.01


def test_history_gets_this_runs_sources(seed_run):
    out, result = seed_run
    history = pd.read_csv(out / "history.csv")
    mine = history[history["run_id"] == result["run_id"]]
    assert len(mine) == len(pd.read_csv(Path(result["run_dir"]) / "data" / "sources.csv"))


def test_deployment_and_schedule_are_registered(harness, tmp_path, corpus_dir, lexicon_dir):
    from prefect.client.orchestration import get_client

    settings = seed_settings(tmp_path, corpus_dir, lexicon_dir)
    deployment_id = deployment(settings, "0 6 * * *", name="test-daily").apply()
    with get_client(sync_client=True) as client:
        dep = client.read_deployment(deployment_id)
    assert dep.name == "test-daily"
    assert [s.schedule.cron for s in dep.schedules] == ["0 6 * * *"]
    assert dep.parameters["settings"]["corpus"] == str(corpus_dir)


def test_local_workers_share_the_embedded_server(harness):
    """The server started up front (here the harness's, a real one) is the one local worker
    processes are pointed at, instead of each starting its own."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = PREFECT_API_URL.value()

    class Started:
        def wait(self) -> str:
            return url

    shared = [Settings(workers=2), Settings(dask=True)]
    own = [Settings(), Settings(dask=True, dask_address="tcp://cluster:8786")]
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        for settings in shared:
            with embedded_server(settings, Started()):
                assert PREFECT_API_URL.value() == url
            assert not PREFECT_API_URL.value()
        for settings in own:
            with embedded_server(settings, Started()):
                assert not PREFECT_API_URL.value()

    class Launched(Started):  # the run launched it: the run's own client uses it too
        points_every_client = True

    env = os.environ.get("PREFECT_API_URL")
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with embedded_server(Settings(), Launched()):
            assert PREFECT_API_URL.value() == url
            assert os.environ["PREFECT_API_URL"] == url, "threads without the context too"
        assert not PREFECT_API_URL.value() and os.environ.get("PREFECT_API_URL") == env
    team = temporary_settings(updates={PREFECT_API_URL: "http://team:4200/api"})
    with team, embedded_server(Settings(workers=4)):
        assert PREFECT_API_URL.value() == "http://team:4200/api"
