"""``python -m pipeline stance-check RUN``: the stance validation figures of a finished run,
from its ``data/stance_validation.csv`` or, given a gold file (or when the run has none),
computed from its ``stance_articles.csv`` and the gold labels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from pipeline.aggregate.stance_check import check_run
from pipeline.analyze.stance_lexicon import STANCE_DIR, load_stance
from pipeline.ingest.corpus import CorpusError
from pipeline.ingest.stance_gold import (
    GOLD_FILE,
    StanceGoldError,
    manifest_ids,
    read_stance_gold,
)
from pipeline.runfolder.tables import has_table, read_table


def _gold_file(run_dir: Path, given: str | None) -> Path:
    if given:
        return Path(given)
    try:
        corpus = Path(json.loads((run_dir / "run.json").read_text("utf-8"))["corpus"]["path"])
    except (OSError, ValueError, KeyError, TypeError):
        raise CorpusError(
            f"{run_dir}: no readable run.json; give the gold file with --gold"
        ) from None
    path = corpus / GOLD_FILE
    if not path.is_file():
        raise CorpusError(f"{path}: no gold file beside the run's corpus; give one with --gold")
    return path


def _known_ids(gold_file: Path, run_dir: Path) -> set[str]:
    """The manifest's ids when the gold file sits beside one, else the run's articles."""
    if (gold_file.parent / "manifest.csv").is_file():
        return manifest_ids(gold_file.parent)
    return set(read_table(run_dir, "corpus", ["article_id"])["article_id"].astype(str))


def validation_for_run(run: str, gold: str | None, lexicons: str) -> pd.DataFrame:
    """The validation table of ``run`` (a run folder or ``outputs/latest``); raise CorpusError
    (StanceGoldError for a bad gold file) with one line when it cannot be had."""
    run_dir = Path(run).resolve()
    if not (run_dir / "data").is_dir():
        raise CorpusError(f"{run}: not a run folder (no data/)")
    if gold is None and has_table(run_dir, "stance_validation"):
        table = read_table(run_dir, "stance_validation")
        if len(table):
            return table
    if not has_table(run_dir, "stance_articles"):
        raise CorpusError(f"{run}: the run measured no stance (no stance_articles.csv)")
    stance = load_stance(Path(lexicons) / STANCE_DIR)
    if stance is None:
        raise StanceGoldError(f"{lexicons}: no stance lexicons ({STANCE_DIR}/targets.yaml)")
    path = _gold_file(run_dir, gold)
    if not path.is_file():
        raise StanceGoldError(f"{path}: gold file not found")
    labels = read_stance_gold(path, _known_ids(path, run_dir), stance.target_ids)
    table = check_run(run_dir, labels)
    if not int(table["pairs"].iloc[-1]):
        raise CorpusError(f"{path}: none of its articles was scored in {run}")
    return table


def _cell(value: object, count: bool) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "—"
    if isinstance(value, int | float):
        return str(int(value)) if count else f"{value:.2f}"
    return str(value)


def format_validation(table: pd.DataFrame) -> str:
    """The table as aligned text, one target a line, ``all`` last."""
    heads = ["target", "pairs", "gold ±", "pipeline ±", "agree", "kappa", "coverage", "precision"]
    cols = list(table.columns)
    counts = ("pairs", "gold_signed", "predicted_signed")
    rows = [[_cell(r[c], c in counts) for c in cols] for r in table.to_dict("records")]
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(heads)]
    lines = [
        "  ".join(
            h.ljust(w) if k == 0 else h.rjust(w)
            for k, (h, w) in enumerate(zip(heads, widths, strict=True))
        )
    ]
    for r in rows:
        lines.append(
            "  ".join(
                c.ljust(w) if k == 0 else c.rjust(w)
                for k, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(lines)
