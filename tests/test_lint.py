"""Lexicon lint: the shipped lexicons are clean; each kind of problem is reported."""

from __future__ import annotations

import json

from pipeline.lexicon_tools.lint import lint, lint_command


def _write(path, body):
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_lexicons_lint_clean(lexicon_dir, capsys):
    assert lint_command(lexicon_dir, as_json=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"pro_moscow", "western_analytic", "korean_press"}
    assert set(report) >= {"stance:targets", "stance:evaluations", "stance:expectations"}
    for name, frame in report.items():
        assert frame["entries"] >= (5 if name == "stance:expectations" else 40)
        assert frame["errors"] == []


def test_problems_are_reported_with_file_and_line(tmp_path):
    _write(
        tmp_path / "a.yaml",
        "entries:\n"
        "  - {term: 侵攻, category: x, note: n}\n"
        "  - {term: 侵攻, category: x, note: duplicate}\n"
        "  - {term: 米, category: x, note: single character}\n"
        "  - {term: 衛*星, category: x, note: glob inside}\n"
        "  - {term: 制裁, category: x, note: n, weight: heavy}\n"
        "  - {term: 孤立, category: x, note: collides}\n",
    )
    _write(tmp_path / "b.yaml", "entries:\n  - {term: 孤立, category: y, note: n}\n")
    reports = lint(tmp_path)
    a, b = reports["a"], reports["b"]
    text = "\n".join(a.errors)
    assert "a.yaml:3" in text and "duplicate" in text
    assert "a.yaml:5" in text and "only a trailing *" in text
    assert "a.yaml:6" in text and "weight" in text
    assert any("a.yaml:4" in w and "single-character" in w for w in a.warnings)
    assert any("also in b" in w for w in a.warnings)
    assert any("also in a" in w for w in b.warnings)


def test_trailing_globs_lint_clean_and_one_character_globs_warn(tmp_path):
    _write(
        tmp_path / "g.yaml",
        "entries:\n"
        "  - {term: 傷つ*, category: x, note: UniDic splits the stem into 傷 and つ}\n"
        "  - {term: 傷つ*, category: x, note: duplicate}\n"
        "  - {term: 殺*, category: x, note: one character}\n"
        "  - {term: 保護, category: x, note: plain}\n"
        "  - {term: 保護*, category: x, note: the plain entry wins on its stem}\n",
    )
    report = lint(tmp_path)["g"]
    assert report.errors == [
        f"{tmp_path / 'g.yaml'}:3: 傷つ*: duplicate of '傷つ*' (line 2): same stem"
    ]
    assert any(":4:" in w and "one-character glob" in w for w in report.warnings)
    assert any(":6:" in w and "wins over the glob" in w for w in report.warnings)
    assert not any(":2:" in w for w in report.warnings)


def test_shared_entries_do_not_warn(tmp_path):
    _write(tmp_path / "a.yaml", "entries:\n  - {term: 孤立, category: x, note: n, shared: [b]}\n")
    _write(tmp_path / "b.yaml", "entries:\n  - {term: 孤立, category: y, note: n, shared: [a]}\n")
    assert all(not r.warnings for r in lint(tmp_path).values())


def test_exit_codes(tmp_path, capsys):
    _write(tmp_path / "ok.yaml", "entries:\n  - {term: 侵攻, category: x, note: n}\n")
    assert lint_command(tmp_path) == 0
    _write(tmp_path / "bad.yaml", "entries: [\n")
    assert lint_command(tmp_path) == 2
    assert "bad.yaml" in capsys.readouterr().out


def test_lint_checks_the_actor_lexicon_with_the_run_loader(tmp_path, lexicon_dir, capsys):
    import shutil

    folder = tmp_path / "lex"
    shutil.copytree(lexicon_dir, folder)
    actors = folder / "sourcing" / "actors.yaml"
    actors.parent.mkdir(exist_ok=True)
    actors.write_text("groups: {a: A}\nactors:\n  - {term: 017, group: a}\n", encoding="utf-8")
    assert lint_command(folder) == 2
    out = capsys.readouterr().out
    assert f"error: {actors}:3: `term` must be text, got the number 017" in out
    assert "sourcing:actors: 0 entries, 1 errors" in out
