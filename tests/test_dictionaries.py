"""Importing quanteda and LIWC dictionaries, exporting to quanteda YAML."""

from __future__ import annotations

import pytest
import yaml

from pipeline.analyze.lexicons import load_lexicons
from pipeline.lexicon_tools.dictionaries import (
    DictionaryError,
    frame_id,
    read_liwc,
    read_quanteda,
    to_quanteda,
    write_lexicons,
)


def test_quanteda_keys_become_frames_and_nested_keys_categories(tmp_path):
    path = tmp_path / "d.yml"
    path.write_text("Care:\n  virtue: [保護*, 安全]\n  vice: [攻撃]\nFairness: [公正]\n", "utf-8")
    imported = read_quanteda(path)
    assert imported.frames["care"] == [("保護", "virtue"), ("安全", "virtue"), ("攻撃", "vice")]
    assert imported.frames["fairness"] == [("公正", "fairness")]
    assert any("保護*" in n for n in imported.notes), "a dropped glob is reported"


def test_liwc_categories_become_frames(tmp_path):
    path = tmp_path / "d.dic"
    path.write_text("%\n1\tposemo\n2\tnegemo\n%\n友好\t1\n脅威*\t2\n挑発\t1\t2\n", "utf-8")
    imported = read_liwc(path)
    assert [t for t, _ in imported.frames["posemo"]] == ["友好", "挑発"]
    assert [t for t, _ in imported.frames["negemo"]] == ["脅威", "挑発"]


def test_liwc_errors_name_the_line(tmp_path):
    path = tmp_path / "d.dic"
    path.write_text("%\n1\tposemo\n%\n友好\t9\n", "utf-8")
    with pytest.raises(DictionaryError, match=r"d.dic:4: unknown category id '9'"):
        read_liwc(path)
    path.write_text("友好\t1\n", "utf-8")
    with pytest.raises(DictionaryError, match="header"):
        read_liwc(path)


def test_imported_lexicons_load_and_export_round_trips(tmp_path):
    path = tmp_path / "d.yml"
    path.write_text("Care:\n  virtue: [保護, 安全, 安全]\n  vice: [攻撃]\n", "utf-8")
    written = write_lexicons(read_quanteda(path), tmp_path / "lex", path)
    assert [p.name for p in written] == ["care.yaml"]
    lexicons = load_lexicons(tmp_path / "lex")
    assert [e.term for e in lexicons[0].entries] == ["保護", "安全", "攻撃"], "duplicates dropped"
    exported = yaml.safe_load(to_quanteda(lexicons))
    assert exported == {"care": {"virtue": ["保護", "安全"], "vice": ["攻撃"]}}


def test_frame_ids_are_safe():
    assert frame_id("Care.Virtue") == "care_virtue"
    assert frame_id("../../etc") == "etc"
    assert frame_id("***") == "frame"
