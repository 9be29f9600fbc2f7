"""Integration: the real Prefect flow on the seed corpus, checked for real properties."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline.aggregate.scores import ARTICLE_COLUMNS, SOURCE_COLUMNS
from pipeline.analyze.cache import AnalysisCache
from pipeline.ingest.clean import normalize
from pipeline.orchestration.deployment import deployment
from pipeline.orchestration.embedded import embedded_server
from pipeline.orchestration.flows import Settings, framing_flow
from pipeline.orchestration.runners import task_runner


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


def _csv_bytes(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((run_dir / "data").glob("*.csv"))}


def _settings(out: Path, corpus_dir: Path, lexicon_dir: Path, **kw) -> Settings:
    return Settings(corpus=str(corpus_dir), lexicons=str(lexicon_dir), out=str(out), bootstrap=200,
                    **kw)  # fmt: skip


def test_serial_process_and_dask_runs_give_identical_csvs(
    seed_run, tmp_path, corpus_dir, lexicon_dir
):
    reference = _csv_bytes(Path(seed_run[1]["run_dir"]))
    for name, kw in {
        "serial": {"batch_size": 5},
        "processes": {"workers": 2, "batch_size": 1},
        "dask": {"dask": True, "workers": 2, "batch_size": 2},
    }.items():
        settings = _settings(tmp_path / name, corpus_dir, lexicon_dir, **kw)
        result = framing_flow.with_options(task_runner=task_runner(settings))(settings)
        assert _csv_bytes(Path(result["run_dir"])) == reference, name


@pytest.fixture
def aggregated(monkeypatch) -> list[Path]:
    """The data folders ``write_tables`` fills (it is not called when the aggregate cache
    has a run's tables)."""
    import pipeline.aggregate.tables

    calls: list[Path] = []
    write_tables = pipeline.aggregate.tables.write_tables

    def counted_write_tables(*args, **kwargs):
        calls.append(args[0])
        return write_tables(*args, **kwargs)

    monkeypatch.setattr(pipeline.aggregate.tables, "write_tables", counted_write_tables)
    return calls


def test_unchanged_rerun_reuses_the_cache_and_a_lexicon_edit_rematches(
    seed_run, tmp_path, corpus_dir, lexicon_dir, aggregated
):
    lex = tmp_path / "lex"
    shutil.copytree(lexicon_dir, lex)
    settings = _settings(tmp_path / "out", corpus_dir, lex)
    first = framing_flow(settings)
    cache = AnalysisCache(tmp_path / "out" / "cache" / "analysis.sqlite")
    n_tokens = cache.count("summaries")
    n_hits = cache.count("hits")
    assert n_tokens == 5 and n_hits == 5
    batches = tmp_path / "out" / "cache" / "batches"
    entries = sorted(p.name for p in batches.iterdir())
    assert entries
    second = framing_flow(settings)
    assert len(aggregated) == 1, "the unchanged run's tables come from the aggregate cache"
    assert second["scored"] == first["scored"] and second["quarantined"] == first["quarantined"]
    assert _csv_bytes(Path(first["run_dir"])) == _csv_bytes(Path(second["run_dir"]))
    lemmas = [Path(r["run_dir"]) / "data" / "lemmas.parquet" for r in (first, second)]
    assert lemmas[0].read_bytes() == lemmas[1].read_bytes()
    assert len(list((tmp_path / "out" / "cache" / "aggregate").iterdir())) == 1
    assert cache.count("summaries") == 5
    assert sorted(p.name for p in batches.iterdir()) == entries, "whole batches reused"
    texts = [Path(r["run_dir"]) / "data" / "texts" for r in (first, second)]
    assert {p.name: p.read_bytes() for p in texts[0].iterdir()} == {
        p.name: p.read_bytes() for p in texts[1].iterdir()
    }
    path = lex / "pro_moscow.yaml"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("  - term: 協力\n    category: test\n    note: an edit that matches every seed\n")
    third = framing_flow(settings)
    assert len(aggregated) == 2, "new lexicons: aggregated again"
    assert cache.count("summaries") == 5, "no re-tokenizing"
    assert cache.count("hits") == 10, "re-matched"
    now = sorted(p.name for p in batches.iterdir())
    assert len(now) == len(entries) and not set(now) & set(entries), "old batches pruned"
    assert (
        _csv_bytes(Path(third["run_dir"]))["sources.csv"]
        != _csv_bytes(Path(first["run_dir"]))["sources.csv"]
    )


def test_a_changed_setting_aggregates_again(harness, tmp_path, corpus_dir, lexicon_dir, aggregated):
    """Each run differs from the one before (whose tables the cache holds) in one setting:
    ``--no-cache``, one of the bootstrap's and one of the thresholds (the others reach the key
    the same way, through ``Settings.numbers``), then all the way back."""
    base = _settings(tmp_path / "out", corpus_dir, lexicon_dir)
    seeded = replace(base, seed=7)
    steps = [
        ("base", base, 1),
        ("no cache", replace(base, cache=False), 1),  # the cache is not read...
        ("base again", base, 0),  # ...nor replaced: the base run finds its tables
        ("seed", seeded, 1),
        ("seed and min_tokens", replace(seeded, min_tokens=5000), 1),
        ("back", base, 1),  # the cache holds the last run's tables only
    ]
    sources = {}
    for name, settings, aggregates in steps:
        before = len(aggregated)
        result = framing_flow(settings)
        assert len(aggregated) - before == aggregates, name
        sources[name] = _csv_bytes(Path(result["run_dir"]))["sources.csv"]
    for same in ("no cache", "base again", "back"):
        assert sources[same] == sources["base"], same
    assert sources["seed"] != sources["base"]
    assert sources["seed and min_tokens"] != sources["seed"]


def test_deployment_and_schedule_are_registered(harness, tmp_path, corpus_dir, lexicon_dir):
    from prefect.client.orchestration import get_client

    settings = _settings(tmp_path, corpus_dir, lexicon_dir)
    deployment_id = deployment(settings, "0 6 * * *", name="test-daily").apply()
    with get_client(sync_client=True) as client:
        dep = client.read_deployment(deployment_id)
    assert dep.name == "test-daily"
    assert [s.schedule.cron for s in dep.schedules] == ["0 6 * * *"]
    assert dep.parameters["settings"]["corpus"] == str(corpus_dir)


def test_a_killed_run_leaves_latest_intact_and_the_next_run_cleans_up(
    seed_run, tmp_path, corpus_dir, lexicon_dir
):
    out = tmp_path / "out"
    settings = _settings(out, corpus_dir, lexicon_dir)
    before = framing_flow(settings)
    snapshot = _csv_bytes(out / "latest")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus_dir), "--lexicons",
         str(lexicon_dir), "--out", str(out), "--batch-size", "1", "--no-cache"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(
        (out / "runs").glob(".partial-*/_work/*.parquet")
    ):
        time.sleep(0.05)
    # The whole process group: the run and the embedded Prefect server it started.
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert list((out / "runs").glob(".partial-*")), "the kill should land mid-run"
    assert (out / "latest").resolve() == Path(before["run_dir"]).resolve()
    assert _csv_bytes(out / "latest") == snapshot
    after = framing_flow(settings)
    assert not list((out / "runs").glob(".partial-*"))
    assert (out / "latest").resolve() == Path(after["run_dir"]).resolve()


