"""Hostile lexicon YAML: duplicate keys, wrong types and absurd numbers are errors with a line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.analyze.lexicons import LexiconError, load_lexicon, load_lexicons

ROOT = Path(__file__).resolve().parent.parent
HEAD = "frame: test_frame\nlabel: テスト\nentries:\n"


def _write(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    path = tmp_path / "test_frame.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path


ENTRY = "  - term: 軍事作戦\n    category: naming\n    note: why\n"


@pytest.mark.parametrize(
    ("weight", "line"),
    [(".inf", 7), ("-.inf", 7), (".nan", 7), ("1e308", 7), ("101", 7), ("0", 7), ("true", 7)],
)
def test_a_non_finite_or_absurd_weight_is_rejected_with_its_line(
    tmp_path: Path, weight: str, line: int
) -> None:
    path = _write(tmp_path, ENTRY + f"    weight: {weight}\n" + ENTRY)
    with pytest.raises(LexiconError, match=r"weight must be a number > 0 and <= 100") as err:
        load_lexicon(path)
    assert str(err.value).startswith(f"{path}:4:"), "the entry's line"


def test_a_large_but_sane_weight_is_kept(tmp_path: Path) -> None:
    lex = load_lexicon(_write(tmp_path, ENTRY + "    weight: 2.5\n"))
    assert lex.entries[0].weight == 2.5


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("  - term: 軍事作戦\n    term: 特別軍事作戦\n    category: a\n    note: b\n", 5),
        ("  - {term: 軍事作戦, term: 別, category: a, note: b}\n", 4),
    ],
)
def test_a_duplicate_key_is_an_error_not_last_wins(tmp_path: Path, body: str, line: int) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError, match=r"duplicate key 'term' \(first on line 4\)") as err:
        load_lexicon(path)
    assert str(err.value).startswith(f"{path}:{line}:")


def test_a_duplicate_top_level_key_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY, head="frame: a\nframe: b\nentries:\n")
    with pytest.raises(LexiconError, match=r":2: .*duplicate key 'frame'"):
        load_lexicon(path)


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (
            "  - term: [軍事, 作戦]\n    category: a\n    note: b\n",
            "`term` must be text, got a list",
        ),
        ("  - term: {a: 1}\n    category: a\n    note: b\n", "`term` must be text, got a mapping"),
        ("  - term: 軍事作戦\n    category: {a: 1}\n    note: b\n", "`category` must be text"),
        ("  - term: 軍事作戦\n    category: [[a]]\n    note: b\n", "`category` must be text"),
        ("  - term: 軍事作戦\n    category: a\n    note: {x: y}\n", "`note` must be text"),
        ("  - term: 軍事作戦\n    category: a\n    note: b\n    shared: {x: 1}\n", "`shared`"),
        ("  - term: 軍事作戦\n    category: a\n    note: b\n    shared: [[x]]\n", "`shared`"),
    ],
)
def test_a_list_or_mapping_where_text_is_expected_is_rejected(
    tmp_path: Path, body: str, what: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError, match=rf"^{path}:4: .*{what}"):
        load_lexicon(path)


def test_a_label_that_is_a_list_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY, head="frame: x\nlabel: [a, b]\nentries:\n")
    with pytest.raises(LexiconError, match="`label` must be text, got a list"):
        load_lexicon(path)


def test_zero_width_characters_in_a_term_match_as_the_plain_term(tmp_path: Path) -> None:
    lex = load_lexicon(_write(tmp_path, ENTRY.replace("軍事作戦", "軍\u200b事\u2060作戦\ufeff")))
    plain = load_lexicon(_write(tmp_path, ENTRY))
    assert lex.entries[0].term == "軍事作戦" and lex.entries[0].lemmas == plain.entries[0].lemmas


def test_a_term_of_only_invisible_characters_is_empty(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="empty term"):
        load_lexicon(_write(tmp_path, ENTRY.replace("軍事作戦", "\u200b\u200d")))


def test_lint_and_run_report_it_in_one_line_with_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "lex"
    folder.mkdir()
    _write(folder, ENTRY + "    weight: .inf\n")
    load_error = None
    try:
        load_lexicons(folder)
    except LexiconError as exc:
        load_error = str(exc)
    assert load_error and "weight" in load_error
    lint = subprocess.run(
        [sys.executable, "-m", "pipeline", "lexicon", "lint", "--lexicons", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 2 and "Traceback" not in lint.stderr + lint.stdout
    assert "weight" in lint.stdout + lint.stderr


def test_yaml_nested_too_deeply_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("entries: " + "[" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="nested too deeply"):
        load_lexicon(path)


def test_a_quanteda_import_nested_too_deeply_is_an_error(tmp_path: Path) -> None:
    from pipeline.lexicon_tools.dictionaries import DictionaryError, read_dictionary

    path = tmp_path / "deep.yml"
    path.write_text("a: " + "[" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match="nested too deeply"):
        read_dictionary(path)
