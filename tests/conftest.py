"""Shared fixtures: the repository's seed corpus and lexicons, and one real flow run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files that start servers go first, then files that run the real flow. Whole files go
    to one test process (``--dist loadfile --no-loadscope-reorder`` keeps this order), so a
    long file started last would leave the other process idle until it ends; a server test
    that waits for a schedule to fire overlaps best with the other process's work."""
    servers = {item.path for item in items if item.get_closest_marker("slow")}
    flows = {item.path for item in items if "harness" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: (item.path not in servers, item.path not in flows))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return ROOT / "corpus"


@pytest.fixture(scope="session")
def lexicon_dir() -> Path:
    return ROOT / "lexicons"


@pytest.fixture(scope="session")
def actors(lexicon_dir: Path):
    """The shipped actor lexicon (speaker groups), loaded once."""
    from pipeline.analyze.actors import load_actors

    return load_actors(lexicon_dir / "sourcing" / "actors.yaml")


@pytest.fixture(scope="session")
def stance(lexicon_dir: Path):
    """The shipped stance lexicons, compiled once."""
    from pipeline.analyze.stance_lexicon import load_stance

    lex = load_stance(lexicon_dir / "stance")
    assert lex is not None
    return lex


@pytest.fixture(scope="session")
def lexicons(lexicon_dir: Path):
    """The shipped lexicons, compiled once."""
    from pipeline.analyze.lexicons import load_lexicons

    return load_lexicons(lexicon_dir)


@pytest.fixture(scope="session")
def refs(corpus_dir: Path):
    """The seed corpus's manifest rows."""
    from pipeline.ingest.corpus import read_manifest

    return read_manifest(corpus_dir).articles


@pytest.fixture(scope="session")
def harness():
    """One temporary Prefect server for every flow run of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seed_run(
    harness, tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, lexicon_dir: Path
):
    """The real flow on the seed corpus, once per test session."""
    from pipeline.orchestration.flows import Settings, framing_flow

    out = tmp_path_factory.mktemp("outputs")
    settings = Settings(
        corpus=str(corpus_dir), lexicons=str(lexicon_dir), out=str(out), bootstrap=200, batch_size=2
    )
    return out, framing_flow(settings)