def _broken_corpus(root: Path, seed_text: str) -> dict[str, str]:
    """A corpus of every awkward input; returns id → expected outcome ('scored' or a reason)."""
    (root / "articles").mkdir(parents=True)
    files = {
        "utf8": seed_text.encode("utf-8"),
        "utf8bom": b"\xef\xbb\xbf" + seed_text.encode("utf-8"),
        "utf16": seed_text.encode("utf-16"),
        "sjis": seed_text.encode("shift_jis"),
        "eucjp": seed_text.encode("euc_jp"),
        "html": (
            "<html><head><script>alert(1)</script></head><body><nav>メニュー</nav><p>"
            + seed_text.replace("\n", "</p><p>")
            + "</p></body></html>"
        ).encode("utf-8"),
        "empty": b"",
        "blank": "  \n\u3000\n".encode(),
        "binary": b"\x00\x01\x02" * 100,
        "undecodable": b"\xff\xfe\xfa" + bytes(range(128, 256)) * 3,
        "big": seed_text.encode("utf-8") * 40,
    }
    for name, data in files.items():
        (root / "articles" / f"{name}.txt").write_bytes(data)
    for name in ("stray", "dated", "evil"):
        (root / "articles" / f"{name}.txt").write_text(seed_text, encoding="utf-8")
    rows = [f"{n},articles/{n}.txt,Src {n[:3]},2024-01-02" for n in files]
    rows += [
        "missing,articles/nope.txt,Src,2024-01-02",
        "utf8,articles/utf8.txt,Src,2024-01-02",
        "nosource,articles/utf8.txt,,2024-01-02",
        "baddate,articles/dated.txt,Src dates,someday",
        "escape,../../etc/passwd,Src,2024-01-02",
        "../../etc,articles/evil.txt,Src evil,2024-01-02",
    ]
    (root / "manifest.csv").write_text("id,file,source,published\n" + "\n".join(rows) + "\n")
    scored = ["utf8", "utf8bom", "utf16", "sjis", "eucjp", "html", "baddate", "../../etc"]
    return {
        **dict.fromkeys(scored, "scored"),
        "empty": "empty",
        "blank": "empty",
        "binary": "binary",
        "undecodable": "undecodable",
        "big": "limit",
        "missing": "not found",
        "nosource": "source",
        "escape": "not inside",
    }


