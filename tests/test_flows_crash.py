"""Integration: a killed run, a corpus of broken files and a strict run, through the real flow."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from flow_runs import csv_bytes, seed_settings

from pipeline.ingest.clean import normalize
from pipeline.orchestration.flows import Settings, framing_flow


def test_a_killed_run_leaves_latest_intact_and_the_next_run_cleans_up(
    seed_run, tmp_path, corpus_dir, lexicon_dir
):
    out = tmp_path / "out"
    settings = seed_settings(out, corpus_dir, lexicon_dir)
    before = framing_flow(settings)
    snapshot = csv_bytes(out / "latest")
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
    assert csv_bytes(out / "latest") == snapshot
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
