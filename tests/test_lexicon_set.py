"""The lexicon set: every file of a lexicon folder (the actors included) under one hash,
loaded once per process and content, and refused when it changes under a run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import pipeline.analyze.lexicon_set as lexicon_set_module
from pipeline.analyze.actors import DEFAULT_ACTORS
from pipeline.analyze.lexicon_set import fingerprint, lexicon_set, load_lexicon_set
from pipeline.analyze.lexicon_yaml import LexiconError
from pipeline.analyze.lexicons import bundle_hash


@pytest.fixture
def folder(tmp_path: Path, lexicon_dir: Path) -> Path:
    lex = tmp_path / "lex"
    shutil.copytree(lexicon_dir, lex)
    return lex


@pytest.fixture
def loads(monkeypatch) -> list[Path]:
    """The folders ``lexicon_set`` parses (it keeps what it parsed)."""
    calls: list[Path] = []
    load = lexicon_set_module.load_lexicon_set

    def counted(directory: Path):
        calls.append(Path(directory))
        return load(directory)

    monkeypatch.setattr(lexicon_set_module, "load_lexicon_set", counted)
    return calls


def test_the_set_lists_every_file_with_one_hash(folder: Path) -> None:
    lexset = load_lexicon_set(folder)
    names = [f.name for f in lexset.files]
    frames = sorted(p.name for p in folder.glob("*.yaml"))
    stance = ["stance/targets.yaml", "stance/evaluations.yaml", "stance/expectations.yaml"]
    assert names == [*frames, *stance, "sourcing/actors.yaml"]
    assert all(f.path.is_file() and len(f.sha256) == 64 for f in lexset.files)
    assert lexset.sha256 == fingerprint(folder), "the hash needs no parse"
    assert lexset.actors.path == folder.resolve() / "sourcing" / "actors.yaml"
    assert lexset.stance is not None and [lx.frame for lx in lexset.frames] == [
        Path(n).stem for n in frames
    ]


def test_an_actor_edit_changes_the_set_hash_but_not_the_analysis_hash(folder: Path) -> None:
    before = load_lexicon_set(folder)
    actors = folder / "sourcing" / "actors.yaml"
    actors.write_text(actors.read_text("utf-8") + "\n# edited\n", "utf-8")
    after = load_lexicon_set(folder)
    assert after.sha256 != before.sha256
    assert after.analysis_sha256 == before.analysis_sha256
    frame = folder / "pro_moscow.yaml"
    frame.write_text(frame.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert load_lexicon_set(folder).analysis_sha256 != before.analysis_sha256


def test_a_folder_without_stance_or_actors_uses_the_shipped_actors(folder: Path) -> None:
    shutil.rmtree(folder / "stance")
    shutil.rmtree(folder / "sourcing")
    lexset = load_lexicon_set(folder)
    assert lexset.stance is None
    assert lexset.files[-1].name == "sourcing/actors.yaml"
    assert lexset.files[-1].path == DEFAULT_ACTORS
    assert lexset.analysis_sha256 == bundle_hash(lexset.frames)


def test_the_set_is_parsed_once_per_process_and_content(folder: Path, loads) -> None:
    first = lexicon_set(folder)
    assert lexicon_set(str(folder)) is first
    assert lexicon_set(folder, first.sha256) is first
    assert len(loads) == 1
    frame = folder / "korean_press.yaml"
    frame.write_text(frame.read_text("utf-8") + "\n# edited\n", "utf-8")
    second = lexicon_set(folder)
    assert second.sha256 != first.sha256 and len(loads) == 2
    assert lexicon_set(folder, first.sha256) is first, "a task of the earlier run"


def test_a_task_of_a_run_whose_lexicons_changed_is_refused(folder: Path) -> None:
    sha = fingerprint(folder)
    target = folder / "stance" / "evaluations.yaml"
    target.write_text(target.read_text("utf-8") + "\n# edited\n", "utf-8")
    with pytest.raises(LexiconError, match="changed while the run read them"):
        lexicon_set(folder, sha)


def test_every_loader_error_names_the_file_and_line(folder: Path) -> None:
    actors = folder / "sourcing" / "actors.yaml"
    actors.write_text("groups:\n  a: A\n  a: B\n", "utf-8")
    with pytest.raises(LexiconError, match=r"actors\.yaml:3: duplicate key 'a'"):
        lexicon_set(folder)
