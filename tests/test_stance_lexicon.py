"""Loading the stance lexicons: the shipped files, the schema and its errors with lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.analyze.lexicons import LexiconError
from pipeline.analyze.stance_lexicon import load_stance

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "lexicons" / "stance"


def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "stance"
    shutil.copytree(SHIPPED, folder)
    return folder


def test_the_shipped_lexicons_load_with_the_default_targets() -> None:
    lex = load_stance(SHIPPED)
    assert lex is not None
    assert set(lex.target_ids) >= {
        "russia",
        "dprk",
        "russia_dprk_ties",
        "united_states",
        "west",
        "south_korea",
        "japan",
        "ukraine",
        "china",
    }
    assert len(lex.evaluations.entries) >= 300
    categories = {e.category for e in lex.evaluations.entries}
    assert categories == {
        "threat",
        "legality",
        "friendship",
        "legitimacy",
        "blame",
        "humanitarian",
        "success",
    }
    assert all(e.note for e in lex.evaluations.entries)
    assert set(lex.polarity.values()) == {1, -1}
    assert lex.expectations["pro_moscow"]["russia_dprk_ties"] == 1
    assert len(lex.sha256) == 64


def test_a_folder_without_stance_files_turns_stance_off(tmp_path: Path) -> None:
    assert load_stance(tmp_path) is None


def test_a_bad_polarity_names_its_line(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    path = folder / "evaluations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("polarity: -1, strength: 2", "polarity: 0, strength: 2", 1), "utf-8"
    )
    line = next(
        i for i, x in enumerate(path.read_text("utf-8").splitlines(), 1) if "polarity: 0" in x
    )
    with pytest.raises(LexiconError, match=rf"evaluations.yaml:{line}: .*polarity must be 1 or -1"):
        load_stance(folder)
    errors: list[LexiconError] = []
    lex = load_stance(folder, errors=errors)
    assert lex is not None and len(errors) == 1


def test_a_compound_of_an_unknown_target_is_refused(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    path = folder / "targets.yaml"
    path.write_text(
        path.read_text("utf-8").replace(
            "targets: [japan, united_states]}", "targets: [japan, mars]}", 1
        ),
        "utf-8",
    )
    with pytest.raises(LexiconError, match="known ids"):
        load_stance(folder)


def test_an_expectation_on_an_unknown_target_is_refused(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    (folder / "expectations.yaml").write_text(
        "perspectives:\n  pro_moscow:\n    expect: {mars: positive}\n", "utf-8"
    )
    with pytest.raises(LexiconError, match=r"expectations\.yaml:3: pro_moscow: mars"):
        load_stance(folder)


def test_missing_companion_files_are_an_error(tmp_path: Path) -> None:
    folder = copy(tmp_path)
    (folder / "expectations.yaml").unlink()
    with pytest.raises(LexiconError, match="missing"):
        load_stance(folder)
