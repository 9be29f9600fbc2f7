"""Lint of the stance lexicons: the shipped files are clean; both polarities, an alias of
two targets and a term that misses itself are errors with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.lexicon_tools.stance_lint import lint_stance

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_stance_lexicons_have_no_errors() -> None:
    reports = lint_stance(ROOT / "lexicons")
    assert set(reports) == {"stance:targets", "stance:evaluations", "stance:expectations"}
    assert all(not r.errors for r in reports.values())
    assert reports["stance:evaluations"].entries >= 300


def test_a_folder_without_stance_files_has_no_reports(tmp_path: Path) -> None:
    assert lint_stance(tmp_path) == {}


def test_conflicts_are_errors(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "lexicons" / "stance", tmp_path / "stance")
    evaluations = tmp_path / "stance" / "evaluations.yaml"
    with evaluations.open("a", encoding="utf-8") as fh:
        fh.write("  - {term: 賞賛, polarity: -1, strength: 1, category: blame, note: x}\n")
    targets = tmp_path / "stance" / "targets.yaml"
    text = targets.read_text("utf-8")
    targets.write_text(text.replace("names: [中国,", "names: [ロシア連邦, 中国,", 1), "utf-8")
    reports = lint_stance(tmp_path)
    errors = reports["stance:evaluations"].errors
    assert any("称賛" in e and "both polarities" in e for e in errors), errors
    target_errors = reports["stance:targets"].errors
    assert any("ロシア連邦: alias claimed by china, russia" in e for e in target_errors)
    assert all(":" in e.split(" ")[0] for e in target_errors + errors)


def _one_character_warnings(folder: Path) -> list[str]:
    return [w for w in lint_stance(folder)["stance:targets"].warnings if "one-character" in w]


def test_a_one_character_alias_is_flagged_unless_a_common_words_guard_covers_it(
    tmp_path: Path,
) -> None:
    assert not any(": 米:" in w for w in _one_character_warnings(ROOT / "lexicons"))
    shutil.copytree(ROOT / "lexicons" / "stance", tmp_path / "stance")
    targets = tmp_path / "stance" / "targets.yaml"
    text = targets.read_text("utf-8")
    start = text.index("  - alias: 米\n")
    end = text.index("  - alias:", start + 1)
    targets.write_text(text[:start] + text[end:], "utf-8")
    assert any(": 米:" in w for w in _one_character_warnings(tmp_path))
