"""Refuse a run on lexicons that ``lexicon lint`` refuses: one verdict for both commands.

Lint tokenizes every entry (an entry that cannot match its own text is an error), which costs
a run about a second, so a clean verdict is remembered under the output folder's cache, keyed
by the lexicon set's hash and the bytes of the code that judges it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.analyze.lexicon_yaml import LexiconError
from pipeline.cache.keys import code_hash

JUDGES = ("pipeline.analyze", "pipeline.lexicon_tools")


def lint_errors(directory: Path) -> list[str]:
    """Every error ``lexicon lint`` reports on a lexicon folder, in its order."""
    from pipeline.lexicon_tools.lint import lint

    return [line for report in lint(directory).values() for line in report.errors]


def refuse_what_lint_refuses(directory: Path, lexicons_sha256: str, cache: Path | None) -> None:
    """Raise LexiconError with lint's first error (and how many more) when lint finds any.

    ``cache`` (a folder, or None for no cache) keeps a marker per clean verdict; a marker
    only says "this key was clean", so a stale one cannot be trusted wrongly: the key holds
    everything the verdict depends on.
    """
    key = hashlib.sha256(f"{lexicons_sha256}:{code_hash(*JUDGES)}".encode()).hexdigest()
    marker = cache / key if cache is not None else None
    if marker is not None and marker.is_file():
        return
    errors = lint_errors(Path(directory))
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        path, _, message = errors[0].partition(": ")
        raise LexiconError(
            Path(path), None, f"{message}{more}; see `python -m pipeline lexicon lint`"
        )
    if marker is None:
        return
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("clean\n", encoding="utf-8")
        os.replace(tmp, marker)
    except OSError:  # a read-only output folder is reported by the run itself
        return
