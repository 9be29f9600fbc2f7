"""Hostile lexicon YAML: duplicate keys, unknown keys, wrong types, aliases and absurd numbers
are errors with a line, the same in run and lint, for every lexicon kind."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.analyze.actors import load_actors
from pipeline.analyze.lexicons import LexiconError, load_lexicon, load_lexicons
from pipeline.analyze.stance_lexicon import load_stance
from pipeline.lexicon_tools.lint import lint

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
    ("body", "line", "what"),
    [
        (
            "  - term: [軍事, 作戦]\n    category: a\n    note: b\n",
            4,
            "`term` must be text, got a list",
        ),
        (
            "  - term: {a: 1}\n    category: a\n    note: b\n",
            4,
            "`term` must be text, got a mapping",
        ),
        ("  - term: 軍事作戦\n    category: {a: 1}\n    note: b\n", 5, "`category` must be text"),
        ("  - term: 軍事作戦\n    category: [[a]]\n    note: b\n", 5, "`category` must be text"),
        ("  - term: 軍事作戦\n    category: a\n    note: {x: y}\n", 6, "`note` must be text"),
        ("  - term: 軍事作戦\n    category: a\n    note: b\n    shared: {x: 1}\n", 7, "`shared`"),
        ("  - term: 軍事作戦\n    category: a\n    note: b\n    shared: [[x]]\n", 7, "`shared`"),
        (
            "  - term: 017\n    category: a\n    note: b\n",
            4,
            "`term` must be text, got the number 017",
        ),
    ],
)
def test_a_list_or_mapping_where_text_is_expected_is_rejected(
    tmp_path: Path, body: str, line: int, what: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError, match=rf"^{path}:{line}: .*{what}"):
        load_lexicon(path)


def test_a_label_that_is_a_list_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY, head="frame: x\nlabel: [a, b]\nentries:\n")
    with pytest.raises(LexiconError, match=r"`label` must be text or a mapping .*, got a list"):
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


# --- one strict reader for every lexicon kind ------------------------------------------------

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(6)
)


def _stance(tmp_path: Path) -> Path:
    folder = tmp_path / "lex"
    shutil.copytree(ROOT / "lexicons", folder)
    return folder


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the line where ``new`` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


@pytest.mark.parametrize(
    "name", ["test_frame.yaml", "stance/targets.yaml", "stance/evaluations.yaml", "actors.yaml"]
)
def test_a_yaml_alias_bomb_is_one_line_quickly(tmp_path: Path, name: str) -> None:
    folder = _stance(tmp_path)
    path = folder / ("sourcing/actors.yaml" if name == "actors.yaml" else name)
    path.write_text(BOMB + "entries:\n  - {term: *g, category: x, note: y}\n", encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(LexiconError, match=r"anchors and aliases .* not accepted") as err:
        if name == "actors.yaml":
            load_actors(path)
        elif name.startswith("stance"):
            load_stance(folder / "stance")
        else:
            load_lexicon(path)
    assert time.monotonic() - start < 5
    assert len(str(err.value)) < 300 and "lol" not in str(err.value)


def test_an_alias_bomb_in_a_quanteda_import_is_refused(tmp_path: Path) -> None:
    from pipeline.lexicon_tools.dictionaries import DictionaryError, read_dictionary

    path = tmp_path / "bomb.yml"
    path.write_text(BOMB + "frame: {cat: *g}\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match="aliases"):
        read_dictionary(path)


def test_a_run_with_an_alias_bomb_exits_2_in_one_line(tmp_path: Path) -> None:
    folder = _stance(tmp_path)
    (folder / "stance" / "targets.yaml").write_text(BOMB + "targets: *g\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--corpus", str(ROOT / "corpus"),
         "--lexicons", str(folder), "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "targets.yaml:" in errors[0] and "aliases" in errors[0]
    assert "Traceback" not in run.stderr and len(run.stderr) < 2000


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "targets.yaml",
            "    names: [ロシア, ロシア連邦,",
            "    nmes: [ロシア, ロシア連邦,",
            r"unknown key 'nmes' \(did you mean 'names'\?\)",
        ),
        (
            "targets.yaml",
            "    names: [ロシア, ロシア連邦,",
            "    names: [017, ロシア連邦,",
            "got the number 017",
        ),
        (
            "targets.yaml",
            "    names: [ロシア, ロシア連邦,",
            "    names: [[ロシア], ロシア連邦,",
            "must be text, got a list",
        ),
        (
            "targets.yaml",
            "    label: {ja: ロシア, en: Russia}\n",
            "    label: {ja: ロシア, en: Russia}\n    id: x\n",
            "duplicate key 'id'",
        ),
        (
            "targets.yaml",
            "    capitals: [モスクワ, クレムリン]\n",
            "    capitals: []\n",
            "must not be empty",
        ),
        (
            "targets.yaml",
            "  - id: russia\n",
            "  - id: mars\n    label: 火星\n  - id: russia\n",
            "'mars' has no alias",
        ),
        (
            "targets.yaml",
            "[ロシア, ロシア連邦,",
            "[ロシア, 北朝鮮, ロシア連邦,",
            "alias claimed by dprk, russia",
        ),
        (
            "targets.yaml",
            "  - {term: 日米, targets:",
            "  - {term: 日米, tragets: [x], targets:",
            "did you mean 'targets'",
        ),
        (
            "evaluations.yaml",
            "  - {term: 脅威, polarity: -1,",
            "  - {term: 脅威, polarty: 1, polarity: -1,",
            "did you mean 'polarity'",
        ),
        (
            "evaluations.yaml",
            "  - {term: 脅威, polarity: -1,",
            "  - {term: 脅威, polarity: -1, term: 威,",
            "duplicate key 'term'",
        ),
        (
            "evaluations.yaml",
            "  - {term: 脅威, polarity: -1,",
            "  - {term: 脅威, polarity: 1, category: x, note: y}\n  - {term: 脅威, polarity: -1,",
            "listed twice",
        ),
        (
            "evaluations.yaml",
            "  - {term: 称賛, polarity: 1,",
            "  - {term: 称賛, polarity: 1, category: x, note: y}\n  - {term: 賞賛, polarity: -1,",
            "both polarities",
        ),
        (
            "expectations.yaml",
            "  pro_moscow:\n",
            "  pro_moscow:\n    expekt: {}\n",
            "did you mean 'expect'",
        ),
    ],
)
def test_stance_lexicon_schema_errors_name_file_and_line_in_run_and_lint(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    folder = _stance(tmp_path)
    path = folder / "stance" / file
    line = _edit(path, old, new)
    with pytest.raises(LexiconError, match=message) as err:
        load_stance(folder / "stance")
    assert err.value.path == path and err.value.line in (line, line + 1), str(err.value)
    found = [e for r in lint(folder).values() for e in r.errors]
    assert str(err.value) in found, found


def test_a_long_value_is_never_rendered_whole(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY.replace("note: why", "note: [" + "x" * 100_000 + "]"))
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert len(str(err.value)) < 300


def test_a_label_may_be_text_or_ja_and_en(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY, head="label: {ja: テスト, en: Test}\nentries:\n")
    assert load_lexicon(path).label == "テスト (Test)"
    path = _write(tmp_path, ENTRY, head="label: {ja: テスト, fr: Test}\nentries:\n")
    with pytest.raises(LexiconError, match=":1: `label` must be text or a mapping with `ja` and"):
        load_lexicon(path)


def test_lint_reports_every_error_the_run_refuses(tmp_path: Path) -> None:
    folder = _stance(tmp_path)
    _edit(
        folder / "sourcing" / "actors.yaml", "  - {term: ルキン, group:", "  - {term: ルキン, grup:"
    )
    with pytest.raises(LexiconError, match="did you mean 'group'") as err:
        load_actors(folder / "sourcing" / "actors.yaml")
    assert lint(folder)["sourcing:actors"].errors == [str(err.value)]
    _write(
        folder, "  - {term: 侵攻, category: x, note: n}\n  - {term: 侵攻, category: x, note: m}\n"
    )
    with pytest.raises(LexiconError, match="duplicate of '侵攻'") as err:
        load_lexicons(folder)
    assert str(err.value) in lint(folder)["test_frame"].errors


def test_a_huge_term_never_reaches_the_tokenizer_or_a_message(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY.replace("軍事作戦", "露" * 300_000))
    with pytest.raises(LexiconError, match="a term is at most 200 characters") as err:
        load_lexicon(path)
    assert len(str(err.value)) < 300
    folder = _stance(tmp_path)
    _edit(
        folder / "stance" / "targets.yaml",
        "[ロシア, ロシア連邦,",
        "[ロシア, " + "露" * 300_000 + ",",
    )
    with pytest.raises(LexiconError, match="a term is at most 200 characters") as err:
        load_stance(folder / "stance")
    assert len(str(err.value)) < 300
