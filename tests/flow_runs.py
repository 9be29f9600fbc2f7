"""Helpers shared by the flow integration tests (tests/test_flows*.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.orchestration.flows import Settings


def csv_bytes(run_dir: Path) -> dict[str, bytes]:
    """Every data/*.csv of a run folder, by name."""
    return {p.name: p.read_bytes() for p in sorted((run_dir / "data").glob("*.csv"))}


def seed_settings(out: Path, corpus_dir: Path, lexicon_dir: Path, **kw: Any) -> Settings:
    """The settings of a test run: the given folders, a short bootstrap, the rest as given."""
    return Settings(corpus=str(corpus_dir), lexicons=str(lexicon_dir), out=str(out), bootstrap=200,
                    **kw)  # fmt: skip
