"""Lint runs each evaluation's examples through the stance analysis: a role that contradicts
its examples is an error at the example's entry."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.lexicon_tools.stance_lint import lint_stance


def _with(lexicon_dir: Path, tmp_path: Path, old: str, new: str) -> Path:
    lex = tmp_path / "lex"
    shutil.copytree(lexicon_dir, lex)
    path = lex / "stance" / "evaluations.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return lex


def _errors(lex: Path) -> list[str]:
    return lint_stance(lex)["stance:evaluations"].errors


def test_the_shipped_examples_hold(lexicon_dir):
    assert _errors(lexicon_dir) == []


def test_a_role_that_contradicts_its_example_is_an_error(lexicon_dir, tmp_path):
    lex = _with(lexicon_dir, tmp_path, "{term: 侵略, polarity: -1, strength: 3, category: threat, "
                "about: agent", "{term: 侵略, polarity: -1, strength: 3, category: threat, "
                "about: relation")  # fmt: skip
    errors = _errors(lex)
    assert len(errors) == 1
    assert "evaluations.yaml:" in errors[0] and "侵略 (about: relation)" in errors[0]
    assert "russia should be negative" in errors[0]


def test_an_example_that_says_the_entry_is_silent_where_it_speaks(lexicon_dir, tmp_path):
    lex = _with(lexicon_dir, tmp_path, "expect: {dprk: negative, japan: none}",
                "expect: {dprk: none, japan: none}")  # fmt: skip
    assert any("dprk should be none, but the entry evaluates it" in e for e in _errors(lex))


def test_unknown_targets_and_signs_are_named(lexicon_dir, tmp_path):
    lex = _with(lexicon_dir, tmp_path, "expect: {dprk: negative, japan: none}",
                "expect: {mars: negative, dprk: bad}")  # fmt: skip
    errors = _errors(lex)
    assert any("unknown target 'mars'" in e for e in errors)
    assert any("dprk: expect one of positive, negative, none" in e for e in errors)
