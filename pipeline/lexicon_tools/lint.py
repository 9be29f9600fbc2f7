"""Lint lexicons: schema, duplicates, entries that cannot match, collisions, over-matching.

``python -m pipeline lexicon lint`` prints one line per problem (``file:line: level: text``)
and exits 0 when there are no errors, 2 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.analyze.actors import ACTORS_IN_FOLDER, load_actors
from pipeline.analyze.hits import Matcher, match_sentence
from pipeline.analyze.lexicons import Entry, Lexicon, LexiconError, load_lexicon
from pipeline.analyze.tokens import tokenize_columns
from pipeline.lexicon_tools.lint_report import CARRIER, FrameReport
from pipeline.lexicon_tools.stance_lint import lint_stance


def _self_matches(entry: Entry, m: Matcher, text: str) -> bool:
    cols = tokenize_columns(text).without("空白")
    return any(e is entry for _, e, _, _ in match_sentence(cols.lemmas, m, cols.surfaces))


def _alone(lex: Lexicon, entry: Entry) -> Lexicon:
    """A one-entry copy of ``lex``: what the entry matches with no other entry in the way."""
    return Lexicon(lex.frame, lex.label, lex.description, lex.path, lex.sha256, [entry])


def matches_itself(entry: Entry, path: Path) -> bool:
    """Whether an entry, on its own, matches its own text (a glob: its stem)."""
    lex = Lexicon(entry.frame, entry.frame, "", path, "", [entry])
    return _self_matches(entry, Matcher([lex]), entry.glob or entry.term)


def lint_lexicon(lex: Lexicon, report: FrameReport) -> None:
    """Checks within one frame (two entries with the same lemmas: a loader error)."""
    m = Matcher([lex])
    for e in lex.entries:
        where = f"{lex.path}:{e.line}"
        if e.glob and not _self_matches(e, m, e.glob):
            if _self_matches(e, Matcher([_alone(lex, e)]), e.glob):
                report.warnings.append(
                    f"{where}: {e.term}: a plain entry of the frame ending at the same token "
                    "wins over the glob on its own stem"
                )
            else:
                report.errors.append(f"{where}: {e.term}: does not match its own stem")
        elif not e.glob and not _self_matches(e, m, e.term):
            report.errors.append(f"{where}: {e.term}: does not match its own text")
        elif not _self_matches(e, m, CARRIER.format(term=e.glob or e.term)):
            report.warnings.append(
                f"{where}: {e.term}: tokenized differently inside a sentence; may miss real text"
            )
        if e.glob and len(e.glob) == 1:
            report.warnings.append(
                f"{where}: {e.term}: a one-character glob over-matches (it is any word "
                "starting with that character)"
            )
        elif len(e.lemmas) == 1 and len(e.lemmas[0]) == 1:
            report.warnings.append(
                f"{where}: {e.term}: a single-character entry over-matches (it is any word "
                "with that lemma)"
            )


def lint_collisions(lexicons: list[Lexicon], reports: dict[str, FrameReport]) -> None:
    """Entries with the same lemmas in two frames, unless both mark them as shared."""
    owners: dict[tuple[tuple[str, ...], str], list[Entry]] = {}
    for lex in lexicons:
        for e in lex.entries:
            owners.setdefault((e.lemmas, e.glob), []).append(e)
    paths = {lex.frame: lex.path for lex in lexicons}
    for group in owners.values():
        frames = {e.frame for e in group}
        if len(frames) < 2:
            continue
        for e in group:
            others = sorted(frames - {e.frame})
            if not set(others) <= set(e.shared):
                reports[e.frame].warnings.append(
                    f"{paths[e.frame]}:{e.line}: {e.term}: also in {', '.join(others)} "
                    "(mark it `shared` in both files if deliberate)"
                )


def lint(directory: Path) -> dict[str, FrameReport]:
    """Lint every ``*.yaml`` in ``directory`` and its stance lexicons (``stance/``); reports
    keyed by frame (``stance:<file>`` for the stance files)."""
    reports: dict[str, FrameReport] = {}
    lexicons: list[Lexicon] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        errors: list[LexiconError] = []
        try:
            lex = load_lexicon(path, errors=errors)
        except LexiconError as exc:
            reports[path.stem] = FrameReport(str(path), path.stem, errors=[str(exc)])
            continue
        report = FrameReport(str(path), lex.frame, entries=len(lex.entries))
        report.errors.extend(str(e) for e in errors)
        if lex.frame in reports:
            report.errors.append(f"{path}:1: frame {lex.frame!r} defined twice")
        lint_lexicon(lex, report)
        reports[lex.frame] = report
        lexicons.append(lex)
    lint_collisions(lexicons, reports)

    reports.update(lint_stance(Path(directory)))
    reports.update(lint_actors(Path(directory)))
    return reports


def lint_actors(directory: Path) -> dict[str, FrameReport]:
    """The actor lexicon of a lexicon folder (``sourcing/actors.yaml``), checked by the
    loader a run uses; empty when the folder has none."""
    path = Path(directory) / ACTORS_IN_FOLDER
    if not path.is_file():
        return {}
    report = FrameReport(str(path), "sourcing:actors")
    try:
        actors = load_actors(path)
    except LexiconError as exc:
        report.errors.append(str(exc))
    else:
        report.entries = len(actors.actors) + len(actors.countries) + len(actors.roles)
    return {report.frame: report}


def lint_command(directory: Path, as_json: bool = False) -> int:
    """Print the lint report; 0 when clean of errors, 2 otherwise."""
    if not Path(directory).is_dir() or not list(Path(directory).glob("*.yaml")):
        print(f"error: no *.yaml lexicons in {directory}", file=sys.stderr)
        return 2
    reports = lint(directory)
    n_errors = sum(len(r.errors) for r in reports.values())
    if as_json:
        payload = {
            f: {"entries": r.entries, "errors": r.errors, "warnings": r.warnings}
            for f, r in reports.items()
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for r in reports.values():
            for line in r.errors:
                print(f"error: {line}")
            for line in r.warnings:
                print(f"warning: {line}")
        for r in reports.values():
            print(
                f"{r.frame}: {r.entries} entries, {len(r.errors)} errors, "
                f"{len(r.warnings)} warnings ({r.file})"
            )
    return 2 if n_errors else 0
