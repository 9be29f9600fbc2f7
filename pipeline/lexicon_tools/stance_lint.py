"""Lint the stance lexicons: what their loader refuses (schema, an evaluation listed with both
polarities, a target alias claimed by two targets: the run's own errors), then terms that miss
their own text and near-duplicates.

Reports have the shape of ``lint.FrameReport`` so that ``lexicon lint`` prints them with the
frame lexicons' reports.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.analyze.hits import Matcher, match_sentence
from pipeline.analyze.lexicons import Entry, Lexicon, LexiconError
from pipeline.analyze.stance_lexicon import STANCE_DIR, StanceLexicon, load_stance
from pipeline.analyze.tokens import lemmas
from pipeline.lexicon_tools.lint_report import CARRIER, FrameReport
from pipeline.lexicon_tools.stance_examples import lint_examples


def _self_match(lex: Lexicon, report: FrameReport) -> None:
    m = Matcher([lex])
    for e in lex.entries:
        where = f"{lex.path}:{e.line}"
        if not any(x is e for _, x, _, _ in match_sentence(lemmas(e.term), m)):
            report.errors.append(f"{where}: {e.term}: does not match its own text")
        elif not any(
            x is e for _, x, _, _ in match_sentence(lemmas(CARRIER.format(term=e.term)), m)
        ):
            report.warnings.append(
                f"{where}: {e.term}: tokenized differently inside a sentence; may miss real text"
            )


def _same_lemmas(entries: list[Entry]) -> dict[tuple[str, ...], list[Entry]]:
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.lemmas, []).append(e)
    return {k: v for k, v in groups.items() if len(v) > 1}


def lint_targets(stance: StanceLexicon, report: FrameReport) -> None:
    """Aliases that miss themselves, aliases of two targets, one-character aliases that no
    ``common_words`` guard ties to an actor word after them (米 needs 政府, 側 …)."""
    _self_match(stance.targets, report)
    _self_match(stance.relations, report)
    path = stance.targets.path
    for group in _same_lemmas(stance.targets.entries).values():
        first = group[0]
        if len({e.frame for e in group}) == 1:  # two targets: an error of the loader
            report.warnings.append(
                f"{path}:{group[1].line}: {group[1].term}: same lemmas as {first.term!r} "
                f"(line {first.line})"
            )
    for e in stance.targets.entries:
        guard = stance.guards.get(e.term)
        if len(e.lemmas) == 1 and len(e.lemmas[0]) == 1 and not (guard and guard.needs):
            report.warnings.append(
                f"{path}:{e.line}: {e.term}: a one-character alias matches every word with "
                "that lemma"
            )


def lint_evaluations(stance: StanceLexicon, report: FrameReport) -> None:
    """Evaluations that miss themselves, listed twice, or with both polarities."""
    lex = stance.evaluations
    _self_match(lex, report)
    for group in _same_lemmas(lex.entries).values():  # both polarities: a loader error
        first = group[0]
        others = ", ".join(f"{e.term!r} (line {e.line})" for e in group[1:])
        report.warnings.append(
            f"{lex.path}:{first.line}: {first.term}: same lemmas as {others}; the first wins"
        )
    aliases = {e.lemmas: e for e in stance.targets.entries}
    for e in lex.entries:
        if e.lemmas in aliases:
            report.warnings.append(
                f"{lex.path}:{e.line}: {e.term}: also an alias of "
                f"{aliases[e.lemmas].frame}; it evaluates that target by name (in_name)"
            )


def lint_stance(directory: Path) -> dict[str, FrameReport]:
    """Reports for the stance files of a lexicon folder (``directory/stance``), keyed
    ``stance:<file stem>``; empty when the folder has no stance files."""
    folder = Path(directory) / STANCE_DIR
    if not (folder / "targets.yaml").is_file():
        return {}
    reports = {
        f"stance:{name}": FrameReport(str(folder / f"{name}.yaml"), f"stance:{name}")
        for name in ("targets", "evaluations", "expectations")
    }
    errors: list[LexiconError] = []
    try:
        stance = load_stance(folder, errors=errors)
    except LexiconError as exc:
        name = Path(exc.path).stem
        reports.get(f"stance:{name}", reports["stance:targets"]).errors.append(str(exc))
        return reports
    assert stance is not None
    for err in errors:
        reports.get(f"stance:{Path(err.path).stem}", reports["stance:targets"]).errors.append(
            str(err)
        )
    reports["stance:targets"].entries = len(stance.targets.entries) + len(stance.relations.entries)
    reports["stance:evaluations"].entries = len(stance.evaluations.entries)
    reports["stance:expectations"].entries = sum(map(len, stance.expectations.values()))
    lint_targets(stance, reports["stance:targets"])
    lint_evaluations(stance, reports["stance:evaluations"])
    lint_examples(stance, reports["stance:evaluations"])
    return reports
