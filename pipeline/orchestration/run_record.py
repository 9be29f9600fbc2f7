"""Build a run's record (``RunRecord``) from what the run read and what came of it."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any

from pipeline import __version__
from pipeline.analyze.lexicon_set import LexiconSet
from pipeline.analyze.stance_lexicon import STANCE_DIR
from pipeline.ingest.batches import Plan
from pipeline.runfolder.record import BatchRecord, CorpusRecord, RunRecord
from pipeline.settings import Settings


def tool_versions() -> dict[str, str]:
    """The versions of Python, this package and the libraries the numbers depend on."""
    from pipeline.analyze.tokens import versions

    tv = versions()
    return {
        "python": platform.python_version(),
        "pipeline": __version__,
        "prefect": version("prefect"),
        "fugashi": tv["fugashi"],
        "unidic_lite": tv["unidic_lite"],
        "pandas": version("pandas"),
        "scikit_learn": version("scikit-learn"),
    }


@dataclass(frozen=True)
class RunInputs:
    """What a run read: its settings, its lexicon set and the plan of its corpus."""

    settings: Settings
    lexset: LexiconSet
    plan: Plan


def build_record(
    run_id: str,
    started: datetime,
    inputs: RunInputs,
    summary: dict[str, Any],
    batches: BatchRecord,
) -> RunRecord:
    """What the run read (corpus, lexicons), with which tools and settings, and what came of
    it (quarantined articles, warnings, the validation summary)."""
    settings, lexset, plan = inputs.settings, inputs.lexset, inputs.plan
    quarantined = [asdict(q) for q in plan.quarantined] + summary["quarantined"]
    return RunRecord(
        run_id=run_id,
        started=started.isoformat(timespec="seconds"),
        corpus=CorpusRecord(
            path=settings.corpus,
            sha256=plan.sha256,
            articles=plan.articles + len(plan.quarantined),
            scored=summary["scored"],
            quarantined=len(quarantined),
        ),
        lexicons=[
            {
                "frame": lx.frame,
                "label": lx.label,
                "file": str(lx.path),
                "entries": len(lx.entries),
                "sha256": lx.sha256,
            }
            for lx in lexset.frames
        ],
        lexicon_files=[
            {"name": f.name, "file": str(f.path), "sha256": f.sha256} for f in lexset.files
        ],
        lexicons_sha256=lexset.sha256,
        tools=tool_versions(),
        settings=settings.record(),
        batches=batches,
        quarantined=quarantined,
        warnings=plan.warnings + summary["warnings"],
        validation=summary["validation"],
        stance_lexicons=[
            {"file": str(f.path), "sha256": f.sha256}
            for f in sorted(lexset.files, key=lambda f: f.name)
            if f.name.startswith(f"{STANCE_DIR}/")
        ],
    )
