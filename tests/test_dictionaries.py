"""Importing quanteda and LIWC dictionaries, exporting to quanteda YAML.

The dictionaries in tests/fixtures/dictionaries/ are written in the formats others publish:
a J-MFD-style LIWC .dic (UTF-8, and Shift_JIS with CRLF), an MFD 2.0-style LIWC .dic in
Latin-1, a quanteda YAML with nested categories, a newsmap-style YAML and a WordStat .cat.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.analyze.article import analyze_text
from pipeline.analyze.lexicons import load_lexicons
from pipeline.cli import main
from pipeline.lexicon_tools.dictionaries import DictionaryError, frame_id, read_dictionary
from pipeline.lexicon_tools.export_dictionary import to_quanteda
from pipeline.lexicon_tools.import_dictionary import TargetExists, import_dictionary
from pipeline.lexicon_tools.lint import lint

ROOT = Path(__file__).resolve().parent.parent
DICTS = Path(__file__).resolve().parent / "fixtures" / "dictionaries"


def _import(name: str, to: Path, frame: str | None = None):
    path = DICTS / name
    return import_dictionary(read_dictionary(path, frame), to, path)


def _entries(directory: Path) -> dict[str, dict[str, tuple]]:
    """frame → term → (categories, weight, shared) of the lexicons in ``directory``."""
    return {
        lex.frame: {e.term: (e.all_categories, e.weight, e.shared) for e in lex.entries}
        for lex in load_lexicons(directory)
    }


def test_liwc_globs_match_inflected_forms_of_stems_unidic_splits(tmp_path):
    _import("jmfd_style.dic", tmp_path)
    lexicons = load_lexicons(tmp_path)
    text = "彼は友人を傷つけた。友人は深く傷ついた。戦争で苦しむ人々を守った。"
    _, _, hits = analyze_text(text, lexicons)
    found = {(h.frame, h.term, h.matched) for h in hits}
    assert ("harmvice", "傷つ*", "傷つけ") in found
    assert ("harmvice", "傷つ*", "傷つい") in found
    assert ("harmvice", "苦し*", "苦しむ") in found
    assert ("harmvirtue", "守*", "守っ") in found
    assert ("fairnessvice", "苦し*", "苦しむ") in found, "a word in two categories counts in both"


def test_bad_liwc_entries_are_reported_and_skipped_the_rest_used(tmp_path):
    result = _import("jmfd_style.dic", tmp_path)
    reasons = "\n".join(result.skipped)
    for line, reason in (
        (27, "same lemmas as '思いやり'; merged"),
        (28, "made only of function words"),
        (29, "a glob needs a stem"),
        (30, "only a trailing *"),
        (31, "unknown category id(s) 99"),
    ):
        assert f"jmfd_style.dic:{line}:" in reasons and reason in reasons
    entries = _entries(tmp_path)
    assert set(entries) == {
        "harmvirtue", "harmvice", "fairnessvirtue", "fairnessvice", "authorityvirtue",
        "purityvice",
    }  # fmt: skip
    assert entries["harmvice"]["苦し*"][2] == ("fairnessvice",), "shared with its other frame"
    assert "思い遣り" not in entries["harmvirtue"] and "思いやり" in entries["harmvirtue"]
    assert all(not r.errors for r in lint(tmp_path).values()), "what is written lints clean"


def test_shift_jis_and_latin1_dictionaries_are_decoded(tmp_path):
    _import("jmfd_style.dic", tmp_path / "utf8")
    result = _import("jmfd_style_sjis.dic", tmp_path / "sjis")
    assert _entries(tmp_path / "utf8") == _entries(tmp_path / "sjis")
    assert read_dictionary(DICTS / "jmfd_style_sjis.dic").encoding == "shift_jis"
    assert result.written
    _import("mfd2_style_latin1.dic", tmp_path / "latin1")
    entries = _entries(tmp_path / "latin1")
    assert {"naïve*", "protégé*", "kind of", "compassion"} <= set(entries["care_virtue"])
    assert "équité" in entries["fairness_virtue"]
    assert entries["loyalty_virtue"]["patriot*"][2] == ("fairness_virtue",)
    labels = {lex.frame: lex.label for lex in load_lexicons(tmp_path / "latin1")}
    assert labels["care_virtue"] == "care.virtue", "the category name is kept as the label"


def test_one_frame_keeps_liwc_categories_and_every_category_of_a_word(tmp_path):
    _import("jmfd_style.dic", tmp_path, frame="jmfd")
    (lex,) = load_lexicons(tmp_path)
    entry = {e.term: e for e in lex.entries}["苦し*"]
    assert lex.frame == "jmfd" and entry.all_categories == ("harmvice", "fairnessvice")
    _, _, hits = analyze_text("人々は苦しんだ。", [lex])
    assert [(h.term, h.category, h.matched) for h in hits] == [
        ("苦し*", "harmvice fairnessvice", "苦しん")
    ]


def test_quanteda_nested_keys_become_categories_and_duplicates_keep_both(tmp_path):
    _import("quanteda_nested.yml", tmp_path)
    entries = _entries(tmp_path)
    assert entries["care"]["保護*"][0] == ("virtue_protection",)
    assert entries["care"]["傷つ*"][0] == ("vice",)
    assert entries["loyalty"]["同盟"][0] == ("virtue", "vice"), "both categories kept"
    assert entries["care"]["攻撃"][2] == ("fairness",) and entries["fairness"]["攻撃"][2] == (
        "care",
    )
    assert all(not r.errors and not r.warnings for r in lint(tmp_path).values())


def test_newsmap_style_yaml_imports_as_frames_or_as_one(tmp_path):
    _import("newsmap_ja.yml", tmp_path / "frames")
    entries = _entries(tmp_path / "frames")
    assert set(entries) == {"africa", "asia", "europe", "america"}
    assert entries["africa"]["コンゴ"][0] == ("middle_cd", "middle_cg")
    assert entries["asia"]["ジョージア"][2] == ("america",)
    _import("newsmap_ja.yml", tmp_path / "one", frame="newsmap")
    (lex,) = load_lexicons(tmp_path / "one")
    _, _, hits = analyze_text(
        "ロシア軍はウクライナ東部で攻勢を強め、東京都内でも報じられた。", [lex]
    )
    assert {(h.term, h.matched, h.category) for h in hits} == {
        ("ロシア*", "ロシア", "europe_east_ru"),
        ("ウクライナ*", "ウクライナ", "europe_east_ua"),
        ("東京*", "東京", "asia_east_jp"),
    }


def test_export_then_import_round_trips_labels_notes_weights_shared(tmp_path, lexicon_dir):
    lexicons = load_lexicons(lexicon_dir)
    exported = tmp_path / "framing.yml"
    exported.write_text(to_quanteda(lexicons), encoding="utf-8")
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert set(data) == {lex.frame for lex in lexicons}, "still a quanteda dictionary"
    result = import_dictionary(read_dictionary(exported), tmp_path / "back", exported)
    assert result.skipped == []
    back = {lex.frame: lex for lex in load_lexicons(tmp_path / "back")}
    for lex in lexicons:
        other = back[lex.frame]
        assert (other.label, other.description) == (lex.label, lex.description)

        def key(e):
            return e.term, e.all_categories, e.weight, e.note, e.shared

        assert sorted(map(key, other.entries)) == sorted(map(key, lex.entries))
    assert any(e.weight != 1 for lex in lexicons for e in lex.entries), "weights were tested"
    assert any(e.shared for lex in lexicons for e in lex.entries), "shared was tested"


def test_export_keeps_globs_and_categories_of_imported_lexicons(tmp_path):
    _import("quanteda_nested.yml", tmp_path / "lex")
    data = yaml.safe_load(to_quanteda(load_lexicons(tmp_path / "lex")))
    assert data["loyalty"]["virtue"] == ["忠誠", "団結", "同盟"]
    assert sorted(data["loyalty"]["vice"]) == ["同盟", "裏切*"]
    assert data["care"]["vice"] == ["傷つ*", "苦し*", "攻撃"]


def test_no_overwrite_without_force(tmp_path, capsys):
    lex = tmp_path / "lexicons"
    lex.mkdir()
    curated = lex / "care.yaml"
    curated.write_text("entries:\n  - {term: 保護, category: x, note: curated}\n", "utf-8")
    source = str(DICTS / "quanteda_nested.yml")
    assert main(["lexicon", "import", source, "--to", str(lex)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "care.yaml already exists; use --force" in err[0]
    assert "curated" in curated.read_text("utf-8")
    assert sorted(p.name for p in lex.iterdir()) == ["care.yaml"], "nothing half-written"
    assert main(["lexicon", "import", source, "--to", str(lex), "--force"]) == 0
    assert "curated" not in curated.read_text("utf-8")
    assert {lex.frame for lex in load_lexicons(lex)} == {"care", "fairness", "loyalty"}


def test_a_frame_defined_by_another_file_is_not_duplicated(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "frame: care\nentries:\n  - {term: 保護, category: x, note: n}\n", "utf-8"
    )
    with pytest.raises(TargetExists, match=r"frame 'care' .*mine.yaml"):
        _import("quanteda_nested.yml", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]


def test_unsupported_formats_are_named_with_exit_2(tmp_path):
    text_cat = tmp_path / "wordstat.txt"
    text_cat.write_bytes((DICTS / "wordstat.cat").read_bytes())
    for path, said in ((DICTS / "wordstat.cat", "WordStat .cat"), (text_cat, "WordStat .cat")):
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline", "lexicon", "import", str(path), "--to", "x"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "unsupported format" in lines[0] and said in lines[0]
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()


def test_unreadable_files_raise_a_one_line_reason(tmp_path):
    broken = tmp_path / "d.yml"
    broken.write_text("care: [保護, 安全\nfairness: [公正]\n", "utf-8")
    with pytest.raises(DictionaryError, match=r"d.yml:\d+: malformed YAML"):
        read_dictionary(broken)
    no_header = tmp_path / "d.dic"
    no_header.write_text("友好\t1\n", "utf-8")
    with pytest.raises(DictionaryError, match="no %-delimited category header"):
        read_dictionary(no_header)
    binary = tmp_path / "b.dic"
    binary.write_bytes(b"%\n1\tx\n%\n\x00\x01\x02\xff\xfe" * 10)
    with pytest.raises(DictionaryError, match="cannot read"):
        read_dictionary(binary)


def test_frame_ids_are_safe():
    assert frame_id("Care.Virtue") == "care_virtue"
    assert frame_id("../../etc") == "etc"
    assert frame_id("***") == "frame"


def test_imported_globs_match_inflected_forms_in_a_real_run(harness, tmp_path):
    """End to end: a LIWC dictionary imported, then scored by the real flow."""
    import pandas as pd

    from pipeline.orchestration.flows import Settings, framing_flow

    dic = str(DICTS / "jmfd_style.dic")
    assert main(["lexicon", "import", dic, "--to", str(tmp_path / "l")]) == 0
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = {
        "a": "彼は友人の心を深く傷つけた。友人は傷ついたが、差別には抗議した。",
        "b": "市民は苦しんだ。政府は人々を守ると約束し、平等な扱いを求めた。",
    }
    for name, text in texts.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    (corpus / "manifest.csv").write_text(
        "id,file,source,published\na,a.txt,s1,2024-01-01\nb,b.txt,s2,2024-01-02\n", "utf-8"
    )
    settings = Settings(
        corpus=str(corpus), lexicons=str(tmp_path / "l"), out=str(tmp_path / "out"),
        bootstrap=50, permutations=50,
    )  # fmt: skip
    result = framing_flow(settings)
    assert result["scored"] == 2
    hits = pd.read_csv(Path(result["run_dir"]) / "data" / "hits.csv")
    found = set(zip(hits.frame, hits.term, hits.matched, strict=True))
    assert {
        ("harmvice", "傷つ*", "傷つけ"),
        ("harmvice", "傷つ*", "傷つい"),
        ("harmvice", "苦し*", "苦しん"),
        ("fairnessvice", "苦し*", "苦しん"),
        ("harmvirtue", "守*", "守る"),
        ("fairnessvice", "差別*", "差別"),
        ("fairnessvirtue", "平等*", "平等"),
    } <= found
    lexicon = pd.read_csv(Path(result["run_dir"]) / "data" / "lexicon.csv")
    assert "傷つ*" in set(lexicon.term), "glob entries are listed as written"
