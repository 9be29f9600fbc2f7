"""Stance on the seed corpus through the real flow: tables, evidence spans, the done-when
ordering of Valdai against Toda and Nikkei, run.json, charts and the dashboard section."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import read_table

VALDAI, TODA, NIKKEI = "Valdai Club", "Toda Peace Institute", "Nikkei (Seoul bureau)"


def _run_dir(seed_run: tuple[Path, dict]) -> Path:
    return Path(seed_run[1]["run_dir"])


def test_stance_tables_follow_the_schema(seed_run) -> None:
    run = _run_dir(seed_run)
    for name in ("stance_hits", "stance_articles", "stance", "stance_differences",
                 "stance_timeline", "stance_expectations"):  # fmt: skip
        header = (run / "data" / f"{name}.csv").read_text("utf-8").splitlines()[0]
        assert header.split(",") == columns(name)
    assert not (run / "data" / "frame_map.csv").read_text("utf-8").startswith("source,target")


def test_valdai_portrays_the_tie_favourably_and_above_toda_and_nikkei(seed_run) -> None:
    st = read_table(_run_dir(seed_run), "stance").set_index(["source", "target"])
    valdai = st.loc[(VALDAI, "russia_dprk_ties")]
    assert valdai["stance"] > 0 and valdai["evaluated"] >= 2
    for other in (TODA, NIKKEI):
        theirs = st.loc[(other, "russia_dprk_ties")]["stance"]
        assert pd.isna(theirs) or theirs < valdai["stance"]
    opponents = [st.loc[(VALDAI, t)]["stance"] for t in ("united_states", "west")]
    assert any(v < 0 for v in opponents if not pd.isna(v))
    assert (st["stance"].dropna() > -1).all() and (st["stance"].dropna() < 1).all()


def test_evidence_spans_index_the_cleaned_texts(seed_run) -> None:
    run = _run_dir(seed_run)
    hits = read_table(run, "stance_hits")
    corpus = read_table(run, "corpus").set_index("article_id")
    assert len(hits) > 0
    for r in hits.itertuples():
        text = (run / "data" / corpus.loc[r.article_id, "text_file"]).read_text("utf-8")
        assert text[int(r.target_start) : int(r.target_end)] == r.target_matched
        assert r.counted == (r.voice == "author" and not r.negated
                             and not r.role.startswith(("victim", "recipient")))  # fmt: skip
    arts = read_table(run, "stance_articles")
    counted = hits[hits["counted"]].groupby(["article_id", "target"]).size()
    merged = arts.set_index(["article_id", "target"])["evaluated"]
    assert (merged.reindex(counted.index) == counted).all()


def test_run_json_charts_and_dashboard_show_stance(seed_run) -> None:
    run = _run_dir(seed_run)
    info = json.loads((run / "run.json").read_text("utf-8"))
    assert {Path(x["file"]).name for x in info["stance_lexicons"]} == {
        "targets.yaml",
        "evaluations.yaml",
        "expectations.yaml",
    }
    charts = {p.name for p in (run / "charts").glob("*.png")}
    assert {"stance_heatmap.png", "stance_intervals.png", "stance_mentions.png"} <= charts
    html = (run / "dashboard.html").read_text("utf-8")
    assert '<section id="stance"' in html
    assert "Russia–DPRK ties" in html  # the display name, not the id
    assert '<mark class="target">' in html and "badge v-quoted" in html
