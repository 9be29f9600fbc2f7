"""Check each evaluation's examples against the stance analysis a run performs.

An evaluation may list examples (``examples: [{text: …, expect: {target: negative}}]``): a
sentence and the sign its entry must give each named target there (``none``: the entry gives
that target nothing). The sentence goes through the run's own cleaning, tokenizing and stance
attribution, so an entry whose role (``about``) contradicts what its examples say it does is
an error with the example's line, and so is an example whose target the lexicon lacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.analyze import lexicon_schemas as schemas
from pipeline.analyze.lexicon_yaml import read
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.lexicon_tools.lint_report import FrameReport

SIGNS = {"positive": 1, "negative": -1, "none": 0}


def entry_signs(text: str, term: str, stance: StanceLexicon) -> dict[str, set[int]]:
    """The signs the evaluation ``term`` gives each target in ``text``, counted hits only."""
    from pipeline.analyze.article import clean_and_tokenize
    from pipeline.analyze.stance import find_stance

    clean, sentences = clean_and_tokenize(text)
    signs: dict[str, set[int]] = {}
    for hit in find_stance(clean, sentences, stance)[0]:
        if hit.counted and hit.term == term:
            signs.setdefault(hit.target, set()).add(hit.polarity)
    return signs


def _verdict(want: int, got: set[int]) -> str | None:
    if want == 0:
        return None if not got else "evaluates it"
    if want in got:
        return None
    return "gives it the other sign" if got else "does not evaluate it"


def _check(item: dict[str, Any], example: dict[str, Any], stance: StanceLexicon) -> list[str]:
    problems = []
    got = entry_signs(str(example["text"]), str(item["term"]), stance)
    for target, expected in example["expect"].items():
        if target not in stance.target_ids:
            problems.append(f"unknown target {target!r}")
        elif expected not in SIGNS:
            problems.append(f"{target}: expect one of {', '.join(SIGNS)}, got {expected!r}")
        elif (why := _verdict(SIGNS[expected], got.get(target, set()))) is not None:
            problems.append(f"{target} should be {expected}, but the entry {why}")
    return problems


def lint_examples(stance: StanceLexicon, report: FrameReport) -> None:
    """Errors for examples the analysis contradicts (file:line of the example)."""
    path = Path(stance.evaluations.path)
    doc = read(path, schemas.EVALUATIONS)
    if doc.problems:  # the loader has reported them
        return
    for i, item in enumerate(doc.data["entries"]):
        about = item.get("about") or "holder"
        for j, example in enumerate(item.get("examples") or []):
            for problem in _check(item, example, stance):
                line = doc.line("entries", i, "examples", j) or doc.line("entries", i)
                report.errors.append(
                    f"{path}:{line}: {item['term']} (about: {about}): example "
                    f"「{str(example['text'])[:40]}」: {problem}"
                )