def test_a_corpus_of_broken_files_is_accounted_for(seed_run, tmp_path, corpus_dir, lexicon_dir):
    seed = normalize((corpus_dir / "articles" / "003_8ca8b2cce4400af0.txt").read_text("utf-8"))
    expected = _broken_corpus(tmp_path / "corpus", seed)
    settings = Settings(
        corpus=str(tmp_path / "corpus"),
        lexicons=str(lexicon_dir),
        out=str(tmp_path / "out"),
        bootstrap=50,
        max_bytes=200_000,
    )
    result = framing_flow(settings)
    run_dir = Path(result["run_dir"])
    info = json.loads((run_dir / "run.json").read_text())
    corpus = pd.read_csv(run_dir / "data" / "corpus.csv", keep_default_na=False)
    reasons = {q["article_id"]: q["reason"] for q in info["quarantined"]}
    scored = set(corpus["article_id"])
    for aid, outcome in expected.items():
        if outcome == "scored":
            assert aid in scored, aid
        else:
            assert outcome in reasons.get(aid, ""), (aid, reasons.get(aid))
    assert any("duplicate id" in r for r in reasons.values())
    assert info["corpus"]["articles"] == info["corpus"]["scored"] + info["corpus"]["quarantined"]
    assert any("stray.txt" in w and "not in the manifest" in w for w in info["warnings"])
    assert any("someday" in w for w in info["warnings"])
    encodings = dict(zip(corpus["article_id"], corpus["encoding"], strict=True))
    assert encodings["sjis"] == "shift_jis" and encodings["eucjp"] == "euc_jp"
    assert encodings["html"].endswith("+html")
    articles = pd.read_csv(run_dir / "data" / "articles.csv").set_index(["article_id", "frame"])
    for aid in ("utf8bom", "utf16", "sjis", "eucjp"):
        assert (articles.loc[aid, "weighted"] == articles.loc["utf8", "weighted"]).all(), aid
    texts = {p.name for p in (run_dir / "data" / "texts").iterdir()}
    assert all("/" not in t and not t.startswith(".") for t in texts)
    assert not (tmp_path / "etc").exists()
    html_text = (
        run_dir / "data" / corpus.set_index("article_id").loc["html", "text_file"]
    ).read_text()
    assert "<" not in html_text and "alert" not in html_text


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


def test_a_strict_run_with_quarantines_ends_failed_but_is_published(
    seed_run, tmp_path, corpus_dir, lexicon_dir
):
    """What ``--strict`` does for a served (scheduled) run: the flow run is Failed."""
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    with open(corpus / "manifest.csv", "a", encoding="utf-8") as fh:
        fh.write("gone,articles/gone.txt,Nowhere,,,2024-01-02,,ja,,\n")
    settings = Settings(
        corpus=str(corpus), lexicons=str(lexicon_dir), out=str(tmp_path / "out"), strict=True,
        bootstrap=50, permutations=50,
    )  # fmt: skip
    state = framing_flow(settings, return_state=True)
    assert state.is_failed() and "--strict: 1 article(s) quarantined" in state.message
    result = state.result(raise_on_failure=False)
    assert [q["article_id"] for q in result["quarantined"]] == ["gone"]
    assert (tmp_path / "out" / "latest" / "dashboard.html").is_file()
