"""The run's lexicon gate gives lint's verdict: the first error, and a clean verdict kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.analyze.lexicon_set import lexicon_set
from pipeline.analyze.lexicon_yaml import LexiconError
from pipeline.lexicon_tools.gate import lint_errors, refuse_what_lint_refuses


def test_a_clean_folder_passes_and_its_verdict_is_kept(tmp_path, lexicon_dir):
    sha = lexicon_set(lexicon_dir).sha256
    refuse_what_lint_refuses(lexicon_dir, sha, tmp_path / "lint")
    assert len(list((tmp_path / "lint").iterdir())) == 1
    refuse_what_lint_refuses(lexicon_dir, sha, tmp_path / "lint")
    assert len(list((tmp_path / "lint").iterdir())) == 1, "same key, same marker"
    refuse_what_lint_refuses(lexicon_dir, "another", tmp_path / "lint")
    assert len(list((tmp_path / "lint").iterdir())) == 2, "another set, another verdict"


def test_lints_first_error_is_the_runs(tmp_path, lexicon_dir):
    lex = tmp_path / "lex"
    shutil.copytree(lexicon_dir, lex)
    with (lex / "pro_moscow.yaml").open("a", encoding="utf-8") as fh:
        fh.write('  - term: "ばかり*"\n    category: test\n    note: function words only\n')
        fh.write('  - term: "ずつ*"\n    category: test\n    note: function words only\n')
    errors = lint_errors(lex)
    assert len(errors) == 2
    with pytest.raises(LexiconError) as caught:
        refuse_what_lint_refuses(lex, "sha", tmp_path / "lint")
    message = str(caught.value)
    assert message.startswith(errors[0]) and "(and 1 more)" in message
    assert "\n" not in message
    assert not (tmp_path / "lint").exists(), "no verdict kept for a refused set"


def test_no_cache_keeps_nothing(tmp_path, lexicon_dir):
    refuse_what_lint_refuses(Path(lexicon_dir), "sha", None)
    assert not list(tmp_path.iterdir())
