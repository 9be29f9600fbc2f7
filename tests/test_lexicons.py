"""Lexicon loader errors: each names the file and the line of the offending entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.analyze.lexicons import LexiconError, bundle_hash, load_lexicon, load_lexicons

GOOD_ENTRY = """\
  - term: 特別軍事作戦
    category: naming
    weight: 2
    note: The Kremlin's name for the war.
"""


def lexicon_file(tmp_path: Path, bad_entry: str, name: str = "frame.yaml") -> Path:
    """A lexicon whose second entry (starting on line 8) is ``bad_entry``."""
    path = tmp_path / name
    path.write_text("frame: probe\nlabel: Probe\nentries:\n" + GOOD_ENTRY + bad_entry, "utf-8")
    return path


def assert_error_at(path: Path, line: int | range, *words: str) -> LexiconError:
    """Loading ``path`` fails with a message that starts ``path:line:`` and has ``words``."""
    lines = line if isinstance(line, range) else range(line, line + 1)
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    message = str(err.value)
    assert err.value.path == path and err.value.line in lines, message
    assert message.startswith(f"{path}:{err.value.line}:"), message
    for word in words:
        assert word in message, message
    return err.value


def test_good_lexicon_loads(tmp_path: Path) -> None:
    path = lexicon_file(tmp_path, "  - term: 軍事作戦\n    category: naming\n    note: shorter.\n")
    lex = load_lexicon(path)
    assert [(e.term, e.line, e.weight) for e in lex.entries] == [
        ("特別軍事作戦", 4, 2.0),
        ("軍事作戦", 8, 1.0),
    ]


def test_malformed_yaml(tmp_path: Path) -> None:
    path = lexicon_file(tmp_path, "  - term: [unclosed\n    category: naming\n    note: x\n")
    assert_error_at(path, range(8, 11), "malformed YAML")


def test_tab_indentation_is_malformed_yaml(tmp_path: Path) -> None:
    path = lexicon_file(tmp_path, "  - term: 挑発\n\tcategory: blame\n    note: x\n")
    assert_error_at(path, range(8, 10), "malformed YAML")


def test_unknown_entry_key(tmp_path: Path) -> None:
    path = lexicon_file(
        tmp_path, "  - term: 挑発\n    category: blame\n    wieght: 2\n    note: x\n"
    )
    assert_error_at(path, 10, "unknown key", "wieght", "did you mean 'weight'")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = tmp_path / "frame.yaml"
    path.write_text("frame: probe\nentires: []\nentries:\n" + GOOD_ENTRY, "utf-8")
    assert_error_at(path, 2, "entires", "did you mean 'entries'")


@pytest.mark.parametrize("term", ['""', "' '", "null", "\u200b"])
def test_empty_term(tmp_path: Path, term: str) -> None:
    path = lexicon_file(tmp_path, f"  - term: {term}\n    category: blame\n    note: x\n")
    assert_error_at(path, 8, "empty term")


@pytest.mark.parametrize("weight", ["heavy", '"2"', "0", "-1", "true", "[1]"])
def test_weight_must_be_a_positive_number(tmp_path: Path, weight: str) -> None:
    path = lexicon_file(
        tmp_path, f"  - term: 挑発\n    category: blame\n    weight: {weight}\n    note: x\n"
    )
    assert_error_at(path, 8 if weight != "[1]" else 10, "weight")


@pytest.mark.parametrize("note", ["", "    note: ''\n", "    note:\n"])
def test_missing_note(tmp_path: Path, note: str) -> None:
    path = lexicon_file(tmp_path, "  - term: 挑発\n    category: blame\n" + note)
    assert_error_at(path, 8, "挑発", "missing note")


def test_missing_category(tmp_path: Path) -> None:
    path = lexicon_file(tmp_path, "  - term: 挑発\n    note: x\n")
    assert_error_at(path, 8, "missing category")


@pytest.mark.parametrize("term", ["の", "から", "、", "ですが", "「」"])
def test_entry_of_only_function_words(tmp_path: Path, term: str) -> None:
    path = lexicon_file(tmp_path, f"  - term: '{term}'\n    category: x\n    note: y\n")
    assert_error_at(path, 8, "function words")


def test_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = lexicon_file(tmp_path, "  - 挑発\n")
    assert_error_at(path, 8, "mapping")


def test_python_tag_is_not_executed_and_gives_a_clear_error(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = lexicon_file(
        tmp_path,
        f'  - term: !!python/object/apply:os.system ["touch {marker}"]\n'
        "    category: x\n    note: y\n",
    )
    try:
        assert_error_at(path, 8, "python/object/apply:os.system")
    finally:
        assert not marker.exists()


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = lexicon_file(
        tmp_path,
        f'  - term: !!python/object/apply:os.system ["touch {marker}"]\n'
        "    category: x\n    note: y\n",
    )
    with pytest.raises(Exception, match="python/object/apply"):
        load_lexicon(path)
    assert not marker.exists()


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "frame.yaml"
    path.write_bytes(("entries:\n" + GOOD_ENTRY).encode("cp932"))
    with pytest.raises(LexiconError, match="not UTF-8") as err:
        load_lexicon(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("body", ["entries: []\n", "entries: 3\n", "label: x\n", "- a\n- b\n"])
def test_entries_must_be_a_non_empty_list(tmp_path: Path, body: str) -> None:
    path = tmp_path / "frame.yaml"
    path.write_text(body, "utf-8")
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert str(err.value).startswith(str(path))


def test_frame_id_defaults_to_file_name_and_must_be_simple(tmp_path: Path) -> None:
    (tmp_path / "ok_frame.yaml").write_text("entries:\n" + GOOD_ENTRY, "utf-8")
    assert load_lexicon(tmp_path / "ok_frame.yaml").frame == "ok_frame"
    bad = tmp_path / "bad.yaml"
    bad.write_text("frame: Pro-Moscow\nentries:\n" + GOOD_ENTRY, "utf-8")
    assert_error_at(bad, 1, "Pro-Moscow")


def test_same_frame_in_two_files(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("frame: same\nentries:\n" + GOOD_ENTRY, "utf-8")
    with pytest.raises(LexiconError, match="also defined in") as err:
        load_lexicons(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'b.yaml'}:1:")


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match=r"no \*\.yaml"):
        load_lexicons(tmp_path)


def test_bundle_hash_follows_content(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("entries:\n" + GOOD_ENTRY, "utf-8")
    first = bundle_hash(load_lexicons(tmp_path))
    path.write_text("entries:\n" + GOOD_ENTRY.replace("weight: 2", "weight: 3"), "utf-8")
    assert bundle_hash(load_lexicons(tmp_path)) != first
