"""The real flow on a tiny corpus that carries stance_gold.csv: the run writes
stance_validation.csv, run.json's summary and the dashboard block; ``stance-check`` prints
the figures; a bad gold file stops the run before analysis with one line."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from pipeline.ingest.stance_gold import GOLD_FILE, StanceGoldError
from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import read_table

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "gold" / "stance" / "dev"
PICK = ["dev-08", "dev-13", "dev-25"]  # an editorial, a neutral wire, a pro-Pyongyang piece


def _tiny_corpus(folder: Path) -> Path:
    """Three dev texts with their manifest rows and gold labels."""
    (folder / "articles").mkdir(parents=True)
    with open(DEV / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["id"] in PICK]
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for r in rows:
        shutil.copy(DEV / r["file"], folder / r["file"])
    lines = (DEV / GOLD_FILE).read_text("utf-8").splitlines()
    kept = [lines[0]] + [x for x in lines[1:] if x.split(",", 1)[0] in PICK]
    (folder / GOLD_FILE).write_text("\n".join(kept) + "\n", "utf-8")
    return folder


@pytest.fixture(scope="module")
def gold_run(harness, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from pipeline.orchestration.flows import Settings, framing_flow

    corpus = _tiny_corpus(tmp_path_factory.mktemp("gold") / "corpus")
    out = tmp_path_factory.mktemp("gold_out")
    settings = Settings(corpus=str(corpus), lexicons=str(ROOT / "lexicons"), out=str(out),
                        bootstrap=50, permutations=50)  # fmt: skip
    return corpus, Path(framing_flow(settings)["run_dir"])


def test_the_run_writes_stance_validation(gold_run: tuple[Path, Path]) -> None:
    corpus, run = gold_run
    table = read_table(run, "stance_validation")
    assert list(table.columns) == columns("stance_validation")
    gold = read_table(run, "stance_validation").set_index("target")
    n_gold = len((corpus / GOLD_FILE).read_text("utf-8").splitlines()) - 1
    assert gold.loc["all", "pairs"] == n_gold
    assert gold.loc["russia", "pairs"] == len(PICK)
    per_target = gold.drop(index="all")
    assert per_target["pairs"].sum() == n_gold
    assert gold.loc["all", "gold_signed"] == per_target["gold_signed"].sum()
    assert 0 <= gold.loc["all", "coverage"] <= 1
    info = json.loads((run / "run.json").read_text("utf-8"))
    assert info["stance_validation"]["pairs"] == n_gold
    html = (run / "dashboard.html").read_text("utf-8")
    assert 'id="t-stance-validation"' in html and "Stance against gold labels" in html


def test_stance_check_prints_the_figures(
    gold_run: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    corpus, run = gold_run
    assert main(["stance-check", str(run), "--lexicons", str(ROOT / "lexicons")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["target", "pairs", "gold"]
    assert lines[-1].split()[:2] == [
        "all",
        str(int(read_table(run, "stance_validation")["pairs"].iloc[-1])),
    ]
    bad = corpus.parent / "bad.csv"
    bad.write_text("id,target,stance\ndev-08,russia,5\n", "utf-8")
    code = main(
        ["stance-check", str(run), "--gold", str(bad), "--lexicons", str(ROOT / "lexicons")]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert err.endswith("bad.csv:2: stance '5' is not -1, 0 or 1")


def test_a_bad_gold_file_stops_the_run_before_analysis(harness, tmp_path: Path) -> None:
    from pipeline.orchestration.flows import Settings, framing_flow

    corpus = _tiny_corpus(tmp_path / "corpus")
    with open(corpus / GOLD_FILE, "a", encoding="utf-8") as fh:
        fh.write("dev-08,russia,1,repeated\n")
    out = tmp_path / "out"
    settings = Settings(corpus=str(corpus), lexicons=str(ROOT / "lexicons"), out=str(out))
    with pytest.raises(StanceGoldError, match=r"duplicate pair dev-08 × russia"):
        framing_flow(settings)
    assert not (out / "latest").exists()
