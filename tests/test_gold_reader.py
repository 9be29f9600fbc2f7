"""The gold stance file beside a manifest: read when good, one clear line when bad."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest.corpus import CorpusError
from pipeline.ingest.stance_gold import (
    GOLD_FILE,
    StanceGoldError,
    corpus_stance_gold,
    read_stance_gold,
)

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["russia", "dprk", "russia_dprk_ties", "west", "south_korea"]
IDS = {"a1", "a2"}
HEADER = "id,target,stance,note\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / GOLD_FILE
    path.write_text(header + body, "utf-8")
    return path


def test_a_good_file_reads_with_int_stances(tmp_path: Path) -> None:
    path = _write(tmp_path, "a1,russia,-1,author: 暴挙\na1,dprk,0,\n\na2,west,+1,\n")
    gold = read_stance_gold(path, IDS, TARGETS)
    assert gold[["id", "target", "stance"]].values.tolist() == [
        ["a1", "russia", -1],
        ["a1", "dprk", 0],
        ["a2", "west", 1],
    ]
    assert gold["note"].iloc[0] == "author: 暴挙"


def test_the_note_column_is_optional(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "a1,russia,1\n",
        header="id,target,stance\n",
    )
    assert read_stance_gold(path, IDS, TARGETS)["note"].tolist() == [""]


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        ("a3,russia,1,\n", HEADER, f"{GOLD_FILE}:2: unknown id 'a3': not in manifest.csv"),
        ("a1,rusia,1,\n", HEADER, f"{GOLD_FILE}:2: unknown target 'rusia' (did you mean 'russia'?)"),  # noqa: E501
        ("a1,russia,2,\n", HEADER, f"{GOLD_FILE}:2: stance '2' is not -1, 0 or 1"),
        ("a1,russia,,\n", HEADER, f"{GOLD_FILE}:2: stance '' is not -1, 0 or 1"),
        ("a1,russia,1,\na2,dprk,0,\na1,russia,-1,\n", HEADER,
         f"{GOLD_FILE}:4: duplicate pair a1 × russia (first on line 2)"),
        ("a1,russia,1\n", "id,target,value\n", f"{GOLD_FILE}:1: missing column(s) stance"),
    ],
)  # fmt: skip
def test_a_bad_file_gives_one_line_with_line_and_reason(
    tmp_path: Path, body: str, header: str, expected: str
) -> None:
    path = _write(tmp_path, body, header)
    with pytest.raises(StanceGoldError) as info:
        read_stance_gold(path, IDS, TARGETS)
    message = str(info.value)
    assert "\n" not in message
    assert expected in message


def test_undecodable_bytes_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / GOLD_FILE
    path.write_bytes(HEADER.encode() + "a1,russia,1,反".encode("shift_jis") + b"\n")
    with pytest.raises(StanceGoldError, match=r"not UTF-8 text \(byte \d+\)$"):
        read_stance_gold(path, IDS, TARGETS)


def test_the_gold_error_is_a_corpus_error_so_a_run_exits_2_on_it() -> None:
    assert issubclass(StanceGoldError, CorpusError)


def test_every_shipped_gold_file_reads_against_its_manifest() -> None:
    from pipeline.analyze.stance_lexicon import STANCE_DIR, load_stance

    stance = load_stance(ROOT / "lexicons" / STANCE_DIR)
    assert stance is not None
    for corpus in (ROOT / "corpus", ROOT / "gold/stance/dev", ROOT / "gold/stance/test"):
        gold = corpus_stance_gold(corpus, stance.target_ids)
        assert gold is not None, corpus
        five = gold[gold["target"].isin(TARGETS)].groupby("id").size()
        assert (five == len(TARGETS)).all(), corpus  # every text coded for the five targets
        manifest = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
        assert set(gold["id"]) == set(manifest["id"]), corpus  # and every text of the manifest


def test_a_folder_without_gold_has_none(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text("id,file,source\n", "utf-8")
    assert corpus_stance_gold(tmp_path, TARGETS) is None
